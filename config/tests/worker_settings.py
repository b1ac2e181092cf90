"""Settings of the Celery workers that tests start (`config/tests/workers.py`).

The test settings, plus what a test points elsewhere through the worker's environment: the
WhatsApp Cloud API (a local fake), its client timeout, and the queue the worker consumes (and
sends its own tasks to). The helper that starts workers always sets these variables itself, so
nothing from the developer's shell or `.env` (a real API address, a real token) reaches a test
worker. `MESSAGE_SENDING_TIMEOUT_SECONDS` and the other `MESSAGE_*` knobs already come from the
environment (config.settings.base).
"""

from config.settings.base import env
from config.settings.test import *  # noqa: F403
from config.settings.test import WHATSAPP_API_BASE_URL, WHATSAPP_TIMEOUT_SECONDS

WHATSAPP_API_BASE_URL = env("WHATSAPP_API_BASE_URL", default=WHATSAPP_API_BASE_URL)
WHATSAPP_TIMEOUT_SECONDS = env.float("WHATSAPP_TIMEOUT_SECONDS", default=WHATSAPP_TIMEOUT_SECONDS)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
