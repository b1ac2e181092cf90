"""Free slots of the public booking page, cached per day under the business's slots version.

The day-and-times page shows a strip of 14 days (which have a free time) and the chosen day's
times. Running the engine over the 14 days on every request was most of that page's work; now
each day's free starts are cached per (service(s), resources, local day) under
`scheduling.slot_version.slots_version()`, which every booking change and every change of
hours, time off, services, resources and settings bumps (see there), so a booking's own commit
makes every cached day of its business unreachable before the next request reads.

Cached days do not depend on the clock: they are computed with the notice and advance rules
relaxed (from the day before the first one, any distance ahead), and the request's own window
(now + minimum notice .. now + maximum advance) is applied when they are read. A strip costs
two round trips to Redis when cached (the version, then its days); missing days are computed
in one engine run (`bookings.selectors.slot_list_available`: its queries) and stored.

`bookable` and `service_groups` cache the services page's "can clients book at all" and its
list of services the same way.
"""

import bisect
import copy
import datetime as dt
import math
import zoneinfo
from collections.abc import Iterable, Sequence

from django.core.cache import cache
from django.utils import timezone

from bookings import selectors
from scheduling.models import BusinessSettings, Service
from scheduling.selectors import BookableServices, service_groups_bookable, setup_status
from scheduling.slot_version import slots_version

TIMEOUT = 10 * 60  # seconds a cached day lives; versions, not this, keep them right
_UTC = dt.UTC


class SlotPage:
    """Free starts per (local day, resource), read as `Availability` is (days, starts, slots).

    Starts are kept as epoch seconds and become datetimes only for the day a page asks for.
    """

    def __init__(self, days: dict[dt.date, dict[int, list[int]]], earliest: int, latest: int):
        self._days = days
        self._earliest = earliest
        self._latest = latest
        self.slots = _Slots(self)

    def _window(self, starts: list[int]) -> list[int]:
        return starts[
            bisect.bisect_left(starts, self._earliest) : bisect.bisect_right(starts, self._latest)
        ]

    def days(self) -> list[dt.date]:
        """Local dates with at least one free start in the window, ascending."""
        return sorted(
            day
            for day, by_resource in self._days.items()
            if any(self._window(starts) for starts in by_resource.values())
        )

    def for_day(self, day: dt.date) -> dict[int, list[dt.datetime]]:
        out = {}
        for rid, starts in self._days.get(day, {}).items():
            kept = self._window(starts)
            if kept:
                out[rid] = [dt.datetime.fromtimestamp(t, _UTC) for t in kept]
        return out

    def starts(self, day: dt.date) -> list[dt.datetime]:
        """Distinct starts on one local date, whichever resource is free ("any")."""
        every = {t for starts in self._days.get(day, {}).values() for t in self._window(starts)}
        return [dt.datetime.fromtimestamp(t, _UTC) for t in sorted(every)]


class _Slots:
    """`availability.slots.get((day, resource id), default)`, computed for that day only."""

    def __init__(self, page: SlotPage):
        self._page = page

    def get(self, key: tuple[dt.date, int], default=None):
        day, rid = key
        return self._page.for_day(day).get(rid, default)

    def __getitem__(self, key: tuple[dt.date, int]) -> list[dt.datetime]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key) -> bool:
        return self.get(key) is not None


def _key(version: int, services: Sequence[Service], resource_ids: list[int], day: dt.date) -> str:
    return (
        f"slots:{version}:{'-'.join(str(s.pk) for s in services)}:"
        f"{'-'.join(map(str, resource_ids))}:{day.isoformat()}"
    )


def slot_page(
    *,
    service: Service,
    start_date: dt.date,
    end_date: dt.date,
    resource_ids: Iterable[int],
    business: BusinessSettings,
    extra_services: Sequence[Service] = (),
    now: dt.datetime | None = None,
) -> SlotPage:
    """The free starts of `service` (then `extra_services`) on `resource_ids`, local days
    `start_date`..`end_date`, within now + notice .. now + advance; cached per day."""
    now = now or timezone.now()
    rids = sorted(set(resource_ids))
    services = [service, *extra_services]
    days = [start_date + dt.timedelta(days=n) for n in range((end_date - start_date).days + 1)]
    version = slots_version()
    found: dict[dt.date, dict[int, list[int]]] = {}
    if version is not None and days:
        keys = {_key(version, services, rids, day): day for day in days}
        for key, value in cache.get_many(list(keys)).items():
            found[keys[key]] = value
    missing = [day for day in days if day not in found]
    if missing:
        computed = _compute(services, rids, missing[0], missing[-1], business)
        if version is not None:
            cache.set_many(
                {_key(version, services, rids, day): computed[day] for day in computed},
                timeout=TIMEOUT,
            )
        for day in missing:
            found[day] = computed[day]
    earliest = math.ceil((now + dt.timedelta(minutes=business.min_notice_minutes)).timestamp())
    latest = math.floor((now + dt.timedelta(days=business.max_advance_days)).timestamp())
    return SlotPage(found, earliest, latest)


def _compute(
    services: list[Service],
    rids: list[int],
    first: dt.date,
    last: dt.date,
    business: BusinessSettings,
) -> dict[dt.date, dict[int, list[int]]]:
    """Every day first..last by hours, time off and bookings only: no notice, no advance."""
    relaxed = copy.copy(business)
    relaxed.min_notice_minutes = 0
    relaxed.max_advance_days = (last - first).days + 3
    tz = zoneinfo.ZoneInfo(business.timezone)
    since = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), tz)
    extra = {"extra_services": services[1:]} if len(services) > 1 else {}
    availability = selectors.slot_list_available(
        service=services[0],
        start_date=first,
        end_date=last,
        resource_ids=rids,
        business=relaxed,
        now=since,
        **extra,
    )
    out: dict[dt.date, dict[int, list[int]]] = {
        first + dt.timedelta(days=n): {} for n in range((last - first).days + 1)
    }
    for (day, rid), starts in availability.slots.items():
        out[day][rid] = [int(start.timestamp()) for start in starts]
    return out


def _under_version(name: str, compute):
    """`compute()`'s answer, cached under the current slots version (computed afresh, and not
    kept, while Redis is unreachable)."""
    version = slots_version()
    key = f"{name}:{version}"
    if version is not None:
        found = cache.get(key)
        if found is not None:
            return found
    answer = compute()
    if version is not None:
        cache.set(key, answer, timeout=TIMEOUT)
    return answer


def bookable(*, business: BusinessSettings) -> bool:
    """Whether clients can book anything online (`SetupStatus.bookable`: hours, a public
    service and an active resource performing it), cached under the slots version, which
    every change of those bumps: the services page then asks the database nothing for it."""
    return _under_version("bookable", lambda: setup_status(business=business).bookable)


def service_groups(*, search: str = "") -> BookableServices:
    """The services page's list by category (`service_groups_bookable`), cached under the slots
    version when nothing is searched: every change of a service, its category, a resource or who
    performs what bumps it. A search is answered from the database."""
    if search:
        return service_groups_bookable(search=search)
    return _under_version("service-groups", service_groups_bookable)
