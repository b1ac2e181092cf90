"""Calendar feeds and bookings around "now" (enter a tenant schema first)."""

import datetime as dt

from django.utils import timezone

from bookings.tests.factories import BookingFactory
from feeds.models import FeedToken


def feed_for(*, user=None, resource=None) -> FeedToken:
    subject = {"user": user} if user is not None else {"resource": resource}
    return FeedToken.objects.create(issued_at=timezone.now(), **subject)


def booking_in(days: float, *, resource, service, **kwargs):
    """A booking `days` from now (negative: in the past), on the hour."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=days)
    return BookingFactory(start=start, resource=resource, service=service, **kwargs)
