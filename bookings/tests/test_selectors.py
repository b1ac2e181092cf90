"""Reads on bookings: client metrics, busy intervals, availability with real bookings."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import selectors, services
from bookings.models import Booking
from bookings.selectors import ClientMetrics, booking_busy_intervals, client_metrics
from bookings.tests.factories import BookingFactory, ClientFactory
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
UTC = dt.UTC
TUESDAY = dt.date(2027, 3, 2)
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)
Status = Booking.Status


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return local(TUESDAY, hour, minute)


@pytest.fixture
def business(alpha):
    settings = BusinessSettings.load()
    settings.timezone = "America/Sao_Paulo"
    settings.slot_interval = 15
    settings.min_notice_minutes = 60
    settings.max_advance_days = 60
    settings.cancellation_window_hours = 24
    settings.save()
    return settings


# --- client_metrics ----------------------------------------------------------------------------


def test_client_metrics_on_a_hand_made_history(business):
    cut = ServiceFactory(name="Cut", price="40.00")
    beard = ServiceFactory(name="Beard", price="25.50")
    ana = ResourceFactory(name="Ana")
    maria = ClientFactory(name="Maria")

    def visit(service, when, status=Status.COMPLETED, price=None):
        return BookingFactory(
            service=service,
            resource=ana,
            client=maria,
            start=when,
            status=status,
            price=price if price is not None else service.price,
        )

    # Completed visits. Tuesday 22:00 in São Paulo is already Wednesday 01:00 in UTC: the
    # preferred weekday and hour are local ones.
    visit(cut, local(dt.date(2027, 3, 2), 22))  # Tue, UTC 2027-03-03 01:00
    visit(cut, local(dt.date(2027, 3, 16), 22), price=Decimal("45.00"))  # Tue, a raise
    visit(beard, local(dt.date(2027, 3, 27), 14))  # Sat, UTC 17:00
    # Not visits.
    visit(cut, local(dt.date(2027, 3, 9), 22), status=Status.CANCELLED)
    visit(cut, local(dt.date(2027, 3, 11), 9), status=Status.CANCELLED)
    visit(beard, local(dt.date(2027, 3, 23), 22), status=Status.NO_SHOW)
    visit(beard, local(dt.date(2027, 4, 3), 10), status=Status.CONFIRMED)
    visit(beard, local(dt.date(2027, 4, 10), 10), status=Status.PENDING)
    visit(beard, local(dt.date(2027, 2, 1), 10), status=Status.EXPIRED)
    # Someone else's visit changes nothing.
    BookingFactory(service=beard, resource=ana, start=local(dt.date(2027, 3, 5), 10))
    BookingFactory(
        service=beard, resource=ana, start=local(dt.date(2027, 3, 6), 10), status="completed"
    )

    metrics = client_metrics(client=maria, business=business)

    first = dt.datetime(2027, 3, 3, 1, 0, tzinfo=UTC)
    last = dt.datetime(2027, 3, 27, 17, 0, tzinfo=UTC)
    # 24 days 16 hours between the first and last of 3 visits: 24.667 / 2 = 12.33 days.
    assert metrics == ClientMetrics(
        total=9,
        completed=3,
        cancelled=2,
        no_shows=1,
        total_spent=Decimal("110.50"),  # 40.00 + 45.00 + 25.50
        average_ticket=Decimal("36.83"),  # 110.50 / 3 = 36.8333
        first_visit=first,
        last_visit=last,
        average_days_between_visits=12.3,
        preferred_service="Cut",
        preferred_weekday="Tuesday",
        preferred_hour=22,
    )


def test_client_metrics_in_another_timezone(business):
    business.timezone = "Europe/Lisbon"  # UTC+0 in March before the 28th
    cut = ServiceFactory(name="Cut", price="40.00")
    maria = ClientFactory()
    BookingFactory(service=cut, client=maria, start=local(TUESDAY, 22), status="completed")
    metrics = client_metrics(client=maria, business=business)
    assert (metrics.preferred_weekday, metrics.preferred_hour) == ("Wednesday", 1)
    assert metrics.average_days_between_visits is None  # one visit: no gap


def test_client_metrics_ties_go_to_the_earlier_name_weekday_and_hour(business):
    cut = ServiceFactory(name="Cut", price="40.00")
    beard = ServiceFactory(name="Beard", price="20.00")
    maria = ClientFactory()
    # Saturday 15:00 and Monday 09:00: one visit each.
    BookingFactory(
        service=cut, client=maria, start=local(dt.date(2027, 3, 6), 15), status="completed"
    )
    BookingFactory(
        service=beard, client=maria, start=local(dt.date(2027, 3, 8), 9), status="completed"
    )
    metrics = client_metrics(client=maria, business=business)
    assert metrics.preferred_service == "Beard"
    assert metrics.preferred_weekday == "Monday"  # Sunday-first numbering: Monday before Saturday
    assert metrics.preferred_hour == 9
    assert metrics.average_ticket == Decimal("30.00")
    assert metrics.average_days_between_visits == 1.8  # 1 day 18 hours


def test_client_metrics_of_a_new_client(business):
    assert client_metrics(client=ClientFactory(), business=business) == ClientMetrics(
        total=0,
        completed=0,
        cancelled=0,
        no_shows=0,
        total_spent=Decimal("0"),
        average_ticket=None,
        first_visit=None,
        last_visit=None,
        average_days_between_visits=None,
        preferred_service=None,
        preferred_weekday=None,
        preferred_hour=None,
    )


def test_client_metrics_without_a_visit(business):
    maria = ClientFactory()
    BookingFactory(client=maria, start=at(10), status="cancelled")
    BookingFactory(client=maria, start=at(11), status="no_show")
    metrics = client_metrics(client=maria, business=business)
    assert (metrics.total, metrics.completed, metrics.cancelled, metrics.no_shows) == (2, 0, 1, 1)
    assert metrics.total_spent == Decimal("0")
    assert metrics.average_ticket is None and metrics.preferred_service is None


# --- booking_busy_intervals --------------------------------------------------------------------


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def test_busy_intervals_are_occupied_ranges_of_occupying_bookings_in_one_query(
    business, django_assert_num_queries
):
    ana, bia = ResourceFactory(name="Ana"), ResourceFactory(name="Bia")
    colour = ServiceFactory(duration_minutes=60, buffer_before_minutes=10, buffer_after_minutes=20)
    cut = ServiceFactory(duration_minutes=30)
    BookingFactory(service=colour, resource=ana, start=at(10))  # [09:50, 11:20)
    BookingFactory(service=cut, resource=bia, start=at(14), status="pending")  # [14:00, 14:30)
    for status in ("cancelled", "expired"):  # they free their time
        BookingFactory(service=cut, resource=ana, start=at(15), status=status)
    # A completed or missed booking held its resource, as the constraint says.
    BookingFactory(service=cut, resource=ana, start=at(16), status="completed")
    BookingFactory(service=cut, resource=bia, start=at(16), status="no_show")
    BookingFactory(service=cut, resource=ana, start=local(dt.date(2027, 3, 5), 10))  # outside

    with django_assert_num_queries(1):
        busy = booking_busy_intervals(start=at(0), end=local(dt.date(2027, 3, 3), 0))
    # Whole seconds since the epoch, as the availability engine takes them.
    assert sorted(busy) == sorted(
        [
            (ana.pk, epoch(at(9, 50)), epoch(at(11, 20))),
            (bia.pk, epoch(at(14)), epoch(at(14, 30))),
            (ana.pk, epoch(at(16)), epoch(at(16, 30))),
            (bia.pk, epoch(at(16)), epoch(at(16, 30))),
        ]
    )
    assert all(type(value) is int for row in busy for value in row)


def test_busy_intervals_overlap_the_window_half_open(business):
    ana = ResourceFactory()
    cut = ServiceFactory(duration_minutes=30, buffer_after_minutes=15)
    booking = BookingFactory(service=cut, resource=ana, start=at(10))  # [10:00, 10:45)
    assert booking_busy_intervals(start=at(10, 45), end=at(12)) == []
    assert booking_busy_intervals(start=at(9), end=at(10)) == []
    assert booking_busy_intervals(start=at(10, 44), end=at(12)) == [
        (ana.pk, epoch(at(10)), epoch(at(10, 45)))
    ]
    assert booking_busy_intervals(start=at(9), end=at(10), exclude_booking_id=booking.pk) == []
    assert booking_busy_intervals(start=at(9), end=at(12), exclude_booking_id=booking.pk) == []


def test_busy_intervals_filter_by_resource(business):
    ana, bia = ResourceFactory(), ResourceFactory()
    cut = ServiceFactory()
    BookingFactory(service=cut, resource=ana, start=at(10))
    BookingFactory(service=cut, resource=bia, start=at(10))
    window = {"start": at(0), "end": at(23)}
    assert [row[0] for row in booking_busy_intervals(**window, resource_ids=[bia.pk])] == [bia.pk]
    assert booking_busy_intervals(**window, resource_ids=[]) == []
    assert len(booking_busy_intervals(**window)) == 2


# --- slot_list_available with real bookings -----------------------------------------------------


@pytest.fixture
def chair(business):
    """Ana works Tuesdays 09–12; a 30-minute colour with 15 minutes of cleaning after."""
    WeeklyHours.objects.create(weekday=1, start=dt.time(9), end=dt.time(12))
    ana = ResourceFactory(name="Ana")
    colour = ServiceFactory(
        name="Colour", duration_minutes=30, buffer_after_minutes=15, performers=[ana]
    )
    return {"ana": ana, "colour": colour, "business": business}


def _starts(chair, **kwargs) -> list[dt.datetime]:
    availability = selectors.slot_list_available(
        service=chair["colour"],
        start_date=TUESDAY,
        end_date=TUESDAY,
        now=NOW,
        business=chair["business"],
        **kwargs,
    )
    return availability.for_day(TUESDAY).get(chair["ana"].pk, [])


def test_slots_subtract_real_bookings_and_come_back_after_cancel(chair):
    every = [at(9) + dt.timedelta(minutes=15 * k) for k in range(10)]  # 09:00 ... 11:15
    assert _starts(chair) == every

    booking = services.booking_create(
        service=chair["colour"],
        start=at(10),
        client=ClientFactory(),
        resource=chair["ana"],
        now=NOW,
        business=chair["business"],
    )  # occupies [10:00, 10:45)
    # Gone: 10:00 itself, the starts whose 45 minutes would run into it (09:30, 09:45) and
    # those inside it (10:15, 10:30).
    assert _starts(chair) == [at(9), at(9, 15), at(10, 45), at(11), at(11, 15)]
    # Rescheduling this booking may reuse its own time.
    assert _starts(chair, exclude_booking_id=booking.pk) == every

    services.booking_cancel(booking=booking, now=NOW, business=chair["business"])
    assert _starts(chair) == every


def test_slots_ignore_bookings_of_other_resources(chair):
    bia = ResourceFactory(name="Bia")
    chair["colour"].resources.add(bia)
    BookingFactory(service=chair["colour"], resource=bia, start=at(10))
    assert len(_starts(chair)) == 10


def _count_queries(chair) -> int:
    with CaptureQueriesContext(connection) as queries:
        _starts(chair)
    return len(queries)


def test_slot_query_count_does_not_grow_with_bookings(chair):
    ana, colour = chair["ana"], chair["colour"]
    BookingFactory(service=colour, resource=ana, start=at(10))  # [10:00, 10:45)
    one = _count_queries(chair)
    # 99 more half-hour bookings, back to back from Monday 00:00 to Wednesday (all inside the
    # window the selector reads), around the one at 10:00.
    cut = ServiceFactory(duration_minutes=30)
    client = ClientFactory()
    monday = local(dt.date(2027, 3, 1), 0)
    starts = [monday + dt.timedelta(minutes=30 * k) for k in range(120)]
    starts = [s for s in starts if not at(9, 30) < s < at(10, 45)][:99]
    Booking.objects.bulk_create(
        BookingFactory.build(service=cut, resource=ana, client=client, start=start)
        for start in starts
    )
    assert Booking.objects.count() == 100
    assert len(booking_busy_intervals(start=monday, end=local(dt.date(2027, 3, 4), 0))) == 100
    hundred = _count_queries(chair)
    assert one == hundred
    assert one <= 4  # busy intervals, resources, weekly hours, time off (settings passed in)
    assert _starts(chair) == []  # and the hundred bookings really are subtracted
