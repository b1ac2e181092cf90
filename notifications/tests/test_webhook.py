"""The WhatsApp webhook: verification, signatures, delivery statuses and clients' replies."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from bookings.models import Booking, BookingEvent, ClientInteraction
from config.celery import app as celery_app
from notifications.inbound import reply_process, status_apply
from notifications.models import Channel, ChannelSettings, InboundMessage, Kind, Message
from notifications.services import channel_settings_save
from notifications.tasks import whatsapp_webhook_process
from notifications.tests.test_outbox import TZ, _book
from notifications.tests.test_outbox import shop as shop
from tenants.models import WhatsAppContact, WhatsAppNumber

Status = Message.Status
SECRET = "app-secret-for-tests"
URL = "/webhooks/whatsapp/"
PLATFORM_NUMBER = "1234567890"


@pytest.fixture(autouse=True)
def whatsapp_settings(settings):
    settings.WHATSAPP_APP_SECRET = SECRET
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me"
    settings.WHATSAPP_PHONE_NUMBER_ID = PLATFORM_NUMBER


@pytest.fixture
def eager():
    """Run the webhook's task inside the request, so one test sees the whole path."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _signed_post(client, payload, secret=SECRET):
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        URL, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )


def _payload(*, statuses=(), messages=(), number=PLATFORM_NUMBER):
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": number}}
    if statuses:
        value["statuses"] = list(statuses)
    if messages:
        value["messages"] = list(messages)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "waba", "changes": [{"field": "messages", "value": value}]}],
    }


def _status(wamid, status, *, ts=1_800_000_000, schema="alpha", **extra):
    item = {"id": wamid, "status": status, "timestamp": str(ts), "recipient_id": "5511912345678"}
    if schema:
        item["biz_opaque_callback_data"] = schema
    return {**item, **extra}


def _text(wamid, body, sender="5511912345678"):
    return {
        "id": wamid,
        "from": sender,
        "timestamp": "1800000000",
        "type": "text",
        "text": {"body": body},
    }


def _sent_confirmation(booking, wamid="wamid.ONE"):
    message = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION)
    Message.objects.filter(pk=message.pk).update(status=Status.SENT, provider_id=wamid)
    return message


# --- Verification and signatures -----------------------------------------------------------------


def test_verification_echoes_the_challenge_only_for_the_right_token(platform_client):
    ok = platform_client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
    )
    assert ok.status_code == 200 and ok.content == b"42"
    wrong = platform_client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"}
    )
    assert wrong.status_code == 403 and b"42" not in wrong.content


def test_verification_refused_when_no_token_is_configured(platform_client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    response = platform_client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"}
    )
    assert response.status_code == 403


def test_bad_or_missing_signature_is_refused(platform_client):
    payload = _payload(statuses=[_status("wamid.X", "delivered")])
    assert _signed_post(platform_client, payload, secret="not-the-secret").status_code == 403
    unsigned = platform_client.post(URL, json.dumps(payload), content_type="application/json")
    assert unsigned.status_code == 403


def test_no_app_secret_refuses_everything(platform_client, settings):
    settings.WHATSAPP_APP_SECRET = ""
    payload = _payload(statuses=[_status("wamid.X", "delivered")])
    assert _signed_post(platform_client, payload, secret="").status_code == 403


def test_signed_garbage_is_a_400_not_a_500(platform_client):
    body = b"not json"
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = platform_client.post(
        URL, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )
    assert response.status_code == 400


def test_the_webhook_lives_on_the_platform_host_only(alpha_client):
    assert alpha_client.get(URL, {"hub.mode": "subscribe"}).status_code == 404


# --- Statuses ------------------------------------------------------------------------------------


def test_statuses_move_a_message_forward_through_the_real_request(platform_client, shop, eager):
    message = _sent_confirmation(_book(shop))
    connection_schema = "alpha"
    for status in ("delivered", "read"):
        response = _signed_post(platform_client, _payload(statuses=[_status("wamid.ONE", status)]))
        assert response.status_code == 200
    with schema_context(connection_schema):
        message.refresh_from_db()
    assert message.status == Status.READ
    assert (
        message.delivered_at
        == message.read_at
        == dt.datetime.fromtimestamp(1_800_000_000, tz=dt.UTC)
    )


def test_replayed_and_late_statuses_change_nothing(shop):
    message = _sent_confirmation(_book(shop))
    assert status_apply(status=_status("wamid.ONE", "read", ts=1_800_000_100)) == "read"
    message.refresh_from_db()
    before = (message.status, message.read_at, message.delivered_at, message.updated_at)
    assert status_apply(status=_status("wamid.ONE", "read", ts=1_800_000_999)) == "ignored"
    assert status_apply(status=_status("wamid.ONE", "delivered")) == "ignored"
    message.refresh_from_db()
    assert (message.status, message.read_at, message.delivered_at, message.updated_at) == before


