"""Plans' terms, limits at, under and over their value, the subscription's lifecycle, the beat."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, User
from accounts.tests.factories import OwnerFactory, UserFactory
from billing import limits, services, usage
from billing.models import PlanOverride, Subscription, SubscriptionEvent
from billing.terms import terms_changed, terms_for
from config.celery import app as celery_app
from conftest import ensure_test_tenants
from scheduling.tests.factories import ResourceFactory, ServiceFactory
from tenants.models import Plan, Tenant

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
Status = Subscription.Status


def plan(code: str) -> Plan:
    return Plan.objects.get(code=code)


@pytest.fixture(autouse=True)
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def trial(alpha, tenant_alpha):
    """Alpha on a Free trial started at NOW."""
    return services.subscription_start(tenant=tenant_alpha, plan=plan("free"), now=NOW)


# --- Plans and terms ------------------------------------------------------------------------------


def test_the_four_plans_exist_with_limits_and_modules(db):
    codes = list(Plan.objects.order_by("monthly_price").values_list("code", flat=True))
    assert codes == ["free", "starter", "pro", "enterprise"]
    assert Plan.objects.get(is_default=True).code == "pro"
    enterprise = plan("enterprise")
    assert enterprise.max_staff is None and enterprise.module_webhooks
    assert not plan("free").module_whatsapp


def test_an_operator_override_beats_the_plan(trial, tenant_alpha):
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_resources", limit=10)
    PlanOverride.objects.create(tenant=tenant_alpha, key="module_reports", enabled=True)
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_staff", limit=None)
    terms = terms_for(tenant_alpha)
    assert terms.limit("resources") == 10 and terms.limit("staff") is None
    assert terms.limit("services") == plan("free").max_services
    assert terms.has("reports") and not terms.has("whatsapp")


# --- Limits -----------------------------------------------------------------------------------


def test_resources_under_at_and_over_the_limit(trial):
    assert plan("free").max_resources == 2
    with transaction.atomic():
        limits.limit_check("resources")  # 0 of 2
    ResourceFactory()
    limits.limit_check("resources")  # 1 of 2: one more fits
    ResourceFactory()
    with pytest.raises(limits.PlanLimitError) as refused:
        limits.limit_check("resources")  # 2 of 2
    error = refused.value
    assert error.code == "limit_resources" and error.status == 403
    assert "Free" in error.message and "a limit of 2 for resources" in error.message
    assert "Starter allows 5" in error.message  # the plan that allows more
    ResourceFactory(is_active=False)  # an inactive one does not count
    with pytest.raises(limits.PlanLimitError):
        limits.limit_check("resources")


def test_bookings_past_the_period_limit_pause_online_booking(trial, tenant_alpha):
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_bookings", limit=1)
    assert limits.online_booking_state() == "open"
    from bookings.tests.factories import BookingFactory

    booking = BookingFactory()
    # Created "now", inside the trial's period only if the period holds now: move the period.
    Subscription.objects.filter(pk=trial.pk).update(
        current_period_start=booking.created_at - dt.timedelta(days=1),
        current_period_end=booking.created_at + dt.timedelta(days=1),
    )
    terms_changed()  # an update() sends no signal
    assert limits.online_booking_state() == "paused_limit"


def test_a_suspended_business_pauses_online_booking(trial):
    services.subscription_suspend(subscription=trial, reason="fraud check", now=NOW)
    assert limits.online_booking_state() == "paused_status"


def test_the_usage_figures_cost_one_query(trial):
    OwnerFactory()
    ResourceFactory()
    ServiceFactory()
    with CaptureQueriesContext(connection) as queries:
        figures = usage.usage(NOW - dt.timedelta(days=30), NOW + dt.timedelta(days=30))
    # django-tenants may first set the search path again (after a schema_context elsewhere).
    sql = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    assert len(sql) == 1, sql
    assert figures["staff"] == 1 and figures["resources"] >= 1 and figures["services"] >= 1
    assert figures["bookings"] == 0 and figures["whatsapp"] == 0


@pytest.fixture
def one_seat_left(public_rows_restored, transactional_db):
    """Alpha on Starter (3 staff) with 2 members, committed: two invitations race for the seat."""
    ensure_test_tenants()
    tenant = Tenant.objects.get(schema_name="alpha")
    subscription = services.subscription_start(tenant=tenant, plan=plan("starter"))
    with schema_context("alpha"):
        User.objects.all().delete()
        OwnerFactory(email="o@race.test")
        UserFactory(email="s@race.test")
    yield
    with schema_context("alpha"):
        AuditEntry.objects.all().delete()  # the invitations' entries, committed
        User.objects.all().delete()
    Subscription.objects.filter(pk=subscription.pk).delete()


def test_two_invitations_racing_for_the_last_staff_seat_one_wins(one_seat_left):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def invite(n: int) -> None:
        try:
            with schema_context("alpha"), transaction.atomic():
                barrier.wait(timeout=5)
                limits.limit_check("staff")
                UserFactory(email=f"racer{n}@race.test")
            outcomes.append("won")
        except limits.PlanLimitError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=invite, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["refused", "won"]
    with schema_context("alpha"):
        assert User.objects.filter(is_active=True).count() == 3


# --- Lifecycle ----------------------------------------------------------------------------------


def test_a_trial_starts_on_the_chosen_plan_for_fourteen_days(trial, tenant_alpha):
    assert trial.status == Status.TRIALING and trial.plan.code == "free"
    assert trial.trial_ends_at == NOW + dt.timedelta(days=14)
    assert (trial.current_period_start, trial.current_period_end) == (NOW, trial.trial_ends_at)
    event = trial.events.get()
    assert (event.from_status, event.to_status, event.reason) == ("", "trialing", "sign-up")
    tenant_alpha.refresh_from_db()
    assert tenant_alpha.plan.code == "free"


def test_each_change_writes_its_event_with_who_and_why(trial):
    sub = services.subscription_activate(subscription=trial, now=NOW, billing_event_id="evt_1")
    assert sub.status == Status.ACTIVE
    assert sub.current_period_end == dt.datetime(2027, 4, 1, 12, tzinfo=dt.UTC)
    sub = services.subscription_change(
        subscription=sub, status=Status.PAST_DUE, reason="payment.failed", actor="billing", now=NOW
    )
    assert sub.grace_ends_at == NOW + dt.timedelta(days=7)
    sub = services.subscription_suspend(
        subscription=sub, reason="chargeback", actor="operator", actor_email="op@agendo.test"
    )
    assert sub.status == Status.SUSPENDED and sub.suspended_reason == "chargeback"
    sub = services.subscription_reactivate(subscription=sub, actor_email="op@agendo.test")
    assert sub.status == Status.ACTIVE and sub.suspended_reason == "" and sub.grace_ends_at is None
    trail = list(
        SubscriptionEvent.objects.filter(subscription=trial)
        .order_by("id")
        .values_list("from_status", "to_status", "actor")
    )
    assert trail == [
        ("", "trialing", "owner"),
        ("trialing", "active", "billing"),
        ("active", "past_due", "billing"),
        ("past_due", "suspended", "operator"),
        ("suspended", "active", "operator"),
    ]
    assert SubscriptionEvent.objects.filter(billing_event_id="evt_1").count() == 1


def test_a_cancelled_business_cannot_be_made_past_due(trial):
    sub = services.subscription_change(
        subscription=trial, status=Status.CANCELLED, reason="owner left", actor="owner"
    )
    with pytest.raises(services.BillingError) as refused:
        services.subscription_change(
            subscription=sub, status=Status.PAST_DUE, reason="x", actor="billing"
        )
    assert refused.value.status == 409


def test_a_downgrade_the_business_does_not_fit_is_refused_with_what_to_remove(alpha, tenant_alpha):
    sub = services.subscription_start(tenant=tenant_alpha, plan=plan("pro"), now=NOW)
    for _ in range(3):
        ResourceFactory()
    OwnerFactory()
    UserFactory()
    with pytest.raises(services.BillingError) as refused:
        services.subscription_change_plan(subscription=sub, plan=plan("free"))
    message = refused.value.message
    assert "resources: 3, the plan allows 2 — remove 1" in message
    assert "staff accounts: 2, the plan allows 1 — remove 1" in message
    sub.refresh_from_db()
    assert sub.plan.code == "pro"
    # Up is at once, and waits for billing to confirm the price.
    sub = services.subscription_change_plan(subscription=sub, plan=plan("enterprise"))
    assert sub.plan.code == "enterprise" and sub.requested_plan.code == "enterprise"


# --- Beat ---------------------------------------------------------------------------------------


def test_the_sweep_moves_trials_and_graces_on_once(trial, django_capture_on_commit_callbacks):
    OwnerFactory(email="owner@alpha.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.subscriptions_sweep(now=NOW + dt.timedelta(days=10))["trial_notice"] == 0
        assert services.subscriptions_sweep(now=NOW + dt.timedelta(days=11))["trial_notice"] == 1
        assert services.subscriptions_sweep(now=NOW + dt.timedelta(days=12))["trial_notice"] == 0
    assert [m.to for m in mail.outbox] == [["owner@alpha.test"]]
    assert "ends in 3 days" in mail.outbox[0].subject
    assert "/app/billing/" in mail.outbox[0].body

    end = NOW + dt.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.subscriptions_sweep(now=end)["trial_over"] == 1
        assert services.subscriptions_sweep(now=end)["trial_over"] == 0
    trial.refresh_from_db()
    assert trial.status == Status.PAST_DUE and trial.grace_ends_at == end + dt.timedelta(days=7)
    assert "trial has ended" in mail.outbox[-1].subject
    assert limits.online_booking_state() == "open"  # past due: everything still works

    assert services.subscriptions_sweep(now=end + dt.timedelta(days=6))["grace_over"] == 0
    assert services.subscriptions_sweep(now=end + dt.timedelta(days=7))["grace_over"] == 1
    trial.refresh_from_db()
    assert trial.status == Status.SUSPENDED
    assert limits.online_booking_state() == "paused_status"


def test_a_cancellation_at_period_end_happens_at_the_end(trial):
    sub = services.subscription_activate(subscription=trial, now=NOW)
    services.subscription_change(
        subscription=sub, reason="owner asked", actor="owner", cancel_at_period_end=True
    )
    assert services.subscriptions_sweep(now=NOW + dt.timedelta(days=20))["cancelled"] == 0
    assert services.subscriptions_sweep(now=NOW + dt.timedelta(days=31))["cancelled"] == 1
    sub.refresh_from_db()
    assert sub.status == Status.CANCELLED and not sub.cancel_at_period_end


def test_a_payment_failure_mail_is_in_the_business_language(trial):
    from billing.tasks import owner_mail_send
    from scheduling.models import BusinessSettings

    OwnerFactory(email="dona@alpha.test")
    business = BusinessSettings.load()
    business.language = "pt-br"
    business.save()
    assert owner_mail_send(tenant_id=trial.tenant_id, kind="payment_failed") == 1
    assert mail.outbox[-1].to == ["dona@alpha.test"]
