"""Benchmark: the report pages of one business with 100,000 bookings and 5,000 clients.

    .venv/bin/python bench/reports.py [--runs 7] [--rebuild]

Runs against its own database `agendo_bench_reports` on DATABASE_URL's server (created and
migrated on the first run). Business `rep` gets 20 resources open Monday to Saturday 08–20,
10 services, 5,000 clients and 100,000 bookings over the last ~21 months and the next month,
written by a few INSERT … SELECT generate_series statements (a few seconds): booking i is
resource i mod 20's slot i div 20, so no two overlap; clients arrive and drift away over the
months (POOL); about 1 in 20 is cancelled (with its cancellation event), 1 in 20 a no-show; each
has its item; completed ones their payment.
Later runs reuse the data (--rebuild writes it again).

Prints, for each page (owner, then a staff member seeing one resource), the median time of
`--runs` requests through Django's test client (after one warm-up) and its number of queries.
Target: every page under 300 ms and 15 queries.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
BENCH_DB = "agendo_bench_reports"
SCHEMA = "rep"
HOST = f"{SCHEMA}.localhost"
RESOURCES, SERVICES, CLIENTS, BOOKINGS = 20, 10, 5_000, 100_000
SLOTS_PER_DAY = 8  # 09:00, 10:30, … 19:30: 45-minute services in 90-minute slots
FUTURE_DAYS = 30  # the last bookings are this far ahead
# Clients come and go: booking i goes to one of the POOL clients before number 200 + i/20, so
# new clients keep arriving (cohorts), and the early ones stop booking (lapsing, inactive).
POOL = 2_500


def setup() -> None:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/agendo")
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{BENCH_DB}"
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"  # no query log kept by Django itself
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no access log line per request
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", "--shared", verbosity=0)


# Every column named: fields with a Python-side default have none in the table.
BOOKINGS_SQL = """
WITH s AS (
    SELECT i,
           (i %% %(resources)s) AS r,
           (i / %(resources)s) AS slot,
           200 + (i::bigint * (%(clients)s - 200)) / %(bookings)s AS hi
    FROM generate_series(0, %(bookings)s - 1) AS i
), t AS (
    SELECT i, r, slot, hi, greatest(0, hi - %(pool)s) AS lo,
           (%(first_day)s::date + (slot / %(per_day)s) * interval '1 day'
            + interval '9 hours' + (slot %% %(per_day)s) * interval '90 minutes')
             AT TIME ZONE %(tz)s AS start
    FROM s
)
INSERT INTO bookings_booking (
    reference, service_id, resource_id, client_id, start, "end", occupied, status, source,
    price, client_notes, internal_notes, cancellation_reason, cancelled_by_client,
    manage_token, created_at, updated_at, answers, utm_source, utm_medium, utm_campaign,
    overlap_exempt
)
SELECT 'R' || lpad(i::text, 8, '0'),
       (%(services)s)[1 + (i %% %(n_services)s)],
       (%(resource_ids)s)[1 + r],
       %(first_client)s + lo + ((i::bigint * 7919) %% (hi - lo)),
       start, start + interval '45 minutes',
       tstzrange(start, start + interval '45 minutes', '[)'),
       CASE WHEN i %% 20 = 3 THEN 'cancelled'
            WHEN start > now() THEN (CASE WHEN i %% 7 = 0 THEN 'pending' ELSE 'confirmed' END)
            WHEN i %% 20 = 7 THEN 'no_show'
            ELSE 'completed' END,
       'staff', 40 + (i %% %(n_services)s) * 5, '', '', '', false,
       md5('token' || i::text) || md5('more' || i::text),
       start - ((i %% 30) || ' days')::interval, now(), '[]', '', '', '', false
