"""Sign-up asks the plan and starts the business's trial on it, in the same transaction."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from billing.models import Subscription, SubscriptionEvent
from config.celery import app as celery_app
from conftest import assert_no_english, visible_text
from tenants.models import Plan, Tenant
from tenants.tests.test_signup import VALID

PT = {"HTTP_ACCEPT_LANGUAGE": "pt-BR,pt;q=0.9,en;q=0.5"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.8"}


@pytest.fixture(autouse=True)
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def plan(code: str) -> Plan:
    return Plan.objects.get(code=code)


def test_the_form_offers_the_public_plans_cheapest_first_the_default_chosen(platform_client):
    Plan.objects.filter(code="enterprise").update(is_public=False)
    html = platform_client.get("/signup/", **EN).content.decode()
    text = visible_text(html)
    assert text.index("Free") < text.index("Starter") < text.index("Pro")
    assert "Enterprise" not in text
    assert f'value="{plan("pro").pk}" checked' in html
    assert f'value="{plan("starter").pk}" checked' not in html
    assert "R$49.00 a month" in text
    assert "3 staff accounts · 500 bookings a month · adds WhatsApp messages" in text
    assert "adds reports, JSON API, your own colours and logo" in text  # Pro over Starter
    assert "Free for 14 days, no card needed." in text


def test_the_plans_read_in_portuguese(platform_client):
    html = platform_client.get("/signup/", **PT).content.decode()
    assert_no_english(html)
    text = visible_text(html)
    assert "R$ 49,00 por mês" in text
    assert "3 contas de equipe · 500 agendamentos por mês" in text


def test_a_signup_on_starter_is_a_14_day_trial_on_starter_with_its_event(
    platform_client, django_capture_on_commit_callbacks
):
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post(
            "/signup/", {**VALID, "language": "en", "plan": plan("starter").pk}
        )
    assert response.status_code == 302
    tenant = Tenant.objects.get(schema_name="corte-fino")
    assert tenant.plan.code == "starter"
    subscription = Subscription.objects.get(tenant=tenant)
    assert subscription.plan.code == "starter"
    assert subscription.status == Subscription.Status.TRIALING
    assert subscription.trial_ends_at - before >= dt.timedelta(days=14)
    assert subscription.trial_ends_at - timezone.now() <= dt.timedelta(days=14)
    assert subscription.current_period_end == subscription.trial_ends_at
    event = SubscriptionEvent.objects.get(subscription=subscription)
    assert (event.from_status, event.to_status, event.to_plan) == ("", "trialing", "starter")
    assert event.reason == "sign-up"

    # The welcome says the trial's plan and when it ends.
    body = mail.outbox[0].body
    with timezone.override("America/Sao_Paulo"):
        end = timezone.localtime(subscription.trial_ends_at)
    assert f"Your 14-day free trial of the Starter plan runs until {end:%A} {end.day}" in body
    assert "http://corte-fino.localhost/app/billing/" in body


def test_a_signup_without_a_plan_is_a_trial_on_the_default_plan(platform_client):
    response = platform_client.post("/signup/", VALID)
    assert response.status_code == 302
    subscription = Subscription.objects.get(tenant__schema_name="corte-fino")
    assert subscription.plan.is_default and subscription.status == "trialing"


def test_the_portuguese_welcome_names_the_trial_in_portuguese(
    platform_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        platform_client.post(
            "/signup/", {**VALID, "language": "pt-br", "plan": plan("free").pk}, **PT
        )
    body = mail.outbox[0].body
    assert "teste gratuito de 14 dias do plano Free" in body
    assert "trial" not in body


def test_a_hidden_or_unknown_plan_is_refused_and_nothing_is_created(platform_client):
    Plan.objects.filter(code="enterprise").update(is_public=False)
    for value in (plan("enterprise").pk, 999999, "pro"):
        response = platform_client.post("/signup/", {**VALID, "plan": value}, **EN)
        assert response.status_code == 422
        assert "Choose a plan from the list." in response.content.decode()
    assert not Tenant.objects.filter(schema_name="corte-fino").exists()
    assert not Subscription.objects.filter(tenant__schema_name="corte-fino").exists()


def test_a_refused_signup_starts_no_subscription(platform_client):
    count = Subscription.objects.count()
    response = platform_client.post("/signup/", {**VALID, "slug": "alpha", "plan": plan("free").pk})
    assert response.status_code == 422
    assert Subscription.objects.count() == count


def test_a_failure_after_the_subscription_rolls_everything_back(platform_client, monkeypatch):
    """The trial is started in the sign-up's transaction: a later failure leaves nothing."""
    from billing import services as billing_services

    real = billing_services.subscription_start

    def start_then_fail(**kwargs):
        real(**kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(billing_services, "subscription_start", start_then_fail)
    with pytest.raises(RuntimeError):
        platform_client.post("/signup/", {**VALID, "plan": plan("starter").pk})
    assert not Tenant.objects.filter(schema_name="corte-fino").exists()
    assert not Subscription.objects.filter(tenant__schema_name="corte-fino").exists()
