"""The outbox: which messages a booking change implies, written in the change's transaction.

Planning only: it writes the rows and hands the due ones to `queueing`; sending them is
`services`' job, which may come back here for an e-mail fallback, never the other way round.
`bookings` knows nothing of this module; it reacts to each new BookingEvent (apps.ready()).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.selectors import user_list_alerted_for_unowned
from billing import usage
from billing.limits import current_terms, period
from bookings.models import Booking, BookingEvent, Client
from notifications.defaults import STAFF_CHANGES
from notifications.models import Channel, ChannelSettings, Kind, Message
from notifications.queueing import enqueue_when_due
from notifications.rendering import fill, language_of, local_date_time, placeholders, render
from scheduling.models import BusinessSettings, Resource

Status = Message.Status
PENDING_STATUSES = (Status.QUEUED, Status.SENDING)


# Why a client message meant for WhatsApp went by e-mail, or not at all: the plan. Kept on the
# WhatsApp row (cancelled, its `last_error` holds the code) and said in words in the messages log.
NO_WHATSAPP = "no_whatsapp"  # the plan (or an operator's override) has no WhatsApp module
WHATSAPP_USED_UP = "whatsapp_used_up"  # this period's WhatsApp messages reached the limit
PLAN_CODE_PREFIX = "plan:"
PLAN_REASONS = {
    (NO_WHATSAPP, True): gettext_lazy("Sent by e-mail: the plan has no WhatsApp messages"),
    (WHATSAPP_USED_UP, True): gettext_lazy(
        "Sent by e-mail: this period's WhatsApp messages are used up"
    ),
    (NO_WHATSAPP, False): gettext_lazy(
        "Not sent: the plan has no WhatsApp messages, and there is no e-mail to send it to"
    ),
    (WHATSAPP_USED_UP, False): gettext_lazy(
        "Not sent: this period's WhatsApp messages are used up, and there is no e-mail to send "
        "it to"
    ),
}


def plan_code(reason: str, *, emailed: bool) -> str:
    return f"{PLAN_CODE_PREFIX}{reason}:{'email' if emailed else 'none'}"


def plan_reason(message: Message) -> str:
    """The log's words for a message the plan kept off WhatsApp ("" for any other)."""
    code = message.last_error or ""
    if not code.startswith(PLAN_CODE_PREFIX):
        return ""
    reason, _sep, outcome = code.removeprefix(PLAN_CODE_PREFIX).partition(":")
    words = PLAN_REASONS.get((reason, outcome == "email"))
    return str(words) if words else ""


def whatsapp_refusal() -> str:
    """Why the business's plan lets no WhatsApp message go now ("" when it does): no module, or
    this period's messages used up. Planning reads it without the limit's lock; the send
    re-checks under it (notifications.services)."""
    terms = current_terms()
    if terms is None:
        return ""
    if not terms.has("whatsapp"):
        return NO_WHATSAPP
    limit = terms.limit("whatsapp")
    if limit is not None and usage.count_of("whatsapp", *period(terms)) >= limit:
        return WHATSAPP_USED_UP
    return ""


def client_route(booking: Booking, channels: ChannelSettings) -> tuple[tuple[str, str] | None, str]:
    """The client's channel and recipient (None when neither works), and, when the client
    would get WhatsApp but the plan refuses it, why ("" otherwise): then e-mail if they have one.
    The plan is read once per planning pass (kept on `channels`, loaded for the pass)."""
    return client_route_of(booking.client, channels)


Route = tuple[tuple[str, str] | None, str]


def client_route_of(client: Client, channels: ChannelSettings) -> Route:
    """`client_route` for a client, with or without a booking."""
    email = (Channel.EMAIL, client.email) if channels.email_enabled and client.email else None
    if channels.whatsapp_enabled and client.whatsapp_consent and client.phone:
        refused = getattr(channels, "_plan_whatsapp_refusal", None)
        if refused is None:
            refused = channels._plan_whatsapp_refusal = whatsapp_refusal()
        if not refused:
            return (Channel.WHATSAPP, client.phone), ""
        return email, refused
    return email, ""


def client_channel(booking: Booking, channels: ChannelSettings) -> tuple[str, str] | None:
    """WhatsApp when the client agreed, has a phone and the plan allows it, else e-mail; None
    when neither works."""
    return client_route(booking, channels)[0]


def _refused_whatsapp(booking: Booking, kind: str, *, reason: str, emailed: bool, **fields) -> None:
    """The WhatsApp message the plan kept back, cancelled, saying why (the log shows it)."""
    subject, body = render(
        kind=kind,
        channel=Channel.WHATSAPP,
        language=fields["business"].language,
        values=placeholders(booking, fields["business"]),
    )
    Message.objects.update_or_create(
        booking=booking,
        kind=kind,
        channel=Channel.WHATSAPP,
        offset_minutes=fields["offset"],
        defaults={
            "client": booking.client,
            "recipient": booking.client.phone,
            "subject": subject,
            "body": body,
            "send_after": fields["send_after"],
            "status": Status.CANCELLED,
            "attempts": 0,
            "last_error": plan_code(reason, emailed=emailed),
            "provider_id": "",
            "as_template": False,
            "sending_since": None,
        },
    )


