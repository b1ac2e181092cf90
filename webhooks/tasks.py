"""Celery tasks: thin wrappers that take ids and call services. The schema travels with them."""

import logging

from celery import shared_task
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from config.celery import delay_in_each_business
from webhooks import services, stream
from webhooks.queueing import DELIVER_TASK, STREAM_TASK, enqueue_delivery

log = logging.getLogger(__name__)


@shared_task(name=DELIVER_TASK, acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_id: int) -> str:
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(name=STREAM_TASK, acks_late=True, reject_on_worker_lost=True)
def stream_publish() -> int:
    return stream.stream_publish()


@shared_task
def sweep_tenant() -> int:
    """One business: re-queue stuck deliveries, hand over the due ones, publish the stream."""
    due = services.sweep()
    for delivery_id in due:
        enqueue_delivery(delivery_id)
    stream.stream_publish()
    return len(due)


@shared_task
def sweep_all() -> int:
    """Beat, every minute: one `sweep_tenant` per active business, in its schema."""
    return delay_in_each_business(sweep_tenant)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def endpoint_disabled_mail(*, schema: str, endpoint_id: int) -> int:
    """Tell the business's owners that an endpoint was turned off, in the business's language."""
    from tenants.mail import owners_mail
    from tenants.models import Tenant
    from webhooks.models import Endpoint

    tenant = Tenant.objects.filter(schema_name=schema).first()
    if tenant is None:
        return 0
    with schema_context(schema):
        endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return 0
    return owners_mail(
        tenant,
        subject=lambda: _("A webhook endpoint was turned off"),
        template="webhooks/email/endpoint_disabled.txt",
        context={"endpoint": endpoint, "endpoint_path": f"/app/settings/webhooks/{endpoint.pk}/"},
    )
