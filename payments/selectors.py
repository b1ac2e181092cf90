"""Reads of the ledger: what a booking or a client owes, the entries and the daily cash summary.

Balances, in one rule used everywhere:
- a booking is *charged* its price while it is confirmed or completed (a pending, cancelled,
  expired or no-show booking is charged nothing);
- a booking's balance = what it is charged − the payments recorded on it (refunds are negative);
- a client's balance = what their bookings are charged − every payment of theirs, with or
  without a booking.
A positive balance is owed by the client; a negative one is a credit (paid ahead, or to refund).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import User
from bookings.models import Booking, Client
from bookings.scoping import visible_resource_ids
from payments.models import Method, Payment

CHARGED_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)
ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class Money:
    """A booking's or a client's account: what is charged, what was paid (net), the balance."""

    charged: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        return self.charged - self.paid


def booking_charged(booking: Booking) -> Decimal:
    return booking.price if booking.status in CHARGED_STATUSES else ZERO


def payments_visible(user: User) -> QuerySet[Payment]:
    """Owners and admins see every entry; staff the entries of their own resource's bookings."""
    ids = visible_resource_ids(user)
    qs = Payment.objects.all()
    return qs if ids is None else qs.filter(booking__resource_id__in=ids)


def booking_money_map(*, bookings: list[Booking]) -> dict[int, Money]:
    """Each booking's account, in one query for all of them."""
    paid = dict(
        Payment.objects.filter(booking_id__in=[b.pk for b in bookings])
        .values("booking_id")
        .annotate(total=Sum("amount"))
        .values_list("booking_id", "total")
    )
    return {b.pk: Money(booking_charged(b), paid.get(b.pk) or ZERO) for b in bookings}


def booking_money(*, booking: Booking) -> Money:
    return booking_money_map(bookings=[booking])[booking.pk]


def booking_payments(*, booking: Booking) -> list[Payment]:
    """The booking's entries, newest first, each with what is left to refund of it."""
    return list(payments_with_refunded(Payment.objects.filter(booking=booking)))


def client_money(*, client: Client, user: User | None = None) -> Money:
    """The client's account (for staff: only their own resource's bookings and payments)."""
    ids = visible_resource_ids(user) if user is not None else None
    bookings = Booking.objects.filter(client=client, status__in=CHARGED_STATUSES)
    payments = Payment.objects.filter(client=client)
    if ids is not None:
        bookings = bookings.filter(resource_id__in=ids)
        payments = payments.filter(booking__resource_id__in=ids)
    charged = bookings.aggregate(total=Sum("price"))["total"] or ZERO
    paid = payments.aggregate(total=Sum("amount"))["total"] or ZERO
    return Money(charged, paid)


def client_payments(*, client: Client, user: User, limit: int = 50) -> list[Payment]:
    return list(payments_with_refunded(payments_visible(user).filter(client=client))[:limit])


def payments_with_refunded(qs: QuerySet[Payment]) -> QuerySet[Payment]:
    """`qs` with each entry's `refunded` amount (see Payment.refundable), newest first."""
    refunded = (
        Payment.objects.filter(refund_of=OuterRef("pk"))
        .values("refund_of")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        qs.select_related("booking", "client", "refund_of")
        # Refunds are negative rows: what was given back is minus their sum.
        .annotate(
            refunded=Value(ZERO, output_field=_MONEY)
            - Coalesce(Subquery(refunded, output_field=_MONEY), Value(ZERO), output_field=_MONEY)
        )
        .order_by("-paid_at", "-pk")
    )


def _in_range(qs: QuerySet[Payment], *, start: dt.date, end: dt.date, tz) -> QuerySet[Payment]:
    """Entries paid on the local days `start`..`end` (both included) in time zone `tz`."""
    since = dt.datetime.combine(start, dt.time(), tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
    return qs.filter(paid_at__gte=since, paid_at__lt=until)


def payment_entries(*, user: User, start: dt.date, end: dt.date, tz) -> QuerySet[Payment]:
    """The entries of the range, newest first, with their refunded amount (one query)."""
    return payments_with_refunded(_in_range(payments_visible(user), start=start, end=end, tz=tz))


@dataclass
class DaySummary:
    day: dt.date
    by_method: dict[str, Decimal] = field(default_factory=dict)
    amounts: list[Decimal] = field(default_factory=list)  # in CashSummary.methods' order

    @property
    def total(self) -> Decimal:
        return sum(self.by_method.values(), ZERO)

    def cells(self, methods) -> list[Decimal]:
        return [self.by_method.get(method, ZERO) for method in methods]


@dataclass
class CashSummary:
    """Net money (payments − refunds) per local day and method, with the totals."""

    days: list[DaySummary]
    methods: list[str]  # the methods with entries in the range, in Method's order
    totals: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    def method_labels(self) -> list[str]:
        return [str(Method(method).label) for method in self.methods]

    def total_cells(self) -> list[Decimal]:
        return [self.totals[method] for method in self.methods]


def payment_day_summary(*, user: User, start: dt.date, end: dt.date, tz) -> CashSummary:
    """By (local day in `tz`, method): one query, summed in the database."""
    rows = (
        _in_range(payments_visible(user), start=start, end=end, tz=tz)
        .annotate(day=TruncDate("paid_at", tzinfo=tz))
        .values("day", "method")
        .annotate(total=Sum("amount"))
        .order_by("day", "method")
    )
    days: dict[dt.date, DaySummary] = {}
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        summary = days.setdefault(row["day"], DaySummary(row["day"]))
        summary.by_method[row["method"]] = row["total"]
        totals[row["method"]] += row["total"]
    methods = [method for method in Method.values if method in totals]
    for summary in days.values():
        summary.amounts = summary.cells(methods)
    return CashSummary(
        days=sorted(days.values(), key=lambda d: d.day, reverse=True),
        methods=methods,
        totals=dict(totals),
    )
