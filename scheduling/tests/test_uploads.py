"""Uploaded images: checked by content, re-encoded, resized, stored per business, served safely."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.tests.factories import OwnerFactory
from conftest import host_client, login_as
from scheduling.models import BusinessSettings
from scheduling.uploads import LOGO_MAX_SIDE, MAX_BYTES, image_upload_clean

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>'
SCRIPT_AS_PNG = b"<?php system($_GET['c']); ?>\n<script>alert(document.cookie)</script>"


def image_bytes(kind="PNG", size=(800, 400), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "teal").save(out, format=kind, **save)
    return out.getvalue()


def upload(data: bytes, name="logo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_png_is_reencoded_shrunk_and_renamed():
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    original = image_bytes("PNG", (2000, 1000), exif=exif.tobytes()) + b"TRAILING<script>"
    cleaned = image_upload_clean(upload(original, "../../évil name.png"), max_side=LOGO_MAX_SIDE)
    assert cleaned.name.endswith(".png") and len(cleaned.name) == 36  # 32 hex + ".png"
    data = cleaned.read()
    assert b"TRAILING" not in data and b"secret description" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (512, 256)


def test_jpeg_and_webp_keep_their_format_and_transparency_survives_in_png():
    jpeg = image_upload_clean(upload(image_bytes("JPEG"), "a.jpeg"), max_side=1200)
    assert jpeg.name.endswith(".jpg")
    webp = image_upload_clean(upload(image_bytes("WEBP"), "a.webp"), max_side=1200)
    assert webp.name.endswith(".webp")
    clear = image_upload_clean(upload(image_bytes("PNG", mode="RGBA")), max_side=100)
    with Image.open(clear) as image:
        assert image.mode == "RGBA"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (SCRIPT_AS_PNG, "logo.png"),  # a script disguised as an image
        (SVG, "logo.svg"),
        (SVG, "logo.png"),
        (b"GIF89a" + image_bytes("GIF")[6:], "logo.gif"),  # a raster format we do not take
        (image_bytes("PNG")[:60], "logo.png"),  # cut short
        (b"", "logo.png"),
    ],
)
def test_anything_but_a_whole_png_jpeg_or_webp_is_refused(data, name):
    with pytest.raises(forms.ValidationError) as refused:
        image_upload_clean(upload(data, name), max_side=512)
    assert "PNG, JPEG or WebP" in refused.value.messages[0]


def _png_claiming(width: int, height: int) -> bytes:
    """A one-pixel PNG whose header claims `width` × `height` (its IHDR and CRC rewritten)."""
    data = bytearray(image_bytes("PNG", (1, 1), mode="1"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_more_than_2_mb_or_a_decompression_bomb_is_refused():
    with pytest.raises(forms.ValidationError, match="2 MB"):
        image_upload_clean(upload(image_bytes("PNG") + b"\0" * MAX_BYTES), max_side=512)
    # A few bytes that would decode to 30 megapixels: refused before anything is decoded.
    with pytest.raises(forms.ValidationError, match="megapixels"):
        image_upload_clean(upload(_png_claiming(6000, 5000)), max_side=512)


def test_no_upload_is_left_as_it_is():
    assert image_upload_clean(None, max_side=512) is None
    assert image_upload_clean(False, max_side=512) is False


# --- Through the settings page and the media route -----------------------------------------------


@pytest.fixture
def owner_client(alpha, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


def _settings_data(client, **extra) -> dict:
    form = client.get("/app/settings/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("logo",)}
    data["embed_domains"] = ""
    return {**data, **extra}


def test_a_script_disguised_as_a_logo_is_refused_and_nothing_is_stored(owner_client):
    folder = Path(settings.MEDIA_ROOT) / "alpha" / "logos"
    before = set(folder.iterdir()) if folder.exists() else set()
    data = _settings_data(owner_client, logo=upload(SCRIPT_AS_PNG, "logo.png"))
    response = owner_client.post("/app/settings/", data)
    assert response.status_code == 422
    assert "PNG, JPEG or WebP" in response.content.decode() or "valid image" in (
        response.content.decode()
    )
    assert not BusinessSettings.load().logo
    assert (set(folder.iterdir()) if folder.exists() else set()) == before


def test_a_logo_is_stored_in_the_business_folder_and_served_with_safe_headers(
    owner_client, django_capture_on_commit_callbacks
):
    data = _settings_data(owner_client, logo=upload(image_bytes("PNG", (1024, 1024))))
    response = owner_client.post("/app/settings/", data)
    assert response.status_code == 302, response.content.decode()[:1500]
    logo = BusinessSettings.load().logo
    assert logo.name.startswith("logos/") and logo.url == f"/media/alpha/{logo.name}"
    assert (Path(settings.MEDIA_ROOT) / "alpha" / logo.name).is_file()

    page = host_client("alpha.localhost").get("/")
    assert f'src="{logo.url}"' in page.content.decode()  # the public page shows it
    served = host_client("alpha.localhost").get(logo.url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    body = b"".join(served.streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (512, 512)

    # Another business's host never serves it, and nothing but our images is served.
    assert host_client("beta.localhost").get(logo.url).status_code == 404
    assert host_client("beta.localhost").get(f"/media/beta/{logo.name}").status_code == 404
    for path in ("/media/alpha/logos/../../alpha/x.png", "/media/alpha/logos/x.svg"):
        assert host_client("alpha.localhost").get(path).status_code == 404

    # A new logo replaces the file: the old one is deleted once the change commits.
    old = Path(settings.MEDIA_ROOT) / "alpha" / logo.name
    data = _settings_data(owner_client, logo=upload(image_bytes("JPEG"), "new.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post("/app/settings/", data).status_code == 302
    assert BusinessSettings.load().logo.name.endswith(".jpg")
    assert not old.exists()


def test_the_bucket_keeps_each_business_under_its_own_prefix(alpha):
    from django.core.exceptions import SuspiciousOperation

    from config.s3 import TenantS3Storage

    storage = TenantS3Storage(
        bucket_name="agendo-media",
        custom_domain="media.example.com",
        querystring_auth=False,
    )
    assert storage.url("logos/abc.png") == "https://media.example.com/alpha/logos/abc.png"
    with pytest.raises(SuspiciousOperation):
        storage.url("../beta/logos/abc.png")