def test_a_failed_status_keeps_the_error_and_falls_back_to_email(shop):
    booking = _book(shop)
    message = _sent_confirmation(booking)
    failed = _status(
        "wamid.ONE", "failed", errors=[{"code": 131026, "title": "Message undeliverable"}]
    )
    assert status_apply(status=failed) == "failed"
    message.refresh_from_db()
    assert message.status == Status.FAILED and "131026" in message.last_error
    email = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION, channel=Channel.EMAIL)
    assert email.recipient == "ana@example.com" and email.status == Status.QUEUED
    # The same failure again: nothing more.
    assert status_apply(status=failed) == "ignored"
    assert Message.objects.filter(booking=booking, kind=Kind.CONFIRMATION).count() == 2


def test_statuses_are_routed_by_callback_data_then_number_then_last_contact(shop, tenant_alpha):
    message = _sent_confirmation(_book(shop))
    # Unknown number, no callback, no contact: nobody's.
    payload = _payload(statuses=[_status("wamid.ONE", "delivered", schema="")], number="999")
    assert whatsapp_webhook_process(payload) == {"unrouted": 1}
    # The business's own number, kept in step by its channel settings.
    channels = ChannelSettings.load()
    channels.whatsapp_phone_number_id = " 555000 "
    channel_settings_save(channels=channels, tenant=tenant_alpha)
    assert WhatsAppNumber.objects.get(tenant=tenant_alpha).phone_number_id == "555000"
    payload = _payload(statuses=[_status("wamid.ONE", "delivered", schema="")], number="555000")
    assert whatsapp_webhook_process(payload) == {"delivered": 1}
    # The shared platform number: the business that last wrote to this client.
    WhatsAppContact.objects.create(
        phone_number_id=PLATFORM_NUMBER,
        phone="+5511912345678",
        tenant=tenant_alpha,
        last_sent_at=timezone.now(),
    )
    payload = _payload(statuses=[_status("wamid.ONE", "read", schema="")])
    assert whatsapp_webhook_process(payload) == {"read": 1}
    with schema_context("alpha"):
        message.refresh_from_db()
    assert message.status == Status.READ


def test_a_number_already_connected_elsewhere_is_refused(shop, tenant_alpha, tenant_beta):
    from notifications.errors import NotificationError

    WhatsAppNumber.objects.create(phone_number_id="777", tenant=tenant_beta)
    channels = ChannelSettings.load()
    channels.whatsapp_phone_number_id = "777"
    with pytest.raises(NotificationError) as refused:
        channel_settings_save(channels=channels, tenant=tenant_alpha)
    assert refused.value.field == "whatsapp_phone_number_id"
    assert ChannelSettings.load().whatsapp_phone_number_id == ""  # rolled back
    # Emptying the number forgets the route.
    WhatsAppNumber.objects.create(phone_number_id="888", tenant=tenant_alpha)
    channels = ChannelSettings.load()
    channels.whatsapp_phone_number_id = ""
    channel_settings_save(channels=channels, tenant=tenant_alpha)
    assert not WhatsAppNumber.objects.filter(tenant=tenant_alpha).exists()


# --- Replies -------------------------------------------------------------------------------------


def _reply_to(client):
    return Message.objects.filter(kind=Kind.REPLY, client=client).order_by("-pk").first()


def test_sim_confirms_the_next_booking_and_answers(shop):
    booking = _book(shop)
    assert reply_process(message=_text("wamid.IN1", "Sim!")) == InboundMessage.Action.CONFIRMED
    event = booking.events.order_by("-pk").first()
    assert event.type == BookingEvent.Type.ACKNOWLEDGED and event.actor_label == "whatsapp"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    answer = _reply_to(shop["client"])
    assert answer.channel == Channel.WHATSAPP and answer.recipient == "+5511912345678"
    assert "Obrigado, Ana" in answer.body and "quinta-feira, 4 de março" in answer.body
    inbound = InboundMessage.objects.get(provider_id="wamid.IN1")
    assert inbound.booking == booking and inbound.client == shop["client"]
    # Kept on the client's record for the staff.
    assert ClientInteraction.objects.filter(
        client=shop["client"], kind=ClientInteraction.Kind.MESSAGE, body__contains="Sim!"
    ).exists()


@pytest.mark.parametrize("word", ["2", "CANCELAR", "cancel"])
def test_cancel_words_cancel_the_next_booking(shop, word):
    later = _book(shop, start=dt.datetime(2027, 3, 5, 10, tzinfo=TZ))
    booking = _book(shop)
    assert reply_process(message=_text(f"wamid.{word}", word)) == InboundMessage.Action.CANCELLED
    booking.refresh_from_db()
    later.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert later.status == Booking.Status.CONFIRMED  # only the next one
    assert booking.events.order_by("-pk").first().actor_label == "whatsapp"
    # The cancellation notice is the answer: no second message saying the same.
    assert Message.objects.filter(booking=booking, kind=Kind.CANCELLATION).exists()
    assert _reply_to(shop["client"]) is None


def test_cancel_after_the_window_is_refused_with_the_reason(shop):
    shop["business"].contact_phone = "+55 11 3333-4444"
    shop["business"].save()
    booking = _book(shop)
    too_late = booking.start - dt.timedelta(hours=2)
    action = reply_process(message=_text("wamid.LATE", "2"), now=too_late)
    assert action == InboundMessage.Action.REFUSED
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    answer = _reply_to(shop["client"])
    assert "não é possível cancelar" in answer.body and "3333-4444" in answer.body


