"""Make the template schema new businesses are cloned from current (tenants/schema_base.py).

    manage.py base_schema            # migrate it if a migration is missing (creates it if absent)
    manage.py base_schema --rebuild  # drop it and migrate it from scratch

Sign-up does the first by itself when needed; run this after `migrate_schemas` in a deploy so
the first sign-up after it does not wait for the template's migrations.
"""

import time

from django.core.management.base import BaseCommand

from tenants.schema_base import base_schema_ensure, base_schema_name


class Command(BaseCommand):
    help = "Create, migrate or rebuild the template schema that new businesses are cloned from."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Drop it and start over.")

    def handle(self, *args, rebuild: bool = False, verbosity: int = 1, **options):
        started = time.monotonic()
        done = base_schema_ensure(rebuild=rebuild, verbosity=max(0, verbosity - 1))
        seconds = time.monotonic() - started
        what = "made current" if done else "already current"
        if verbosity:
            self.stdout.write(f"Template schema {base_schema_name()!r} {what} ({seconds:.1f} s).")
