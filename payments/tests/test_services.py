"""The ledger's rules: amounts, dates, refunds never beyond what was paid, balances, scope,
and rows that nothing can change or delete (model, queryset, raw SQL)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.db import IntegrityError, connection, transaction

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, ClientFactory
from payments import selectors, services
from payments.errors import PaymentError
from payments.models import Method, Payment
from payments.tests.factories import PaymentFactory
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ResourceFactory, ServiceFactory

NOW = dt.datetime(2027, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def owner(alpha):
    return OwnerFactory()


@pytest.fixture
def booking(alpha):
    return BookingFactory(price=Decimal("100.00"), service=ServiceFactory(price="100.00"))


def _pay(booking, owner, amount="60", method=Method.CASH, **kwargs):
    return services.payment_record(
        booking=booking, amount=amount, method=method, actor=owner, **kwargs
    )


@time_machine.travel(NOW, tick=False)
def test_a_payment_is_recorded_with_its_client_currency_time_and_author(booking, owner):
    business = BusinessSettings.load()
    business.currency = "EUR"
    business.save()
    payment = _pay(booking, owner, amount="60.5", note="  tip included ")
    payment.refresh_from_db()
    assert payment.client == booking.client
    assert payment.amount == Decimal("60.50")
    assert payment.currency == "EUR"
    assert payment.paid_at == NOW
    assert payment.note == "tip included"
    assert payment.recorded_by == owner
    assert payment.recorded_by_label == owner.get_full_name()


@pytest.mark.parametrize(
    "amount", ["0", "-5", "0.001", "1000000.01", "1e309", "NaN", "Infinity", "abc", "", None]
)
def test_amounts_must_be_positive_two_decimals_and_bounded(booking, owner, amount):
    with pytest.raises(PaymentError) as refused:
        _pay(booking, owner, amount=amount)
    assert (refused.value.code, refused.value.field, refused.value.status) == (
        "amount_invalid",
        "amount",
        422,
    )
    assert not Payment.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_payment_time_is_neither_in_the_future_nor_before_2000(booking, owner):
    _pay(booking, owner, paid_at=NOW + dt.timedelta(minutes=4))  # a clock a little ahead
    for paid_at, code in [
        (NOW + dt.timedelta(minutes=10), "paid_at_future"),
        (dt.datetime(1999, 12, 31, tzinfo=dt.UTC), "paid_at_past"),
    ]:
        with pytest.raises(PaymentError) as refused:
            _pay(booking, owner, paid_at=paid_at)
        assert refused.value.code == code
    with pytest.raises(PaymentError, match="how it was paid"):
        _pay(booking, owner, method="bitcoin")
    assert Payment.objects.count() == 1


def test_a_payment_needs_a_client_that_matches_its_booking(booking, owner):
    with pytest.raises(PaymentError) as refused:
        services.payment_record(amount="10", method=Method.CASH, actor=owner)
    assert refused.value.code == "no_client"
    with pytest.raises(PaymentError) as refused:
        services.payment_record(
            booking=booking, client=ClientFactory(), amount="10", method="cash", actor=owner
        )
    assert refused.value.code == "client_mismatch"


def test_refunds_are_negative_rows_and_never_exceed_what_was_paid(booking, owner):
    payment = _pay(booking, owner, amount="100", method=Method.CARD)
    first = services.payment_refund(payment=payment, amount="30", note="scratch", actor=owner)
    assert (first.amount, first.method, first.refund_of, first.booking) == (
        Decimal("-30.00"),
        Method.CARD,
        payment,
        booking,
    )
    second = services.payment_refund(
        payment=payment, amount="70", note="rest", actor=owner, method=Method.CASH
    )
    assert second.method == Method.CASH
    with pytest.raises(PaymentError) as refused:
        services.payment_refund(payment=payment, amount="0.01", note="more", actor=owner)
    assert (refused.value.code, refused.value.status) == ("refund_exceeds", 409)
    with pytest.raises(PaymentError) as refused:
        services.payment_refund(payment=first, amount="1", note="?", actor=owner)
    assert refused.value.code == "refund_of_refund"
    assert Payment.objects.count() == 3


def test_a_refund_over_what_is_left_names_what_is_left(booking, owner):
    payment = _pay(booking, owner, amount="50")
    services.payment_refund(payment=payment, amount="20", note="", actor=owner)
    with pytest.raises(PaymentError, match="30"):
        services.payment_refund(payment=payment, amount="30.01", note="", actor=owner)


def test_balances_after_payments_and_refunds(booking, owner):
    client = booking.client
    cancelled = BookingFactory(client=client, price="80.00", status=Booking.Status.CANCELLED)
    BookingFactory(client=client, price="20.00", status=Booking.Status.COMPLETED)
    BookingFactory(client=client, price="999.00", status=Booking.Status.PENDING)
    assert selectors.booking_money(booking=booking).balance == Decimal("100.00")

    payment = _pay(booking, owner, amount="100")
    services.payment_refund(payment=payment, amount="25", note="", actor=owner)
    money = selectors.booking_money(booking=booking)
    assert (money.charged, money.paid, money.balance) == (
        Decimal("100.00"),
        Decimal("75.00"),
        Decimal("25.00"),
    )
    # A cancelled booking is charged nothing: what was paid on it is the client's credit.
    _pay(cancelled, owner, amount="10")
    assert selectors.booking_money(booking=cancelled).balance == Decimal("-10.00")
    services.payment_record(client=client, amount="5", method=Method.PIX, actor=owner)
    # Charged 100 + 20 (confirmed, completed); paid 75 + 10 + 5.
    money = selectors.client_money(client=client)
    assert (money.charged, money.paid, money.balance) == (
        Decimal("120.00"),
        Decimal("90.00"),
        Decimal("30.00"),
    )


def test_no_path_changes_or_deletes_a_payment(booking, owner):
    payment = _pay(booking, owner, amount="40")
    payment.amount = Decimal("1")
    for attempt in (
        payment.save,
        payment.delete,
        lambda: Payment.objects.filter(pk=payment.pk).update(amount=1),
        lambda: Payment.objects.filter(pk=payment.pk).delete(),
    ):
        with pytest.raises(PaymentError) as refused:
            attempt()
        assert refused.value.code == "immutable"
    # Not even raw SQL: the database's trigger refuses it.
    for sql in (
        "UPDATE payments_payment SET amount = 1 WHERE id = %s",
        "UPDATE payments_payment SET note = 'x' WHERE id = %s",
        "DELETE FROM payments_payment WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="never changed or deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [payment.pk])
    payment.refresh_from_db()
    assert payment.amount == Decimal("40.00")
    # No admin to edit it in either.
    assert Payment not in admin.site._registry


def test_the_recorders_account_may_go_and_their_name_stays(booking):
    staff_owner = OwnerFactory(full_name="Olga Owner")
    payment = _pay(booking, staff_owner, amount="40")
    staff_owner.delete()  # the one change the ledger's trigger lets through
    payment.refresh_from_db()
    assert (payment.recorded_by, payment.recorded_by_label) == (None, "Olga Owner")


def test_staff_record_and_refund_only_on_their_own_resources_bookings(alpha, owner):
    staff = UserFactory()
    own = BookingFactory(resource=ResourceFactory(user=staff))
    other = BookingFactory()
    payment = _pay(own, staff, amount="10")
    services.payment_refund(payment=payment, amount="5", note="", actor=staff)
    others = _pay(other, owner, amount="10")
    for attempt in (
        lambda: _pay(other, staff, amount="10"),
        lambda: services.payment_record(
            client=own.client, amount="10", method=Method.CASH, actor=staff
        ),
        lambda: services.payment_refund(payment=others, amount="5", note="", actor=staff),
    ):
        with pytest.raises(PaymentError) as refused:
            attempt()
        assert (refused.value.code, refused.value.status) == ("forbidden", 403)
    assert set(selectors.payments_visible(staff)) == {payment, payment.refunds.get()}
    assert selectors.payments_visible(owner).count() == 3


def test_the_daily_summary_is_by_local_day_and_method(booking, owner):
    tz = dt.timezone(dt.timedelta(hours=-3))
    # 01:30 UTC on the 3rd is 22:30 on the 2nd in São Paulo.
    late = PaymentFactory(
        booking=booking, amount="30", paid_at=dt.datetime(2027, 3, 3, 1, 30, tzinfo=dt.UTC)
    )
    PaymentFactory(booking=booking, amount="20", method=Method.PIX,
                   paid_at=dt.datetime(2027, 3, 2, 12, tzinfo=dt.UTC))  # fmt: skip
    PaymentFactory(booking=booking, amount="-10", refund_of=late,
                   paid_at=dt.datetime(2027, 3, 3, 13, tzinfo=dt.UTC))  # fmt: skip
    PaymentFactory(booking=booking, amount="99", paid_at=dt.datetime(2027, 4, 1, 12, tzinfo=dt.UTC))
    summary = selectors.payment_day_summary(
        user=owner, start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 31), tz=tz
    )
    assert summary.methods == [Method.CASH, Method.PIX]
    assert [(d.day, d.amounts, d.total) for d in summary.days] == [
        (dt.date(2027, 3, 3), [Decimal("-10.00"), Decimal("0.00")], Decimal("-10.00")),
        (dt.date(2027, 3, 2), [Decimal("30.00"), Decimal("20.00")], Decimal("50.00")),
    ]
    assert summary.total_cells() == [Decimal("20.00"), Decimal("20.00")]
    assert summary.total == Decimal("40.00")
