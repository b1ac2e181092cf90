"""The figures of the reports and the client analytics, each computed by the database.

Every function here is one SQL aggregation (GROUP BY, conditional COUNT/SUM, TRUNC in the
business's time zone) whose rows are days, hours, services or resources, never bookings: a
business with 100,000 bookings gets its page in a fixed handful of queries. The one thing
computed in Python is open time, from the rules (weekly hours and time off) by the availability
engine, day by day.

`resource_ids`: None for every resource (owners and admins), else only these (a staff member's
own resource; an empty list shows nothing).
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate

from bookings.models import OCCUPYING, Booking, BookingEvent, BookingItem, Client
from payments.models import Payment
from scheduling.models import BusinessSettings, Resource
from scheduling.selectors import resource_open_minutes

Status = Booking.Status
# Bookings that happened or will: what is counted as booked (cancelled and expired are not).
BOOKED = (Status.PENDING, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
# Revenue booked: the price of bookings that were or will be served.
EARNING = (Status.CONFIRMED, Status.COMPLETED)
STATUS_ORDER = (
    Status.COMPLETED,
    Status.CONFIRMED,
    Status.PENDING,
    Status.NO_SHOW,
    Status.CANCELLED,
    Status.EXPIRED,
)
# A client with a booking in the last ACTIVE_DAYS is active; up to LAPSING_DAYS, lapsing.
ACTIVE_DAYS = 90
LAPSING_DAYS = 180
# Visit-frequency buckets: (label's lower bound, upper bound inclusive or None).
FREQUENCY_BUCKETS = ((1, 1), (2, 3), (4, 6), (7, 12), (13, None))
COHORT_MONTHS = 12
TOP = 10


class Seconds(Func):
    """A duration (interval) as seconds."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Period:
    """Local days `start`..`end` (inclusive) in the business's time zone."""

    start: dt.date
    end: dt.date
    timezone: str

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), self.tz)

    @property
    def end_at(self) -> dt.datetime:
        """The instant the day after `end` begins (exclusive bound)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), self.tz)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _bookings(period: Period, resource_ids: Sequence[int] | None) -> QuerySet[Booking]:
    qs = Booking.objects.filter(start__gte=period.start_at, start__lt=period.end_at)
    return qs if resource_ids is None else qs.filter(resource_id__in=list(resource_ids))


# --- Bookings, revenue, rates ------------------------------------------------------------------


@dataclass
class DayFigures:
    day: dt.date
    statuses: dict[str, int] = field(default_factory=dict)
    booked_revenue: Decimal = Decimal("0")
    recorded_revenue: Decimal = Decimal("0")
    late_cancelled: int = 0
    lead_seconds: float = 0.0
    lead_count: int = 0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


@dataclass
class Summary:
    bookings: int
    by_status: dict[str, int]
    booked_revenue: Decimal
    recorded_revenue: Decimal
    late_cancelled: int
    no_show_rate: float | None  # no-shows ÷ (completed + no-shows): of the outcomes known
    late_cancellation_rate: float | None  # late cancellations ÷ bookings (expired left out)
    average_lead_days: float | None  # start − created, bookings made ahead only


def bookings_by_day(
    *, period: Period, resource_ids: Sequence[int] | None, business: BusinessSettings
) -> list[DayFigures]:
    """Per local day: bookings by status, revenue booked and recorded, late cancellations and
    lead time. Two queries (bookings, payments).

    A late cancellation is one made inside the cancellation window (its cancellation event less
    than `cancellation_window_hours` before the start).
    """
    window = dt.timedelta(hours=business.cancellation_window_hours)
    late = Exists(
        BookingEvent.objects.filter(
            booking=OuterRef("pk"),
            type=BookingEvent.Type.CANCELLED,
            created_at__gt=ExpressionWrapper(
                OuterRef("start") - window, output_field=DateTimeField()
            ),
        )
    )
    ahead = Q(created_at__lte=F("start"))
    aggregates = {
        f"n_{status}": Count("pk", filter=Q(status=status)) for status in STATUS_ORDER
    } | {
        "booked": Sum("price", filter=Q(status__in=EARNING)),
        "late": Count("pk", filter=Q(status=Status.CANCELLED) & Q(late)),
        "lead": Sum(Seconds(F("start") - F("created_at")), filter=ahead & ~Q(status="expired")),
        "lead_n": Count("pk", filter=ahead & ~Q(status="expired")),
    }
    rows = (
        _bookings(period, resource_ids)
        .annotate(day=TruncDate("start", tzinfo=period.tz))
        .values("day")
        .annotate(**aggregates)
        .order_by("day")
    )
    days = {day: DayFigures(day=day) for day in period.days}
    for row in rows:
        figures = days[row["day"]]
        figures.statuses = {status: row[f"n_{status}"] for status in STATUS_ORDER}
        figures.booked_revenue = row["booked"] or Decimal("0")
        figures.late_cancelled = row["late"]
        figures.lead_seconds = row["lead"] or 0.0
        figures.lead_count = row["lead_n"]
    for day, amount in revenue_recorded_by_day(period=period, resource_ids=resource_ids).items():
        days[day].recorded_revenue = amount
    for figures in days.values():
        if not figures.statuses:
            figures.statuses = dict.fromkeys(STATUS_ORDER, 0)
    return list(days.values())


def revenue_recorded_by_day(
    *, period: Period, resource_ids: Sequence[int] | None
) -> dict[dt.date, Decimal]:
    """Payments less refunds by local day of `paid_at`. Staff: payments of their bookings."""
    qs = Payment.objects.filter(paid_at__gte=period.start_at, paid_at__lt=period.end_at)
    if resource_ids is not None:
        qs = qs.filter(booking__resource_id__in=list(resource_ids))
    rows = (
        qs.annotate(day=TruncDate("paid_at", tzinfo=period.tz))
        .values("day")
        .annotate(total=Sum("amount"))
        .values_list("day", "total")
    )
    return dict(rows)


def summary_of(days: Sequence[DayFigures]) -> Summary:
    """The period's totals and rates, from its days (no query)."""
    by_status = {s: sum(d.statuses.get(s, 0) for d in days) for s in STATUS_ORDER}
    outcomes = by_status[Status.COMPLETED] + by_status[Status.NO_SHOW]
    considered = sum(by_status.values()) - by_status[Status.EXPIRED]
    late = sum(d.late_cancelled for d in days)
    lead_n = sum(d.lead_count for d in days)
    return Summary(
        bookings=sum(by_status.values()),
        by_status=by_status,
        booked_revenue=sum((d.booked_revenue for d in days), Decimal("0")),
        recorded_revenue=sum((d.recorded_revenue for d in days), Decimal("0")),
        late_cancelled=late,
        no_show_rate=by_status[Status.NO_SHOW] / outcomes * 100 if outcomes else None,
        late_cancellation_rate=late / considered * 100 if considered else None,
        average_lead_days=sum(d.lead_seconds for d in days) / lead_n / 86400 if lead_n else None,
    )


