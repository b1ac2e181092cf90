"""Sending: signed requests to a real local receiver, backoff, give-up and auto-disable, resend."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.core import mail
from django.utils import timezone

from webhooks import services
from webhooks.models import Delivery, Endpoint, Event
from webhooks.tasks import endpoint_disabled_mail
from webhooks.tests.conftest import book

pytestmark = pytest.mark.django_db
Status = Delivery.Status


def verify(secret: str, header: str, body: bytes) -> bool:
    """The recipe documented on the settings page and in the README, verbatim."""
    parts = dict(p.split("=", 1) for p in header.split(","))
    signed = parts["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(parts["t"])) <= 300
    return fresh and hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def hook(shop, hooks_on, loopback, receiver):
    return Endpoint.objects.create(url=receiver.url, events=["booking.created"])


def _delivery() -> Delivery:
    return Delivery.objects.select_related("event", "endpoint").get()


def test_a_delivery_is_signed_and_the_documented_recipe_verifies_it(hook, receiver, shop):
    booking = book(shop)
    delivery = _delivery()

    assert services.delivery_send(delivery_id=delivery.pk) == Status.DELIVERED

    [request] = receiver.accepted
    headers, body = request["headers"], request["body"]
    assert verify(hook.secret, headers["x-agendo-signature"], body)
    assert not verify(hook.secret + "x", headers["x-agendo-signature"], body)
    assert not verify(hook.secret, headers["x-agendo-signature"], body + b" ")
    payload = json.loads(body)
    assert payload["id"] == headers["x-agendo-event-id"] == delivery.event.public_id
    assert payload["type"] == headers["x-agendo-event-type"] == "booking.created"
    assert payload["schema_version"] == 1 and payload["data"]["reference"] == booking.reference
    assert headers["content-type"] == "application/json"
    assert headers["host"] == f"127.0.0.1:{receiver.server_port}"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.response_excerpt) == (
        Status.DELIVERED,
        200,
        "ok",
    )
    assert delivery.attempts == 1 and delivery.delivered_at is not None
    # Sent once: the task run again (a duplicate from the broker) sends nothing.
    assert services.delivery_send(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.received) == 1


def test_failures_are_retried_with_exponential_backoff(hook, receiver, shop, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.status, receiver.answer = 503, "down for maintenance"
    book(shop)
    delivery = _delivery()
    now = timezone.now()
    delays = []
    for attempt in range(1, 5):
        assert services.delivery_send(delivery_id=delivery.pk, now=now) == Status.QUEUED
        delivery.refresh_from_db()
        delays.append((delivery.next_attempt_at - now).total_seconds())
        assert delivery.attempts == attempt and delivery.response_code == 503
        assert delivery.response_excerpt == "down for maintenance"
        # Not due before its time: a sweep or a duplicate task sends nothing early.
        assert services.delivery_send(delivery_id=delivery.pk, now=now) == "skipped"
        now = delivery.next_attempt_at
    assert delays == [30, 60, 120, 240]
    receiver.status = 204
    assert services.delivery_send(delivery_id=delivery.pk, now=now) == Status.DELIVERED
    assert len(receiver.received) == 5


def test_after_24_hours_of_failures_the_endpoint_is_disabled_and_the_owner_told(
    hook, receiver, shop, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 600
    receiver.status = 500
    book(shop)
    delivery = _delivery()
    now = timezone.now()
    attempts = 0
    with django_capture_on_commit_callbacks() as callbacks:
        while True:
            status = services.delivery_send(delivery_id=delivery.pk, now=now)
            attempts += 1
            delivery.refresh_from_db()
            if status != Status.QUEUED:
                break
            now = delivery.next_attempt_at
            assert attempts < 50
    assert status == Status.FAILED
    # 10 min, 20, 40, 60 (the cap) … until the next try would pass the 24 hours.
    assert now - delivery.created_at <= dt.timedelta(hours=24)
    assert attempts == 4 + (24 * 60 - (10 + 20 + 40)) // 60
    hook.refresh_from_db()
    assert not hook.is_active and hook.disabled_at is not None and hook.disabled_reason
    assert len(callbacks) == 1  # the owners' e-mail, handed to a worker after commit
    assert endpoint_disabled_mail(schema="alpha", endpoint_id=hook.pk) == 1  # what it runs
    [alert] = mail.outbox
    assert alert.to == ["owner@alpha.example.com"]
    assert hook.url in alert.body and f"/app/settings/webhooks/{hook.pk}/" in alert.body
    # A disabled endpoint gets no new deliveries, and nothing queued for it goes out.
    book(shop, days=3)
    assert Delivery.objects.count() == 1


def test_resend_sends_the_same_event_again(hook, receiver, shop):
    book(shop)
    delivery = _delivery()
    services.delivery_send(delivery_id=delivery.pk)
    services.delivery_resend(delivery=delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.QUEUED, 0)
    assert services.delivery_send(delivery_id=delivery.pk) == Status.DELIVERED
    first, second = receiver.accepted
    assert json.loads(first["body"])["id"] == json.loads(second["body"])["id"]


def test_redirects_are_not_followed(hook, receiver, shop):
    receiver.status, receiver.location = 302, "http://169.254.169.254/latest/meta-data/"
    book(shop)
    assert services.delivery_send(delivery_id=_delivery().pk) == Status.QUEUED
    assert _delivery().response_code == 302 and len(receiver.received) == 1


def test_a_plan_without_webhooks_cancels_what_was_waiting(hook, receiver, shop, hooks_on):
    book(shop)
    hooks_on.enabled = False
    hooks_on.save()
    assert services.delivery_send(delivery_id=_delivery().pk) == "skipped"
    assert _delivery().status == Status.CANCELLED and receiver.received == []


def test_the_sweep_requeues_what_a_dead_worker_left(hook, shop, settings):
    settings.WEBHOOK_SENDING_TIMEOUT_SECONDS = 60
    book(shop)
    delivery = _delivery()
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.SENDING, sending_since=now)
    assert services.sweep(now=now + dt.timedelta(seconds=59)) == []
    assert services.sweep(now=now + dt.timedelta(seconds=61)) == [delivery.pk]
    assert _delivery().status == Status.QUEUED


def test_event_rows_are_shared_by_endpoints(shop, hooks_on):
    Endpoint.objects.create(url="https://a.example.com/", events=["booking.created"])
    Endpoint.objects.create(url="https://b.example.com/", events=["booking.created"])
    book(shop)
    assert Event.objects.count() == 1 and Delivery.objects.count() == 2
