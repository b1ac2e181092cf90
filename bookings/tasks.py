"""Celery tasks of the bookings app: thin wrappers that call services in each business's schema."""

from celery import shared_task

from bookings import client_access, services
from config.celery import delay_in_each_business


@shared_task
def auto_complete_tenant() -> int:
    """One business: its past confirmed bookings become completed after the business's grace."""
    return len(services.bookings_auto_complete())


@shared_task
def auto_complete_all() -> int:
    """Beat, every 5 minutes: one `auto_complete_tenant` per active business, in its schema."""
    return delay_in_each_business(auto_complete_tenant)


@shared_task
def access_link_request(contact: str, region: str, base_url: str) -> bool:
    """A "My bookings" link asked for on the public site: the lookup and the sending happen here,
    not in the request, so the page answers alike (and as fast) for a known address or not."""
    return client_access.access_link_request(contact=contact, region=region, base_url=base_url)
