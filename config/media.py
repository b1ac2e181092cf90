"""Uploaded files (logos, services' photos): each business's in its own folder, served safely.

Where they live: `MEDIA_ROOT/<schema>/` (django-tenants' TenantFileSystemStorage with
`MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"`), addressed `/media/<schema>/<path>`; or, with
`AWS_STORAGE_BUCKET_NAME` set (production), an S3-compatible bucket under `<schema>/`
(`config.s3.TenantS3Storage`). Only images that passed `scheduling.uploads` are ever stored.

`media_serve` answers `/media/…` on a business's host while `MEDIA_SERVE` is on (development,
tests, and production without a bucket or a web server in front doing it): only that business's
folder, only the image types we store, each with its own type, `nosniff` and a CSP that lets
nothing run — never HTML or SVG, whatever a file's name says.
"""

import os

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from scheduling.uploads import image_content_type

# The folders uploads are written to (the models' upload_to); nothing else is served.
MEDIA_FOLDERS = ("logos/", "services/")
# Stored names are random and never reused: a browser may keep a file as long as it likes.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
MEDIA_CSP = "default-src 'none'; img-src 'self'; sandbox"


@require_safe
def media_serve(request, schema: str, path: str):
    if not settings.MEDIA_SERVE or schema != connection.schema_name:
        raise Http404
    content_type = image_content_type(path)
    if content_type is None or not path.startswith(MEDIA_FOLDERS) or "\\" in path:
        raise Http404
    if not isinstance(default_storage, FileSystemStorage):
        raise Http404  # a bucket serves its own files
    try:
        full_path = default_storage.path(path)  # inside this business's folder, or refused
    except SuspiciousFileOperation as exc:
        raise Http404 from exc
    if not os.path.isfile(full_path):
        raise Http404
    response = FileResponse(open(full_path, "rb"), content_type=content_type)  # noqa: SIM115
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = MEDIA_CACHE_CONTROL
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # a business's site may show it
    return response
