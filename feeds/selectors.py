"""Reads for calendar feeds: who may manage which feed, the page's rows, a feed's bookings."""

import dataclasses
import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import MD5, Cast, Concat

from accounts.models import User
from bookings.models import Booking
from bookings.selectors import services_label_expression
from feeds.models import FeedToken
from scheduling.models import Resource

# What a feed holds: bookings that start from 30 days ago to 90 days ahead (whole local days).
PAST_DAYS = 30
FUTURE_DAYS = 90
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def feed_manages_all(*, actor: User) -> bool:
    return actor.is_active and actor.role == User.Role.OWNER


def feed_may_manage(
    *, actor: User, user: User | None = None, resource: Resource | None = None
) -> bool:
    """The one rule: the owner sees and manages every feed; anyone else only their own member
    feed (never a resource's, even the one linked to them: that is the owner's to hand out)."""
    if feed_manages_all(actor=actor):
        return True
    return actor.is_active and resource is None and user is not None and user.pk == actor.pk


def feed_by_token(*, token: str) -> FeedToken | None:
    """The live feed with this token, or None (unknown, revoked, replaced, or of a deactivated
    member or resource: the page lists only active ones, so nobody could turn those off)."""
    if not 20 <= len(token) <= 64 or not TOKEN_CHARS.issuperset(token):
        return None
    feed = FeedToken.objects.select_related("user", "resource").filter(token=token).first()
    subject = feed.user if feed is not None and feed.user_id else getattr(feed, "resource", None)
    if subject is None or not subject.is_active:
        return None
    return feed


def feed_window(*, now: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight 30 days ago, local midnight after the 90th day ahead): the window moves a
    day at a time, so the feed's body (and ETag) stays put between bookings' changes."""
    zone = zoneinfo.ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    first = dt.datetime.combine(today - dt.timedelta(days=PAST_DAYS), dt.time(), zone)
    last = dt.datetime.combine(today + dt.timedelta(days=FUTURE_DAYS + 1), dt.time(), zone)
    return first, last


def feed_bookings(*, feed: FeedToken, now: dt.datetime, timezone: str) -> QuerySet[Booking]:
    """The bookings a feed shows: its resource's, or those of the resource linked to its member
    (what that member sees in the dashboard), cancelled ones included."""
    first, last = feed_window(now=now, timezone=timezone)
    qs = Booking.objects.filter(start__gte=first, start__lt=last)
    if feed.resource_id:
        return qs.filter(resource_id=feed.resource_id)
    return qs.filter(resource__user_id=feed.user_id)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """What a feed says of one booking (plain values: a feed of hundreds loads no models)."""

    pk: int
    reference: str
    status: str
    start: dt.datetime
    end: dt.datetime
    updated_at: dt.datetime
    service: str
    resource: str
    client: str


def feed_entries(*, bookings: QuerySet[Booking]) -> list[FeedEntry]:
    """`bookings` (from feed_bookings) as entries, oldest first, in one query; `service` names
    all the booking's services ("Haircut + Beard trim"), as they are called now."""
    fields = [f.name for f in dataclasses.fields(FeedEntry)]
    label = services_label_expression(as_booked=False)
    columns = [*fields[:6], "services_label", "resource__name", "client__name"]
    rows = bookings.annotate(services_label=label).order_by("start", "pk").values_list(*columns)
    return [FeedEntry(*row) for row in rows]


def feed_fingerprint(*, bookings: QuerySet[Booking]) -> str:
    """A digest of everything the feed's events are made of, computed by PostgreSQL in one
    query without loading the rows: the ETag comes from it, so a poll whose answer is 304 (or a
    body already cached) never builds the calendar. Any change of a booking bumps its
    `updated_at`; names are in the digest themselves (services and resources keep no change
    time), so a renamed service changes it too."""
    text = CharField()
    row = Concat(
        Cast("pk", text),
        Value("|"),
        F("reference"),
        Value("|"),
        F("status"),
        Value("|"),
        Cast("start", text),
        Value("|"),
        Cast("end", text),
        Value("|"),
        Cast("updated_at", text),
        Value("|"),
        F("service__name"),
        Value("|"),
        F("resource__name"),
        Value("|"),
        F("client__name"),
        output_field=text,
    )
    result = bookings.order_by().aggregate(
        count=Count("pk"),
        digest=MD5(StringAgg(row, delimiter="\n", order_by=("start", "pk"), default="")),
    )
    return f"{result['count']}:{result['digest']}"


@dataclass(frozen=True)
class FeedSubject:
    """One row of the feeds page: a member or a resource, and its feed if it has one."""

    kind: str  # "member" or "resource"
    pk: int
    name: str
    detail: str
    feed: FeedToken | None
    is_self: bool = False
    # A member with no resource linked to them has an empty feed; the page says why.
    linked: bool = True

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.pk}"


def feed_subjects(*, actor: User) -> tuple[list[FeedSubject], list[FeedSubject]]:
    """(members, resources) whose feeds `actor` may see: the owner every active member and
    resource (actor first), anyone else only themselves. Four queries, whatever the rows."""
    own = FeedToken.objects.filter(user=actor).first()
    me = FeedSubject(
        kind="member",
        pk=actor.pk,
        name=actor.get_full_name() or actor.email,
        detail=actor.email,
        feed=own,
        is_self=True,
        linked=Resource.objects.filter(user=actor).exists(),
    )
    if not feed_manages_all(actor=actor):
        return [me], []
    members = [me]
    for user in (
        User.objects.filter(is_active=True)
        .exclude(pk=actor.pk)
        .select_related("calendar_feed", "resource")
        .order_by("full_name", "email")
    ):
        members.append(
            FeedSubject(
                kind="member",
                pk=user.pk,
                name=user.get_full_name() or user.email,
                detail=user.email,
                feed=getattr(user, "calendar_feed", None),
                linked=getattr(user, "resource", None) is not None,
            )
        )
    resources = [
        FeedSubject(
            kind="resource",
            pk=resource.pk,
            name=resource.name,
            detail=resource.get_kind_display(),
            feed=getattr(resource, "calendar_feed", None),
        )
        for resource in Resource.objects.filter(is_active=True).select_related("calendar_feed")
    ]
    return members, resources
