"""Sending: through the local fake WhatsApp Cloud API (the network boundary) and Django's mail."""

import datetime as dt
import threading
from io import StringIO

import kombu.pools
import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking, Client
from notifications import services
from notifications.fake_whatsapp import make_server
from notifications.models import Channel, ChannelSettings, InboundMessage, Kind, Message
from notifications.tests.test_outbox import _book
from notifications.tests.test_outbox import shop as shop
from tenants.models import WhatsAppContact

Status = Message.Status


@pytest.fixture
def fake_whatsapp(settings):
    server = make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    settings.WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.WHATSAPP_ACCESS_TOKEN = "test-token"
    settings.MESSAGE_RETRY_BASE_SECONDS = 30
    yield server
    server.shutdown()
    server.server_close()


def _confirmation(booking) -> Message:
    return Message.objects.get(booking=booking, kind=Kind.CONFIRMATION)


def test_whatsapp_message_is_sent_once(shop, fake_whatsapp):
    message = _confirmation(_book(shop))
    assert services.message_send(message_id=message.pk) == Status.SENT
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 1
    assert message.provider_id.startswith("wamid.FAKE")
    assert [m["to"] for m in fake_whatsapp.sent] == ["5511912345678"]
    assert fake_whatsapp.sent[0]["text"]["body"] == message.body
    # Delivered to our task again (at-least-once): nothing is sent twice.
    assert services.message_send(message_id=message.pk) == "skipped"
    assert len(fake_whatsapp.sent) == 1


def test_not_yet_due_messages_wait(shop, fake_whatsapp):
    booking = _book(shop)
    reminder = Message.objects.get(booking=booking, kind=Kind.REMINDER, offset_minutes=120)
    assert services.message_send(message_id=reminder.pk) == "skipped"
    assert reminder.pk not in services.message_ids_due()
    assert _confirmation(booking).pk in services.message_ids_due()


def test_transient_error_retries_with_backoff_then_sends(shop, fake_whatsapp):
    flaky = Client.objects.create(name="Flaky", phone="+5511977770500", whatsapp_consent=True)
    message = _confirmation(_book(shop, client=flaky))
    now = timezone.now()
    assert services.message_send(message_id=message.pk, now=now) == Status.QUEUED
    message.refresh_from_db()
    assert message.attempts == 1 and "500" in message.last_error
    assert message.send_after == now + dt.timedelta(seconds=30)
    assert services.message_send(message_id=message.pk, now=now) == "skipped"  # not due yet
    later = now + dt.timedelta(seconds=31)
    assert services.message_send(message_id=message.pk, now=later) == Status.QUEUED
    message.refresh_from_db()
    assert message.send_after == later + dt.timedelta(seconds=60)  # doubled
    # The provider recovers: the number now accepts messages.
    Message.objects.filter(pk=message.pk).update(recipient="+5511977771234")
    assert (
        services.message_send(message_id=message.pk, now=later + dt.timedelta(minutes=5)) == "sent"
    )


def test_transient_errors_stop_after_the_limit(shop, fake_whatsapp, settings):
    settings.MESSAGE_MAX_ATTEMPTS = 2
    busy = Client.objects.create(name="Busy", phone="+5511977770429", whatsapp_consent=True)
    message = _confirmation(_book(shop, client=busy))
    now = timezone.now()
    services.message_send(message_id=message.pk, now=now)
    assert services.message_send(message_id=message.pk, now=now + dt.timedelta(hours=1)) == "failed"
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 2


def test_permanent_error_fails_at_once_keeping_the_error(shop, fake_whatsapp):
    nowhere = Client.objects.create(name="Nope", phone="+5511977770400", whatsapp_consent=True)
    message = _confirmation(_book(shop, client=nowhere))
    assert services.message_send(message_id=message.pk) == Status.FAILED
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 1
    assert "131026" in message.last_error
    assert fake_whatsapp.sent == []


def test_email_confirmation_carries_the_ics(shop, mailoutbox):
    by_mail = Client.objects.create(name="Bea", phone="+5511911112222", email="bea@example.com")
    message = _confirmation(_book(shop, client=by_mail))
    assert message.channel == Channel.EMAIL
    assert services.message_send(message_id=message.pk) == Status.SENT
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == ["bea@example.com"] and sent.subject == message.subject
    name, content, mimetype = sent.attachments[0]
    assert name.endswith(".ics") and mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in (content if isinstance(content, bytes) else content.encode())