FROM t
"""


def populate(rebuild: bool) -> None:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from accounts.models import User
    from bookings.models import Booking
    from scheduling.models import BusinessSettings, Resource, Service, WeeklyHours
    from tenants.models import Domain, Tenant

    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(schema_name=SCHEMA).first()
    if tenant is None:
        tenant = Tenant(schema_name=SCHEMA, name="Reports bench", timezone="America/Sao_Paulo")
        tenant.save(verbosity=0)
        Domain.objects.create(domain=HOST, tenant=tenant, is_primary=True)
    with schema_context(SCHEMA):
        if Booking.objects.count() >= BOOKINGS and not rebuild:
            print(f"business {SCHEMA}: {Booking.objects.count()} bookings (kept)")
            return
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE payments_payment, bookings_bookingevent, bookings_bookingitem, "
                "bookings_booking, bookings_client, scheduling_weeklyhours CASCADE"
            )
        business = BusinessSettings.load()
        business.timezone = "America/Sao_Paulo"
        business.language = "en"
        business.save()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(weekday=d, start=dt.time(8), end=dt.time(20)) for d in range(6)
        )
        if not Resource.objects.exists():
            Resource.objects.bulk_create(
                Resource(name=f"Chair {n:02d}", order=n) for n in range(RESOURCES)
            )
            Service.objects.bulk_create(
                Service(name=f"Service {n}", duration_minutes=45, price=40 + 5 * n)
                for n in range(SERVICES)
            )
        resources = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
        services = list(Service.objects.order_by("pk").values_list("pk", flat=True))
        owner = User.objects.filter(email="owner@rep.localhost").first() or (
            User.objects.create_user("owner@rep.localhost", "x", role="owner", full_name="O")
        )
        staff = User.objects.filter(email="staff@rep.localhost").first() or (
            User.objects.create_user("staff@rep.localhost", "x", role="staff", full_name="S")
        )
        Resource.objects.filter(pk=resources[0]).update(user=staff)
        del owner
        days = BOOKINGS // RESOURCES // SLOTS_PER_DAY
        first_day = timezone.localdate() - dt.timedelta(days=days - FUTURE_DAYS)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO bookings_client (name, phone, email, notes, tags, is_vip, is_active,
                    source, whatsapp_consent, created_by_id, custom_fields, created_at, updated_at)
                SELECT 'Client ' || n, '+55119' || lpad(n::text, 8, '0'), '', '', '{}', false,
                    true, 'staff', n %% 2 = 0, NULL, '{}', now(), now()
                FROM generate_series(1, %s) AS n
                """,
                [CLIENTS],
            )
            cursor.execute("SELECT min(id) FROM bookings_client")
            first_client = cursor.fetchone()[0]
            cursor.execute(
                BOOKINGS_SQL,
                {
                    "resources": RESOURCES,
                    "bookings": BOOKINGS,
                    "first_day": first_day,
                    "per_day": SLOTS_PER_DAY,
                    "tz": business.timezone,
                    "services": services,
                    "n_services": len(services),
                    "resource_ids": resources,
                    "first_client": first_client,
                    "clients": CLIENTS,
                    "pool": POOL,
                },
            )
            cursor.execute(
                """
                INSERT INTO bookings_bookingitem (booking_id, service_id, name, duration_minutes,
                    price, position)
                SELECT b.id, b.service_id, s.name, 45, b.price, 0
                FROM bookings_booking b JOIN scheduling_service s ON s.id = b.service_id
                """
            )
            cursor.execute(
                """
                INSERT INTO bookings_bookingevent (booking_id, type, actor_id, actor_label,
                    before, after, override, note, created_at)
                SELECT id, 'cancelled', NULL, 'client', '{}', '{}', false, '',
                    start - ((id % 72) || ' hours')::interval
                FROM bookings_booking WHERE status = 'cancelled'
                """
            )
            cursor.execute(
                """
                INSERT INTO payments_payment (client_id, booking_id, amount, currency, method,
                    paid_at, note, refund_of_id, recorded_by_id, recorded_by_label, created_at)
                SELECT client_id, id, price, 'BRL', 'cash', "end", '', NULL, NULL, '', now()
                FROM bookings_booking WHERE status = 'completed'
                """
            )
            cursor.execute("ANALYZE")
        print(
            f"business {SCHEMA}: {Booking.objects.count()} bookings, {CLIENTS} clients written "
            f"in {time.perf_counter() - started:.1f} s"
        )


def measure(runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from accounts.models import User

    pages = [
        ("/app/reports/", "this month"),
        ("/app/reports/?preset=last_90", "last 90 days"),
        ("/app/reports/?preset=custom&date_from={year_ago}&date_to={today}", "366 days"),
        ("/app/reports/?preset=last_90&format=csv&table=bookings-by-day", "a CSV"),
        ("/app/reports/clients/", "client analytics"),
    ]
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    values = {"today": today, "year_ago": today - dt.timedelta(days=365)}
    for email in ("owner@rep.localhost", "staff@rep.localhost"):
        with schema_context(SCHEMA):
            user = User.objects.get(email=email)
            client = Client(HTTP_HOST=HOST)
            client.force_login(user)
        connection.set_schema_to_public()
        client.get("/app/")  # the business's terms cached, as for any later page
        for url, name in pages:
            url = url.format(**values)
            timings = []
            for _ in range(runs + 1):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            timings = timings[1:]  # the first warmed up
            print(
                f"{user.role:6} {name:17} median {statistics.median(timings):6.1f} ms "
                f"(min {min(timings):6.1f}, max {max(timings):6.1f}); "
                f"{len(queries)} queries  {url}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    setup()
    populate(args.rebuild)
    measure(args.runs)


if __name__ == "__main__":
    main()
