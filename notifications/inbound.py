"""What WhatsApp tells us, inside one business's schema: delivery statuses and clients' replies.

Every function here is safe to run twice on the same event (webhooks are redelivered).
"""

import datetime as dt
import logging
import unicodedata

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.errors import BookingError
from bookings.models import Booking, Client, ClientInteraction
from bookings.selectors import booking_next_for_client
from notifications.defaults import CONTACT, REFUSALS, REPLIES
from notifications.models import Channel, ChannelSettings, InboundMessage, Kind, Message
from notifications.providers import OUTSIDE_WINDOW
from notifications.queueing import enqueue_when_due
from notifications.rendering import fill, placeholders
from notifications.services import message_fail
from scheduling.models import BusinessSettings

log = logging.getLogger(__name__)
Status = Message.Status
Action = InboundMessage.Action

# How far each delivery status has got: a status never moves back (webhooks arrive out of order).
PROGRESS = {Status.SENT: 1, Status.DELIVERED: 2, Status.READ: 3}
TIMESTAMP_FIELD = {Status.SENT: "sent_at", Status.DELIVERED: "delivered_at", Status.READ: "read_at"}

CONFIRM_WORDS = frozenset({"1", "SIM", "CONFIRMAR", "CONFIRMO", "YES", "CONFIRM"})
CANCEL_WORDS = frozenset({"2", "CANCELAR", "CANCELO", "CANCEL"})


def _event_time(raw) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return timezone.now()


@transaction.atomic
def status_apply(*, status: dict) -> str:
    """Move a message forward to sent, delivered or read, or mark it failed; returns what it did."""
    provider_id = str(status.get("id") or "")
    new = status.get("status")
    message = Message.objects.select_for_update().filter(provider_id=provider_id).first()
    if not provider_id or message is None:
        return "unknown"
    at = _event_time(status.get("timestamp"))
    if new in PROGRESS:
        if PROGRESS[new] <= PROGRESS.get(message.status, 0):
            return "ignored"
        message.status = new
        fields = ["status", "updated_at"]
        for reached, field in TIMESTAMP_FIELD.items():
            # "read" implies "delivered" and "sent": fill the steps a lost webhook skipped.
            if PROGRESS[reached] <= PROGRESS[new] and getattr(message, field) is None:
                setattr(message, field, at)
                fields.append(field)
        message.save(update_fields=fields)
        return new
    if new == Status.FAILED:
        if message.status in (Status.FAILED, Status.DELIVERED, Status.READ):
            return "ignored"
        errors = status.get("errors") or [{}]
        error = errors[0] if isinstance(errors[0], dict) else {}
        text = error.get("message") or error.get("title") or "failed"
        described = f"WhatsApp {error.get('code', '')}: {text}".strip()
        if _outside_window(error) and _resend_as_template(message, error=described):
            return "resent_as_template"
        message_fail(message=message, error=described)
        return Status.FAILED
    return "ignored"


def _outside_window(error: dict) -> bool:
    try:
        return int(error.get("code")) == OUTSIDE_WINDOW
    except (TypeError, ValueError):
        return False


def _resend_as_template(message: Message, *, error: str) -> bool:
    """Text the API took but could not deliver outside the 24-hour window (131047, reported by
    webhook): queue it again, once, as the approved template. False when that cannot help."""
    template = ChannelSettings.load().whatsapp_template_name
    if message.channel != Channel.WHATSAPP or message.as_template or not template:
        return False
    message.status = Status.QUEUED
    message.as_template = True
    message.send_after = timezone.now()
    message.provider_id = ""  # later events of the undelivered text find nothing to change
    message.sending_since = None
    message.last_error = f"{error} (sent again as the approved template)"[:2000]
    message.save(
        update_fields=[
            "status",
            "as_template",
            "send_after",
            "provider_id",
            "sending_since",
            "last_error",
            "updated_at",
        ]
    )
    enqueue_when_due(message)
    return True


def _text_of(message: dict) -> str:
    kind = message.get("type")
    if kind == "text":
        return str((message.get("text") or {}).get("body", ""))
    if kind == "button":
        return str((message.get("button") or {}).get("text", ""))
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return str(reply.get("title", ""))
    return f"[{kind or 'message'}]"


