"""Tests: real PostgreSQL and Redis; only the outside world (SMTP, WhatsApp) is faked."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REDIS_URL, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# A Redis database of its own, so tests never share rate limits or a broker with `make run`.
TEST_REDIS_URL = env("TEST_REDIS_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/15")
# pytest-xdist (`make test` runs two workers): each worker, and the Celery workers and servers its
# tests start (they inherit the variable), gets a Redis database and key prefix of its own, since
# tests clear the cache; pytest-django already gives each worker its own test database.
# The shift is made once, in the pytest worker, and written back to the environment: a Celery
# worker or server a test starts inherits the shifted URL (never shifted twice), and one a test
# points at a Redis of its own (TEST_REDIS_URL in its environment) gets that URL exactly.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", …
if XDIST_WORKER and os.environ.get("AGENDO_TEST_REDIS_SHIFTED_FOR") != XDIST_WORKER:
    _redis_base, _redis_db = TEST_REDIS_URL.rsplit("/", 1)
    TEST_REDIS_URL = f"{_redis_base}/{(int(_redis_db) - int(XDIST_WORKER[2:])) % 16}"
    os.environ["TEST_REDIS_URL"] = TEST_REDIS_URL
    os.environ["AGENDO_TEST_REDIS_SHIFTED_FOR"] = XDIST_WORKER
REDIS_URL = TEST_REDIS_URL
CACHES["default"]["LOCATION"] = TEST_REDIS_URL  # noqa: F405
CELERY_BROKER_URL = TEST_REDIS_URL
# Fixed, not derived from the database name: the workers tests start see the test database's
# name, the test process the configured one, and both must use the same queues.
REDIS_PREFIX = env("AGENDO_REDIS_PREFIX", default="agendo-test") + (
    f"-{XDIST_WORKER}" if XDIST_WORKER else ""
)
CACHES["default"]["KEY_PREFIX"] = REDIS_PREFIX  # noqa: F405
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "global_keyprefix": f"{REDIS_PREFIX}:",
}
PUBLIC_PORT = ""
# Nothing leaves the machine: tests that send point this at the local fake Cloud API.
WHATSAPP_API_BASE_URL = "http://127.0.0.1:9"
WHATSAPP_TIMEOUT_SECONDS = 2.0
# Uploads written by tests stay out of the checkout (one folder per checkout's key prefix).
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"agendo-media-{REDIS_PREFIX}"
