"""Benchmark: N clients, each on its own connection, call `booking_create` at the same instant.

    .venv/bin/python bench/booking_concurrency.py [--clients 50]

Scenario A: the N clients want the SAME slot of one resource. The exclusion constraint must let
exactly one through: 1 booking, N - 1 refusals (`slot_taken`), 0 unexpected errors.
Scenario B: the N clients want N DISTINCT slots (consecutive 15-minute slots of another resource,
over as many days as needed): N bookings, no refusal.

Columns: attempts; booked (calls that returned a booking) and "in db" (rows counted afterwards);
refused (BookingError, by code below); errors (any other exception); bookings/s = booked /
elapsed; answers/s = attempts / elapsed; p50/max = latency of one call.

Every client is a thread with its own PostgreSQL connection, connected before a barrier releases
them all at once. Elapsed time runs from the barrier to the last answer. Runs against the
development database (config.settings.dev) in the tenant schema `benchbook`, created on the
first run and reset (bookings and clients) at every start. Each client holds a connection, so N
must stay below PostgreSQL's `max_connections` (100 by default) minus what else is connected.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import threading
import time
import zoneinfo
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCHEMA = "benchbook"
TIMEZONE = "America/Sao_Paulo"
TZ = zoneinfo.ZoneInfo(TIMEZONE)
OPEN, CLOSE = dt.time(8), dt.time(20)
SLOT = 15  # minutes: the grid and the service's duration
SLOTS_PER_DAY = (CLOSE.hour - OPEN.hour) * 60 // SLOT


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def bench_tenant(clients: int):
    """The `benchbook` business: open 08–20 every day, two resources, one 15-minute service."""
    from django.conf import settings
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from bookings.models import Booking, BookingEvent, Client
    from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
    from tenants.models import Domain, Tenant

    tenant = Tenant.objects.filter(schema_name=SCHEMA).first()
    if tenant is None:
        tenant = Tenant(schema_name=SCHEMA, name="Booking benchmark", timezone=TIMEZONE)
        tenant.save(verbosity=0)  # creates and migrates the schema
    else:
        call_command("migrate_schemas", schema_name=SCHEMA, interactive=False, verbosity=0)
    Domain.objects.get_or_create(
        domain=f"{SCHEMA}.{settings.BASE_DOMAIN}", defaults={"tenant": tenant, "is_primary": True}
    )
    with schema_context(SCHEMA):
        BookingEvent.objects.all().delete()
        Booking.objects.all().delete()
        Client.objects.all().delete()
        business = BusinessSettings.load()
        business.timezone = TIMEZONE
        business.slot_interval = SLOT
        business.min_notice_minutes = 60
        business.max_advance_days = 60
        business.requires_approval = False
        business.save()
        WeeklyHours.objects.all().delete()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(weekday=weekday, start=OPEN, end=CLOSE) for weekday in range(7)
        )
        TimeOff.objects.all().delete()
        resources = [
            Resource.objects.update_or_create(
                name=name, defaults={"is_active": True, "order": order}
            )[0]
            for order, name in enumerate(["Same-slot chair", "Distinct-slots chair"], start=1)
        ]
        service, _ = Service.objects.update_or_create(
            name="Bench cut",
            defaults={
                "duration_minutes": SLOT,
                "buffer_before_minutes": 0,
                "buffer_after_minutes": 0,
                "price": "40.00",
                "is_active": True,
                "is_public": True,
            },
        )
        service.resources.set(resources)
        people = Client.objects.bulk_create(
            Client(name=f"Bench client {i}", phone=f"+55119{i:08d}") for i in range(clients)
        )
    return tenant, business, service, resources, people


def run_scenario(tenant, count: int, book) -> dict:
    """`book(i)` in `count` threads, each on its own connection, released by one barrier."""
    from django.db import connection

    from bookings.errors import BookingError

    released: list[float] = []
    barrier = threading.Barrier(count, action=lambda: released.append(time.perf_counter()))
    outcomes: list[tuple[str, str]] = [("error", "no answer")] * count
    finished = [0.0] * count
    latencies = [0.0] * count

    def client(i: int) -> None:
        try:
            connection.set_tenant(tenant)
            connection.ensure_connection()
            barrier.wait(timeout=60)
            t0 = time.perf_counter()
            try:
                book(i)
                outcomes[i] = ("booked", "")
            finally:
                finished[i] = time.perf_counter()
                latencies[i] = finished[i] - t0
        except BookingError as exc:
            outcomes[i] = ("refused", exc.code)
        except Exception as exc:
            outcomes[i] = ("error", f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = (max(finished) - released[0]) if released else float("nan")
    kinds = Counter(kind for kind, _ in outcomes)
    return {
        "attempts": count,
        "booked": kinds["booked"],
        "refusals": Counter(code for kind, code in outcomes if kind == "refused"),
        "errors": [detail for kind, detail in outcomes if kind == "error"],
        "elapsed": elapsed,
        "latency_median": statistics.median(latencies) * 1000,
        "latency_max": max(latencies) * 1000,
    }


def rows_in_db(resource) -> int:
    from django_tenants.utils import schema_context

    from bookings.models import Booking

    with schema_context(SCHEMA):
        return Booking.objects.filter(resource=resource).count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    args = parser.parse_args()
    n = args.clients
    if n < 1:
        parser.error("--clients must be at least 1")

    setup_django()
    from django.utils import timezone

    from bookings import services

    tenant, business, service, (same_chair, spread_chair), people = bench_tenant(n)
    now = timezone.now()
    tomorrow = timezone.localdate(now, timezone=TZ) + dt.timedelta(days=1)

    def slot(i: int) -> dt.datetime:
        day = tomorrow + dt.timedelta(days=i // SLOTS_PER_DAY)
        first = dt.datetime.combine(day, OPEN, TZ)
        return first + dt.timedelta(minutes=SLOT * (i % SLOTS_PER_DAY))

    def same_slot(i: int) -> None:
        services.booking_create(
            service=service,
            start=slot(0),
            client=people[i],
            resource=same_chair,
            now=now,
            business=business,
        )

    def distinct_slots(i: int) -> None:
        services.booking_create(
            service=service,
            start=slot(i),
            client=people[i],
            resource=spread_chair,
            now=now,
            business=business,
        )

    scenarios = [
        ("A: one slot of one resource", same_slot, same_chair, 1),
        (f"B: {n} distinct slots", distinct_slots, spread_chair, n),
    ]
    print(
        f"{n} concurrent clients, each on its own connection, released by one barrier "
        f"(tenant schema {SCHEMA!r}, {SLOT}-minute service, slots from {slot(0):%Y-%m-%d %H:%M})"
    )
    header = (
        f"{'scenario':<30}{'attempts':>9}{'booked':>8}{'in db':>7}{'refused':>9}"
        f"{'errors':>8}{'elapsed s':>11}{'bookings/s':>12}{'answers/s':>11}{'p50 ms':>8}"
        f"{'max ms':>8}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for label, book, resource, expected in scenarios:
        result = run_scenario(tenant, n, book)
        in_db = rows_in_db(resource)
        refused = sum(result["refusals"].values())
        seconds = result["elapsed"] if result["elapsed"] > 0 else float("nan")
        rate, answers = result["booked"] / seconds, result["attempts"] / seconds
        print(
            f"{label:<30}{result['attempts']:>9}{result['booked']:>8}{in_db:>7}{refused:>9}"
            f"{len(result['errors']):>8}{result['elapsed']:>11.3f}{rate:>12.1f}{answers:>11.1f}"
            f"{result['latency_median']:>8.1f}{result['latency_max']:>8.1f}"
        )
        expected_refusals = {"slot_taken": n - expected} if n > expected else {}
        good = (
            result["booked"] == in_db == expected
            and dict(result["refusals"]) == expected_refusals
            and not result["errors"]
        )
        if result["refusals"]:
            codes = ", ".join(f"{code} {k}" for code, k in sorted(result["refusals"].items()))
            print(f"{'':<4}refusals: {codes}")
        for detail in sorted(set(result["errors"]))[:5]:
            print(f"{'':<4}unexpected error: {detail}")
        if not good:
            print(f"{'':<4}MISMATCH: expected {expected} booking(s), {n - expected} slot_taken")
        ok = ok and good
    print(
        "Expected: A books exactly 1 and refuses N-1 with slot_taken; B books N; no errors."
        + (" OK." if ok else " FAILED.")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
