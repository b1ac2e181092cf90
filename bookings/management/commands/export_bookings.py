"""Write a business's bookings as CSV, with the dashboard export's columns."""

import csv
import datetime as dt
import os
import sys
import zoneinfo
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from bookings.exports import booking_csv_rows, booking_questions
from bookings.selectors import booking_list
from scheduling.models import BusinessSettings
from tenants.selectors import tenant_for_command


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{raw!r} is not a date; use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Export a business's bookings as CSV (to stdout, or --output FILE), times in the "
        "business's time zone; --from/--to limit them to local days, both included."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="the business's schema (its slug)")
        parser.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args, **options):
        tenant = tenant_for_command(options["schema"])
        date_from = _date(options["date_from"]) if options["date_from"] else None
        date_to = _date(options["date_to"]) if options["date_to"] else None
        if date_from and date_to and date_from > date_to:
            raise CommandError(f"--from {date_from} is after --to {date_to}.")

        with schema_context(tenant.schema_name):
            tz = zoneinfo.ZoneInfo(BusinessSettings.load().timezone)
            bookings = booking_list().order_by("start", "pk")
            if date_from:
                bookings = bookings.filter(start__gte=dt.datetime.combine(date_from, dt.time(), tz))
            if date_to:
                until = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tz)
                bookings = bookings.filter(start__lt=until)
            rows = booking_csv_rows(
                bookings.prefetch_related("items").iterator(chunk_size=500),
                tz=tz,
                questions=booking_questions(),
            )
            if options["output"]:
                path = Path(options["output"])
                try:
                    with path.open("w", encoding="utf-8", newline="") as out:
                        count = self._write(out, rows)
                except OSError as exc:
                    raise CommandError(f"Cannot write {path}: {exc.strerror}") from None
                self.stdout.write(f"{count} bookings of {tenant.schema_name} written to {path}")
            else:
                try:
                    count = self._write(self.stdout, rows)
                except BrokenPipeError:  # `export_bookings … | head`: the reader had enough
                    # Python's flush at exit would hit the closed pipe again.
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                    return
                if options["verbosity"] >= 1:
                    # On stderr, so that stdout stays a clean CSV for a pipe; not styled as error.
                    self.stderr.write(f"{count} bookings of {tenant.schema_name}", style_func=str)

    def _write(self, out, rows) -> int:
        writer = csv.writer(out)
        count = -1  # the header is not a booking
        for row in rows:
            writer.writerow(row)
            count += 1
        return count
