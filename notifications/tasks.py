"""Celery tasks: thin wrappers that take ids and call services. The schema travels with them."""

import logging

from celery import shared_task
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from notifications import services

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_message(message_id: int) -> str:
    return services.message_send(message_id=message_id)


def enqueue(message_id: int) -> None:
    """Hand a message to a worker; if the broker is down, the next sweep sends it."""
    try:
        send_message.delay(message_id)
    except Exception:  # Redis unreachable: the row stays queued in PostgreSQL
        log.warning("could not enqueue message %s; the sweep will", message_id, exc_info=True)


@shared_task
def dispatch_tenant() -> int:
    """One business: re-queue stuck rows, expire unconfirmed bookings, enqueue what is due."""
    from bookings.selectors import booking_list_expired_pending
    from bookings.services import booking_expire

    now = timezone.now()
    services.messages_requeue_stuck(now=now)
    for booking in booking_list_expired_pending(now=now):
        booking_expire(booking=booking, now=now)
    due = services.message_ids_due(now=now)
    for message_id in due:
        enqueue(message_id)
    return len(due)


@shared_task
def dispatch_all() -> int:
    """Beat, every minute: one `dispatch_tenant` per active business, in its schema."""
    from tenants.selectors import tenant_list_active

    count = 0
    for tenant in tenant_list_active():
        with tenant_context(tenant):
            dispatch_tenant.delay()
            count += 1
    connection.set_schema_to_public()
    return count
