"""The outbox: events and deliveries written in the change's transaction, filtered per endpoint."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Client
from webhooks.models import Delivery, Endpoint, Event
from webhooks.tests.conftest import book

pytestmark = pytest.mark.django_db


def endpoint(events, url="https://hooks.example.com/a", **kwargs) -> Endpoint:
    return Endpoint.objects.create(url=url, events=events, **kwargs)


def test_a_booking_writes_one_event_and_one_delivery_per_subscribed_endpoint(shop, hooks_on):
    wants = endpoint(["booking.created", "booking.cancelled"])
    also = endpoint(["booking.created"], url="https://b.example.com/")
    endpoint(["booking.cancelled"], url="https://c.example.com/")  # not this type
    endpoint(["booking.created"], url="https://d.example.com/", is_active=False)

    booking = book(shop)

    [event] = Event.objects.filter(type="booking.created")
    assert {d.endpoint for d in event.deliveries.all()} == {wants, also}
    body = event.body
    assert body["id"] == event.public_id and body["id"].startswith("evt_")
    assert body["schema_version"] == 1 and body["business"] == "alpha"
    assert body["data"]["reference"] == booking.reference
    assert body["data"]["client"]["name"] == "Ana Souza"
    assert body["data"]["service"] == {"id": shop["cut"].pk, "name": "Corte"}
    assert body["occurred_at"].endswith("Z")
    assert event.stream_state == Event.Stream.PENDING


def test_each_change_is_its_own_event(shop, hooks_on):
    endpoint(["booking.created", "booking.confirmed", "booking.cancelled", "booking.rescheduled"])
    booking = book(shop)
    booking_services.booking_reschedule(
        booking=booking,
        start=booking.start + dt.timedelta(hours=1),
        override=True,
        actor=shop["owner"],
    )
    booking.refresh_from_db()
    booking_services.booking_cancel(booking=booking, reason="sick", actor=shop["owner"])
    types = list(Event.objects.order_by("pk").values_list("type", flat=True))
    assert types == ["booking.created", "booking.rescheduled", "booking.cancelled"]
    assert Delivery.objects.count() == 3
    moved = Event.objects.get(type="booking.rescheduled").body["data"]["change"]["before"]
    assert moved["start"] != Event.objects.get(type="booking.cancelled").body["data"]["start"]


def test_a_rolled_back_change_leaves_no_event_and_no_delivery(shop, hooks_on):
    endpoint(["booking.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        book(shop)
        raise RuntimeError("the booking's transaction fails")
    assert not Event.objects.exists() and not Delivery.objects.exists()


def test_without_the_module_nothing_is_delivered_but_the_stream_still_gets_it(shop):
    endpoint(["booking.created", "client.created"])
    book(shop)
    Client.objects.create(name="Bia", phone="+5511900000001")
    assert not Delivery.objects.exists()
    assert list(Event.objects.values_list("type", "stream_state")) == [
        ("booking.created", "pending")
    ]


def test_client_created_and_updated(shop, hooks_on):
    hook = endpoint(["client.created", "client.updated"])
    client = booking_services.client_create(region="BR", name="Caio", phone="11 98888-7777")
    booking_services.client_update(client=client, region="BR", email="caio@example.com")
    events = list(Event.objects.filter(type__startswith="client.").order_by("pk"))
    assert [e.type for e in events] == ["client.created", "client.updated"]
    assert events[1].body["data"]["email"] == "caio@example.com"
    assert all(e.stream_state == "" for e in events)  # clients are not on the booking stream
    assert hook.deliveries.count() == 2


def test_nobody_subscribed_to_clients_writes_no_client_event(shop, hooks_on):
    endpoint(["booking.created"])
    Client.objects.create(name="Bia", phone="+5511900000001")
    assert not Event.objects.filter(type__startswith="client.").exists()


def test_a_correction_reports_where_the_booking_landed(shop, hooks_on):
    endpoint(["booking.completed", "booking.no_show"])
    booking = book(shop, days=0, hour=0)
    later = timezone.now() + dt.timedelta(days=1)
    booking_services.booking_complete(booking=booking, now=later, actor=shop["owner"])
    booking.refresh_from_db()
    booking_services.booking_transition(
        booking=booking, action="mark_no_show", now=later, actor=shop["owner"]
    )
    types = list(Event.objects.filter(deliveries__isnull=False).values_list("type", flat=True))
    assert types[0] == "booking.completed" and types[-1] == "booking.no_show"


def test_an_erased_client_leaves_no_personal_data_in_stored_events(shop, hooks_on):
    endpoint(["booking.created", "client.updated"])
    book(shop)
    booking_services.client_erase(client=shop["client"], actor=shop["owner"])
    for event in Event.objects.all():
        text = str(event.body)
        assert "Ana Souza" not in text and "+5511912345678" not in text and "ana@x.com" not in text
