"""Production uploads in an S3-compatible bucket (settings: AWS_STORAGE_BUCKET_NAME, …)."""

from django.db import connection
from storages.backends.s3 import S3Storage


class TenantS3Storage(S3Storage):
    """Each business's files under `<schema>/` in one bucket, the same folders as on disk
    (`MULTITENANT_RELATIVE_MEDIA_ROOT`); the database keeps the names without the prefix."""

    def _normalize_name(self, name):
        return super()._normalize_name(f"{connection.schema_name}/{name}")
