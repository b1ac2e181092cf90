"""Sending the outbox: claim due rows, send each at most once on our side, retry what is transient.

At-least-once to the task (a sweep re-enqueues anything still due), at-most-once send (the row
moves from `queued` to `sending` under its lock before the provider is called).
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from bookings.calendar_files import booking_ics
from notifications import outbox
from notifications.errors import NotificationError
from notifications.models import Channel, ChannelSettings, InboundMessage, Kind, Message
from notifications.providers import (
    OUTSIDE_WINDOW,
    SendError,
    WhatsAppAccount,
    email_send,
    whatsapp_send_template,
    whatsapp_send_text,
)
from notifications.rendering import language_of, tenant_base_url
from scheduling.models import BusinessSettings

log = logging.getLogger(__name__)
Send = Callable[[], str]  # calls the provider; returns its id of the message

WHATSAPP_WINDOW = dt.timedelta(hours=24)
WHATSAPP_LANGUAGES = {"pt-br": "pt_BR", "en": "en"}

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
    """Rows left in `sending` by a worker that died: queue them again (they are resent once).

    A row whose every attempt died so (up to MESSAGE_MAX_ATTEMPTS) fails instead, saying so:
    a message that kills its worker is not retried forever. Returns how many were re-queued.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.MESSAGE_SENDING_TIMEOUT_SECONDS)
    stuck = Message.objects.select_for_update(skip_locked=True).filter(
        status=Status.SENDING, sending_since__lt=cutoff
    )
    limit = settings.MESSAGE_MAX_ATTEMPTS
    for message in stuck.filter(attempts__gte=limit):
        message_fail(
            message=message,
            error=f"Sending never finished in {message.attempts} attempts (the worker stopped "
            f"each time, after {settings.MESSAGE_SENDING_TIMEOUT_SECONDS} s): not retried.",
            now=now,
        )
    return stuck.filter(attempts__lt=limit).update(
        status=Status.QUEUED, send_after=now, sending_since=None, updated_at=now
    )


def outbox_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """One pass over this business (beat, every minute): re-queue sends a dead worker left,
    expire pending bookings nobody confirmed before their start, and list what is due."""
    from bookings.errors import BookingError
    from bookings.selectors import booking_list_expired_pending
    from bookings.services import booking_expire

    now = now or timezone.now()
    messages_requeue_stuck(now=now)
    for booking in booking_list_expired_pending(now=now):
        try:
            booking_expire(booking=booking, now=now)
        except BookingError:  # confirmed or cancelled a moment ago: nothing to expire
            continue
    return message_ids_due(now=now)


def _whatsapp_refused() -> str:
    """The plan's reason not to send one more WhatsApp message now ("" to send it), inside the
    claim's transaction: senders of one business take turns under the limit's lock, and the
    messages being sent right now count too, so two cannot both send the period's last one."""
    from billing.limits import PlanLimitError, current_terms, limit_check

    terms = current_terms()
    if terms is None:
        return ""
    if not terms.has("whatsapp"):
        return outbox.NO_WHATSAPP
    if terms.limit("whatsapp") is None:
        return ""
    try:
        limit_check("whatsapp", adding=0)  # takes the lock first
        sending = Message.objects.filter(channel=Channel.WHATSAPP, status=Status.SENDING).count()
        limit_check("whatsapp", adding=1 + sending)
    except PlanLimitError:
        return outbox.WHATSAPP_USED_UP
    return ""


