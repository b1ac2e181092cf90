"""`manage.py tenant_backup <slug> [-o FILE]`: one business's data in one gzip'd file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tenants.backup import BackupError, tenant_backup
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Back up one business (every table of its schema, its tenant, domain and WhatsApp "
        "routing rows) into one file. It holds personal data and channel tokens: keep it safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The business's address (its schema name).")
        parser.add_argument(
            "-o", "--output", help="File to write (default: <slug>-<UTC time>.agendo-backup.gz)."
        )

    def handle(self, *args, slug, output=None, **options):
        tenant = Tenant.objects.filter(schema_name=slug).first()
        if tenant is None:
            raise CommandError(f"No business “{slug}”.")
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        path = Path(output or f"{slug}-{stamp}.agendo-backup.gz")
        try:
            with path.open("xb") as out:
                counts = tenant_backup(tenant=tenant, fileobj=out)
        except FileExistsError as exc:
            raise CommandError(f"{path} exists; choose another file.") from exc
        except BackupError as exc:
            path.unlink(missing_ok=True)
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{slug}: {len(counts)} tables, {sum(counts.values())} rows → {path}")
