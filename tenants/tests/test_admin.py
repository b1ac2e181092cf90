"""Operators' admin: platform host only, superusers only, and each business's staff accounts."""

import re
from urllib.parse import urlparse

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import PASSWORD, OwnerFactory, UserFactory
from conftest import host_client, login_as
from tenants.models import Tenant

PUBLIC_URLS = "config.urls_public"
OPERATOR_PASSWORD = "operator-Pass-2030"
NEW_PASSWORD = "Fresh-lantern-2031"


def admin_url(name: str, *args) -> str:
    # The test process's default URLconf is the tenants' one; the admin is on the platform's.
    return reverse(f"admin:{name}", args=args, urlconf=PUBLIC_URLS)


@pytest.fixture
def operator(db) -> User:
    # The public schema (the autouse fixture leaves the connection there). Operators need an
    # authenticator app before the admin opens (accounts/tests/test_two_factor.py).
    user = User.objects.create_superuser(email="root@agendo.test", password=OPERATOR_PASSWORD)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_code = lambda: format_hotp_value(
        hotp_value(secret, next(yield_hotp_counters_from_time()))
    )
    return user


@pytest.fixture
def operator_client(operator, platform_client):
    return login_as(platform_client, operator, "public")


@pytest.fixture
def alpha_member(tenant_alpha) -> User:
    with schema_context("alpha"):
        return UserFactory(email="member@alpha.test", full_name="Alma Member")


def _link(mail, host: str) -> str:
    match = re.search(rf"http://{re.escape(host)}/\S+", mail.body)
    assert match, mail.body
    return match.group(0)


def _staff_table(response) -> str:
    content = response.content.decode()
    return content[content.index("<tbody>") : content.index("</tbody>")]


# --- Who gets in ---------------------------------------------------------------------------------


def test_admin_is_not_served_on_a_tenant_host(alpha_client):
    assert alpha_client.get("/admin/").status_code == 404
    assert alpha_client.get("/admin/login/").status_code == 404


def test_anonymous_visitor_is_sent_to_the_admin_login(platform_client):
    response = platform_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    assert platform_client.get(admin_url("tenants_tenant_changelist")).status_code == 302


