"""Benchmark: the operators' platform overview and businesses list figures for 200 businesses.

    .venv/bin/python bench/console.py [--businesses 200] [--runs 5]

Runs against its own database `agendo_bench_console` on DATABASE_URL's server (created and
migrated on the first run). The first business `con000` is created the normal way (migrations);
the others are clones of its schema (django-tenants' clone_schema, data included: 40 bookings and
20 messages each), with a domain and a subscription in mixed statuses. Later runs reuse them.

Prints the time of billing.console.platform_overview() (min/median/max over the runs) and its
number of queries. Target: under 2 s for 200 businesses, at most one query per business.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
BENCH_DB = "agendo_bench_console"


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
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", "--shared", verbosity=0)


def populate(count: int) -> None:
    from django.db import connection
    from django.utils import timezone
    from django_tenants.clone import CloneSchema
    from django_tenants.utils import schema_context

    from billing import services
    from billing.models import Subscription
    from bookings.models import Booking
    from bookings.tests.factories import BookingFactory
    from notifications.models import Message
    from tenants.models import Domain, Plan, Tenant

    connection.set_schema_to_public()
    first = Tenant.objects.filter(schema_name="con000").first()
    if first is None:
        first = Tenant(schema_name="con000", name="Console 000", timezone="America/Sao_Paulo")
        first.save(verbosity=0)
        Domain.objects.create(domain="con000.localhost", tenant=first, is_primary=True)
        with schema_context("con000"):
            for _ in range(40):
                BookingFactory()
            booking = Booking.objects.first()
            now = timezone.now()
            Message.objects.bulk_create(
                Message(
                    booking=booking,
                    channel="whatsapp",
                    kind="reminder",
                    offset_minutes=i,
                    recipient="+5511999990000",
                    body="x",
                    send_after=now,
                    status=["sent", "queued", "failed"][i % 3],
                    sent_at=now if i % 3 == 0 else None,
                )
                for i in range(20)
            )
    plans = list(Plan.objects.order_by("monthly_price"))
    existing = set(Tenant.objects.values_list("schema_name", flat=True))
    cloner = CloneSchema()
    made = 0
    for i in range(1, count):
        name = f"con{i:03d}"
        if name in existing:
            continue
        cloner.clone_schema("con000", name, set_connection=False)
        tenant = Tenant(schema_name=name, name=f"Console {i:03d}", timezone="America/Sao_Paulo")
        tenant.auto_create_schema = False
        tenant.save(verbosity=0)
        Domain.objects.create(domain=f"{name}.localhost", tenant=tenant, is_primary=True)
        made += 1
    for i, tenant in enumerate(Tenant.objects.exclude(schema_name="public").order_by("pk")):
        if Subscription.objects.filter(tenant=tenant).exists():
            continue
        sub = services.subscription_start(tenant=tenant, plan=plans[i % len(plans)])
        if i % 4:
            sub = services.subscription_activate(subscription=sub, actor="system")
        if i % 10 == 3:
            services.subscription_change(
                subscription=sub, status="past_due", reason="bench", actor="system"
            )
    print(f"businesses: {Tenant.objects.exclude(schema_name='public').count()} ({made} cloned now)")


def measure(runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.console import platform_overview

    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            overview = platform_overview()
            timings.append(time.perf_counter() - started)
    print(
        f"platform_overview for {overview['businesses']} businesses: "
        f"min {min(timings):.3f} s, median {statistics.median(timings):.3f} s, "
        f"max {max(timings):.3f} s; {len(queries)} queries per run"
    )
    print(
        f"  bookings today {overview['bookings_today']}, this period {overview['bookings_period']},"
        f" queued {overview['queued']}, failed 24 h {overview['failed_24h']},"
        f" revenue {[(r['plan__currency'], str(r['total'])) for r in overview['revenue']]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    setup()
    populate(args.businesses)
    measure(args.runs)


if __name__ == "__main__":
    main()