def test_a_send_left_hanging_by_a_dead_worker_is_resent_once(shop, fake_whatsapp, settings):
    settings.MESSAGE_SENDING_TIMEOUT_SECONDS = 300
    message = _confirmation(_book(shop))
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    Message.objects.filter(pk=message.pk).update(
        status=Status.SENDING, sending_since=long_ago, attempts=1
    )
    assert services.messages_requeue_stuck() == 1
    assert services.messages_requeue_stuck() == 0
    assert services.message_send(message_id=message.pk) == Status.SENT
    assert services.message_send(message_id=message.pk) == "skipped"
    assert len(fake_whatsapp.sent) == 1


def test_recent_sending_rows_are_left_alone(shop, fake_whatsapp):
    message = _confirmation(_book(shop))
    Message.objects.filter(pk=message.pk).update(
        status=Status.SENDING, sending_since=timezone.now()
    )
    assert services.messages_requeue_stuck() == 0


def test_dispatch_messages_command_sends_what_is_due(shop, fake_whatsapp, tenant_alpha):
    booking = _book(shop)
    out = StringIO()
    call_command("dispatch_messages", stdout=out)
    assert "sent" in out.getvalue()
    from django_tenants.utils import schema_context

    with schema_context("alpha"):
        assert _confirmation(booking).status == Status.SENT
        reminders = Message.objects.filter(booking=booking, kind=Kind.REMINDER)
        assert {m.status for m in reminders} == {Status.QUEUED}


def test_outside_the_24h_window_the_approved_template_carries_the_text(shop, fake_whatsapp):
    channels = ChannelSettings.load()
    channels.whatsapp_template_name = "agendo_update"
    channels.save()
    message = _confirmation(_book(shop))
    assert services.message_send(message_id=message.pk) == Status.SENT
    (sent,) = fake_whatsapp.sent
    assert sent["type"] == "template" and sent["template"]["name"] == "agendo_update"
    assert sent["template"]["language"] == {"code": "pt_BR"}
    (parameter,) = sent["template"]["components"][0]["parameters"]
    assert parameter["text"] == " ".join(message.body.split())
    assert sent["biz_opaque_callback_data"] == "alpha"  # routes its status webhooks back here


def test_inside_the_24h_window_free_text_is_sent(shop, fake_whatsapp):
    channels = ChannelSettings.load()
    channels.whatsapp_template_name = "agendo_update"
    channels.save()
    InboundMessage.objects.create(
        provider_id="wamid.IN",
        from_phone="+5511912345678",
        body="oi",
        received_at=timezone.now() - dt.timedelta(hours=23),
    )
    message = _confirmation(_book(shop))
    services.message_send(message_id=message.pk)
    assert fake_whatsapp.sent[0]["type"] == "text"
    assert fake_whatsapp.sent[0]["text"]["body"] == message.body


def test_a_send_remembers_who_wrote_to_the_client(shop, fake_whatsapp, tenant_alpha):
    services.message_send(message_id=_confirmation(_book(shop)).pk)
    contact = WhatsAppContact.objects.get(phone="+5511912345678")
    assert contact.tenant == tenant_alpha and contact.phone_number_id == "1234567890"


def test_a_number_not_on_whatsapp_gets_the_message_by_email(shop, fake_whatsapp):
    nowhere = Client.objects.create(
        name="Nope", phone="+5511977770400", email="nope@example.com", whatsapp_consent=True
    )
    booking = _book(shop, client=nowhere)
    message = _confirmation(booking)
    assert services.message_send(message_id=message.pk) == Status.FAILED
    message.refresh_from_db()
    assert "131026" in message.last_error and "e-mail instead" in message.last_error
    email = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION, channel=Channel.EMAIL)
    assert email.recipient == "nope@example.com" and email.status == Status.QUEUED
    assert email.subject  # rendered as an e-mail, with its subject


def test_the_sweep_expires_unconfirmed_bookings_and_lists_what_is_due(shop):
    booking = _book(shop)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.PENDING)
    after_start = booking.start + dt.timedelta(minutes=1)
    due = services.outbox_sweep(now=after_start)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert booking.events.order_by("-pk").first().actor_label == "system"
    # Its reminders will not go; what was due before the start is listed.
    assert not Message.objects.filter(
        booking=booking, kind=Kind.REMINDER, status=Status.QUEUED
    ).exists()
    assert _confirmation(booking).pk in due


