"""Ledger rows for tests (enter a tenant schema first). Real entries go through the services."""

import datetime as dt
from decimal import Decimal

import factory

from bookings.tests.factories import BookingFactory
from payments.models import Method, Payment


class PaymentFactory(factory.django.DjangoModelFactory):
    """A cash payment of a booking, saved straight into the table (no rule checked)."""

    class Meta:
        model = Payment

    booking = factory.SubFactory(BookingFactory)
    client = factory.LazyAttribute(lambda o: o.booking.client)
    amount = Decimal("40.00")
    currency = "BRL"
    method = Method.CASH
    paid_at = factory.LazyFunction(lambda: dt.datetime(2027, 3, 2, 14, 0, tzinfo=dt.UTC))
    recorded_by_label = "Test"