# --- Utilisation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Utilisation:
    resource: Resource
    open_minutes: int
    booked_minutes: int

    @property
    def rate(self) -> float | None:
        """Booked ÷ open, in per cent (None when the resource had no open time)."""
        return self.booked_minutes / self.open_minutes * 100 if self.open_minutes else None


def utilisation_by_resource(
    *, period: Period, resources: Sequence[Resource], business: BusinessSettings
) -> list[Utilisation]:
    """Booked minutes (bookings that held the resource, by their start's day) over open minutes
    (the working intervals the availability engine reads from hours and time off, day by day:
    `scheduling.selectors.resource_open_minutes`). Two queries: booked minutes, the rules."""
    ids = [r.pk for r in resources]
    if not ids:
        return []
    booked = dict(
        _bookings(period, ids)
        .filter(OCCUPYING)
        .values("resource_id")
        .annotate(seconds=Sum(Seconds(F("end") - F("start"))))
        .values_list("resource_id", "seconds")
    )
    open_minutes = resource_open_minutes(
        start_date=period.start, end_date=period.end, resource_ids=ids, business=business
    )
    return [
        Utilisation(
            resource=r,
            open_minutes=round(open_minutes[r.pk]),
            booked_minutes=round((booked.get(r.pk) or 0) / 60),
        )
        for r in resources
    ]


