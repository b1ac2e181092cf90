"""Messages of a booking of several services, and of staff changing a booking (G7 items 3–4)."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Client
from notifications.models import Kind, Message
from notifications.rendering import placeholders
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
START = dt.datetime(2027, 3, 4, 10, tzinfo=TZ)


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.language = "America/Sao_Paulo", "en"
    business.slot_interval, business.min_notice_minutes, business.max_advance_days = 15, 0, 60
    business.save()
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
    )
    chair = ResourceFactory(name="Rafa")
    cut = ServiceFactory(name="Cut", duration_minutes=30, performers=[chair])
    beard = ServiceFactory(name="Beard", duration_minutes=20, performers=[chair])
    client = Client.objects.create(name="Ana Souza", phone="+5511912345678", whatsapp_consent=True)
    booking = services.booking_create(
        service=cut, start=START, client=client, resource=chair, now=NOW, business=business
    )
    return {"business": business, "cut": cut, "beard": beard, "booking": booking}


def _reschedule_notices(booking):
    return Message.objects.filter(booking=booking, kind=Kind.RESCHEDULE)


def test_the_client_is_told_when_the_services_change(shop):
    booking = shop["booking"]
    services.booking_update(
        booking=booking, actor=UserFactory(), services=[shop["cut"], shop["beard"]], now=NOW
    )
    assert placeholders(booking, shop["business"])["service"] == "Cut + Beard"
    notice = _reschedule_notices(booking).get()
    assert "Cut + Beard" in notice.body


def test_the_client_is_not_told_of_a_new_price_or_notes(shop):
    booking = shop["booking"]
    services.booking_update(
        booking=booking, actor=UserFactory(), price=Decimal("10.00"), internal_notes="VIP"
    )
    assert not _reschedule_notices(booking).exists()


def test_the_confirmation_names_every_service(shop):
    booking = services.booking_create(
        service=shop["cut"],
        extra_services=[shop["beard"]],
        start=START + dt.timedelta(hours=2),
        client=shop["booking"].client,
        now=NOW,
        business=shop["business"],
    )
    confirmation = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION)
    assert "Cut + Beard" in confirmation.body
