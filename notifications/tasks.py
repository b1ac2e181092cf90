"""Celery tasks: thin wrappers that take ids and call services. The schema travels with them."""

import logging

from celery import shared_task
from django_tenants.utils import tenant_context

from config.celery import delay_in_each_business
from notifications import inbound, services
from notifications.queueing import SEND_DUE_TASK, SEND_TASK, enqueue_due

log = logging.getLogger(__name__)


# Queued by name (notifications.queueing): the modules that queue messages do not import this one.
@shared_task(name=SEND_TASK, acks_late=True, reject_on_worker_lost=True)
def send_message(message_id: int) -> str:
    return services.message_send(message_id=message_id)


# A batch of one business's due messages (notifications.services.messages_send_due). Killed
# mid-way, it is handed back (acks_late, reject_on_worker_lost) and claims what is still queued.
@shared_task(name=SEND_DUE_TASK, acks_late=True, reject_on_worker_lost=True)
def send_due() -> dict[str, int]:
    result = services.messages_send_due()
    if not result.exhausted:  # more may be due: a new task, so other businesses get turns
        enqueue_due()
    return result.statuses


@shared_task
def dispatch_tenant() -> int:
    """One business: re-queue stuck rows, expire unconfirmed bookings, and hand what is due to
    one `send_due` batch."""
    due = services.outbox_sweep()
    if due:
        enqueue_due()
    return len(due)


@shared_task
def dispatch_all() -> int:
    """Beat, every minute: one `dispatch_tenant` per active business, in its schema."""
    return delay_in_each_business(dispatch_tenant)


@shared_task
def birthdays_tenant() -> int:
    """One business: today's birthday messages (from its local morning; once per client a year)."""
    return services.client_birthdays_send()


@shared_task
def birthdays_all() -> int:
    """Beat, every hour: one `birthdays_tenant` per active business, in its schema."""
    return delay_in_each_business(birthdays_tenant)


def _events(payload: dict):
    """(phone-number id, "statuses" | "messages", item) for every event in a webhook body."""
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            number = str((value.get("metadata") or {}).get("phone_number_id") or "")
            for kind in ("statuses", "messages"):
                for item in value.get(kind) or []:
                    if isinstance(item, dict):
                        yield number, kind, item


@shared_task(acks_late=True, reject_on_worker_lost=True)
def whatsapp_webhook_process(payload: dict) -> dict:
    """Route each status and message of a webhook to its business and apply it there."""
    from tenants.selectors import tenant_for_whatsapp

    done: dict[str, int] = {}
    for number, kind, item in _events(payload):
        if kind == "statuses":
            phone = "+" + str(item.get("recipient_id") or "").lstrip("+")
            schema = str(item.get("biz_opaque_callback_data") or "")
        else:
            phone, schema = "+" + str(item.get("from") or "").lstrip("+"), ""
        tenant = tenant_for_whatsapp(phone_number_id=number, phone=phone, schema=schema)
        if tenant is None:
            log.warning("WhatsApp %s for unknown number %s ignored", kind, number)
            result = "unrouted"
        else:
            with tenant_context(tenant):
                try:
                    if kind == "statuses":
                        result = inbound.status_apply(status=item)
                    else:
                        result = inbound.reply_process(message=item)
                except Exception:  # one bad event must not stop the others in the batch
                    log.exception("WhatsApp %s event failed in %s", kind, tenant.schema_name)
                    result = "error"
        done[result] = done.get(result, 0) + 1
    return done