def _queue(
    booking: Booking,
    kind: str,
    *,
    send_after: dt.datetime,
    business: BusinessSettings,
    channels: ChannelSettings,
    offset: int = 0,
    target: tuple[str, str] | None = None,
) -> Message | None:
    """Write (or re-arm) the message of this booking, kind and offset on the client's channel
    (or on `target`, a channel and recipient). One channel per message: a queued one of the same
    booking, kind and offset on another channel (planned before the plan or the client changed)
    is cancelled."""
    refused = ""
    if target is None:
        target, refused = client_route(booking, channels)
    if refused:
        _refused_whatsapp(
            booking,
            kind,
            reason=refused,
            emailed=target is not None,
            business=business,
            offset=offset,
            send_after=send_after,
        )
    if target is None:
        return None
    channel, recipient = target
    subject, body = render(
        kind=kind,
        channel=channel,
        language=business.language,
        values=placeholders(booking, business),
    )
    message, _ = Message.objects.update_or_create(
        booking=booking,
        kind=kind,
        channel=channel,
        offset_minutes=offset,
        defaults={
            "client": booking.client,
            "recipient": recipient,
            "subject": subject,
            "body": body,
            "send_after": send_after,
            "status": Status.QUEUED,
            "attempts": 0,
            "last_error": "",
            "provider_id": "",
            "as_template": False,
            "sending_since": None,
        },
    )
    Message.objects.filter(
        booking=booking, kind=kind, offset_minutes=offset, status=Status.QUEUED
    ).exclude(channel=channel).update(status=Status.CANCELLED, updated_at=timezone.now())
    enqueue_when_due(message)
    return message


def _alert_recipients(resources: list[Resource | None]) -> list[User]:
    """Who hears of a change to these resources' bookings: a resource's own team member, unless
    they chose no alerts; for a resource nobody logs in as (equipment, a professional without an
    account), the members who chose to hear of those (owners and admins unless they opted out)."""
    recipients: list[User] = []
    unowned = None
    for resource in resources:
        if resource is None:
            continue
        user = resource.user
        if user is not None and user.is_active:
            if user.alerts_effective != User.Alerts.NONE:
                recipients.append(user)
            continue
        if unowned is None:
            unowned = user_list_alerted_for_unowned()
        recipients.extend(unowned)
    distinct = {user.pk: user for user in recipients if user.email}
    return list(distinct.values())


def _staff_alerts(booking: Booking, event: BookingEvent, business, channels, now) -> None:
    """Tell the staff of the booking's resource what happened; on a move to another resource,
    also those of the resource whose booking it was."""
    if not channels.email_enabled:
        return
    change = event.type
    previous = None
    before = event.before or {}
    moved = before.get("resource") not in (None, booking.resource_id)
    if event.type == BookingEvent.Type.RESCHEDULED and moved:
        previous = Resource.objects.select_related("user").filter(pk=before["resource"]).first()
        change = "moved_resource"

    def alert(language: str) -> tuple[str, str]:
        """The alert's subject and body in `language`, dates too."""
        values = placeholders(booking, business, language)
        if event.type == BookingEvent.Type.RESCHEDULED:
            if before.get("start"):
                values["old_date"], values["old_time"] = local_date_time(
                    dt.datetime.fromisoformat(before["start"]), business, language
                )
            else:  # an old event without its snapshot: say where it is now
                values["old_date"], values["old_time"] = values["date"], values["time"]
            values["old_resource"] = previous.name if previous else ""
        wording = STAFF_CHANGES[change]
        values["change"] = fill(wording.get(language) or wording["en"], values)
        return render(
            kind=Kind.STAFF_ALERT, channel=Channel.EMAIL, language=language, values=values
        )

    for user in _alert_recipients([booking.resource, previous]):
        # In the member's own language when they chose one, else the business's.
        subject, body = alert(language_of(getattr(user, "language", ""), business.language))
        # One per change and staff member (its own unique key): planning twice changes nothing.
        message, created = Message.objects.get_or_create(
            kind=Kind.STAFF_ALERT,
            event=event,
            staff_user=user,
            defaults={
                "booking": booking,
                "channel": Channel.EMAIL,
                "recipient": user.email,
                "subject": subject,
                "body": body,
                "send_after": now,
            },
        )
        if created:
            enqueue_when_due(message)


def _plan_reminders(booking, business, channels, now) -> None:
    offsets = set(business.reminder_offsets or [])
    for offset in offsets:
        due = booking.start - dt.timedelta(minutes=offset)
        if due > now:
            _queue(
                booking,
                Kind.REMINDER,
                send_after=due,
                business=business,
                channels=channels,
                offset=offset,
            )
    # Reminders at offsets no longer configured, or already past for the new time, do not go.
    stale = Message.objects.filter(booking=booking, kind=Kind.REMINDER, status__in=PENDING_STATUSES)
    for message in stale:
        due = booking.start - dt.timedelta(minutes=message.offset_minutes)
        if message.offset_minutes not in offsets or due <= now:
            message.status = Status.CANCELLED
            message.save(update_fields=["status", "updated_at"])


