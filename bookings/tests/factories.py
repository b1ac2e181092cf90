"""Factories of clients and bookings (enter a tenant schema first)."""

import datetime as dt

import factory

from bookings.models import Booking, BookingItem, Client
from bookings.services import _occupied
from scheduling.tests.factories import ResourceFactory, ServiceFactory


class ClientFactory(factory.django.DjangoModelFactory):
    """A client with a distinct, valid Brazilian mobile number: +55 11 9XXXX-XXXX."""

    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    phone = factory.Sequence(lambda n: f"+55119{n:08d}")


def _first_performer(booking) -> object:
    performer = booking.service.resources.order_by("order", "pk").first()
    return performer or ResourceFactory()


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking whose `end` and `occupied` follow from `start` and the service (buffers too).

    Saved straight into the table: no rule is checked, only the database's constraints.
    """

    class Meta:
        model = Booking
        skip_postgeneration_save = True

    service = factory.SubFactory(ServiceFactory)
    resource = factory.LazyAttribute(_first_performer)
    client = factory.SubFactory(ClientFactory)
    start = factory.LazyFunction(lambda: dt.datetime(2027, 3, 2, 13, 0, tzinfo=dt.UTC))
    end = factory.LazyAttribute(lambda o: _occupied(o.service, o.start)[0])
    occupied = factory.LazyAttribute(lambda o: _occupied(o.service, o.start)[1])
    status = Booking.Status.CONFIRMED
    price = factory.LazyAttribute(lambda o: o.service.price)

    @factory.post_generation
    def items(obj, create, extracted, **kwargs):
        """One item for the booking's service, as `booking_create` writes it (none when not
        saved, or when the test asks for `items=False`)."""
        if not create or extracted is False:
            return
        BookingItem.objects.create(
            booking=obj,
            service=obj.service,
            name=obj.service.name,
            duration_minutes=obj.service.duration_minutes,
            price=obj.price,
        )
