"""Refusals of booking changes, with the sentence a client or staff member reads for each code."""

from typing import ClassVar

from accounts.errors import AgendoError


class BookingError(AgendoError):
    """A refused booking change: `code` for machines, `message` for the client or staff member."""

    # Conflicts with the booking's or the calendar's state now (409); the rest are 422.
    statuses: ClassVar[dict[str, int]] = {
        "slot_taken": 409,
        "no_resource_free": 409,
        "invalid_transition": 409,
        "window_closed": 409,
    }


MESSAGES = {
    "slot_taken": "Sorry, that time was just taken. Please choose another one.",
    "no_resource_free": "Sorry, nobody is free at that time any more. Please choose another one.",
    "outside_hours": "That time is outside the opening hours. Please choose a time shown.",
    "time_off": "We are closed at that time. Please choose another day.",
    "past": "That time has passed. Please choose a later time.",
    "too_soon": "That time is too soon to book online. Please choose a later time.",
    "too_far": "That date is too far ahead. Please choose an earlier date.",
    "window_closed": (
        "It is too late to change this booking online. Please contact the business directly."
    ),
    "service_unavailable": "This service cannot be booked at the moment.",
    "resource_unavailable": "This professional does not offer this service at the moment.",
    "invalid_transition": "This booking cannot be changed that way.",
    "not_started": "This booking has not started yet.",
    "client_inactive": "This client is deactivated; reactivate them first.",
    "invalid_phone": "Please enter a valid phone number, with the area code.",
}


def booking_error(code: str, message: str | None = None, field: str | None = None) -> BookingError:
    return BookingError(code, message or MESSAGES[code], field)
