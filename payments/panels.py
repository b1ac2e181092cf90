"""The contexts of the payment panels, shared by the template tags and the views that re-render
them after a form is posted (htmx swaps the panel in place)."""

from bookings.models import Booking, Client
from payments import selectors
from payments.forms import PaymentForm
from payments.models import Method
from payments.selectors import Money
from payments.services import payment_may_touch


def booking_panel_context(
    *, request, booking: Booking, money: Money, compact: bool, form=None, entries=None
) -> dict:
    """What templates/payments/_booking_payments.html needs."""
    balance = money.balance
    return {
        "booking": booking,
        "money": money,
        "compact": compact,
        "form": form
        or PaymentForm(
            initial={"amount": balance if balance > 0 else None},
            prefix_id=f"pay-{booking.reference}-" if compact else "",
        ),
        "entries": entries,
        "may_record": payment_may_touch(actor=request.user, booking=booking),
        "charged": booking.status in selectors.CHARGED_STATUSES,
        "methods": Method.choices,
    }


def booking_panel_full(request, booking: Booking, *, form=None) -> dict:
    entries = selectors.booking_payments(booking=booking)
    # Its account from its entries (all of them are here): one query for the whole panel.
    paid = sum((entry.amount for entry in entries), selectors.ZERO)
    return booking_panel_context(
        request=request,
        booking=booking,
        money=Money(selectors.booking_charged(booking), paid),
        compact=False,
        form=form,
        entries=entries,
    )


def client_panel_context(request, client: Client, *, form=None) -> dict:
    """What templates/payments/_client_payments.html needs. A payment with no booking is
    recorded by owners and admins only (staff's entries are their own bookings')."""
    money = selectors.client_money(client=client, user=request.user)
    return {
        "client": client,
        "money": money,
        "entries": selectors.client_payments(client=client, user=request.user),
        "may_record": request.user.is_manager,
        "methods": Method.choices,
        "form": form
        or PaymentForm(initial={"amount": money.balance if money.balance > 0 else None}),
    }
