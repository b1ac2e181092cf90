"""Celery tasks of the bookings app: thin wrappers that call services in each business's schema."""

from celery import shared_task

from bookings import services
from config.celery import delay_in_each_business


@shared_task
def auto_complete_tenant() -> int:
    """One business: its past confirmed bookings become completed after the business's grace."""
    return len(services.bookings_auto_complete())


@shared_task
def auto_complete_all() -> int:
    """Beat, every 5 minutes: one `auto_complete_tenant` per active business, in its schema."""
    return delay_in_each_business(auto_complete_tenant)
