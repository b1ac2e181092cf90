"""Celery tasks of the bookings app: thin wrappers that call services in each business's schema."""

from celery import shared_task
from django.db import connection
from django_tenants.utils import tenant_context

from bookings import services


@shared_task
def auto_complete_tenant() -> int:
    """One business: its past confirmed bookings become completed after the business's grace."""
    return len(services.bookings_auto_complete())


@shared_task
def auto_complete_all() -> int:
    """Beat, every few minutes: one `auto_complete_tenant` per active business, in its schema."""
    from tenants.selectors import tenant_list_active

    count = 0
    for tenant in tenant_list_active():
        with tenant_context(tenant):
            auto_complete_tenant.delay()
            count += 1
    connection.set_schema_to_public()
    return count
