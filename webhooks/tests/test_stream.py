"""The Redis event stream: from the outbox, in order per booking, nothing lost while Redis is down,
and `events_tail` reading it as a consumer group member."""

import datetime as dt
import io
import json

import pytest
import redis
from django.core.management import call_command

from bookings import services as booking_services
from config.tests.local_servers import local_redis
from webhooks.models import Event
from webhooks.stream import stream_key, stream_publish
from webhooks.tests.conftest import book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_this_test_s_events(alpha):
    """No event an earlier committing test left pending (the deletion is rolled back after)."""
    Event.objects.all().delete()


@pytest.fixture
def own_stream(settings):
    """A stream key of this test's own on the test Redis, removed afterwards."""
    settings.EVENTS_STREAM = f"events-test-{id(settings)}"
    client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    yield client
    client.delete(stream_key())
    client.close()


def _entries(client) -> list[dict]:
    return [fields for _id, fields in client.xrange(stream_key())]


def _life_of_a_booking(shop, days: int):
    booking = book(shop, days=days)
    booking_services.booking_reschedule(
        booking=booking,
        start=booking.start + dt.timedelta(hours=1),
        override=True,
        actor=shop["owner"],
    )
    booking.refresh_from_db()
    booking_services.booking_cancel(booking=booking, reason="ill", actor=shop["owner"])
    return booking


def test_events_arrive_in_order_per_booking_with_their_fields(shop, own_stream):
    first = _life_of_a_booking(shop, days=2)
    second = _life_of_a_booking(shop, days=3)

    assert stream_publish() == 6
    entries = _entries(own_stream)
    for booking in (first, second):
        types = [e["type"] for e in entries if e["booking"] == booking.reference]
        assert types == ["booking.created", "booking.rescheduled", "booking.cancelled"]
    entry = entries[0]
    assert entry["schema"] == "alpha" and entry["version"] == "1"
    payload = json.loads(entry["payload"])
    assert payload["id"] == entry["id"] and payload["occurred_at"] == entry["occurred_at"]
    assert payload["data"]["reference"] == first.reference
    assert not Event.objects.filter(stream_state="pending").exists()
    assert stream_publish() == 0  # nothing twice


def test_the_stream_is_trimmed_to_about_its_length(shop, own_stream, settings):
    settings.EVENTS_STREAM_MAXLEN = 1
    for days in range(2, 6):
        book(shop, days=days)
    stream_publish()
    # MAXLEN ~: Redis trims whole nodes, so "about": never the whole history of 4 once it can.
    assert own_stream.xlen(stream_key()) <= 4


def test_redis_down_then_up_loses_nothing(shop, settings):
    settings.EVENTS_STREAM = "agendo:events"
    with local_redis() as server:
        settings.EVENTS_REDIS_URL = server.url
        book(shop, days=2)
        assert stream_publish() == 1

        server.stop()
        during = _life_of_a_booking(shop, days=3)  # bookings go on while Redis is down
        assert stream_publish() == 0
        assert Event.objects.filter(stream_state="pending").count() == 3

        server.start()  # empty again: a Redis without persistence lost what it had
        assert stream_publish() == 3
        client = redis.Redis.from_url(server.url, decode_responses=True)
        entries = _entries(client)
        client.close()
    assert [e["type"] for e in entries if e["booking"] == during.reference] == [
        "booking.created",
        "booking.rescheduled",
        "booking.cancelled",
    ]


def test_events_tail_reads_with_a_group_and_acks(shop, own_stream):
    booking = book(shop, days=2)
    stream_publish()
    out = io.StringIO()
    call_command(
        "events_tail", "--group", "crm", "--from-start", "--once", stdout=out, stderr=io.StringIO()
    )
    [line] = out.getvalue().splitlines()
    event = json.loads(line)
    assert event["type"] == "booking.created" and event["booking"] == booking.reference
    assert event["payload"]["data"]["reference"] == booking.reference
    assert own_stream.xpending(stream_key(), "crm")["pending"] == 0  # acknowledged
    again = io.StringIO()
    call_command("events_tail", "--group", "crm", "--once", stdout=again, stderr=io.StringIO())
    assert again.getvalue() == ""  # the group has seen it