def email_fallback(message: Message, *, now: dt.datetime) -> Message | None:
    """The same message by e-mail, for a WhatsApp message that cannot be delivered."""
    booking = message.booking
    channels = ChannelSettings.load()
    if booking is None or not channels.email_enabled or not booking.client.email:
        return None
    if message.kind == Kind.REMINDER and booking.start <= now:
        return None  # a reminder of something already begun helps nobody
    already = Message.objects.filter(
        booking=booking,
        kind=message.kind,
        channel=Channel.EMAIL,
        offset_minutes=message.offset_minutes,
        status__in=[Status.SENDING, Status.SENT, Status.DELIVERED, Status.READ],
    )
    if already.exists():
        return None
    return _queue(
        booking,
        message.kind,
        send_after=now,
        business=BusinessSettings.load(),
        channels=channels,
        offset=message.offset_minutes,
        target=(Channel.EMAIL, booking.client.email),
    )


def plan_reroute(message: Message, reason: str, *, now: dt.datetime) -> Message | None:
    """A WhatsApp message the plan does not let go (found at send time): by e-mail instead when
    there is one to send it to; the WhatsApp row is cancelled and says why. Returns the e-mail."""
    fallback = email_fallback(message, now=now)
    Message.objects.filter(pk=message.pk).update(
        status=Status.CANCELLED,
        last_error=plan_code(reason, emailed=fallback is not None),
        sending_since=None,
        updated_at=timezone.now(),
    )
    message.status = Status.CANCELLED
    return fallback


def _cancel_pending(booking: Booking, kinds) -> None:
    Message.objects.filter(booking=booking, kind__in=kinds, status=Status.QUEUED).update(
        status=Status.CANCELLED, updated_at=timezone.now()
    )


@transaction.atomic
def plan_for_event(event: BookingEvent, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    booking = Booking.objects.select_related("client", "service", "resource__user").get(
        pk=event.booking_id
    )
    business = BusinessSettings.load()
    channels = ChannelSettings.load()
    common = {"business": business, "channels": channels}
    Type = BookingEvent.Type

    if event.type == Type.CREATED:
        if booking.status == Booking.Status.PENDING:
            _queue(booking, Kind.APPROVAL_REQUEST, send_after=now, **common)
        else:
            _queue(booking, Kind.CONFIRMATION, send_after=now, **common)
            _plan_reminders(booking, business, channels, now)
        _staff_alerts(booking, event, business, channels, now)
    elif event.type == Type.CONFIRMED:
        _queue(booking, Kind.CONFIRMATION, send_after=now, **common)
        _plan_reminders(booking, business, channels, now)
    elif event.type == Type.RESCHEDULED:
        _queue(booking, Kind.RESCHEDULE, send_after=now, **common)
        if booking.status == Booking.Status.CONFIRMED:
            _plan_reminders(booking, business, channels, now)
        _staff_alerts(booking, event, business, channels, now)
    elif event.type == Type.UPDATED and booking.is_active and _time_or_services_changed(event):
        # Staff changed the services (and so the end): the client hears it like a move;
        # a new price or notes are the business's own and go unsaid.
        _queue(booking, Kind.RESCHEDULE, send_after=now, **common)
    elif event.type == Type.CANCELLED:
        _cancel_pending(booking, [Kind.REMINDER, Kind.CONFIRMATION, Kind.APPROVAL_REQUEST])
        _queue(booking, Kind.CANCELLATION, send_after=now, **common)
        _staff_alerts(booking, event, business, channels, now)
    elif event.type in (Type.EXPIRED, Type.NO_SHOW):
        _cancel_pending(booking, [Kind.REMINDER])
    elif event.type == Type.COMPLETED:
        _cancel_pending(booking, [Kind.REMINDER])
        _plan_follow_up(booking, **common)
    elif event.type == Type.CORRECTED:
        # Staff fixed completed ↔ no-show after the fact: the follow-up follows the truth.
        corrected_to = (event.after or {}).get("status", booking.status)
        if corrected_to == Booking.Status.COMPLETED:
            _plan_follow_up(booking, **common)
        elif corrected_to == Booking.Status.NO_SHOW:
            _cancel_pending(booking, [Kind.FOLLOW_UP])


def _time_or_services_changed(event: BookingEvent) -> bool:
    before = event.before or {}
    return any(key in before for key in ("services", "start", "end"))


def _plan_follow_up(booking: Booking, *, business, channels) -> None:
    if not channels.follow_up_hours:
        return
    # Corrected back and forth: a thank-you already on its way is not re-armed and sent again.
    if (
        Message.objects.filter(booking=booking, kind=Kind.FOLLOW_UP)
        .exclude(status__in=[Status.QUEUED, Status.CANCELLED, Status.FAILED])
        .exists()
    ):
        return
    follow_up = booking.end + dt.timedelta(hours=channels.follow_up_hours)
    _queue(booking, Kind.FOLLOW_UP, send_after=follow_up, business=business, channels=channels)
