"""Refusals of booking changes, with the sentence a client or staff member reads for each code."""

from typing import ClassVar

from django.utils.translation import gettext_lazy

from accounts.errors import AgendoError


class BookingError(AgendoError):
    """A refused booking change: `code` for machines, `message` for the client or staff member."""

    # Conflicts with the booking's or the calendar's state now (409); the rest are 422.
    statuses: ClassVar[dict[str, int]] = {
        "slot_taken": 409,
        "no_resource_free": 409,
        "invalid_transition": 409,
        "window_closed": 409,
        "booking_paused": 403,  # the business's plan: its bookings used up, or suspended
    }


MESSAGES = {
    "slot_taken": gettext_lazy("Sorry, that time was just taken. Please choose another one."),
    "no_resource_free": gettext_lazy(
        "Sorry, nobody is free at that time any more. Please choose another one."
    ),
    "outside_hours": gettext_lazy(
        "That time is outside the opening hours. Please choose a time shown."
    ),
    "time_off": gettext_lazy("We are closed at that time. Please choose another day."),
    "past": gettext_lazy("That time has passed. Please choose a later time."),
    "too_soon": gettext_lazy("That time is too soon to book online. Please choose a later time."),
    "too_far": gettext_lazy("That date is too far ahead. Please choose an earlier date."),
    "window_closed": gettext_lazy(
        "It is too late to change this booking online. Please contact the business directly."
    ),
    "service_unavailable": gettext_lazy("This service cannot be booked at the moment."),
    "resource_unavailable": gettext_lazy(
        "This professional does not offer this service at the moment."
    ),
    "invalid_transition": gettext_lazy("This booking cannot be changed that way."),
    "not_started": gettext_lazy("This booking has not started yet."),
    "client_inactive": gettext_lazy("This client is deactivated; reactivate them first."),
    "invalid_phone": gettext_lazy("Please enter a valid phone number, with the area code."),
    "booking_paused": gettext_lazy("Online booking is paused. Please contact the business."),
}


def booking_error(code: str, message: str | None = None, field: str | None = None) -> BookingError:
    # The sentence in the language active now (the request's), not a lazy one kept for later.
    return BookingError(code, message or str(MESSAGES[code]), field)
