"""Create or update a business's clients from a CSV file, reporting each row."""

import codecs
import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from bookings.imports import ImportFileError, client_import_rows, csv_read
from scheduling.models import BusinessSettings
from tenants.selectors import tenant_for_command


class Command(BaseCommand):
    help = (
        "Import clients from a CSV file with a header: name and phone required; email, notes, "
        "tags, vip, birth_date, whatsapp_consent optional. Clients are matched by phone "
        "(normalised with the business's phone region); bad rows are reported and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, comma- or semicolon-separated, with a header")
        parser.add_argument("--schema", required=True, help="the business's schema (its slug)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report every row, save nothing"
        )
        parser.add_argument(
            "--encoding", default="utf-8-sig", help="the file's encoding (default UTF-8)"
        )

    def handle(self, *args, **options):
        tenant = tenant_for_command(options["schema"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            codecs.lookup(options["encoding"])
        except LookupError:
            raise CommandError(f"Unknown encoding: {options['encoding']}") from None
        try:
            with (
                path.open(encoding=options["encoding"], newline="") as stream,
                schema_context(tenant.schema_name),
            ):
                columns, rows = csv_read(stream)
                region = BusinessSettings.load().phone_region
                report = client_import_rows(rows=rows, region=region, dry_run=options["dry_run"])
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from None
        except UnicodeDecodeError:
            raise CommandError(
                f"{path} is not {options['encoding']} text; nothing was saved. "
                "Try --encoding cp1252 (Excel on Windows)."
            ) from None
        except csv.Error as exc:  # e.g. a NUL byte: not a text CSV file; nothing was saved
            raise CommandError(f"{path} cannot be read as CSV: {exc}") from None

        if columns.ignored:
            self.stdout.write(f"Ignored columns: {', '.join(columns.ignored)}")
        if options["verbosity"] >= 1:
            for row in report.rows:
                style = self.style.WARNING if row.outcome == "skipped" else str
                self.stdout.write(style(str(row)))
        style = self.style.WARNING if report.skipped else self.style.SUCCESS
        self.stdout.write(style(f"{tenant.schema_name}: {report.summary()}"))
