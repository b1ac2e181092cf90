"""Reads on a business's scheduling data, with a fixed number of queries each."""

import datetime as dt
import unicodedata
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduling.availability import (
    Availability,
    ResourceSchedule,
    Rules,
    ServiceSpec,
    compute_availability,
    working_intervals,
)
from scheduling.models import (
    BusinessSettings,
    Question,
    Resource,
    Service,
    ServiceCategory,
    TimeOff,
    WeeklyHours,
)

# (resource id, occupied start, occupied end): what bookings hand to `availability_compute`.
BusyInterval = tuple[int, dt.datetime, dt.datetime]


def settings_get() -> BusinessSettings:
    return BusinessSettings.load()


def rules_from_settings(business: BusinessSettings) -> Rules:
    return Rules(
        timezone=business.timezone,
        slot_interval=business.slot_interval,
        min_notice=business.min_notice_minutes,
        max_advance_days=business.max_advance_days,
    )


def service_spec(
    service: Service, resource_ids: Iterable[int], extra_services: Sequence[Service] = ()
) -> ServiceSpec:
    duration, before, after = services_timing([service, *extra_services])
    return ServiceSpec(
        duration=duration,
        buffer_before=before,
        buffer_after=after,
        resource_ids=frozenset(resource_ids),
    )


def services_timing(services: Sequence[Service]) -> tuple[int, int, int]:
    """(duration, buffer before, buffer after) of services done one after another in one
    booking on one resource: the durations add up; the resource is prepared once before the
    first service (its buffer before) and cleared once after the last (its buffer after)."""
    return (
        sum(service.duration_minutes for service in services),
        services[0].buffer_before_minutes,
        services[-1].buffer_after_minutes,
    )


def resource_list(*, active: bool | None = None) -> QuerySet[Resource]:
    qs = Resource.objects.select_related("category", "user")
    return qs if active is None else qs.filter(is_active=active)


def resource_list_editable_by(*, user) -> QuerySet[Resource]:
    """The resources whose hours and time off `user` may change: every one for owners and
    admins; a staff member only their own (the resources linked to their account)."""
    qs = Resource.objects.order_by("order", "name")
    return qs if user.is_manager else qs.filter(user=user)


def service_list(*, active: bool | None = None) -> QuerySet[Service]:
    qs = Service.objects.select_related("category").prefetch_related("resources")
    return qs if active is None else qs.filter(is_active=active)


_SCHEDULE_SQL = f"""
SELECT false, resource_id, weekday, start, "end", NULL::timestamptz, NULL::timestamptz
FROM {WeeklyHours._meta.db_table} WHERE resource_id IS NULL OR resource_id = ANY(%s)
UNION ALL
SELECT true, resource_id, NULL, NULL, NULL, start, "end"
FROM {TimeOff._meta.db_table}
WHERE (resource_id IS NULL OR resource_id = ANY(%s)) AND start < %s AND "end" > %s
ORDER BY 1, 3, 4
"""  # noqa: S608 (table names from the models, values as parameters)


def _schedules(
    ids: list[int], window_start: dt.datetime, window_end: dt.datetime, busy=()
) -> tuple[dict, list, list[ResourceSchedule]]:
    """Business hours, business time off and each resource's schedule: one query.

    A resource with hours of its own follows only those; time off is what overlaps the window.
    Hours and time off come in one round trip (UNION ALL, plain SQL: building two ORM queries
    each time cost more than the database's work).
    """
    business_hours: dict[int, list] = defaultdict(list)
    own_hours: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    business_off: list = []
    own_off: dict[int, list] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(_SCHEDULE_SQL, [ids, ids, window_end, window_start])
        for is_off, rid, weekday, start, end, off_start, off_end in cursor.fetchall():
            if is_off:
                (business_off if rid is None else own_off[rid]).append((off_start, off_end))
            else:
                target = business_hours if rid is None else own_hours[rid]
                target[weekday].append((start, end))

    own_busy: dict[int, list] = defaultdict(list)
    for rid, start, end in busy:
        own_busy[rid].append((start, end))

    schedules = [
        ResourceSchedule(
            id=rid,
            hours=dict(own_hours[rid]) if rid in own_hours else None,
            time_off=own_off.get(rid, ()),
            busy=sorted(own_busy.get(rid, ())),
        )
        for rid in ids
    ]
    return dict(business_hours), business_off, schedules


