"""Images a business uploads (its logo, its services' photos): one gate for all of them.

The bytes decide, never the file's name or declared type: Pillow must read them as PNG, JPEG or
WebP (so SVG, HTML or a script renamed `.png` are refused), small enough to decode (a
decompression bomb is refused before it is decoded), then the image is decoded whole and
encoded again — which leaves behind anything hidden in the original (metadata, trailing bytes,
a polyglot's second meaning) — shrunk to fit `max_side`, and named at random. The storage puts
it in the business's own folder (`MULTITENANT_RELATIVE_MEDIA_ROOT`, config/media.py).
"""

import functools
import io
import secrets

from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

MAX_BYTES = 2 * 1024 * 1024
# Width × height decoded at most (a 2 MB PNG can claim 50,000 × 50,000 pixels).
MAX_PIXELS = 24_000_000
LOGO_MAX_SIDE = 512
PHOTO_MAX_SIDE = 1200
# Pillow's format → the extension stored (the media view serves these three types only).
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
IMAGE_ACCEPT = ",".join(CONTENT_TYPES.values())  # the file inputs' `accept`
_SAVE_OPTIONS = {
    "PNG": {"optimize": True},
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "WEBP": {"quality": 85, "method": 4},
}


def _refused() -> forms.ValidationError:
    return forms.ValidationError(
        _("Upload a PNG, JPEG or WebP image (photos and logos; SVG is not accepted)."),
        code="image_type",
    )


def image_upload_clean(value, *, max_side: int):
    """A form field's value with a new upload replaced by its checked, re-encoded, resized copy
    (a `ContentFile` with a random name); anything else (no upload, the saved file, False to
    clear) is returned as it is. Raises `forms.ValidationError` with a sentence for people."""
    if not isinstance(value, UploadedFile):
        return value
    if value.size is not None and value.size > MAX_BYTES:
        raise forms.ValidationError(_("The image is larger than 2 MB."), code="image_size")
    value.seek(0)
    data = value.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise forms.ValidationError(_("The image is larger than 2 MB."), code="image_size")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in FORMATS:
                raise _refused()
            if width * height > MAX_PIXELS:
                raise forms.ValidationError(
                    _("The image has too many pixels; use one under 24 megapixels."),
                    code="image_pixels",
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.format != kind:
                raise _refused()
            image.load()
            encoded = _reencode(image, kind, max_side)
    except forms.ValidationError:
        raise
    except Exception as exc:  # not an image, a bomb, a broken one: OSError, SyntaxError, EOFError…
        raise _refused() from exc
    return ContentFile(encoded, name=f"{secrets.token_hex(16)}.{FORMATS[kind]}")


def _reencode(image: Image.Image, kind: str, max_side: int) -> bytes:
    """The first frame, upright (EXIF orientation applied, EXIF itself dropped), within
    `max_side` × `max_side`, encoded anew in the same format."""
    image = ImageOps.exif_transpose(image)
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if transparent and kind != "JPEG" else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format=kind, **_SAVE_OPTIONS[kind])
    return out.getvalue()


def image_content_type(name: str) -> str | None:
    """The type a stored image is served with, from its extension; None: not ours to serve."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return CONTENT_TYPES.get(extension)


IMAGE_FIELDS = ("logo", "photo")


def uploads_replaced_delete(before: dict, after: dict) -> None:
    """Once the change commits, delete the images it replaced or cleared (their names in the
    change's `before`/`after` snapshots): a business's folder keeps only what is in use."""
    for field in IMAGE_FIELDS:
        old = before.get(field)
        if old and old != after.get(field):
            transaction.on_commit(functools.partial(default_storage.delete, old))
