"""Production uploads in an S3-compatible bucket (settings: AWS_STORAGE_BUCKET_NAME, …)."""

from django.core.exceptions import SuspiciousOperation
from django.db import connection
from storages.backends.s3 import S3Storage
from storages.utils import safe_join


class TenantS3Storage(S3Storage):
    """Each business's files under `<schema>/` in one bucket, the same folders as on disk
    (`MULTITENANT_RELATIVE_MEDIA_ROOT`); the database keeps the names without the prefix, and
    no name reaches outside its business's prefix."""

    def _normalize_name(self, name):
        try:
            name = safe_join(connection.schema_name, name)
        except ValueError as exc:
            raise SuspiciousOperation(f"Attempted access to '{name}' denied.") from exc
        return super()._normalize_name(name)