def test_public_user_who_is_not_an_operator_cannot_get_in(db, platform_client):
    user = User.objects.create_user(email="someone@agendo.test", password=OPERATOR_PASSWORD)
    # Logging in is allauth's (with its code step); the admin's own password form is gone.
    response = platform_client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in platform_client.session

    login_as(platform_client, user, "public")  # even with a session, the admin says no
    response = platform_client.get(admin_url("tenants_tenant_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_flag_without_superuser_does_not_open_the_admin(db, platform_client):
    user = User.objects.create_user(
        email="half@agendo.test", password=OPERATOR_PASSWORD, is_staff=True
    )
    login_as(platform_client, user, "public")
    for url in ("/admin/", admin_url("tenants_tenant_changelist")):
        response = platform_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/")
    user.is_superuser = True
    user.save()
    TOTP.activate(user, generate_totp_secret())  # operators have two-factor
    assert platform_client.get(admin_url("tenants_tenant_changelist")).status_code == 200


def test_tenant_user_cannot_use_the_platform_admin(tenant_alpha, platform_client):
    with schema_context("alpha"):
        OwnerFactory(email="boss@alpha.test", is_staff=True, is_superuser=True)
    response = platform_client.post(
        "/accounts/login/?next=/admin/", {"login": "boss@alpha.test", "password": "x"}
    )
    assert response.status_code == 200  # the form again: no such account on the platform
    assert "_auth_user_id" not in platform_client.session


def test_operator_logs_in_and_sees_the_businesses(operator, platform_client, tenant_alpha):
    response = platform_client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = platform_client.get(response["Location"])
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    response = platform_client.post(
        response["Location"], {"login": operator.email, "password": OPERATOR_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = platform_client.post(response["Location"], {"code": operator.totp_code()})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"

    changelist = platform_client.get(admin_url("tenants_tenant_changelist"))
    assert changelist.status_code == 200
    assert b"Alpha Barbers" in changelist.content
    assert b"Beta Clinic" in changelist.content

    change = platform_client.get(admin_url("tenants_tenant_change", tenant_alpha.pk))
    assert change.status_code == 200
    assert b"alpha.localhost" in change.content  # the domain inline
    assert admin_url("tenants_tenant_staff", tenant_alpha.pk).encode() in change.content


# --- Actions -------------------------------------------------------------------------------------


def test_deactivate_and_activate_actions_flip_is_active(operator_client, tenant_alpha, tenant_beta):
    changelist = admin_url("tenants_tenant_changelist")

    response = operator_client.post(
        changelist, {"action": "deactivate", "_selected_action": [tenant_alpha.pk]}
    )
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant_alpha.pk).is_active is False
    assert Tenant.objects.get(pk=tenant_beta.pk).is_active is True  # only the selected one
    assert host_client("alpha.localhost").get("/").status_code == 503  # closed to visitors

    response = operator_client.post(
        changelist, {"action": "activate", "_selected_action": [tenant_alpha.pk]}
    )
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant_alpha.pk).is_active is True
    assert host_client("alpha.localhost").get("/").status_code == 200


def test_the_platform_itself_cannot_be_deactivated(operator_client):
    public = Tenant.objects.get(schema_name="public")
    operator_client.post(
        admin_url("tenants_tenant_changelist"),
        {"action": "deactivate", "_selected_action": [public.pk]},
    )
    assert Tenant.objects.get(pk=public.pk).is_active is True


# --- A business's staff accounts -----------------------------------------------------------------


def test_staff_page_lists_that_business_users_only(
    operator_client, tenant_alpha, tenant_beta, alpha_member
):
    with schema_context("beta"):
        UserFactory(email="member@beta.test")

    response = operator_client.get(admin_url("tenants_tenant_staff", tenant_alpha.pk))

    assert response.status_code == 200
    table = _staff_table(response)
    assert "member@alpha.test" in table
    assert "Alma Member" in table
    assert "member@beta.test" not in table
    assert "root@agendo.test" not in table  # operators live in the public schema


def test_staff_page_is_for_operators_only(platform_client, tenant_alpha, db):
    url = admin_url("tenants_tenant_staff", tenant_alpha.pk)
    assert platform_client.get(url).status_code == 302
    user = User.objects.create_user(email="someone@agendo.test", password=OPERATOR_PASSWORD)
    login_as(platform_client, user, "public")
    response = platform_client.post(url, {"full_name": "X", "email": "x@x.test", "role": "staff"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    with schema_context("alpha"):
        assert not User.objects.filter(email="x@x.test").exists()


def test_there_is_no_staff_page_for_the_platform_tenant(operator_client):
    public = Tenant.objects.get(schema_name="public")
    assert operator_client.get(admin_url("tenants_tenant_staff", public.pk)).status_code == 404


def test_creating_a_staff_account_invites_them_by_email(
    operator_client, tenant_alpha, mailoutbox, django_capture_on_commit_callbacks
):
    url = admin_url("tenants_tenant_staff", tenant_alpha.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            url, {"full_name": "Nina New", "email": "Nina@Example.com", "role": "admin"}
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == url
    with schema_context("alpha"):
        user = User.objects.get(email="nina@example.com")
        assert user.role == User.Role.ADMIN
        assert user.full_name == "Nina New"
        assert not user.has_usable_password()
    assert not User.objects.filter(email="nina@example.com").exists()  # not in public
    with schema_context("beta"):
        assert not User.objects.filter(email="nina@example.com").exists()

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["nina@example.com"]
    assert "Alpha Barbers" in mail.subject
    link = _link(mail, "alpha.localhost")
    assert link.startswith("http://alpha.localhost/accounts/invite/")

    # The link works on the business's host: the invitee chooses a password there.
    page = host_client("alpha.localhost").get(urlparse(link).path)
    assert page.status_code == 200


def test_creating_a_staff_account_with_a_taken_email_shows_an_error(
    operator_client, tenant_alpha, alpha_member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            admin_url("tenants_tenant_staff", tenant_alpha.pk),
            {"full_name": "Again", "email": "member@alpha.test", "role": "staff"},
        )
    assert response.status_code == 200
    assert b"There is already an account for member@alpha.test" in response.content
    assert mailoutbox == []
    with schema_context("alpha"):
        assert User.objects.filter(email="member@alpha.test").count() == 1


def _staff_action(client, tenant, user, action):
    url = admin_url("tenants_tenant_staff_action", tenant.pk, user.pk, action)
    return client.post(url)


def test_deactivate_and_reactivate_a_staff_account(
    operator_client, tenant_alpha, tenant_beta, alpha_member
):
    with schema_context("beta"):
        namesake = UserFactory(email="member@alpha.test")  # same address, another business

    response = _staff_action(operator_client, tenant_alpha, alpha_member, "deactivate")
    assert response.status_code == 302
    assert response["Location"] == admin_url("tenants_tenant_staff", tenant_alpha.pk)
    with schema_context("alpha"):
        alpha_member.refresh_from_db()
    assert alpha_member.is_active is False
    with schema_context("beta"):
        namesake.refresh_from_db()
    assert namesake.is_active is True

    _staff_action(operator_client, tenant_alpha, alpha_member, "reactivate")
    with schema_context("alpha"):
        alpha_member.refresh_from_db()
    assert alpha_member.is_active is True


def test_deactivated_staff_member_can_no_longer_log_in(operator_client, tenant_alpha):
    with schema_context("alpha"):
        member = UserFactory(email="leaving@alpha.test")
    _staff_action(operator_client, tenant_alpha, member, "deactivate")
    client = host_client("alpha.localhost")
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session


def test_the_last_owner_cannot_be_deactivated_from_the_admin(operator_client, tenant_alpha):
    with schema_context("alpha"):
        owner = OwnerFactory(email="only-owner@alpha.test")
    response = _staff_action(operator_client, tenant_alpha, owner, "deactivate")
    assert response.status_code == 302
    with schema_context("alpha"):
        owner.refresh_from_db()
    assert owner.is_active is True
    page = operator_client.get(response["Location"])
    assert b"last active owner" in page.content


def test_staff_actions_only_change_on_post(operator_client, tenant_alpha, alpha_member):
    url = admin_url("tenants_tenant_staff_action", tenant_alpha.pk, alpha_member.pk, "deactivate")
    assert operator_client.get(url).status_code == 302
    with schema_context("alpha"):
        alpha_member.refresh_from_db()
    assert alpha_member.is_active is True


def test_password_reset_from_the_admin_lets_the_user_choose_a_new_password(
    operator_client, tenant_alpha, alpha_member, mailoutbox
):
    response = _staff_action(operator_client, tenant_alpha, alpha_member, "reset")
    assert response.status_code == 302

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["member@alpha.test"]
    link = _link(mail, "alpha.localhost")
    assert "/accounts/password/reset/key/" in link

    # allauth moves the key from the URL into the session, then shows the form.
    alpha = host_client("alpha.localhost")
    response = alpha.get(urlparse(link).path)
    assert response.status_code == 302
    form_url = response["Location"]
    assert alpha.get(form_url).status_code == 200
    response = alpha.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    with schema_context("alpha"):
        alpha_member.refresh_from_db()
    assert alpha_member.check_password(NEW_PASSWORD)

    fresh = host_client("alpha.localhost")
    response = fresh.post(
        "/accounts/login/", {"login": "member@alpha.test", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert fresh.get("/app/").status_code == 200


def test_password_reset_link_of_one_business_is_useless_on_another(
    operator_client, tenant_alpha, tenant_beta, alpha_member, mailoutbox
):
    _staff_action(operator_client, tenant_alpha, alpha_member, "reset")
    path = urlparse(_link(mailoutbox[0], "alpha.localhost")).path
    beta = host_client("beta.localhost")
    response = beta.get(path, follow=True)
    assert b"password1" not in response.content  # no form to set a password on beta
