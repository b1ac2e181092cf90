"""Reads on bookings and clients: busy intervals for availability, lists, client metrics."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Avg,
    BigIntegerField,
    CharField,
    Count,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.dates import WEEKDAYS as DAY_NAMES

from bookings.models import OCCUPYING, Booking, BookingItem, Client
from scheduling.availability import Availability
from scheduling.models import BusinessSettings, Question, Service
from scheduling.selectors import availability_compute, settings_get


def booking_busy_intervals(
    *,
    start: dt.datetime,
    end: dt.datetime,
    resource_ids: Iterable[int] | None = None,
    exclude_booking_id: int | None = None,
) -> list[tuple[int, int, int]]:
    """Occupied ranges of the bookings that hold their resource, overlapping [start, end).

    The same rows as the no-overlap constraint (`OCCUPYING`): pending and confirmed, and also
    completed and no-show ones, so no screen offers a time the constraint would refuse (a
    booking under way that was marked completed early still holds the rest of its time). The
    query's filter is the constraint's own condition, so its GiST index serves it. One query.

    Rows of (resource id, start, end) with the bounds in whole seconds since the epoch, which
    the availability engine takes as they are: building a thousand datetimes for it to turn
    back into numbers (and Django's per-value converters) was most of the selector's time.
    """
    qs = Booking.objects.filter(OCCUPYING, occupied__overlap=(start, end))
    if resource_ids is not None:
        qs = qs.filter(resource_id__in=list(resource_ids))
    if exclude_booking_id is not None:
        qs = qs.exclude(pk=exclude_booking_id)
    # No ORDER BY: the engine sorts each resource's spans itself.
    rows = (
        qs.order_by()
        .annotate(busy_start=_epoch("floor", "lower"), busy_end=_epoch("ceil", "upper"))
        .values_list("resource_id", "busy_start", "busy_end")
    )
    try:
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:  # e.g. resource_ids=[]: Django knows no row can match
        return []
    with connections[rows.db].cursor() as cursor:  # plain tuples of ints, no converters
        cursor.execute(sql, params)
        return cursor.fetchall()


def _epoch(rounding: str, bound: str) -> Func:
    return Func(
        F("occupied"),
        template=f"{rounding}(extract(epoch from {bound}(%(expressions)s)))::bigint",
        output_field=BigIntegerField(),
    )


def slot_list_available(
    *,
    service: Service,
    start_date: dt.date,
    end_date: dt.date,
    resource_ids: Iterable[int] | None = None,
    exclude_booking_id: int | None = None,
    now: dt.datetime | None = None,
    business: BusinessSettings | None = None,
    extra_services: Sequence[Service] = (),
) -> Availability:
    """Free slots with real bookings subtracted: the one path every screen uses.

    `extra_services` follow `service` in one booking (see `availability_compute`)."""
    import zoneinfo

    business = business or settings_get()
    tz = zoneinfo.ZoneInfo(business.timezone)
    window_start = dt.datetime.combine(start_date - dt.timedelta(days=1), dt.time(), tz)
    window_end = dt.datetime.combine(end_date + dt.timedelta(days=2), dt.time(), tz)
    busy = booking_busy_intervals(
        start=window_start,
        end=window_end,
        resource_ids=resource_ids,
        exclude_booking_id=exclude_booking_id,
    )
    return availability_compute(
        service=service,
        start_date=start_date,
        end_date=end_date,
        resource_ids=resource_ids,
        busy=busy,
        now=now,
        business=business,
        extra_services=extra_services,
    )


def services_label_expression(*, as_booked: bool = True) -> Coalesce:
    """A booking's services in one column, "Haircut + Beard trim", for an `annotate`: their
    names as booked (the items'), or as the services are called now (`as_booked=False`, the
    calendar feeds'); a booking without items gives its service's name."""
    name = "name" if as_booked else "service__name"
    names = (
        BookingItem.objects.filter(booking=OuterRef("pk"))
        .order_by()
        .values("booking")
        .annotate(label=StringAgg(name, delimiter=" + ", order_by=("position", "id")))
        .values("label")
    )
    return Coalesce(Subquery(names), F("service__name"), output_field=CharField())


def with_services_label(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    """Each booking's services as booked, in the same query (lists show every service without a
    query per row); `Booking.services_label` reads it when present."""
    return qs.annotate(items_label=services_label_expression())


def booking_list(*, resource_ids: Iterable[int] | None = None) -> QuerySet[Booking]:
    qs = with_services_label(Booking.objects.select_related("service", "resource", "client"))
    if resource_ids is not None:
        qs = qs.filter(resource_id__in=list(resource_ids))
    return qs


@dataclass(frozen=True)
class ClientMetrics:
    total: int
    completed: int
    cancelled: int
    no_shows: int
    total_spent: Decimal
    average_ticket: Decimal | None
    first_visit: dt.datetime | None
    last_visit: dt.datetime | None
    average_days_between_visits: float | None
    preferred_service: str | None
    preferred_weekday: str | None
    preferred_hour: int | None


# Weekday names in the reader's language (Django's own, lazy), Sunday first like ExtractWeekDay.
WEEKDAYS = [DAY_NAMES[(n - 1) % 7] for n in range(7)]


def client_metrics(*, client: Client, business: BusinessSettings | None = None) -> ClientMetrics:
    """Derived from the client's bookings, never stored; a visit is a completed booking."""
    from django.db.models.functions import ExtractHour, ExtractWeekDay

    business = business or settings_get()
    bookings = Booking.objects.filter(client=client)
    done = Q(status=Booking.Status.COMPLETED)
    totals = bookings.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=done),
        cancelled=Count("pk", filter=Q(status=Booking.Status.CANCELLED)),
        no_shows=Count("pk", filter=Q(status=Booking.Status.NO_SHOW)),
        spent=Sum("price", filter=done),
        average=Avg("price", filter=done),
        first=Min("start", filter=done),
        last=Max("start", filter=done),
    )
    visits = bookings.filter(done)
    favourite = (
        visits.values("service__name").annotate(n=Count("pk")).order_by("-n", "service__name")
    ).first()
    import zoneinfo

    tz = zoneinfo.ZoneInfo(business.timezone)
    weekday = (
        visits.annotate(d=ExtractWeekDay("start", tzinfo=tz))
        .values("d")
        .annotate(n=Count("pk"))
        .order_by("-n", "d")
        .first()
    )
    hour = (
        visits.annotate(h=ExtractHour("start", tzinfo=tz))
        .values("h")
        .annotate(n=Count("pk"))
        .order_by("-n", "h")
        .first()
    )
    gap = None
    if totals["completed"] > 1:
        span = totals["last"] - totals["first"]
        gap = round(span.total_seconds() / 86400 / (totals["completed"] - 1), 1)
    average = totals["average"]
    return ClientMetrics(
        total=totals["total"],
        completed=totals["completed"],
        cancelled=totals["cancelled"],
        no_shows=totals["no_shows"],
        total_spent=totals["spent"] or Decimal("0"),
        average_ticket=average.quantize(Decimal("0.01")) if average is not None else None,
        first_visit=totals["first"],
        last_visit=totals["last"],
        average_days_between_visits=gap,
        preferred_service=favourite["service__name"] if favourite else None,
        preferred_weekday=WEEKDAYS[weekday["d"] - 1] if weekday else None,
        preferred_hour=hour["h"] if hour else None,
    )


