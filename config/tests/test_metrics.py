"""/metrics: who may scrape it, and the figures of our own it reports (outbox lag above all)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from kombu import Connection

from bookings.models import BookingEvent
from bookings.tests.factories import BookingFactory
from config import metrics
from notifications.models import Channel, InboundMessage, Kind, Message

TOKEN = "scrape-me-0123456789"


@pytest.fixture
def scrape_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return settings


def _value(text: str, name: str, **labels) -> float | None:
    label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # as printed
    pattern = re.escape(f"{name}{{{label_text}}}" if labels else name) + r" ([0-9.e+-]+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else None


def test_metrics_refuse_anyone_without_the_token_or_an_allowed_address(db, scrape_settings):
    client = Client(HTTP_HOST="alpha.localhost")
    assert client.get("/metrics").status_code == 403
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 403
    assert b"agendo_" not in wrong.content


def test_metrics_answer_the_token_on_any_host_before_the_tenant_lookup(db, scrape_settings):
    for host in ("localhost", "alpha.localhost", "unknown.localhost"):
        response = Client(HTTP_HOST=host).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, host
        assert response["Content-Type"].startswith("text/plain")


def test_metrics_answer_an_allowed_network_without_a_token(db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    allowed = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3").get("/metrics")
    assert allowed.status_code == 200
    other = Client(HTTP_HOST="localhost", REMOTE_ADDR="192.168.1.9").get("/metrics")
    assert other.status_code == 403


def test_metrics_with_nothing_configured_answer_nobody(db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert (
        Client(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code
        == 403
    )


def test_request_latency_by_view_is_reported(alpha_client, scrape_settings):
    alpha_client.get("/")
    text = Client(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    body = text.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body
    assert 'view="bookings:' in body or 'view="bookings' in body


def test_outbox_lag_is_the_age_of_the_oldest_due_unsent_message_per_channel(
    tenant_alpha, tenant_beta, scrape_settings
):
    now = timezone.now()
    with schema_context("alpha"):
        booking = BookingFactory()
        BookingEvent.objects.create(booking=booking, type=BookingEvent.Type.CREATED)
        common = {"kind": Kind.CONFIRMATION, "body": "Hi", "booking": booking}
        Message.objects.create(
            channel=Channel.EMAIL,
            recipient="a@example.com",
            send_after=now - dt.timedelta(minutes=7),
            **common,
        )
        # Sent, or not yet due: neither is lag.
        Message.objects.create(
            channel=Channel.EMAIL,
            recipient="b@example.com",
            status="sent",
            send_after=now - dt.timedelta(hours=5),
            booking=booking,
            body="Hi",
            kind=Kind.CANCELLATION,
        )
        Message.objects.create(
            channel=Channel.WHATSAPP,
            recipient="+5511900000001",
            send_after=now + dt.timedelta(hours=1),
            **common,
        )
    with schema_context("beta"):
        other = BookingFactory()
        Message.objects.create(
            channel=Channel.WHATSAPP,
            recipient="+5511900000002",
            kind=Kind.CONFIRMATION,
            body="Hi",
            booking=other,
            send_after=now - dt.timedelta(minutes=2),
        )
        InboundMessage.objects.create(
            provider_id="wamid.ops-1",
            from_phone="+5511900000002",
            action="confirmed",
            received_at=now,
        )
    response = Client(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    body = response.content.decode()
    assert _value(body, "agendo_inbound_messages_total", action="confirmed") == 1
    email_lag = _value(body, "agendo_outbox_lag_seconds", channel="email")
    whatsapp_lag = _value(body, "agendo_outbox_lag_seconds", channel="whatsapp")
    assert 7 * 60 - 1 <= email_lag < 7 * 60 + 60
    assert 2 * 60 - 1 <= whatsapp_lag < 2 * 60 + 60  # beta's message: across businesses
    assert _value(body, "agendo_messages", status="queued", channel="email") >= 1
    assert _value(body, "agendo_messages", status="sent", channel="email") >= 1
    assert _value(body, "agendo_booking_events_total", type="created") >= 1
    assert _value(body, "agendo_metrics_up") == 1


def test_metrics_database_figures_take_a_fixed_number_of_queries(
    tenant_alpha, tenant_beta, scrape_settings, django_assert_max_num_queries
):
    client = Client(HTTP_HOST="localhost")
    with django_assert_max_num_queries(7):
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_celery_task_outcomes_are_counted(db, scrape_settings):
    from config.celery import app

    @app.task(name="ops_test.sample")
    def sample(fail: bool) -> str:
        if fail:
            raise ValueError("boom")
        return "ok"

    before = metrics.task_outcomes()
    sample.apply(args=[False])
    sample.apply(args=[True])
    after = metrics.task_outcomes()
    assert (
        after.get(("ops_test.sample", "success"), 0)
        == before.get(("ops_test.sample", "success"), 0) + 1
    )
    assert (
        after.get(("ops_test.sample", "failure"), 0)
        == before.get(("ops_test.sample", "failure"), 0) + 1
    )
    body = (
        Client(HTTP_HOST="localhost")
        .get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        .content.decode()
    )
    assert _value(body, "agendo_celery_tasks_total", task="ops_test.sample", outcome="success") >= 1


# --- Two checkouts on one Redis ------------------------------------------------------------------
def test_two_prefixes_on_one_redis_never_take_each_others_tasks(settings):
    url = settings.CELERY_BROKER_URL
    ours = Connection(url, transport_options={"global_keyprefix": "ops-test-a:"})
    theirs = Connection(url, transport_options={"global_keyprefix": "ops-test-b:"})
    with ours, theirs:
        our_queue = ours.SimpleQueue("celery-ops-test")
        their_queue = theirs.SimpleQueue("celery-ops-test")
        try:
            our_queue.put({"task": "ours"})
            with pytest.raises(our_queue.Empty):
                their_queue.get(timeout=0.5)
            message = our_queue.get(timeout=2)
            assert message.payload == {"task": "ours"}
            message.ack()
        finally:
            our_queue.clear()
            our_queue.close()
            their_queue.close()


def test_the_configured_prefix_reaches_cache_keys_and_the_broker(settings):
    from django.core.cache import cache

    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] == f"{settings.REDIS_PREFIX}:"
    )
    assert settings.REDIS_PREFIX in cache.make_key("anything")


def test_several_web_processes_report_through_the_multiprocess_directory(
    db, scrape_settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    response = Client(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert _value(response.content.decode(), "agendo_metrics_up") == 1