def _keyword(text: str) -> str:
    """ "Sim!" → "SIM", " cancelar. " → "CANCELAR": accents, case and punctuation do not matter."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain if ch.isalnum()).upper()


def _reply(
    *,
    client: Client | None,
    phone: str,
    key: str,
    business: BusinessSettings,
    booking: Booking | None = None,
    reason: str = "",
) -> None:
    channels = ChannelSettings.load()
    if not channels.whatsapp_enabled:
        return
    language = business.language if business.language in REPLIES[key] else "en"
    values = placeholders(booking, business) if booking else {}
    values.setdefault("business", business.display_name or "")
    values.setdefault("client_name", client.name.split()[0] if client and client.name else "")
    values["reason"] = reason
    phone_text = business.contact_phone
    values["contact"] = fill(CONTACT[language], {"phone": phone_text}) if phone_text else ""
    body = fill(REPLIES[key][language], values).strip()
    # Not tied to the booking: the (booking, kind, channel) key would allow only one reply ever.
    message = Message.objects.create(
        client=client,
        channel=Channel.WHATSAPP,
        kind=Kind.REPLY,
        recipient=phone,
        body=body,
        send_after=timezone.now(),
    )
    enqueue_when_due(message)


@transaction.atomic
def reply_process(*, message: dict, now: dt.datetime | None = None) -> str:
    """A client wrote to the business: keep it once, and act on "1"/"SIM" or "2"/"CANCELAR"."""
    now = now or timezone.now()
    provider_id = str(message.get("id") or "")
    sender = str(message.get("from") or "")
    if not provider_id or not sender:
        return "invalid"
    phone = "+" + sender.lstrip("+")
    text = _text_of(message)
    client = Client.objects.filter(phone=phone, is_active=True).order_by("pk").first()
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                provider_id=provider_id,
                from_phone=phone,
                client=client,
                body=text[:4000],
                received_at=min(_event_time(message.get("timestamp")), now),
            )
    except IntegrityError:
        return "duplicate"  # the same webhook again: it was handled the first time
    if client is not None:
        booking_services.client_interaction_add(
            client=client,
            kind=ClientInteraction.Kind.MESSAGE,
            body=f"WhatsApp: {text}",
            author=None,
        )
    word = _keyword(text)
    if word not in CONFIRM_WORDS and word not in CANCEL_WORDS:
        return Action.NONE  # a conversation for the staff, not a command
    business = BusinessSettings.load()
    booking = booking_next_for_client(client=client, now=now) if client else None
    if booking is None:
        inbound.action = Action.NO_BOOKING
        _reply(client=client, phone=phone, key="no_booking", business=business)
    elif word in CONFIRM_WORDS:
        inbound.action, key, reason = _confirm(booking, now, business)
        _reply(
            client=client,
            phone=phone,
            key=key,
            business=business,
            booking=booking,
            reason=reason,
        )
    else:
        inbound.action, reason = _cancel(booking, now, business)
        if reason:
            _reply(
                client=client,
                phone=phone,
                key="refused",
                business=business,
                booking=booking,
                reason=reason,
            )
        # Cancelled: the cancellation notice the outbox just queued is the answer.
    inbound.booking = booking
    inbound.save(update_fields=["action", "booking"])
    return inbound.action


def _confirm(
    booking: Booking, now: dt.datetime, business: BusinessSettings
) -> tuple[str, str, str]:
    """(action, reply key, reason): the rules refusing is an answer to the client, and the
    inbound message is kept all the same."""
    if booking.status == Booking.Status.PENDING:
        # Approval is the business's decision: the client's "yes" does not replace it.
        return Action.NONE, "pending", ""
    try:
        with transaction.atomic():
            booking_services.booking_acknowledge(booking=booking, actor_label="whatsapp", now=now)
    except BookingError as exc:  # e.g. cancelled or moved a moment ago by the staff
        language = business.language if business.language in REFUSALS["other"] else "en"
        refusal = REFUSALS.get(exc.code, REFUSALS["other"])
        return Action.REFUSED, "refused", refusal[language]
    return Action.CONFIRMED, "acknowledged", ""


def _cancel(booking: Booking, now: dt.datetime, business: BusinessSettings) -> tuple[str, str]:
    language = business.language if business.language in REFUSALS["other"] else "en"
    try:
        with transaction.atomic():
            booking_services.booking_cancel(
                booking=booking,
                by_client=True,
                reason="Cancelled by WhatsApp reply",
                now=now,
                business=business,
                actor_label="whatsapp",
            )
    except BookingError as exc:
        refusal = REFUSALS.get(exc.code, REFUSALS["other"])
        return Action.REFUSED, refusal[language]
    return Action.CANCELLED, ""
