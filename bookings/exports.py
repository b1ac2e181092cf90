"""Bookings as CSV: the columns shared by the dashboard's export and `export_bookings`."""

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from django.utils import timezone

from bookings.models import Booking

HEADER = [
    "reference", "status", "start", "end", "service", "resource", "client", "phone",
    "email", "price", "source", "created",
]  # fmt: skip


# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number is never a formula: E.164 phones ("+5511…") and prices stay as they are.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def csv_safe(value):
    """`value`, with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Names and e-mails are typed by clients on the public page: "=HYPERLINK(…)" as a name must
    reach the spreadsheet as text, never as a formula.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return f"'{value}"
    return value


def booking_csv_row(booking: Booking, *, tz: dt.tzinfo | None = None) -> list:
    """One booking's cells; times in `tz` (the current time zone when None), ISO 8601."""
    cells = [
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
    return [csv_safe(cell) for cell in cells]


def booking_csv_rows(bookings: Iterable[Booking], *, tz: dt.tzinfo | None = None) -> Iterator[list]:
    """The header, then a row per booking (select service, resource and client with them)."""
    yield HEADER
    for booking in bookings:
        yield booking_csv_row(booking, tz=tz)
