"""The Celery app. Tasks run inside their tenant's schema (tenant-schemas-celery, TRAPS #7)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = CeleryApp("agendo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids travel with tasks and tag the worker's log lines; task outcomes are counted.
import config.metrics  # noqa: E402
import config.observability  # noqa: E402, F401


def delay_in_each_business(task) -> int:
    """Beat's fan-out: queue `task` once per active business, sent from inside its schema (the
    schema travels with the task, TRAPS #7); how many were queued."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from tenants.selectors import tenant_list_active

    count = 0
    for tenant in tenant_list_active():
        with tenant_context(tenant):
            task.delay()
            count += 1
    connection.set_schema_to_public()
    return count


def enqueue_on_commit(task, **kwargs) -> None:
    """Run `task` on a worker once the current transaction commits; in this process when the
    broker cannot take it (an e-mail matters more than where it is sent from)."""
    import logging

    from django.db import transaction

    def send() -> None:
        try:
            task.delay(**kwargs)
        except Exception:  # Redis unreachable
            logging.getLogger(__name__).warning(
                "could not enqueue %s; running it here", task.name, exc_info=True
            )
            task(**kwargs)

    transaction.on_commit(send)
