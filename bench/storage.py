"""Benchmark: how much PostgreSQL one business takes, empty and per 1,000 bookings.

    .venv/bin/python bench/storage.py [--bookings 1000] [--clients-per-booking 0.5]

Runs against the development database (config.settings.dev; DATABASE_URL from the environment).
Creates the business `benchsize` on the first run (later runs empty its bookings, clients and
messages), measures its schema (every table, index and TOAST relation in it:
pg_total_relation_size), then books `--bookings` bookings through `bookings.services.
booking_create` (the path staff and clients use: items, events, the outbox's confirmation and
reminder rows) over 10 resources and the next 60 days, one new client every other booking, runs
VACUUM ANALYZE, and measures again. Prints the empty schema (what each business costs before its
first booking, and how many relations it adds to the catalogue) and the growth per 1,000
bookings, table by table. Figures for docs/scaling.md.
"""

import argparse
import datetime as dt
import os
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCHEMA = "benchsize"
TIMEZONE = "America/Sao_Paulo"
TZ = zoneinfo.ZoneInfo(TIMEZONE)
RESOURCES, DAYS, OPEN, CLOSE, SLOT = 10, 60, 9, 18, 30


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def schema_sizes(schema: str) -> tuple[dict[str, int], int]:
    """Bytes per table (with its indexes and TOAST) in `schema`, and its relation count."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_total_relation_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
            """,
            [schema],
        )
        sizes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s",
            [schema],
        )
        relations = cursor.fetchone()[0]
    return sizes, relations


def vacuum(schema: str, tables) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM ANALYZE "{schema}"."{table}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--clients-per-booking", type=float, default=0.5)
    args = parser.parse_args()
    if not 1 <= args.bookings <= RESOURCES * DAYS * (CLOSE - OPEN) * 60 // SLOT:
        parser.error("--bookings must fit in 10 resources × 60 days of half hours")

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from bookings.models import Booking, Client
    from bookings.services import booking_create
    from config.celery import app
    from notifications.models import Message
    from scheduling.models import BusinessSettings, Resource, Service, WeeklyHours
    from tenants.models import Domain, Tenant

    one, five, fifteen = os.getloadavg()
    print(f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs")
    t0 = time.perf_counter()
    tenant = Tenant.objects.filter(schema_name=SCHEMA).first()
    if tenant is None:
        tenant = Tenant(schema_name=SCHEMA, name="Storage bench", timezone=TIMEZONE)
        tenant.save(verbosity=0)
        Domain.objects.get_or_create(
            domain=f"{SCHEMA}.{settings.BASE_DOMAIN}", defaults={"tenant": tenant}
        )
    connection.set_tenant(tenant)
    with schema_context(SCHEMA):
        Message.objects.all().delete()
        Booking.objects.all().delete()
        Client.objects.all().delete()
        business = BusinessSettings.load()
        business.timezone, business.slot_interval = TIMEZONE, SLOT
        business.min_notice_minutes, business.max_advance_days = 0, DAYS + 2
        business.requires_approval = False
        business.reminder_offsets = [24 * 60, 120]
        business.save()
        if not WeeklyHours.objects.exists():
            WeeklyHours.objects.bulk_create(
                WeeklyHours(weekday=d, start=dt.time(OPEN), end=dt.time(CLOSE)) for d in range(7)
            )
        resources = list(Resource.objects.order_by("pk")[:RESOURCES])
        for i in range(len(resources), RESOURCES):
            resources.append(Resource.objects.create(name=f"Chair {i + 1}"))
        service = Service.objects.filter(name="Corte").first()
        if service is None:
            service = Service.objects.create(name="Corte", duration_minutes=SLOT, price="50.00")
            service.resources.set(resources)
    print(f"business {SCHEMA!r} ready in {time.perf_counter() - t0:.1f} s")

    with schema_context(SCHEMA):
        tables = list(schema_sizes(SCHEMA)[0])
        vacuum(SCHEMA, tables)
    empty, relations = schema_sizes(SCHEMA)

    t1 = time.perf_counter()
    first_day = timezone.localdate(timezone.now(), TZ) + dt.timedelta(days=1)
    per_day = RESOURCES * (CLOSE - OPEN) * 60 // SLOT
    client = None
    with schema_context(SCHEMA):
        for n in range(args.bookings):
            day, slot = divmod(n * 7919 % (DAYS * per_day), per_day)  # spread over the days
            resource, position = divmod(slot, (CLOSE - OPEN) * 60 // SLOT)
            start = dt.datetime.combine(
                first_day + dt.timedelta(days=day), dt.time(OPEN), TZ
            ) + dt.timedelta(minutes=SLOT * position)
            if client is None or n % max(1, round(1 / args.clients_per_booking)) == 0:
                client = Client.objects.create(
                    name=f"Cliente {n:05d} da Silva",
                    phone=f"+55119{n:08d}",
                    email=f"cliente{n}@example.com",
                    whatsapp_consent=True,
                )
            booking_create(
                service=service, start=start, client=client, resource=resources[resource]
            )
        vacuum(SCHEMA, tables)
    t2 = time.perf_counter()
    full, _relations = schema_sizes(SCHEMA)

    total_empty, total_full = sum(empty.values()), sum(full.values())
    growth = (total_full - total_empty) * 1000 / args.bookings
    print(
        f"{args.bookings:,} bookings written in {t2 - t1:.1f} s"
        f" ({1000 * (t2 - t1) / args.bookings:.1f} ms each, with their outbox rows)"
    )
    print(
        f"empty business: {total_empty / 1024:,.0f} KiB in {len(empty)} tables,"
        f" {relations} relations in the catalogue (tables, indexes, sequences, TOAST)"
    )
    print(f"per 1,000 bookings: {growth / 1024 / 1024:.2f} MiB; by table (KiB per 1,000):")
    for table in sorted(full, key=lambda t: full[t] - empty.get(t, 0), reverse=True)[:10]:
        delta = (full[table] - empty.get(table, 0)) * 1000 / args.bookings / 1024
        if delta > 0:
            print(f"  {table:40s} {delta:8,.0f}")
    with schema_context(SCHEMA):
        print(
            f"rows: {Booking.objects.count():,} bookings, {Client.objects.count():,} clients,"
            f" {Message.objects.count():,} messages"
        )
        # Measured: its confirmations and reminders must not go out with another bench's sweep.
        Message.objects.filter(status__in=["queued", "sending"]).update(status="cancelled")
    app.control.purge()  # nor their tasks (queued as each booking committed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