def availability_compute(
    *,
    service: Service,
    start_date: dt.date,
    end_date: dt.date,
    resource_ids: Iterable[int] | None = None,
    busy: Iterable[BusyInterval] = (),
    now: dt.datetime | None = None,
    business: BusinessSettings | None = None,
    extra_services: Sequence[Service] = (),
) -> Availability:
    """Free slots of `service` per resource and local day, `start_date` to `end_date` inclusive.

    `extra_services` follow `service` in the same booking (haircut + beard): their durations
    add up (`services_timing`) and only resources that perform all of them get slots.

    Availability from hours, time off and the rules, given the `busy` intervals the caller
    hands in: this app knows no bookings. Screens use `bookings.selectors.slot_list_available`,
    which reads the bookings and calls this. Three queries whatever the number of resources or
    busy intervals: settings (skipped when passed in), eligible resources, weekly hours with
    time off.
    """
    business = business or settings_get()
    resources = service.resources.filter(is_active=True)
    if resource_ids is not None:
        resources = resources.filter(pk__in=list(resource_ids))
    for other in extra_services:  # subqueries of the same query: still one query
        resources = resources.filter(pk__in=other.resources.values("pk"))
    ids = list(resources.values_list("pk", flat=True))
    if not ids:
        return Availability()

    tz = zoneinfo.ZoneInfo(business.timezone)
    window_start = dt.datetime.combine(start_date - dt.timedelta(days=1), dt.time(), tz)
    window_end = dt.datetime.combine(end_date + dt.timedelta(days=2), dt.time(), tz)
    business_hours, business_off, schedules = _schedules(ids, window_start, window_end, busy)
    return compute_availability(
        rules=rules_from_settings(business),
        business_hours=business_hours,
        business_time_off=business_off,
        resources=schedules,
        service=service_spec(service, ids, extra_services),
        start_date=start_date,
        end_date=end_date,
        now=now or timezone.now(),
    )


def slot_refusal(
    *,
    service: Service,
    resource_id: int,
    start: dt.datetime,
    business: BusinessSettings | None = None,
    extra_services: Sequence[Service] = (),
) -> str | None:
    """Why `start` is not a bookable slot of `resource_id` by hours, grid or time off, or None.

    Notice, advance and other bookings are not judged here (callers check those): this asks
    the engine about the start's local day with those limits lifted.
    """
    business = business or settings_get()
    tz = zoneinfo.ZoneInfo(business.timezone)
    day = start.astimezone(tz).date()
    relaxed = BusinessSettings(
        timezone=business.timezone,
        slot_interval=business.slot_interval,
        min_notice_minutes=0,
        max_advance_days=36500,
    )
    availability = availability_compute(
        service=service,
        start_date=day,
        end_date=day,
        resource_ids=[resource_id],
        now=start - dt.timedelta(days=1),
        business=relaxed,
        extra_services=extra_services,
    )
    if start in availability.slots.get((day, resource_id), ()):
        return None
    duration, before, after = services_timing([service, *extra_services])
    occupied_start = start - dt.timedelta(minutes=before)
    occupied_end = start + dt.timedelta(minutes=duration + after)
    closed = TimeOff.objects.filter(
        Q(resource__isnull=True) | Q(resource_id=resource_id),
        start__lt=occupied_end,
        end__gt=occupied_start,
    )
    return "time_off" if closed.exists() else "outside_hours"


# --- Setup (onboarding) --------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupStep:
    code: str  # "details", "hours", "service", "resource", "shared"
    label: str
    done: bool
    url_name: str  # where the owner fixes it (a URL name of the tenant URL conf)


@dataclass(frozen=True)
class SetupStatus:
    steps: tuple[SetupStep, ...]
    # Active public services that no active resource performs: hidden on the public page.
    orphan_services: tuple[Service, ...]

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def bookable(self) -> bool:
        """Whether a client can book anything online: hours, a service and someone to do it."""
        return all(
            step.done for step in self.steps if step.code in ("hours", "service", "resource")
        )

    @property
    def missing(self) -> tuple[SetupStep, ...]:
        return tuple(step for step in self.steps if not step.done)


def service_list_bookable() -> QuerySet[Service]:
    """Active public services that at least one active resource performs (the public list)."""
    return (
        Service.objects.filter(is_active=True, is_public=True, resources__is_active=True)
        .distinct()
        .order_by("order", "name")
    )


SEARCH_MAX_LENGTH = 100


