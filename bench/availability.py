"""Benchmark: a month of slots for one service across 10 resources with 1,000 busy intervals.

    .venv/bin/python bench/availability.py [--runs 50]

Part 1 times the availability engine alone on pure data. Part 2 runs against the development
database (tenant schema `bench`, created or refreshed here): scheduling's `availability_compute`
with the busy intervals handed in as a list, then `bookings.selectors.slot_list_available` (the
one path screens use) with 10 and then 1,000 real confirmed bookings in the month, so the
bookings query is timed too. Both show that the query count does not depend on the bookings.

Targets (SPEC §9): engine median < 5 ms, selector with the database median < 20 ms.
Issue 16: a month for 10 resources with 1,000 bookings ≤ 10 ms through the selector (≤ 5
queries), engine ≤ 2 ms; one day for one resource ≤ 3 ms and ≤ 4 queries. The machine's load
is printed first: medians on a busy machine are not the code's.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.availability import (
    ResourceSchedule,
    Rules,
    ServiceSpec,
    compute_availability,
)

TIMEZONE = "America/Sao_Paulo"
MONTH_START = dt.date(2026, 6, 1)
MONTH_END = dt.date(2026, 6, 30)
RESOURCES = 10
BUSY = 1_000
SLOT_INTERVAL = 15
DURATION = 45
OPEN, CLOSE = dt.time(9), dt.time(18)
WORKDAYS = range(6)  # Monday to Saturday
TZ = zoneinfo.ZoneInfo(TIMEZONE)
NOW = dt.datetime(2026, 5, 31, 12, 0, tzinfo=TZ)  # the day before the month: all of it bookable
RULES = Rules(timezone=TIMEZONE, slot_interval=SLOT_INTERVAL, min_notice=60, max_advance_days=60)


def busy_intervals(resource_ids: list[int], count: int, seed: int = 42) -> list[tuple]:
    """`count` non-overlapping 45-minute bookings on the grid, in working hours, over the month."""
    rng = random.Random(seed)
    days = [
        MONTH_START + dt.timedelta(days=i)
        for i in range((MONTH_END - MONTH_START).days + 1)
        if (MONTH_START + dt.timedelta(days=i)).weekday() in WORKDAYS
    ]
    positions = (CLOSE.hour - OPEN.hour) * 60 // SLOT_INTERVAL - DURATION // SLOT_INTERVAL + 1
    taken: dict[tuple[int, dt.date], list[tuple[dt.datetime, dt.datetime]]] = {}
    out = []
    while len(out) < count:
        rid, day = rng.choice(resource_ids), rng.choice(days)
        start = dt.datetime.combine(day, OPEN, TZ) + dt.timedelta(
            minutes=SLOT_INTERVAL * rng.randrange(positions)
        )
        end = start + dt.timedelta(minutes=DURATION)
        booked = taken.setdefault((rid, day), [])
        if any(s < end and start < e for s, e in booked):
            continue
        booked.append((start, end))
        out.append((rid, start.astimezone(dt.UTC), end.astimezone(dt.UTC)))
    return out


def timed(fn, runs: int) -> tuple[list[float], object]:
    fn()  # warm-up
    samples = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples, result


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    FASTEST.append(ordered[0])  # the least disturbed run, printed too: the machine is shared
    return statistics.median(ordered), p95


FASTEST: list[float] = []


def slot_count(availability) -> int:
    return sum(len(starts) for starts in availability.slots.values())


def engine_only(runs: int) -> tuple:
    ids = list(range(1, RESOURCES + 1))
    business_hours = {weekday: [(OPEN, CLOSE)] for weekday in WORKDAYS}
    by_resource: dict[int, list] = {rid: [] for rid in ids}
    for rid, start, end in busy_intervals(ids, BUSY):
        by_resource[rid].append((start, end))
    resources = [ResourceSchedule(id=rid, busy=sorted(by_resource[rid])) for rid in ids]
    service = ServiceSpec(duration=DURATION, resource_ids=frozenset(ids))

    def run():
        return compute_availability(
            rules=RULES,
            business_hours=business_hours,
            business_time_off=(),
            resources=resources,
            service=service,
            start_date=MONTH_START,
            end_date=MONTH_END,
            now=NOW,
        )

    samples, result = timed(run, runs)
    return (*stats(samples), slot_count(result), "-")


def bench_tenant():
    """The `bench` business: 10 resources performing one service, open 09-18 Mon-Sat."""
    from django.conf import settings
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
    from tenants.models import Domain, Tenant

    tenant = Tenant.objects.filter(schema_name="bench").first()
    if tenant is None:
        tenant = Tenant(schema_name="bench", name="Benchmark", timezone=TIMEZONE)
        tenant.save(verbosity=0)  # creates and migrates the schema
    else:
        call_command("migrate_schemas", schema_name="bench", interactive=False, verbosity=0)
    Domain.objects.get_or_create(
        domain=f"bench.{settings.BASE_DOMAIN}", defaults={"tenant": tenant, "is_primary": True}
    )
    with schema_context("bench"):
        business = BusinessSettings.load()
        business.timezone = TIMEZONE
        business.slot_interval = SLOT_INTERVAL
        business.min_notice_minutes = RULES.min_notice
        business.max_advance_days = RULES.max_advance_days
        business.save()
        resources = [
            Resource.objects.update_or_create(
                name=f"Bench resource {i:02d}", defaults={"is_active": True, "order": i}
            )[0]
            for i in range(1, RESOURCES + 1)
        ]
        service, _ = Service.objects.update_or_create(
            name="Bench service",
            defaults={"duration_minutes": DURATION, "is_active": True, "is_public": True},
        )
        service.resources.set(resources)
        WeeklyHours.objects.all().delete()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(weekday=weekday, start=OPEN, end=CLOSE) for weekday in WORKDAYS
        )
        TimeOff.objects.all().delete()
    return tenant, service, [r.pk for r in resources]


def bookings_insert(service, busy: list[tuple]) -> None:
    """Real confirmed `Booking` rows for `busy` (non-overlapping per resource, as the
    exclusion constraint demands), all for one bench client."""
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    from bookings.models import Booking, Client

    client, _ = Client.objects.get_or_create(
        phone="+5511900000000", is_active=True, defaults={"name": "Bench client"}
    )
    offset = Booking.objects.count()
    Booking.objects.bulk_create(
        Booking(
            reference=f"BENCH{offset + i:05d}",
            service=service,
            resource_id=rid,
            client=client,
            start=start,
            end=end,
            occupied=DateTimeTZRange(start, end, "[)"),
            status=Booking.Status.CONFIRMED,
        )
        for i, (rid, start, end) in enumerate(busy)
    )


def through_selector(runs: int) -> list[tuple]:
    """Rows of (label, busy, median, p95, slots, queries) for both selectors."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from bookings.models import Booking, BookingEvent
    from bookings.selectors import slot_list_available as bookings_slots
    from scheduling.selectors import availability_compute, settings_get

    _, service, ids = bench_tenant()
    rows = []
    with schema_context("bench"):

        def measure(label: str, count: int, run) -> None:
            samples, result = timed(run, runs)
            with CaptureQueriesContext(connection) as queries:
                run()
            rows.append((label, count, *stats(samples), slot_count(result), len(queries)))

        # Busy intervals handed in as a list: the scheduling selector without bookings.
        for count in (10, BUSY):
            busy = busy_intervals(ids, count)
            measure(
                "selector, busy as a list",
                count,
                lambda busy=busy: availability_compute(
                    service=service,
                    start_date=MONTH_START,
                    end_date=MONTH_END,
                    busy=busy,
                    now=NOW,
                ),
            )

        # Real bookings in the month, read by the selector every screen uses. The first 10
        # intervals of the 1,000 are the same 10 as above (same seed), so rows are added.
        BookingEvent.objects.all().delete()
        Booking.objects.all().delete()
        inserted = 0
        for count in (10, BUSY):
            bookings_insert(service, busy_intervals(ids, count)[inserted:])
            inserted = count
            assert Booking.objects.count() == count
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE bookings_booking")
            measure(
                "selector + bookings in db",
                count,
                lambda: bookings_slots(
                    service=service, start_date=MONTH_START, end_date=MONTH_END, now=NOW
                ),
            )
        # As the pages call it: the business's settings already at hand (the request's).
        business = settings_get()
        measure(
            "  the same, settings given",
            BUSY,
            lambda: bookings_slots(
                service=service,
                start_date=MONTH_START,
                end_date=MONTH_END,
                now=NOW,
                business=business,
            ),
        )
        # One day of one resource (a staff member's day, the manage page's chosen day).
        day = MONTH_START + dt.timedelta(days=1)
        measure(
            "one day, one resource",
            sum(1 for rid, start, _ in busy_intervals(ids, BUSY) if rid == ids[0]),
            lambda: bookings_slots(
                service=service,
                start_date=day,
                end_date=day,
                resource_ids=[ids[0]],
                now=NOW,
                business=business,
            ),
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    one, five = os.getloadavg()[:2]
    print(f"load average {one:.2f} {five:.2f} (1, 5 min), {os.cpu_count()} cores")
    print(
        f"Month {MONTH_START}..{MONTH_END} in {TIMEZONE}: {RESOURCES} resources, "
        f"09-18 Mon-Sat, {DURATION}-min service on a {SLOT_INTERVAL}-min grid, {args.runs} runs"
    )
    header = (
        f"{'':<30}{'busy':>6}{'median ms':>11}{'p95 ms':>9}{'min ms':>8}{'slots':>8}{'queries':>9}"
    )
    print(header)
    print("-" * len(header))
    median, p95, slots, queries = engine_only(args.runs)
    fastest = FASTEST[-1]
    print(
        f"{'engine alone':<30}{BUSY:>6}{median:>11.2f}{p95:>9.2f}{fastest:>8.2f}{slots:>8}"
        f"{queries:>9}"
    )
    rows = through_selector(args.runs)
    for (label, count, median, p95, slots, queries), fastest in zip(
        rows, FASTEST[-len(rows) :], strict=True
    ):
        print(
            f"{label:<30}{count:>6}{median:>11.2f}{p95:>9.2f}{fastest:>8.2f}{slots:>8}{queries:>9}"
        )
    print(
        "Targets: engine median ≤ 2 ms; selector + bookings in db (1,000) median ≤ 10 ms with "
        "≤ 5 queries; one day, one resource ≤ 3 ms with ≤ 4 queries; same query count for any busy."
    )


if __name__ == "__main__":
    main()