@pytest.fixture
def broker_down():
    """Point the Celery app at a Redis that is not there, as when Redis is lost."""
    from config.celery import app

    def fresh_connections():
        # kombu keeps its connection and producer pools in process-wide registries keyed by
        # broker URL: closing a pool without dropping it from the registry leaves a closed pool
        # that every later send in this process would get ("Acquire on closed pool").
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    fresh_connections()
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    fresh_connections()
    app.conf.broker_url = previous


def test_with_redis_lost_the_message_waits_in_the_outbox_for_the_sweep(
    shop, fake_whatsapp, broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(shop)  # the hand-over to a worker fails after commit
    assert "the sweep will" in caplog.text
    message = _confirmation(booking)
    assert message.status == Status.QUEUED and fake_whatsapp.sent == []
    call_command("dispatch_messages", stdout=StringIO())
    message.refresh_from_db()
    assert message.status == Status.SENT and len(fake_whatsapp.sent) == 1


# --- Robustness: errors of ours, and workers that keep dying -------------------------------------


def test_an_unexpected_error_before_the_send_retries_then_fails_never_stuck(
    shop, fake_whatsapp, settings, monkeypatch
):
    settings.MESSAGE_MAX_ATTEMPTS = 2

    def broken(*args, **kwargs):
        raise RuntimeError("template lookup exploded")

    monkeypatch.setattr(services, "whatsapp_window_open", broken)
    channels = ChannelSettings.load()
    channels.whatsapp_template_name = "agendo_update"  # so the window is looked at
    channels.save()
    message = _confirmation(_book(shop))
    now = timezone.now()
    assert services.message_send(message_id=message.pk, now=now) == Status.QUEUED
    message.refresh_from_db()
    assert message.status == Status.QUEUED and message.sending_since is None
    assert "template lookup exploded" in message.last_error
    later = now + dt.timedelta(hours=1)
    assert services.message_send(message_id=message.pk, now=later) == Status.FAILED
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 2
    assert fake_whatsapp.received == []  # the provider never saw it


def test_an_error_after_the_provider_accepted_does_not_send_again(
    shop, fake_whatsapp, settings, monkeypatch
):
    import tenants.services

    def broken(**kwargs):
        raise RuntimeError("contact index unavailable")

    monkeypatch.setattr(tenants.services, "whatsapp_contacts_touch", broken)
    message = _confirmation(_book(shop))
    assert services.message_send(message_id=message.pk) == Status.SENT
    message.refresh_from_db()
    assert message.status == Status.SENT and message.provider_id.startswith("wamid.FAKE")
    # Long after: no sweep takes it for a dead worker's send, nothing goes twice.
    settings.MESSAGE_SENDING_TIMEOUT_SECONDS = 0
    assert services.messages_requeue_stuck(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert services.message_send(message_id=message.pk) == "skipped"
    assert len(fake_whatsapp.sent) == 1


def test_an_unexpected_error_during_the_send_is_not_retried(shop, fake_whatsapp, monkeypatch):
    real_send = services.whatsapp_send_text

    def accepted_then_broken(*args, **kwargs):
        real_send(*args, **kwargs)
        raise RuntimeError("answer could not be read")

    monkeypatch.setattr(services, "whatsapp_send_text", accepted_then_broken)
    message = _confirmation(_book(shop))
    assert services.message_send(message_id=message.pk) == Status.FAILED
    message.refresh_from_db()
    assert message.status == Status.FAILED and "not retried" in message.last_error
    assert services.message_send(message_id=message.pk) == "skipped"
    assert len(fake_whatsapp.sent) == 1


def test_a_message_whose_worker_keeps_dying_ends_failed(shop, fake_whatsapp, settings):
    settings.MESSAGE_MAX_ATTEMPTS = 3
    settings.MESSAGE_SENDING_TIMEOUT_SECONDS = 300
    booking = _book(shop)
    dying = _confirmation(booking)
    younger = Message.objects.get(booking=booking, kind=Kind.REMINDER, offset_minutes=120)
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    Message.objects.filter(pk=dying.pk).update(
        status=Status.SENDING, sending_since=long_ago, attempts=3
    )
    Message.objects.filter(pk=younger.pk).update(
        status=Status.SENDING, sending_since=long_ago, attempts=2
    )
    assert services.messages_requeue_stuck() == 1
    dying.refresh_from_db()
    younger.refresh_from_db()
    assert dying.status == Status.FAILED and dying.sending_since is None
    assert "never finished in 3 attempts" in dying.last_error
    assert younger.status == Status.QUEUED
    assert services.message_send(message_id=dying.pk) == "skipped"
    assert fake_whatsapp.sent == []