def booking_list_expired_pending(*, now: dt.datetime) -> QuerySet[Booking]:
    """Pending bookings nobody confirmed before their start: the sweep expires them."""
    return Booking.objects.filter(status=Booking.Status.PENDING, start__lte=now)


def booking_next_for_client(*, client: Client, now: dt.datetime) -> Booking | None:
    """The client's next pending or confirmed booking that has not started yet."""
    return (
        Booking.objects.select_related("service", "resource")
        .filter(client=client, status__in=Booking.ACTIVE_STATUSES, start__gt=now)
        .order_by("start", "pk")
        .first()
    )


def client_custom_fields(*, client: Client) -> list[tuple[str, str]]:
    """The client's answers to the business's client questions as (label, value), in the
    questions' order; an answer to a deleted question keeps its place under its id. One query."""
    values = client.custom_fields or {}
    if not values:
        return []
    labels = dict(
        Question.objects.filter(pk__in=[int(k) for k in values if str(k).isdigit()])
        .order_by("order", "id")
        .values_list("pk", "label")
    )
    known = [(labels[pk], str(values[str(pk)])) for pk in labels if str(pk) in values]
    others = [
        (f"#{key}", str(value))
        for key, value in values.items()
        if not str(key).isdigit() or int(key) not in labels
    ]
    return known + others
