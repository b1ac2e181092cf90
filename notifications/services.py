"""Sending the outbox: claim due rows, send each at most once on our side, retry what is transient.

At-least-once to the task (a sweep re-enqueues anything still due), at-most-once send (the row
moves from `queued` to `sending` under its lock before the provider is called).
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.calendar_files import booking_ics
from notifications.errors import NotificationError
from notifications.models import Channel, ChannelSettings, Kind, Message
from notifications.providers import SendError, WhatsAppAccount, email_send, whatsapp_send_text
from notifications.rendering import tenant_base_url
from scheduling.models import BusinessSettings

Status = Message.Status


def message_ids_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Queued messages whose time has come, skipping rows another sweep holds right now."""
    now = now or timezone.now()
    with transaction.atomic():
        return list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=Status.QUEUED, send_after__lte=now)
            .order_by("send_after", "pk")
            .values_list("pk", flat=True)[:limit]
        )


@transaction.atomic
def messages_requeue_stuck(*, now: dt.datetime | None = None) -> int:
    """Rows left in `sending` by a worker that died: queue them again (they are resent once)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.MESSAGE_SENDING_TIMEOUT_SECONDS)
    return (
        Message.objects.select_for_update(skip_locked=True)
        .filter(status=Status.SENDING, sending_since__lt=cutoff)
        .update(status=Status.QUEUED, send_after=now, sending_since=None, updated_at=now)
    )


def _claim(message_id: int, now: dt.datetime) -> Message | None:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Status.QUEUED, send_after__lte=now)
            .first()
        )
        if message is None:
            return None  # sent, cancelled, not due yet, or being sent by someone else
        message.status = Status.SENDING
        message.sending_since = now
        message.attempts += 1
        message.save(update_fields=["status", "sending_since", "attempts", "updated_at"])
        return message


def _whatsapp_account(channels: ChannelSettings) -> WhatsAppAccount:
    own = channels.whatsapp_phone_number_id and channels.whatsapp_access_token
    return WhatsAppAccount(
        base_url=settings.WHATSAPP_API_BASE_URL,
        api_version=settings.WHATSAPP_API_VERSION,
        phone_number_id=channels.whatsapp_phone_number_id
        if own
        else settings.WHATSAPP_PHONE_NUMBER_ID,
        access_token=channels.whatsapp_access_token if own else settings.WHATSAPP_ACCESS_TOKEN,
    )


def _deliver(message: Message) -> str:
    channels = ChannelSettings.load()
    if message.channel == Channel.WHATSAPP:
        return whatsapp_send_text(
            _whatsapp_account(channels), to=message.recipient, body=message.body
        )
    attachments = []
    if message.kind == Kind.CONFIRMATION and message.booking_id:
        business = BusinessSettings.load()
        booking = message.booking
        ics = booking_ics(
            booking,
            business_name=business.display_name,
            address=business.address,
            manage_url=f"{tenant_base_url()}/manage/{booking.manage_token}/",
        )
        attachments.append((f"booking-{booking.reference}.ics", ics, "text/calendar"))
    return email_send(
        to=message.recipient,
        subject=message.subject,
        body=message.body,
        from_email=channels.email_from,
        attachments=attachments,
    )


def message_send(*, message_id: int, now: dt.datetime | None = None) -> str:
    """Send one message if it is still queued and due; returns its status afterwards."""
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "skipped"
    try:
        provider_id = _deliver(message)
    except SendError as exc:
        retry = exc.transient and message.attempts < settings.MESSAGE_MAX_ATTEMPTS
        delay = settings.MESSAGE_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1)
        Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.QUEUED if retry else Status.FAILED,
            send_after=now + dt.timedelta(seconds=delay) if retry else message.send_after,
            last_error=str(exc)[:2000],
            sending_since=None,
            updated_at=timezone.now(),
        )
        return Status.QUEUED if retry else Status.FAILED
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.SENT,
        provider_id=provider_id,
        sent_at=timezone.now(),
        sending_since=None,
        last_error="",
        updated_at=timezone.now(),
    )
    return Status.SENT


@transaction.atomic
def channel_settings_save(*, channels: ChannelSettings, tenant) -> ChannelSettings:
    """Save the business's channels and keep the public phone-number index in step with them."""
    from tenants.services import whatsapp_number_route

    channels.whatsapp_phone_number_id = channels.whatsapp_phone_number_id.strip()
    channels.save()
    try:
        whatsapp_number_route(tenant=tenant, phone_number_id=channels.whatsapp_phone_number_id)
    except ValueError as exc:
        raise NotificationError("number_taken", str(exc), field="whatsapp_phone_number_id") from exc
    return channels
