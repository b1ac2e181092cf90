"""Handing deliveries and the stream publisher to a worker once the transaction has committed.

Tasks are sent by name, so the modules that plan do not import `tasks`. If the broker is down the
rows wait in PostgreSQL and the beat's sweep (webhooks.tasks.sweep_all) picks them up.
"""

import logging

from celery import current_app

log = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.deliver"
STREAM_TASK = "webhooks.tasks.stream_publish"


def enqueue_delivery(delivery_id: int) -> None:
    try:
        current_app.send_task(DELIVER_TASK, args=[delivery_id])
    except Exception:  # Redis unreachable: the row stays queued in PostgreSQL
        log.warning("could not enqueue delivery %s; the sweep will", delivery_id, exc_info=True)


def enqueue_stream() -> None:
    try:
        current_app.send_task(STREAM_TASK)
    except Exception:
        log.warning("could not enqueue the stream publisher; the sweep will", exc_info=True)
