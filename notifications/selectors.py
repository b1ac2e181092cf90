"""Reads of the messages dashboard: the log as a user may see it, and templates with defaults."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from bookings.scoping import visible_resource_ids
from notifications.defaults import DEFAULTS, STAFF_CHANGES, default_wording
from notifications.models import Channel, Kind, Message, MessageTemplate
from notifications.rendering import fill, language_of, message_date
from scheduling.models import BusinessSettings


def message_list(
    *,
    user: User,
    status: str = "",
    channel: str = "",
    kind: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Message]:
    """The log, by `when` a message was sent (sent_at) or is due (send_after): first what has
    happened, the latest on top, then what is still to come, the soonest on top (a reminder due
    next month does not hide what went out a minute ago). Each row has `when` and `upcoming`.

    Staff see only the messages of their own resource's bookings and their own alerts. Dates
    are local days of the current time zone, compared with `when`.
    """
    now = now or timezone.now()
    when = Coalesce("sent_at", "send_after")
    qs = Message.objects.select_related("booking").annotate(
        when=when,
        upcoming=ExpressionWrapper(Q(when__gt=now), output_field=BooleanField()),
        happened_at=Case(When(when__lte=now, then=when)),
        due_at=Case(When(when__gt=now, then=when)),
    )
    ids = visible_resource_ids(user)
    if ids is not None:
        # And their own alerts, also of a booking moved away from their resource.
        qs = qs.filter(Q(booking__resource_id__in=ids) | Q(staff_user=user))
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if kind:
        qs = qs.filter(kind=kind)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(when__gte=dt.datetime.combine(date_from, dt.time(), tz))
    if date_to:
        until = date_to + dt.timedelta(days=1)
        qs = qs.filter(when__lt=dt.datetime.combine(until, dt.time(), tz))
    return qs.order_by(
        F("happened_at").desc(nulls_last=True), F("due_at").asc(nulls_last=True), "-pk"
    )


def message_get(*, user: User, pk: int) -> Message | None:
    """One message, or None when it does not exist or is not the user's to see."""
    return (
        message_list(user=user)
        .select_related("booking__service", "booking__resource", "booking__client", "client")
        .filter(pk=pk)
        .first()
    )


# Messages to a client outside any booking: what their page lists as sent to them.
CLIENT_KINDS = (Kind.DIRECT, Kind.BIRTHDAY, Kind.WIN_BACK)


def client_message_list(*, client) -> QuerySet[Message]:
    """Messages written to this client outside a booking (a member's, birthdays, we miss you),
    newest first. Not booking-bound, so anyone who may see the client may see these."""
    return (
        Message.objects.filter(client=client, kind__in=CLIENT_KINDS)
        .select_related("staff_user")
        .order_by("-send_after", "-pk")
    )


@dataclass(frozen=True)
class TemplateRow:
    kind: str
    kind_label: str
    channel: str
    channel_label: str
    custom: MessageTemplate | None


def template_kinds() -> list[tuple[str, str]]:
    """The kinds that have wording to edit (replies and tests are written by the system)."""
    return [(value, label) for value, label in Kind.choices if value in DEFAULTS]


def template_list(*, language: str) -> list[TemplateRow]:
    """Every editable kind × channel, with the business's own wording where it has one."""
    custom = {(t.kind, t.channel): t for t in MessageTemplate.objects.filter(language=language)}
    return [
        TemplateRow(kind, kind_label, channel, channel_label, custom.get((kind, channel)))
        for kind, kind_label in template_kinds()
        for channel, channel_label in Channel.choices
    ]


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    custom: bool


def template_wording(*, kind: str, channel: str, language: str) -> Wording:
    """The text a message of this kind and channel is written from: custom, else the default."""
    row = MessageTemplate.objects.filter(kind=kind, channel=channel, language=language).first()
    if row is not None:
        return Wording(row.subject, row.body, True)
    subject, body = default_wording(kind=kind, channel=channel, language=language)
    return Wording(subject if channel == Channel.EMAIL else "", body, False)


PLACEHOLDER_MEANINGS = {
    "client_name": gettext_lazy("the client's first name"),
    "service": gettext_lazy("the service booked"),
    "resource": gettext_lazy("who or what performs it"),
    "date": gettext_lazy("the day of the booking"),
    "time": gettext_lazy("its start time"),
    "business": gettext_lazy("your name as clients see it"),
    "manage_url": gettext_lazy("the client's link to change or cancel"),
    "change": gettext_lazy(
        "staff alerts: what happened (new booking, moved from when to when, cancelled)"
    ),
    "link": gettext_lazy(
        "birthday, we-miss-you and my-bookings messages: your booking page, or the client's "
        "one-time link to their bookings"
    ),
}

SAMPLES = {
    "en": {"client_name": "Alex", "service": "Haircut", "resource": "Sam"},
    "pt-br": {"client_name": "Ana", "service": "Corte", "resource": "Rafa"},
}


def placeholder_samples(*, business: BusinessSettings, base_url: str) -> dict[str, str]:
    """Made-up values for the template preview: a client, service and time a week from now."""
    language = language_of(business.language)
    day = timezone.localdate() + dt.timedelta(days=7)
    date = message_date(day, language)
    with translation.override(language):  # as the clients read it, not as the member does
        business_name = business.display_name or gettext("Your business")
    return {
        **SAMPLES.get(language, SAMPLES["en"]),
        "date": date,
        "time": "10:30",
        "business": business_name,
        "manage_url": f"{base_url}/manage/SAMPLE-LINK/",
        "change": fill(
            STAFF_CHANGES["created"].get(language) or STAFF_CHANGES["created"]["en"],
            {"date": date, "time": "10:30"},
        ),
        "link": f"{base_url}/",
    }
