"""The plan's staff limit, enforced by accounts' services: invitations, new accounts and
reactivations past it are refused (a 403 form error on the Team page), and of two invitations
racing for the last seat one wins."""

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts import services
from accounts.models import AuditEntry, User
from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from billing import services as billing
from billing.limits import PlanLimitError
from billing.models import PlanOverride, Subscription
from conftest import ensure_test_tenants, login_as
from tenants.models import Plan, Tenant
from tenants.tests.test_admin import admin_url, operator, operator_client  # noqa: F401

HTMX = {"HTTP_HX_REQUEST": "true"}


def on_plan(tenant: Tenant, code: str) -> Subscription:
    return billing.subscription_start(tenant=tenant, plan=Plan.objects.get(code=code))


def invite(email: str, *, invited_by: User | None = None) -> User:
    return services.user_invite(
        email=email,
        full_name="New Person",
        role=User.Role.STAFF,
        invited_by=invited_by,
        base_url="http://alpha.localhost",
        business_name="Alpha Barbers",
    )


@pytest.fixture
def owner(alpha):
    return OwnerFactory(email="olivia@example.com", language="en")


@pytest.fixture
def owner_client(owner, alpha_client):
    return login_as(alpha_client, owner, "alpha")


@pytest.fixture
def free(tenant_alpha, owner):
    """Alpha on Free (1 staff account): the owner already takes the only seat."""
    return on_plan(tenant_alpha, "free")


# --- Services ------------------------------------------------------------------------------------


def test_invitations_under_at_and_over_the_staff_limit(tenant_alpha, owner, mailoutbox):
    on_plan(tenant_alpha, "starter")  # 3 staff accounts; the owner is the first
    invite("one@example.com", invited_by=owner)  # 2 of 3: under
    invite("two@example.com", invited_by=owner)  # 3 of 3: at the limit, still fits
    with pytest.raises(PlanLimitError) as refused:
        invite("three@example.com", invited_by=owner)  # would be 4 of 3
    assert refused.value.code == "limit_staff" and refused.value.status == 403
    message = refused.value.message
    assert "Starter" in message and "limit of 3 for staff accounts" in message
    assert "Pro allows 15" in message  # the plan that allows more
    assert not User.objects.filter(email="three@example.com").exists()
    assert User.objects.filter(is_active=True).count() == 3


def test_without_a_subscription_the_default_plan_applies(alpha, owner):
    # The test businesses have none: Pro's 15 accounts, so inviting just works.
    assert not Subscription.objects.exists()
    invite("someone@example.com", invited_by=owner)
    assert User.objects.count() == 2


def test_an_operator_override_moves_the_limit(tenant_alpha, owner, free):
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_staff", limit=2)
    invite("second@example.com", invited_by=owner)
    with pytest.raises(PlanLimitError):
        invite("third@example.com", invited_by=owner)


def test_user_create_counts_too_and_an_inactive_member_takes_no_seat(owner, free):
    UserFactory(is_active=False)  # deactivated: not counted
    with pytest.raises(PlanLimitError):
        services.user_create(email="direct@example.com", password=None)
    assert User.objects.filter(is_active=True).count() == 1


def test_reactivating_past_the_limit_is_refused(owner, free):
    away = UserFactory(email="away@example.com", is_active=False)
    with pytest.raises(PlanLimitError) as refused:
        services.user_set_active(actor=owner, user=away, active=True)
    assert refused.value.code == "limit_staff"
    away.refresh_from_db()
    assert not away.is_active
    # An active member "reactivated" again changes nothing and is not counted twice.
    services.user_set_active(actor=owner, user=owner, active=True)


def test_deactivating_one_frees_the_seat_for_another(tenant_alpha, owner):
    on_plan(tenant_alpha, "starter")
    members = [UserFactory(), UserFactory()]  # 3 of 3
    away = UserFactory(is_active=False)
    with pytest.raises(PlanLimitError):
        services.user_set_active(actor=owner, user=away, active=True)
    services.user_set_active(actor=owner, user=members[0], active=False)
    services.user_set_active(actor=owner, user=away, active=True)
    assert User.objects.filter(is_active=True).count() == 3


