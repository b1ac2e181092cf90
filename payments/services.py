"""Writes to the ledger: a payment recorded, a payment refunded. Nothing else ever writes to it.

A payment is a positive row; a refund is a negative row naming the payment it refunds. Rows are
never changed or deleted (the model, its queryset and a database trigger refuse it): a mistake is
corrected by a new row, each with who recorded it. A refund locks the row it refunds, so two
refunds at once cannot together give back more than was paid.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, Client
from bookings.scoping import visible_resource_ids
from payments.errors import payment_error
from payments.models import Method, Payment
from scheduling.models import BusinessSettings
from scheduling.templatetags.agendo_format import format_money

MAX_AMOUNT = Decimal("1000000")
EARLIEST_PAID_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# A clock a little ahead of the server's is not a payment "in the future".
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def amount_clean(amount) -> Decimal:
    """A positive amount of at most two decimals, below MAX_AMOUNT, else a PaymentError."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError, TypeError):
        raise payment_error("amount_invalid", "amount") from None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT or value.as_tuple().exponent < -2:
        raise payment_error("amount_invalid", "amount")
    return value.quantize(Decimal("0.01"))


def _paid_at_clean(paid_at: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if paid_at is None:
        return now
    if paid_at > now + FUTURE_TOLERANCE:
        raise payment_error("paid_at_future", "paid_at")
    if paid_at < EARLIEST_PAID_AT:
        raise payment_error("paid_at_past", "paid_at")
    return paid_at


def payment_may_touch(*, actor: User, booking: Booking | None) -> bool:
    """Owners and admins touch any entry; staff only entries of their own resource's bookings."""
    ids = visible_resource_ids(actor)
    return ids is None or (booking is not None and booking.resource_id in ids)


@transaction.atomic
def payment_record(
    *,
    booking: Booking | None = None,
    client: Client | None = None,
    amount,
    method: str,
    paid_at: dt.datetime | None = None,
    note: str = "",
    actor: User,
) -> Payment:
    """Record money received for `booking` (its client's), or from `client` with no booking."""
    amount = amount_clean(amount)
    if method not in Method.values:
        raise payment_error("method_invalid", "method")
    if booking is not None:
        if client is not None and client.pk != booking.client_id:
            raise payment_error("client_mismatch", "client")
        client = booking.client
    if client is None:
        raise payment_error("no_client")
    if not payment_may_touch(actor=actor, booking=booking):
        raise payment_error("forbidden")
    return Payment.objects.create(
        client=client,
        booking=booking,
        amount=amount,
        currency=BusinessSettings.load().currency,
        method=method,
        paid_at=_paid_at_clean(paid_at),
        note=(note or "").strip()[:255],
        recorded_by=actor,
        recorded_by_label=actor.get_full_name()[:150],
    )


@transaction.atomic
def payment_refund(
    *, payment: Payment, amount, note: str, actor: User, method: str | None = None
) -> Payment:
    """Give back part or all of `payment` (by its method unless another is named): a negative
    row. Refused beyond what is left of it (paid − refunded already), under its row lock."""
    amount = amount_clean(amount)
    if method is not None and method not in Method.values:
        raise payment_error("method_invalid", "method")
    # The lock: a second refund of the same payment waits here until the first commits, then
    # reads its row in the sum below.
    original = (
        Payment.objects.select_for_update(of=("self",)).select_related("booking").get(pk=payment.pk)
    )
    if original.is_refund:
        raise payment_error("refund_of_refund")
    if not payment_may_touch(actor=actor, booking=original.booking):
        raise payment_error("forbidden")
    refunded = -(original.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0"))
    left = original.amount - refunded
    if amount > left:
        raise payment_error(
            "refund_exceeds", "amount", left=format_money(left, BusinessSettings.load())
        )
    return Payment.objects.create(
        client_id=original.client_id,
        booking_id=original.booking_id,
        amount=-amount,
        currency=original.currency,
        method=method or original.method,
        paid_at=timezone.now(),
        note=(note or "").strip()[:255],
        refund_of=original,
        recorded_by=actor,
        recorded_by_label=actor.get_full_name()[:150],
    )