# --- Services, hours, clients ------------------------------------------------------------------


def top_services(*, period: Period, resource_ids: Sequence[int] | None, limit: int = TOP):
    """Services by times booked (each service of a multi-service booking counts), with their
    revenue booked. One query; rows of service_id, name, count, revenue."""
    items = BookingItem.objects.filter(
        booking__start__gte=period.start_at,
        booking__start__lt=period.end_at,
        booking__status__in=BOOKED,
    )
    if resource_ids is not None:
        items = items.filter(booking__resource_id__in=list(resource_ids))
    return list(
        items.values("service_id", "service__name")
        .annotate(
            count=Count("pk"),
            revenue=Sum("price", filter=Q(booking__status__in=EARNING)),
        )
        .order_by("-count", "service__name")[:limit]
    )


def busy_hours(*, period: Period, resource_ids: Sequence[int] | None) -> list[list[int]]:
    """Bookings by local ISO weekday (rows, Monday first) and hour (columns 0–23). One query."""
    grid = [[0] * 24 for _ in range(7)]
    rows = (
        _bookings(period, resource_ids)
        .filter(status__in=BOOKED)
        .annotate(
            weekday=ExtractIsoWeekDay("start", tzinfo=period.tz),
            hour=ExtractHour("start", tzinfo=period.tz),
        )
        .values("weekday", "hour")
        .annotate(n=Count("pk"))
        .values_list("weekday", "hour", "n")
    )
    for weekday, hour, n in rows:
        grid[weekday - 1][hour] = n
    return grid


def new_and_returning(*, period: Period, resource_ids: Sequence[int] | None) -> dict[str, int]:
    """Clients booked in the period: new (no booking before it) or returning. One query: each
    client is probed twice by the bookings' client index, the bookings are not grouped."""
    booked = Booking.objects.filter(client=OuterRef("pk"), status__in=BOOKED)
    if resource_ids is not None:
        booked = booked.filter(resource_id__in=list(resource_ids))
    here = Exists(booked.filter(start__gte=period.start_at, start__lt=period.end_at))
    before = Exists(booked.filter(start__lt=period.start_at))
    result = Client.objects.filter(here).aggregate(
        new=Count("pk", filter=~Q(before)), returning=Count("pk", filter=Q(before))
    )
    return {"new": result["new"] or 0, "returning": result["returning"] or 0}


# --- Client analytics --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientOverview:
    total: int
    booked: int  # with at least one booking
    active: int
    lapsing: int
    inactive: int
    frequency: list[tuple[tuple[int, int | None], int]]  # (bucket, clients with that many visits)
    average_visits: float | None  # per client with a visit
    average_days_between_visits: float | None
    lifetime_value_total: Decimal
    lifetime_value_average: Decimal | None  # per paying client
    paying: int


@dataclass(frozen=True)
class ClientAnalytics:
    overview: ClientOverview
    frequent: list[Client]  # most visits first: .visits, .last, .lifetime_value, .favourite_*
    lapsing: list[Client]  # last booking 90–180 days ago, most visits first
    resources: list[dict]  # resource_id, resource__name, clients, visits: most clients first


