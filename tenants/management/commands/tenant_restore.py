"""`manage.py tenant_restore FILE [--slug NEW] [--replace]`: a business back from its backup."""

from django.core.management.base import BaseCommand, CommandError

from tenants.backup import BackupError, tenant_restore


class Command(BaseCommand):
    help = (
        "Restore a business from a tenant_backup file: into a new business (--slug NEW) or into "
        "its own. An existing business with data is overwritten only with --replace. All or "
        "nothing: a failure leaves the database as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A file written by tenant_backup.")
        parser.add_argument("--slug", help="Restore as this business (default: the backup's).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite the business's current data with the backup's.",
        )

    def handle(self, *args, file, slug=None, replace=False, **options):
        try:
            result = tenant_restore(path=file, slug=slug, replace=replace)
        except FileNotFoundError as exc:
            raise CommandError(f"No file {file}.") from exc
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        rows = sum(result.rows.values())
        self.stdout.write(
            f"{result.tenant.schema_name}: {len(result.rows)} tables, {rows} rows restored."
        )
