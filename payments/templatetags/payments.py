"""Payment panels other apps' pages show: a booking's account, the day's, a client's.

Bookings' templates load these tags, so bookings' Python never imports payments (the
dependency stays payments → bookings). Each panel costs a fixed number of queries.
"""

from django import template

from bookings.models import Booking
from payments import selectors
from payments.panels import booking_panel_context, booking_panel_full, client_panel_context

register = template.Library()

# Bookings whose account the day's panel shows (a cancelled or expired one owes nothing).
PANEL_STATUSES = (
    Booking.Status.PENDING,
    Booking.Status.CONFIRMED,
    Booking.Status.COMPLETED,
    Booking.Status.NO_SHOW,
)


def _base(context) -> dict:
    return {
        "request": context["request"],
        "user": context["request"].user,
        "business": context.get("business") or getattr(context["request"], "business", None),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("payments/_booking_payments.html", takes_context=True)
def booking_payments(context, booking):
    """The booking detail's panel: price, paid, balance, the form and the entries."""
    return {**_base(context), **booking_panel_full(context["request"], booking)}


@register.inclusion_tag("payments/_day_payments.html", takes_context=True)
def day_payments(context, columns):
    """The day calendar's panel: each booking drawn that day with its account and a form."""
    request = context["request"]
    bookings = sorted(
        (
            placed.booking
            for column in columns
            for placed in column.bookings
            if placed.booking.status in PANEL_STATUSES
        ),
        key=lambda b: (b.start, b.pk),
    )
    money = selectors.booking_money_map(bookings=bookings)
    return {
        **_base(context),
        "panels": [
            booking_panel_context(request=request, booking=b, money=money[b.pk], compact=True)
            for b in bookings
        ],
    }


@register.inclusion_tag("payments/_client_payments.html", takes_context=True)
def client_payments(context, client):
    """The client page's account (staff: their own resource's part) and history."""
    return {**_base(context), **client_panel_context(context["request"], client)}