# One pass over the bookings (the reader's scope), grouped by client and resource; everything
# about clients and resources is read from those groups. PostgreSQL keeps each CTE once.
_CLIENTS_SQL = """
WITH pairs AS MATERIALIZED (
    SELECT client_id, resource_id,
           count(*) FILTER (WHERE status = 'completed') AS visits,
           max(start) AS last,
           min(start) FILTER (WHERE status = 'completed') AS first_visit,
           max(start) FILTER (WHERE status = 'completed') AS last_visit
    FROM {booking}
    WHERE status = ANY(%(booked)s) {scope}
    GROUP BY client_id, resource_id
), clients AS MATERIALIZED (
    SELECT p.client_id, c.name, c.is_active, sum(p.visits)::int AS visits, max(p.last) AS last,
           min(p.first_visit) AS first_visit, max(p.last_visit) AS last_visit
    FROM pairs p JOIN {client} c ON c.id = p.client_id AND c.erased_at IS NULL
    GROUP BY p.client_id, c.name, c.is_active
)
SELECT
    {total},
    (SELECT count(*) FROM clients),
    (SELECT count(*) FROM clients WHERE last >= %(active_since)s),
    (SELECT count(*) FROM clients WHERE last >= %(lapsing_since)s AND last < %(active_since)s),
    (SELECT avg(visits) FROM clients WHERE visits > 0)::float,
    (SELECT avg(EXTRACT(EPOCH FROM last_visit - first_visit) / (visits - 1))
     FROM clients WHERE visits > 1)::float,
    (SELECT json_agg(n) FROM (
        SELECT count(*) FILTER (WHERE visits >= b.low AND (b.high IS NULL OR visits <= b.high)) AS n
        FROM unnest(%(lows)s::int[], %(highs)s::int[]) WITH ORDINALITY AS b(low, high, i)
        CROSS JOIN clients GROUP BY b.i ORDER BY b.i) f),
    (SELECT json_agg(client_id) FROM (
        SELECT client_id FROM clients WHERE visits > 0
        ORDER BY visits DESC, name, client_id LIMIT %(top)s) t),
    (SELECT json_agg(client_id) FROM (
        SELECT client_id FROM clients
        WHERE is_active AND last >= %(lapsing_since)s AND last < %(active_since)s
        ORDER BY visits DESC, last DESC, client_id LIMIT %(lapsing_limit)s) t),
    (SELECT json_agg(json_build_array(resource_id, name, clients, visits)) FROM (
        SELECT p.resource_id, r.name, count(*) AS clients, sum(p.visits) AS visits
        FROM pairs p JOIN {resource} r ON r.id = p.resource_id
        WHERE p.visits > 0 GROUP BY p.resource_id, r.name
        ORDER BY clients DESC, visits DESC, r.name LIMIT %(top)s) t)
"""


def _payments(resource_ids: Sequence[int] | None) -> QuerySet[Payment]:
    qs = Payment.objects.all()
    return qs if resource_ids is None else qs.filter(booking__resource_id__in=resource_ids)