def test_a_replayed_reply_changes_nothing(shop, tenant_alpha):
    WhatsAppNumber.objects.create(phone_number_id=PLATFORM_NUMBER, tenant=tenant_alpha)
    booking = _book(shop)
    message = _text("wamid.TWICE", "2")
    assert reply_process(message=message) == InboundMessage.Action.CANCELLED
    counts = (Message.objects.count(), ClientInteraction.objects.count(), booking.events.count())
    assert reply_process(message=message) == "duplicate"
    assert whatsapp_webhook_process(_payload(messages=[message])) == {"duplicate": 1}
    assert (
        Message.objects.count(),
        ClientInteraction.objects.count(),
        booking.events.count(),
    ) == counts
    assert InboundMessage.objects.filter(provider_id="wamid.TWICE").count() == 1


def test_a_reply_from_someone_without_bookings_gets_told(shop):
    assert reply_process(message=_text("wamid.NOBODY", "1", sender="5511900001111")) == (
        InboundMessage.Action.NO_BOOKING
    )
    answer = Message.objects.get(kind=Kind.REPLY, recipient="+5511900001111")
    assert "Não encontramos" in answer.body


def test_a_pending_booking_is_not_approved_by_the_client(shop):
    shop["business"].requires_approval = True
    shop["business"].save()
    booking = _book(shop, source="public")
    if booking.status != Booking.Status.PENDING:  # staff-made bookings are confirmed at once
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.PENDING)
    reply_process(message=_text("wamid.PEND", "SIM"))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING
    assert "aguarda" in _reply_to(shop["client"]).body


def test_other_text_is_kept_for_the_staff_without_an_answer(shop):
    _book(shop)
    assert reply_process(message=_text("wamid.CHAT", "Posso levar meu filho?")) == "none"
    assert _reply_to(shop["client"]) is None
    assert InboundMessage.objects.get(provider_id="wamid.CHAT").body == "Posso levar meu filho?"


def test_a_reply_through_the_webhook_reaches_the_business_that_wrote_last(
    platform_client, shop, tenant_alpha, eager
):
    booking = _book(shop)
    WhatsAppContact.objects.create(
        phone_number_id=PLATFORM_NUMBER,
        phone="+5511912345678",
        tenant=tenant_alpha,
        last_sent_at=timezone.now(),
    )
    response = _signed_post(platform_client, _payload(messages=[_text("wamid.WEB", "CANCELAR")]))
    assert response.status_code == 200
    with schema_context("alpha"):
        booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


CONFIRM_VARIANTS = ["1", " 1 ", "1.", "1️⃣", "SIM", "sim", "Sim!", "Sím", "sim.", "CONFIRMAR",
                    "confirmar", "Confirmar!!", "YES", "yes", "Yes."]  # fmt: skip
CANCEL_VARIANTS = ["2", "2!", "CANCELAR", "cancelar", "Cancelar.", "CANCELÁR", "CANCEL",
                   "cancel", "Cancel!"]  # fmt: skip


@pytest.mark.parametrize("word", CONFIRM_VARIANTS)
def test_every_confirm_word_confirms(shop, word):
    booking = _book(shop)
    assert reply_process(message=_text("wamid.C", word)) == InboundMessage.Action.CONFIRMED
    assert booking.events.order_by("-pk").first().type == BookingEvent.Type.ACKNOWLEDGED


@pytest.mark.parametrize("word", CANCEL_VARIANTS)
def test_every_cancel_word_cancels(shop, word):
    booking = _book(shop)
    assert reply_process(message=_text("wamid.X", word)) == InboundMessage.Action.CANCELLED
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


@pytest.mark.parametrize("text", ["12", "sim, mas posso mudar?", "não", "3", "SIMCANCELAR", ""])
def test_other_text_is_no_command(shop, text):
    booking = _book(shop)
    assert reply_process(message=_text("wamid.N", text)) == InboundMessage.Action.NONE
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.events.count() == 1


def test_a_confirmation_the_rules_refuse_is_answered_and_the_reply_kept(shop, monkeypatch):
    from bookings import services as booking_services
    from bookings.errors import booking_error

    booking = _book(shop)

    def refused(**kwargs):  # as when the staff cancelled it a moment ago
        raise booking_error("invalid_transition")

    monkeypatch.setattr(booking_services, "booking_acknowledge", refused)
    assert reply_process(message=_text("wamid.R", "SIM")) == InboundMessage.Action.REFUSED
    inbound = InboundMessage.objects.get(provider_id="wamid.R")
    assert inbound.action == InboundMessage.Action.REFUSED and inbound.booking == booking
    answer = _reply_to(shop["client"])
    assert "Desculpe, Ana" in answer.body and "não pode ser alterado" in answer.body
    # Redelivered: handled once.
    assert reply_process(message=_text("wamid.R", "SIM")) == "duplicate"
