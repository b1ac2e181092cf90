"""Benchmark: creating a business, and `migrate_schemas` over many businesses.

    .venv/bin/python bench/tenants.py [--signups 5] [--businesses 200] [--skip-migrate]

Runs against the development database (DATABASE_URL; use a database of your own). Part 1 posts
the sign-up form (tenants/views.py → tenants/services.py `tenant_signup`) through Django's test
client on the platform host, end to end, `--signups` times: the first one after a fresh
process, then warm ones; each new business is deleted (schema dropped) afterwards. It prints
the template schema's upkeep separately (done once after each deploy with new migrations).
Part 2 makes sure there are `--businesses` businesses (clones of the template, named
`bench-tNNN`, kept for reruns) and times `migrate_schemas` with nothing pending, with the
standard executor and with `--executor=multiprocessing`
(TENANT_MULTIPROCESSING_MAX_PROCESSES processes).

Targets (issue 16): sign-up ≤ 1 s; `migrate_schemas` over 200 businesses with nothing
pending ≤ 60 s.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def signups(count: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Tenant
    from tenants.schema_base import base_schema_ensure, base_schema_name

    t0 = time.perf_counter()
    if not base_schema_name():
        print("TENANT_BASE_SCHEMA is empty: every sign-up runs every migration (the old way)")
    else:
        done = base_schema_ensure()
        print(
            f"template schema {base_schema_name()!r}: "
            f"{'migrated now' if done else 'already current'} in "
            f"{(time.perf_counter() - t0) * 1000:.0f} ms"
        )
    from tenants.forms import signup_stamp

    host = settings.BASE_DOMAIN
    samples = []
    for i in range(count):
        slug = f"bench-signup-{os.getpid()}-{i}"
        data = {
            "name": f"Bench signup {i}",
            "slug": slug,
            "business_type": "barber",
            "timezone": "America/Sao_Paulo",
            "owner_name": "Bench Owner",
            "owner_email": f"{slug}@example.com",
            "owner_password": "navalha-afiada-42",
            "phone": "(11) 91234-5678",
            "address": "Rua Augusta, 1500 - São Paulo",
            "shown_at": signup_stamp(shown_at=time.time() - 60),
        }
        # A new visitor each time (the per-IP sign-up limit is not what is measured).
        client = Client(HTTP_HOST=host, REMOTE_ADDR=f"10.9.{i // 250}.{i % 250 + 1}")
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.post("/signup/", data)
            elapsed = (time.perf_counter() - t0) * 1000
        created = Tenant.objects.filter(schema_name=slug).first()
        if created is None:
            errors = response.context["form"].errors if response.context else response.status_code
            raise SystemExit(f"sign-up refused: {errors}")
        samples.append(elapsed)
        print(
            f"sign-up POST {i + 1}: {elapsed:7.0f} ms  status {response.status_code}  "
            f"{len(queries)} queries"
        )
        connection.set_schema_to_public()
        created.delete(force_drop=True)
    print(
        f"sign-up POST: first {samples[0]:.0f} ms, median {statistics.median(samples):.0f} ms, "
        f"max {max(samples):.0f} ms (target ≤ 1000 ms)"
    )


def businesses_ensure(count: int) -> None:
    import django

    django.setup()
    from django.db import connection

    from tenants.models import Tenant

    connection.set_schema_to_public()
    have = set(
        Tenant.objects.filter(schema_name__startswith="bench-t").values_list(
            "schema_name", flat=True
        )
    )
    made = 0
    t0 = time.perf_counter()
    for i in range(count):
        slug = f"bench-t{i:03d}"
        if slug in have:
            continue
        Tenant(schema_name=slug, name=f"Bench {i:03d}", timezone="UTC").save(verbosity=0)
        made += 1
    total = Tenant.objects.exclude(schema_name="public").count()
    print(f"businesses: {total} in all, {made} created now in {time.perf_counter() - t0:.1f} s")


def migrate(executor: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate_schemas", "--noinput", "-v0",
         f"--executor={executor}"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signups", type=int, default=5)
    parser.add_argument("--businesses", type=int, default=200)
    parser.add_argument("--skip-migrate", action="store_true")
    args = parser.parse_args()
    one, five = os.getloadavg()[:2]
    print(f"load average {one:.2f} {five:.2f} (1, 5 min), {os.cpu_count()} cores")
    if args.signups:
        signups(args.signups)
    if args.skip_migrate:
        return
    businesses_ensure(args.businesses)
    for executor in ("standard", "multiprocessing"):
        print(f"migrate_schemas, nothing pending, --executor={executor}: {migrate(executor):.1f} s")
    print("Target: ≤ 60 s over 200 businesses.")


if __name__ == "__main__":
    main()
