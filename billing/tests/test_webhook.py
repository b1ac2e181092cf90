"""POST /webhooks/billing/: signature, rotation, stale times, replays, bad bodies — never 500."""

import json
import time

import pytest
from django.core.management import CommandError, call_command

from billing import services
from billing.models import BillingEvent, Subscription
from billing.webhook import sign, signature_valid
from tenants.models import Plan

URL = "/webhooks/billing/"
CURRENT, PREVIOUS = "whsec_current_0123456789", "whsec_previous_9876543210"


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.BILLING_WEBHOOK_SECRETS = [CURRENT, PREVIOUS]


@pytest.fixture
def subscription(tenant_alpha):
    plan = Plan.objects.get(code="starter")
    return services.subscription_start(tenant=tenant_alpha, plan=plan)


def post(client, event, *, secret=CURRENT, timestamp=None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(event).encode()
    return client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_X_AGENDO_SIGNATURE=sign(body, secret, timestamp),
    )


def event(kind: str, event_id: str = "evt_1", **data) -> dict:
    return {"id": event_id, "type": kind, "data": {"business": "alpha", **data}}


def test_activation_then_failure_then_renewal(platform_client, subscription):
    response = post(
        platform_client,
        event("subscription.activated", plan="pro", period_end="2031-02-01T00:00:00+00:00"),
    )
    assert response.status_code == 200 and response.json() == {"status": "processed"}
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.plan.code == "pro"
    assert subscription.current_period_end.year == 2031
    assert subscription.events.filter(billing_event_id="evt_1", actor="billing").exists()

    assert post(platform_client, event("payment.failed", "evt_2")).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.grace_ends_at is not None

    post(platform_client, event("subscription.renewed", "evt_3"))
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.grace_ends_at is None


def test_a_replayed_event_is_a_200_that_changes_nothing(platform_client, subscription):
    post(platform_client, event("payment.failed"))
    subscription.refresh_from_db()
    grace = subscription.grace_ends_at
    again = post(platform_client, event("payment.failed"))
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    subscription.refresh_from_db()
    assert subscription.grace_ends_at == grace
    assert subscription.events.filter(to_status="past_due").count() == 1
    assert BillingEvent.objects.filter(event_id="evt_1").count() == 1


def test_the_previous_secret_still_works_during_a_rotation(platform_client, subscription):
    response = post(platform_client, event("payment.failed"), secret=PREVIOUS)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=abc,v1=00",
        "v1=deadbeef",
        "t=1700000000",
        "t=1,v1=" + "0" * 64,
    ],
)
def test_a_missing_or_made_up_signature_is_403(platform_client, subscription, header):
    response = platform_client.post(
        URL, b"{}", content_type="application/json", HTTP_X_AGENDO_SIGNATURE=header
    )
    assert response.status_code == 403
    assert not BillingEvent.objects.exists()


def test_an_unknown_secret_and_a_stale_timestamp_are_403(platform_client, subscription):
    assert post(platform_client, event("payment.failed"), secret="whsec_other").status_code == 403
    stale = int(time.time()) - 301
    assert post(platform_client, event("payment.failed"), timestamp=stale).status_code == 403
    future = int(time.time()) + 301
    assert post(platform_client, event("payment.failed"), timestamp=future).status_code == 403
    subscription.refresh_from_db()
    assert subscription.status == "trialing"


def test_a_body_changed_after_signing_is_403(platform_client, subscription):
    body = json.dumps(event("payment.failed")).encode()
    header = sign(body, CURRENT)
    tampered = body.replace(b"alpha", b"beta!")
    response = platform_client.post(
        URL, tampered, content_type="application/json", HTTP_X_AGENDO_SIGNATURE=header
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b'"text"', b'{"id": 5, "type": "payment.failed"}', b"\xff\xfe"],
)
def test_malformed_bodies_are_400(platform_client, subscription, raw):
    assert post(platform_client, None, raw=raw).status_code == 400


def test_unknown_business_is_400_and_unknown_type_is_200_ignored(platform_client, subscription):
    unknown = event("payment.failed")
    unknown["data"]["business"] = "nobody"
    assert post(platform_client, unknown).status_code == 400
    assert not BillingEvent.objects.exists()  # may come again once the business exists
    ignored = post(platform_client, event("invoice.created", "evt_9"))
    assert ignored.status_code == 200 and ignored.json() == {"status": "ignored"}
    assert BillingEvent.objects.get(event_id="evt_9").outcome == "ignored"


def test_bad_data_and_changes_the_state_does_not_allow(platform_client, subscription):
    assert post(platform_client, event("plan.changed")).status_code == 400  # no plan
    assert post(platform_client, event("plan.changed", plan="gold")).status_code == 400
    bad_time = event("subscription.renewed", period_end="next tuesday")
    assert post(platform_client, bad_time).status_code == 400
    Subscription.objects.filter(pk=subscription.pk).update(status="cancelled")
    refused = post(platform_client, event("payment.failed", "evt_x"))
    assert refused.status_code == 409
    assert not BillingEvent.objects.filter(event_id="evt_x").exists()  # may be sent again


def test_cancellation_at_period_end_or_now(platform_client, subscription):
    post(platform_client, event("subscription.cancelled"))
    subscription.refresh_from_db()
    assert subscription.status == "trialing" and subscription.cancel_at_period_end
    post(platform_client, event("subscription.cancelled", "evt_2", at_period_end=False))
    subscription.refresh_from_db()
    assert subscription.status == "cancelled"


def test_only_post_and_a_size_limit(platform_client, subscription):
    assert platform_client.get(URL).status_code == 405
    huge = post(platform_client, None, raw=b"{" + b" " * (70 * 1024) + b"}")
    assert huge.status_code == 413


def test_the_signature_check_itself():
    body = b'{"a": 1}'
    header = sign(body, CURRENT, 1_000_000)
    assert signature_valid(header, body, now=1_000_000 + 299)
    assert not signature_valid(header, body, now=1_000_000 + 301)
    assert signature_valid(f"t=1000000,v1=00,{header.split(',')[1]}", body, now=1_000_000)


def test_the_command_needs_a_secret(settings):
    settings.BILLING_WEBHOOK_SECRETS = []
    with pytest.raises(CommandError, match="BILLING_WEBHOOK_SECRETS"):
        call_command("billing_event", "payment.failed", "alpha")
