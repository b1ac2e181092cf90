"""The Celery app. Tasks run inside their tenant's schema (tenant-schemas-celery, TRAPS #7)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = CeleryApp("agendo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