# --- The Team page -------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_invite_past_the_limit_is_a_403_form_error_with_the_billing_link(
    owner_client, free, headers, mailoutbox
):
    response = owner_client.post(
        "/app/team/invite/",
        {"full_name": "Nina New", "email": "nina@example.com", "role": "staff"},
        **headers,
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="form-errors"' in body
    assert "Your plan (Free) has a limit of 1 for staff accounts." in body
    assert 'href="/app/billing/"' in body  # owners may change plan there
    assert ("<html" in body) is not bool(headers)
    assert not User.objects.filter(email="nina@example.com").exists()
    assert mailoutbox == []


def test_admins_get_the_refusal_without_the_billing_link(alpha_client, free):
    login_as(alpha_client, AdminFactory(is_active=True), "alpha")  # 2 of 1: already over
    response = alpha_client.post(
        "/app/team/invite/", {"full_name": "N", "email": "n@example.com", "role": "staff"}, **HTMX
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "has a limit of 1 for staff accounts" in body
    assert 'href="/app/billing/"' not in body


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_reactivate_past_the_limit_is_a_403_on_the_team_page(owner_client, free, headers):
    away = UserFactory(email="away@example.com", is_active=False)
    response = owner_client.post(f"/app/team/{away.pk}/reactivate/", **headers)
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="panel-error"' in body and "limit of 1 for staff accounts" in body
    assert 'href="/app/billing/"' in body
    away.refresh_from_db()
    assert not away.is_active


def test_the_refusal_is_in_portuguese_for_a_portuguese_reader(owner, owner_client, free):
    owner.language = "pt-br"
    owner.save(update_fields=["language"])
    response = owner_client.post(
        "/app/team/invite/",
        {"full_name": "Nina", "email": "nina@example.com", "role": "staff"},
        **HTMX,
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "Seu plano (Free) tem limite de 1 para contas da equipe." in body
    assert "Veja os planos na página Assinatura" in body


# --- The operators' staff page -------------------------------------------------------------------


def test_the_operators_staff_page_shows_the_refusal(operator_client, tenant_alpha):  # noqa: F811
    with schema_context("alpha"):
        OwnerFactory(email="boss@alpha.test")
    on_plan(tenant_alpha, "free")
    url = admin_url("tenants_tenant_staff", tenant_alpha.pk)
    response = operator_client.post(
        url, {"full_name": "Nina New", "email": "nina@example.com", "role": "staff"}
    )
    assert response.status_code == 200
    assert "limit of 1 for staff accounts" in response.content.decode()
    with schema_context("alpha"):
        assert not User.objects.filter(email="nina@example.com").exists()
        away = UserFactory(email="away@alpha.test", is_active=False)
    action = admin_url("tenants_tenant_staff_action", tenant_alpha.pk, away.pk, "reactivate")
    response = operator_client.post(action, follow=True)
    assert "limit of 1 for staff accounts" in response.content.decode()
    with schema_context("alpha"):
        away.refresh_from_db()
        assert not away.is_active


# --- The race for the last seat ------------------------------------------------------------------


@pytest.fixture
def one_seat_left(public_rows_restored, transactional_db):
    """Alpha on Starter (3 staff) with 2 members, committed: two invitations race for the seat."""
    ensure_test_tenants()
    tenant = Tenant.objects.get(schema_name="alpha")
    subscription = on_plan(tenant, "starter")
    with schema_context("alpha"):
        User.objects.all().delete()
        owner = OwnerFactory(email="o@race.test")
        UserFactory(email="s@race.test")
    yield owner
    with schema_context("alpha"):
        AuditEntry.objects.all().delete()  # the invitations' entries, committed
        User.objects.all().delete()
    Subscription.objects.filter(pk=subscription.pk).delete()


def test_two_invitations_racing_for_the_last_staff_seat_one_wins(one_seat_left):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def racer(n: int) -> None:
        try:
            with schema_context("alpha"):
                barrier.wait(timeout=5)
                invite(f"racer{n}@race.test", invited_by=one_seat_left)
            outcomes.append("won")
        except PlanLimitError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["refused", "won"]
    with schema_context("alpha"):
        assert User.objects.filter(is_active=True).count() == 3
        assert User.objects.filter(email__startswith="racer").count() == 1
