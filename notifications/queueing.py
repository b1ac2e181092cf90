"""Handing a due message to a worker once the transaction that queued it has committed.

The bottom of the notifications app: planning (outbox), sending (services) and inbound handling
all queue messages, and the task that sends them imports them. So the task is sent here by its
name, and no module below `tasks` imports it (one direction; tests/test_layers.py checks it).
Whatever happens to the hand-over, the row is queued in PostgreSQL and the sweep finds it.
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from notifications.models import Message

log = logging.getLogger(__name__)

# notifications.tasks.send_message; the schema travels in the header tenant-schemas-celery's
# send_task adds, as with .delay().
SEND_TASK = "notifications.tasks.send_message"
# notifications.tasks.send_due: one business's due messages, sent in a batch.
SEND_DUE_TASK = "notifications.tasks.send_due"


def enqueue(message_id: int) -> None:
    """Hand a message to a worker now; if the broker is down, the next sweep sends it."""
    try:
        current_app.send_task(SEND_TASK, args=[message_id])
    except Exception:  # Redis unreachable: the row stays queued in PostgreSQL
        log.warning("could not enqueue message %s; the sweep will", message_id, exc_info=True)


def enqueue_due() -> None:
    """Hand this business's due messages to a worker, as one batch; if the broker is down, the
    next sweep does."""
    try:
        current_app.send_task(SEND_DUE_TASK)
    except Exception:  # Redis unreachable: the rows stay queued in PostgreSQL
        log.warning("could not enqueue the due messages; the sweep will", exc_info=True)


def enqueue_when_due(message: Message) -> None:
    """Due now: hand it over after commit. Due later: the sweep hands it over when it is."""
    if message.send_after <= timezone.now():
        message_id = message.pk
        transaction.on_commit(lambda: enqueue(message_id))