def _claim(message_id: int, now: dt.datetime) -> Message | None:
    """The message, now `sending` (None: nothing to send). A WhatsApp one the plan no longer
    lets go comes back cancelled, rerouted to e-mail when it can be (planning decided earlier:
    the period's limit may have been reached since)."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Status.QUEUED, send_after__lte=now)
            .first()
        )
        if message is None:
            return None  # sent, cancelled, not due yet, or being sent by someone else
        if message.channel == Channel.WHATSAPP:
            refused = _whatsapp_refused()
            if refused:
                outbox.plan_reroute(message, refused, now=now)
                return message
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


def whatsapp_window_open(phone: str, *, now: dt.datetime) -> bool:
    """Whether the client wrote to us in the last 24 hours (free-form text allowed)."""
    return InboundMessage.objects.filter(
        from_phone=phone, received_at__gt=now - WHATSAPP_WINDOW
    ).exists()


def _prepare_whatsapp(message: Message, channels: ChannelSettings, now: dt.datetime) -> Send:
    account = _whatsapp_account(channels)
    schema = connection.schema_name
    template = channels.whatsapp_template_name
    # The business's language matters only to a template (spares a query on every text).
    language = WHATSAPP_LANGUAGES.get(BusinessSettings.load().language, "en") if template else "en"
    use_template = bool(template) and (
        message.as_template or not whatsapp_window_open(message.recipient, now=now)
    )

    def send_template() -> str:
        message.as_template = True  # recorded with the provider id once it is sent
        return whatsapp_send_template(
            account,
            to=message.recipient,
            name=template,
            language=language,
            text=message.body,
            callback=schema,
        )

    def send() -> str:
        if use_template:
            return send_template()
        try:
            return whatsapp_send_text(
                account, to=message.recipient, body=message.body, callback=schema
            )
        except SendError as exc:
            if exc.code != OUTSIDE_WINDOW or not template:
                raise
            return send_template()

    return send


def _prepare_email(message: Message, channels: ChannelSettings) -> Send:
    attachments = []
    if message.kind == Kind.CONFIRMATION and message.booking_id:
        business = BusinessSettings.load()
        booking = message.booking
        with translation.override(language_of(business.language)):  # the client's calendar
            ics = booking_ics(
                booking,
                business_name=business.display_name,
                address=business.address,
                manage_url=f"{tenant_base_url()}/manage/{booking.manage_token}/",
            )
        attachments.append((f"booking-{booking.reference}.ics", ics, "text/calendar"))

    def send() -> str:
        return email_send(
            to=message.recipient,
            subject=message.subject,
            body=message.body,
            from_email=channels.email_from,
            attachments=attachments,
        )

    return send


def _prepare(message: Message, channels: ChannelSettings, now: dt.datetime) -> Send:
    """Everything a send needs that is ours to get wrong, done before the provider is called:
    the returned function only talks to the provider."""
    if message.channel == Channel.WHATSAPP:
        return _prepare_whatsapp(message, channels, now)
    return _prepare_email(message, channels)


def _remember_whatsapp_contact(
    message: Message, channels: ChannelSettings, now: dt.datetime
) -> None:
    """The client's reply to this number now reaches this business (shared platform number)."""
    from tenants.models import Tenant
    from tenants.services import whatsapp_contact_touch

    schema = connection.schema_name
    tenant = getattr(connection, "tenant", None)
    if getattr(tenant, "pk", None) is None or tenant.schema_name != schema:
        tenant = Tenant.objects.get(schema_name=schema)
    account = _whatsapp_account(channels)
    whatsapp_contact_touch(
        tenant=tenant, phone_number_id=account.phone_number_id, phone=message.recipient, at=now
    )


def _retry_or_fail(message: Message, *, error: str, transient: bool, now: dt.datetime) -> str:
    if transient and message.attempts < settings.MESSAGE_MAX_ATTEMPTS:
        delay = settings.MESSAGE_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1)
        Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.QUEUED,
            send_after=now + dt.timedelta(seconds=delay),
            last_error=error[:2000],
            sending_since=None,
            updated_at=timezone.now(),
        )
        return Status.QUEUED
    message_fail(message=message, error=error)
    return Status.FAILED


def message_send(*, message_id: int, now: dt.datetime | None = None) -> str:
    """Send one message if it is still queued and due; returns its status afterwards.

    The row never stays in `sending` because of us: an error of ours before the provider call
    is retried like a transient failure (and fails at the attempts limit); once the provider may
    have the message, nothing makes us send it again.
    """
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "skipped"
    if message.status == Status.CANCELLED:  # the plan kept it off WhatsApp
        return Status.CANCELLED
    try:
        channels = ChannelSettings.load()
        send = _prepare(message, channels, now)
    except Exception as exc:  # a bug or a database hiccup of ours: the provider saw nothing
        log.exception("message %s: preparing the send failed", message.pk)
        return _retry_or_fail(
            message, error=f"Could not prepare the message: {exc!r}", transient=True, now=now
        )
    try:
        provider_id = send()
    except SendError as exc:
        return _retry_or_fail(message, error=str(exc), transient=exc.transient, now=now)
    except Exception as exc:  # the provider may have it: at most once, so no retry
        log.exception("message %s: the send ended in an unexpected error", message.pk)
        message_fail(
            message=message,
            error=f"Unexpected error during the send, not retried (it may have gone): {exc!r}",
        )
        return Status.FAILED
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.SENT,
        provider_id=provider_id,
        as_template=message.as_template,
        sent_at=timezone.now(),
        sending_since=None,
        last_error="",
        updated_at=timezone.now(),
    )
    if message.channel == Channel.WHATSAPP:
        try:
            with transaction.atomic():
                _remember_whatsapp_contact(message, channels, now)
        except Exception:  # sent already: a lost routing hint must not make us send again
            log.exception("message %s: sent, but the WhatsApp contact was not recorded", message.pk)
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


@transaction.atomic
def message_fail(*, message: Message, error: str, now: dt.datetime | None = None) -> None:
    """A message that will not arrive: keep why, and send a WhatsApp one by e-mail instead."""
    now = now or timezone.now()
    fallback = None
    if message.channel == Channel.WHATSAPP:
        fallback = outbox.email_fallback(message, now=now)
    if fallback is not None:
        error = f"{error} (sent by e-mail instead)"
    Message.objects.filter(pk=message.pk).exclude(status=Status.CANCELLED).update(
        status=Status.FAILED,
        last_error=error[:2000],
        sending_since=None,
        updated_at=timezone.now(),
    )
