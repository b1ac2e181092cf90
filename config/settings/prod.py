"""Production: secrets from the environment, HTTPS only, static files by WhiteNoise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
PUBLIC_SCHEME = env("PUBLIC_SCHEME", default="https")
PUBLIC_PORT = env("PUBLIC_PORT", default="")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# /health/ is probed over plain HTTP by load balancers.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Only a plain-HTTP local `docker compose up` turns these off (DJANGO_SECURE_COOKIES=false).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Empty: every form posts to its own host, which Django's origin check accepts without a list.
# A wildcard such as https://*.BASE_DOMAIN would let one business's origin post to another's host.
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# One JSON object per log line (request id, schema, user, path, status, duration on access lines).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}

# Uploads (logos, services' photos). With a bucket: an S3-compatible store through django-storages,
# each business's files under <schema>/ (config/s3.py), public-read URLs without signatures (the
# files are the booking page's own images), served by the bucket or its CDN, never by Django.
# Without one: MEDIA_ROOT/<schema>/, served by Django at /media/ (config/media.py) or, with
# MEDIA_SERVE=false, by the web server in front (README: Configuration → Uploads).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "config.s3.TenantS3Storage"}  # noqa: F405
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)  # MinIO, R2, Spaces…
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_S3_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
    AWS_S3_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default=None)  # a CDN in front
    AWS_DEFAULT_ACL = env("AWS_DEFAULT_ACL", default=None)  # e.g. public-read
    AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=False)
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_OBJECT_PARAMETERS = {
        "CacheControl": "public, max-age=31536000, immutable",
        "ContentDisposition": "inline",
    }
    MEDIA_SERVE = False
    # Pages show images from the bucket's origin (or its CDN's): the CSP's img-src allows it.
    if AWS_S3_CUSTOM_DOMAIN:
        _media_origin = f"https://{AWS_S3_CUSTOM_DOMAIN}"
    elif AWS_S3_ENDPOINT_URL:
        _media_origin = AWS_S3_ENDPOINT_URL.rstrip("/")
    else:
        _media_origin = f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"
    MEDIA_ORIGIN = env("MEDIA_ORIGIN", default=_media_origin)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [  # noqa: F405
        *CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],  # noqa: F405
        MEDIA_ORIGIN,
    ]