def client_analytics(
    *, now: dt.datetime, resource_ids: Sequence[int] | None, lapsing_limit: int = 25
) -> ClientAnalytics:
    """Totals, activity (active, lapsing, inactive), visit frequency, lifetime value, the most
    frequent and the lapsing clients, and the resources clients come to. Three queries: one pass
    over the bookings (raw SQL: the ORM cannot aggregate the same groups several ways in one
    query), one over payments, and the listed clients' details. Staff count only their
    resource's bookings and clients, and their bookings' payments."""
    active_since = now - dt.timedelta(days=ACTIVE_DAYS)
    lapsing_since = now - dt.timedelta(days=LAPSING_DAYS)
    sql = _CLIENTS_SQL.format(
        booking=Booking._meta.db_table,
        client=Client._meta.db_table,
        resource=Resource._meta.db_table,
        scope="" if resource_ids is None else "AND resource_id = ANY(%(ids)s)",
        # Staff: the clients who booked their resource; managers: every client on file.
        total=(
            f"(SELECT count(*) FROM {Client._meta.db_table} WHERE erased_at IS NULL)"  # noqa: S608
            if resource_ids is None
            else "(SELECT count(*) FROM clients)"
        ),
    )
    params = {
        "booked": list(BOOKED),
        "ids": list(resource_ids or []),
        "active_since": active_since,
        "lapsing_since": lapsing_since,
        "lows": [low for low, _high in FREQUENCY_BUCKETS],
        "highs": [high for _low, high in FREQUENCY_BUCKETS],
        "top": TOP,
        "lapsing_limit": lapsing_limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (total, booked, active, lapsing, average_visits, gap, frequency, frequent_ids,
         lapsing_ids, resources) = cursor.fetchone()  # fmt: skip
    ltv = (
        _payments(resource_ids)
        .values("client_id")
        .annotate(value=Sum("amount"))
        .aggregate(total=Sum("value"), average=Avg("value"), paying=Count("client_id"))
    )
    average = ltv["average"]
    overview = ClientOverview(
        total=total,
        booked=booked,
        active=active,
        lapsing=lapsing,
        inactive=total - active - lapsing,
        frequency=list(
            zip(FREQUENCY_BUCKETS, frequency or [0] * len(FREQUENCY_BUCKETS), strict=True)
        ),
        average_visits=average_visits,
        average_days_between_visits=gap / 86400 if gap is not None else None,
        lifetime_value_total=ltv["total"] or Decimal("0"),
        lifetime_value_average=(
            Decimal(average).quantize(Decimal("0.01")) if average is not None else None
        ),
        paying=ltv["paying"] or 0,
    )
    frequent_ids, lapsing_ids = frequent_ids or [], lapsing_ids or []
    details = _client_details(frequent_ids + lapsing_ids, resource_ids)
    return ClientAnalytics(
        overview=overview,
        frequent=[details[pk] for pk in frequent_ids],
        lapsing=[details[pk] for pk in lapsing_ids],
        resources=[
            {"resource_id": rid, "resource__name": name, "clients": n, "visits": visits}
            for rid, name, n, visits in resources or []
        ],
    )


def _client_details(ids: list[int], resource_ids: Sequence[int] | None) -> dict[int, Client]:
    """The listed clients with visits, last booking, lifetime value and favourite service and
    resource (subqueries for these few rows only). One query, none without ids."""
    if not ids:
        return {}
    scope = _client_scope(resource_ids)
    visit = Q(bookings__status=Status.COMPLETED)
    if resource_ids is not None:
        visit &= Q(bookings__resource_id__in=resource_ids)
    clients = Client.objects.filter(pk__in=ids).annotate(
        last=Max("bookings__start", filter=scope),
        visits=Count("bookings", filter=visit),
        lifetime_value=_lifetime_value(resource_ids),
        favourite_service=_favourite(resource_ids, "service"),
        favourite_resource=_favourite(resource_ids, "resource"),
    )
    return {client.pk: client for client in clients}


def _client_scope(resource_ids: Sequence[int] | None) -> Q:
    """The bookings a reader may count (as a filter on Client's `bookings__`)."""
    booked = Q(bookings__status__in=BOOKED)
    return booked if resource_ids is None else booked & Q(bookings__resource_id__in=resource_ids)


def _lifetime_value(resource_ids: Sequence[int] | None) -> Subquery:
    return Subquery(
        _payments(resource_ids)
        .filter(client=OuterRef("pk"))
        .order_by()
        .values("client_id")
        .annotate(value=Sum("amount"))
        .values("value")[:1]
    )


def _favourite(resource_ids: Sequence[int] | None, field_name: str) -> Subquery:
    """The client's most visited service (`field_name` "service", from the items) or resource."""
    if field_name == "service":
        qs = BookingItem.objects.filter(
            booking__client=OuterRef("pk"), booking__status=Status.COMPLETED
        )
        if resource_ids is not None:
            qs = qs.filter(booking__resource_id__in=resource_ids)
        key = "service__name"
    else:
        qs = Booking.objects.filter(client=OuterRef("pk"), status=Status.COMPLETED)
        if resource_ids is not None:
            qs = qs.filter(resource_id__in=resource_ids)
        key = "resource__name"
    return Subquery(
        qs.order_by().values(key).annotate(n=Count("pk")).order_by("-n", key).values(key)[:1]
    )


def preferred_services(*, resource_ids: Sequence[int] | None, limit: int = TOP):
    """Services by how many clients came for them (visits). One query."""
    qs = BookingItem.objects.filter(booking__status=Status.COMPLETED)
    if resource_ids is not None:
        qs = qs.filter(booking__resource_id__in=resource_ids)
    return list(
        qs.values("service_id", "service__name")
        .annotate(clients=Count("booking__client_id", distinct=True), visits=Count("pk"))
        .order_by("-clients", "-visits", "service__name")[:limit]
    )


@dataclass(frozen=True)
class Cohort:
    month: dt.date  # first day of the month of the clients' first booking
    size: int
    returned: list[int]  # clients of the cohort with a booking k months later, k = 0, 1, …

    def rate(self, k: int) -> float | None:
        return self.returned[k] / self.size * 100 if self.size else None


def client_cohorts(
    *, now: dt.datetime, timezone: str, resource_ids: Sequence[int] | None
) -> list[Cohort]:
    """Clients by month of first booking (the last COHORT_MONTHS months), and how many of each
    booked again 1, 2, … months later. One query.

    Raw SQL because the ORM cannot group by a grouped result: each client's booked months of the
    last COHORT_MONTHS (a CTE), the first of them for clients with no booking before (probed by
    the bookings' client index, not by reading all their history), then the month offsets
    counted per cohort.
    """
    tz = zoneinfo.ZoneInfo(timezone)
    local_now = now.astimezone(tz)
    this_month = local_now.date().replace(day=1)
    first = this_month
    for _ in range(COHORT_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    after = (this_month + dt.timedelta(days=32)).replace(day=1)
    table = Booking._meta.db_table
    scope = "" if resource_ids is None else "AND resource_id = ANY(%(ids)s)"
    sql = f"""
        WITH months AS (
            SELECT client_id, date_trunc('month', start AT TIME ZONE %(tz)s)::date AS month
            FROM {table}
            WHERE status = ANY(%(booked)s) {scope} AND start >= %(since)s AND start < %(until)s
            GROUP BY 1, 2
        ), firsts AS (
            SELECT m.client_id, min(m.month) AS cohort FROM months m
            GROUP BY m.client_id
            HAVING NOT EXISTS (
                SELECT 1 FROM {table}
                WHERE client_id = m.client_id AND status = ANY(%(booked)s) {scope}
                  AND start < %(since)s
            )
        )
        SELECT f.cohort,
               ((extract(year FROM m.month) - extract(year FROM f.cohort)) * 12
                + extract(month FROM m.month) - extract(month FROM f.cohort))::int AS k,
               count(*)
        FROM firsts f JOIN months m USING (client_id)
        GROUP BY 1, 2
    """  # noqa: S608 - the table name is the model's, every value a parameter
    params = {
        "tz": timezone,
        "booked": list(BOOKED),
        "ids": list(resource_ids or []),
        "since": dt.datetime.combine(first, dt.time(), tz),
        "until": dt.datetime.combine(after, dt.time(), tz),
    }
    counts: dict[dt.date, dict[int, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for cohort, k, n in cursor.fetchall():
            counts[cohort][k] = n
    cohorts = []
    month = first
    while month <= this_month:
        span = (this_month.year - month.year) * 12 + this_month.month - month.month + 1
        row = counts.get(month, {})
        cohorts.append(
            Cohort(month=month, size=row.get(0, 0), returned=[row.get(k, 0) for k in range(span)])
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return cohorts