def search_folded(text: str) -> str:
    """`text` as the services search compares it: any case, accents dropped ("Café" → "cafe")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class ServiceGroup:
    category: ServiceCategory | None  # None: the services without a category
    services: list[Service]


@dataclass(frozen=True)
class BookableServices:
    groups: list[ServiceGroup]
    total: int  # bookable services, whatever the search

    @property
    def services(self) -> list[Service]:
        return [service for group in self.groups for service in group.services]


def service_groups_bookable(*, search: str = "") -> BookableServices:
    """The public list by category (categories in their order, then the services without one),
    keeping those whose name, description or category holds every word of `search` (any case,
    accents ignored, as the page's own filter does). One query."""
    words = search_folded(search[:SEARCH_MAX_LENGTH]).split()
    rows = list(service_list_bookable().select_related("category"))
    by_category: dict[int | None, ServiceGroup] = {}
    for service in rows:
        if words:
            category = service.category.name if service.category else ""
            text = search_folded(f"{service.name} {service.description} {category}")
            if not all(word in text for word in words):
                continue
        group = by_category.setdefault(
            service.category_id, ServiceGroup(category=service.category, services=[])
        )
        group.services.append(service)

    def place(group: ServiceGroup) -> tuple:
        category = group.category
        return (1, 0, "") if category is None else (0, category.order, category.name.casefold())

    return BookableServices(groups=sorted(by_category.values(), key=place), total=len(rows))


def setup_status(*, business: BusinessSettings | None = None) -> SetupStatus:
    """What a new business still has to do before clients can book it; five small queries."""
    business = business or settings_get()
    active = Resource.objects.filter(is_active=True)
    has_business_hours = WeeklyHours.objects.filter(resource__isnull=True).exists()
    has_hours = has_business_hours or WeeklyHours.objects.filter(resource__in=active).exists()
    public = list(
        Service.objects.filter(is_active=True, is_public=True).prefetch_related(
            Prefetch("resources", queryset=active, to_attr="active_resources")
        )
    )
    orphans = tuple(s for s in public if not s.active_resources)
    performs = any(s.active_resources for s in public)
    steps = (
        SetupStep(
            "details",
            _("Add your business's phone and address"),
            bool(business.contact_phone and business.address),
            "scheduling:settings",
        ),
        SetupStep("hours", _("Set your opening hours"), has_hours, "scheduling:hours"),
        SetupStep(
            "service", _("Add a service clients can book"), bool(public), "scheduling:services"
        ),
        SetupStep(
            "resource",
            _("Add a %(resource)s who performs it") % {"resource": business.labels["resource"]},
            performs,
            "scheduling:resources",
        ),
        SetupStep(
            "shared",
            _("Share your booking page"),
            business.booking_page_shared_at is not None,
            "bookings:dashboard",
        ),
    )
    return SetupStatus(steps=steps, orphan_services=orphans)


# --- Working time (the staff calendar's open and closed shading) ---------------------------------


def resource_working_intervals(
    *, day: dt.date, resource_ids: Iterable[int], business: BusinessSettings | None = None
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """When each resource works on local `day`: [start, end) instants, ascending, disjoint.

    The engine's own reading of the rules (`working_intervals`): a resource's own hours
    replace the business's, and business and own time off are cut out. Bookings are not.
    One query (two without `business`).
    """
    business = business or settings_get()
    ids = list(resource_ids)
    if not ids:
        return {}
    tz = zoneinfo.ZoneInfo(business.timezone)
    window_start = dt.datetime.combine(day, dt.time(), tz)
    window_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
    business_hours, business_off, schedules = _schedules(ids, window_start, window_end)
    return working_intervals(
        timezone=business.timezone,
        business_hours=business_hours,
        business_time_off=business_off,
        resources=schedules,
        day=day,
    )


def resource_open_minutes(
    *,
    start_date: dt.date,
    end_date: dt.date,
    resource_ids: Iterable[int],
    business: BusinessSettings,
) -> dict[int, float]:
    """How many minutes each resource works over local days `start_date`..`end_date`
    (inclusive): `resource_working_intervals` summed day by day (reports' utilisation). The
    rules are read once for the whole range: one query, whatever its length.

    An ordinary day (no time off touching it, no clock change in it) works as every other
    ordinary day of its weekday: the engine reads each weekday once, and every other day."""
    ids = list(resource_ids)
    if not ids:
        return {}
    tz = zoneinfo.ZoneInfo(business.timezone)
    window_start = dt.datetime.combine(start_date, dt.time(), tz)
    window_end = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time(), tz)
    business_hours, business_off, schedules = _schedules(ids, window_start, window_end)
    closed = [*business_off, *(span for s in schedules for span in s.time_off)]
    minutes = dict.fromkeys(ids, 0.0)
    ordinary: dict[int, dict[int, float]] = {}  # weekday → minutes per resource
    day = start_date
    while day <= end_date:
        begins = dt.datetime.combine(day, dt.time(), tz)
        ends = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
        plain = begins.utcoffset() == ends.utcoffset() and not any(
            start < ends and end > begins for start, end in closed
        )
        worked = ordinary.get(day.weekday()) if plain else None
        if worked is None:
            spans = working_intervals(
                timezone=business.timezone,
                business_hours=business_hours,
                business_time_off=business_off,
                resources=schedules,
                day=day,
            )
            worked = {
                rid: sum((end - start).total_seconds() for start, end in intervals) / 60
                for rid, intervals in spans.items()
            }
            if plain:
                ordinary[day.weekday()] = worked
        for rid, value in worked.items():
            minutes[rid] += value
        day += dt.timedelta(days=1)
    return minutes


# --- Questions of the booking form -----------------------------------------------------------


def question_list_for(*, services: Sequence[Service], target: str | None = None) -> list:
    """Active questions that apply to a booking of `services`: those asked for every service
    and those tied to at least one of them, in the business's order; `target` ("booking" or
    "client") keeps one kind. One query."""
    ids = [service.pk for service in services]
    qs = Question.objects.filter(is_active=True).filter(
        Q(services__isnull=True) | Q(services__in=ids)
    )
    if target is not None:
        qs = qs.filter(target=target)
    return list(qs.distinct().order_by("order", "id"))
