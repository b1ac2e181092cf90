"""Bookings as CSV: the columns shared by the dashboard's export and `export_bookings`."""

import datetime as dt
from collections.abc import Iterable, Iterator

from django.utils import timezone

from bookings.models import Booking

HEADER = [
    "reference", "status", "start", "end", "service", "resource", "client", "phone",
    "email", "price", "source", "created",
]  # fmt: skip


def booking_csv_row(booking: Booking, *, tz: dt.tzinfo | None = None) -> list:
    """One booking's cells; times in `tz` (the current time zone when None), ISO 8601."""
    return [
        booking.reference,
        booking.status,
        timezone.localtime(booking.start, tz).isoformat(),
        timezone.localtime(booking.end, tz).isoformat(),
        booking.service.name,
        booking.resource.name,
        booking.client.name,
        booking.client.phone,
        booking.client.email,
        booking.price,
        booking.source,
        timezone.localtime(booking.created_at, tz).isoformat(),
    ]


def booking_csv_rows(bookings: Iterable[Booking], *, tz: dt.tzinfo | None = None) -> Iterator[list]:
    """The header, then a row per booking (select service, resource and client with them)."""
    yield HEADER
    for booking in bookings:
        yield booking_csv_row(booking, tz=tz)
