"""Refusals of money entries, with the sentence the staff member reads for each code."""

from typing import ClassVar

from django.utils.translation import gettext_lazy

from accounts.errors import AgendoError


class PaymentError(AgendoError):
    """A refused payment or refund: `code` for machines, `message` for the staff member."""

    statuses: ClassVar[dict[str, int]] = {
        "forbidden": 403,
        "immutable": 409,  # a money row is never changed or deleted: a correction is a new row
        "refund_exceeds": 409,  # against what was refunded meanwhile
    }


MESSAGES = {
    "amount_invalid": gettext_lazy(
        "Enter an amount above zero, with at most two decimals (up to 1,000,000)."
    ),
    "method_invalid": gettext_lazy("Choose how it was paid."),
    "paid_at_future": gettext_lazy("The payment time cannot be in the future."),
    "paid_at_past": gettext_lazy("The payment time must be after the year 2000."),
    "no_client": gettext_lazy("Choose the booking or the client who paid."),
    "client_mismatch": gettext_lazy("This booking belongs to another client."),
    "forbidden": gettext_lazy("You can only record payments for your own bookings."),
    "refund_of_refund": gettext_lazy("A refund cannot be refunded; record a payment instead."),
    "refund_exceeds": gettext_lazy(
        "A refund cannot be more than what is left of the payment (%(left)s)."
    ),
    "immutable": gettext_lazy(
        "Payments are never changed or deleted: record a refund or a new payment instead."
    ),
}


def payment_error(code: str, field: str | None = None, **params) -> PaymentError:
    # The sentence in the language active now (the request's), not a lazy one kept for later.
    message = str(MESSAGES[code])
    return PaymentError(code, message % params if params else message, field)
