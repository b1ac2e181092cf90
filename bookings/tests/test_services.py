"""Booking services (SPEC §4–§5): rules, refusals, transitions, events, overrides, "any".

Every call passes a fixed `now` and real future dates (the week of Monday 2027-03-01), so
nothing depends on the clock. The business: São Paulo time, a 15-minute grid, 60 minutes of
notice, 60 days of advance, a 24-hour cancellation window, open Monday–Saturday 09–12 and 13–18.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.errors import MESSAGES, BookingError
from bookings.models import Booking, BookingEvent, Client, Source
from bookings.services import ACTIONS, booking_actions, can_cancel
from bookings.tests.factories import BookingFactory, ClientFactory
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import (
    ResourceFactory,
    ServiceFactory,
    TimeOffFactory,
    WeeklyHoursFactory,
)

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
MONDAY = dt.date(2027, 3, 1)
TUESDAY = dt.date(2027, 3, 2)
WEDNESDAY = dt.date(2027, 3, 3)
SUNDAY = dt.date(2027, 3, 7)
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)  # Monday 09:00, the day before
Status = Booking.Status
EventType = BookingEvent.Type


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone = "America/Sao_Paulo"
    business.slot_interval = 15
    business.min_notice_minutes = 60
    business.max_advance_days = 60
    business.cancellation_window_hours = 24
    business.requires_approval = False
    business.save()
    WeeklyHours.objects.bulk_create(
        [
            WeeklyHours(weekday=weekday, start=start, end=end)
            for weekday in range(6)
            for start, end in ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(18)))
        ]
    )
    ana = ResourceFactory(name="Ana", order=1)
    bia = ResourceFactory(name="Bia", order=2)
    caio = ResourceFactory(name="Caio", order=3)  # does not cut hair
    cut = ServiceFactory(name="Cut", duration_minutes=30, price="40.00", performers=[ana, bia])
    return SimpleNamespace(
        business=business,
        ana=ana,
        bia=bia,
        caio=caio,
        cut=cut,
        client=ClientFactory(name="Paula"),
        staff=UserFactory(),
    )


def book(shop, start, resource="ana", **kwargs) -> Booking:
    kwargs.setdefault("service", shop.cut)
    kwargs.setdefault("client", shop.client)
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("business", shop.business)
    if isinstance(resource, str):
        resource = getattr(shop, resource)
    return services.booking_create(start=start, resource=resource, **kwargs)


def refused(code: str, fn, *args, **kwargs) -> BookingError:
    """Call `fn`; it must refuse with `code` and a sentence, and leave no booking or event."""
    bookings, events = Booking.objects.count(), BookingEvent.objects.count()
    with pytest.raises(BookingError) as exc_info:
        fn(*args, **kwargs)
    error = exc_info.value
    assert error.code == code, error.message
    assert error.message and error.message.endswith(".")
    assert str(error) == error.message
    assert (Booking.objects.count(), BookingEvent.objects.count()) == (bookings, events)
    return error


def events_of(booking) -> list[BookingEvent]:
    return list(BookingEvent.objects.filter(booking=booking))


def instant(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


# --- booking_create: the happy path and its event ----------------------------------------------


def test_create_books_the_slot_and_writes_one_created_event(shop):
    booking = book(shop, at(10), actor=shop.staff)
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert (booking.start, booking.end) == (at(10), at(10, 30))
    assert booking.occupied == DateTimeTZRange(at(10), at(10, 30), "[)")
    assert booking.price == Decimal("40.00")
    assert booking.resource == shop.ana
    assert booking.created_by == shop.staff
    [event] = events_of(booking)
    assert event.type == EventType.CREATED
    assert event.actor == shop.staff
    assert event.actor_label == "staff"
    assert event.override is False
    assert event.before == {}
    assert event.after["status"] == "confirmed"
    assert instant(event.after["start"]) == at(10)
    assert instant(event.after["end"]) == at(10, 30)
    assert event.after["resource"] == shop.ana.pk
    assert event.after["service"] == shop.cut.pk


def test_create_loads_the_business_settings_when_not_given(shop):
    booking = book(shop, at(10), business=None)
    assert booking.status == Status.CONFIRMED


def test_occupied_includes_the_service_buffers(shop):
    colour = ServiceFactory(
        name="Colour",
        duration_minutes=45,
        buffer_before_minutes=15,
        buffer_after_minutes=15,
        performers=[shop.ana],
    )
    booking = book(shop, at(10), service=colour)
    assert booking.occupied == DateTimeTZRange(at(9, 45), at(11), "[)")


def test_public_booking_is_pending_when_approval_is_required(shop):
    shop.business.requires_approval = True
    booking = book(shop, at(10), source=Source.PUBLIC)
    assert booking.status == Status.PENDING
    [event] = events_of(booking)
    assert event.after["status"] == "pending"
    assert event.actor is None and event.actor_label == "public"


def test_public_booking_is_confirmed_without_approval(shop):
    assert book(shop, at(10), source=Source.PUBLIC).status == Status.CONFIRMED


def test_staff_booking_is_confirmed_even_when_public_ones_need_approval(shop):
    shop.business.requires_approval = True
    assert book(shop, at(10), actor=shop.staff).status == Status.CONFIRMED


def test_back_to_back_bookings_are_allowed(shop):
    book(shop, at(10))
    book(shop, at(10, 30), client=ClientFactory())
    book(shop, at(9, 30), client=ClientFactory())
    assert Booking.objects.filter(resource=shop.ana).count() == 3


def test_a_cancelled_booking_frees_its_slot(shop):
    first = book(shop, at(10))
    refused("slot_taken", book, shop, at(10), client=ClientFactory())
    services.booking_cancel(booking=first, actor=shop.staff, now=NOW, business=shop.business)
    second = book(shop, at(10), client=ClientFactory())
    assert second.status == Status.CONFIRMED
    assert Booking.objects.filter(status__in=Booking.ACTIVE_STATUSES).get() == second


# --- Every refusal code from its cause ---------------------------------------------------------


def test_slot_taken_by_the_constraint(shop):
    book(shop, at(10))
    error = refused("slot_taken", book, shop, at(10, 15), client=ClientFactory())
    assert error.message == MESSAGES["slot_taken"]
    refused("slot_taken", book, shop, at(10), client=ClientFactory())
    refused("slot_taken", book, shop, at(9, 45), client=ClientFactory())


def test_slot_taken_by_a_pending_booking(shop):
    shop.business.requires_approval = True
    assert book(shop, at(10), source=Source.PUBLIC).status == Status.PENDING
    refused("slot_taken", book, shop, at(10), client=ClientFactory(), actor=shop.staff)


def test_slot_taken_by_a_buffer(shop):
    colour = ServiceFactory(duration_minutes=30, buffer_after_minutes=15, performers=[shop.ana])
    book(shop, at(10), service=colour)  # occupies 10:00–10:45
    refused("slot_taken", book, shop, at(10, 30), client=ClientFactory())
    assert book(shop, at(10, 45), client=ClientFactory()).start == at(10, 45)


def test_no_resource_free_when_every_eligible_resource_is_busy(shop):
    book(shop, at(10), resource="ana")
    book(shop, at(10), resource="bia", client=ClientFactory())
    error = refused("no_resource_free", book, shop, at(10), resource=None, client=ClientFactory())
    assert error.message == MESSAGES["no_resource_free"]


@pytest.mark.parametrize(
    ("label", "start"),
    [
        ("before opening", at(8, 30)),
        ("ends after the morning closes", at(11, 45)),
        ("in the lunch break", at(12, 0)),
        ("ends after closing", at(17, 45)),
        ("after closing", at(18, 0)),
        ("closed on Sunday", at(10, day=SUNDAY)),
        ("off the grid", at(10, 5)),
        ("off the grid of the afternoon", at(13, 10)),
        ("between seconds", at(10).replace(second=30)),
    ],
)
def test_outside_hours(shop, label, start):
    error = refused("outside_hours", book, shop, start)
    assert error.message == MESSAGES["outside_hours"]


@pytest.mark.parametrize("start", [at(9), at(11, 30), at(13), at(17, 30)])
def test_the_first_and_last_slots_of_each_interval_are_bookable(shop, start):
    assert book(shop, start).start == start


def test_a_resource_with_own_hours_has_its_own_grid(shop):
    # Bia works Tuesdays 09:10–12:00 only: her grid is 09:10, 09:25, ...
    WeeklyHoursFactory(resource=shop.bia, weekday=1, start=dt.time(9, 10), end=dt.time(12))
    assert book(shop, at(9, 25), resource="bia").resource == shop.bia
    refused("outside_hours", book, shop, at(9), resource="bia", client=ClientFactory())
    refused("outside_hours", book, shop, at(14), resource="bia", client=ClientFactory())
    refused("outside_hours", book, shop, at(10, day=WEDNESDAY), resource="bia")
    assert book(shop, at(9), resource="ana", client=ClientFactory()).start == at(9)


def test_time_off_of_the_resource(shop):
    TimeOffFactory(resource=shop.ana, start=at(10, 30), end=at(11, 30), reason="Dentist")
    error = refused("time_off", book, shop, at(10, 15))
    assert error.message == MESSAGES["time_off"]
    refused("time_off", book, shop, at(11))
    assert book(shop, at(10)).end == at(10, 30)  # ends as the time off starts
    assert book(shop, at(11, 30), client=ClientFactory()).start == at(11, 30)
    assert book(shop, at(10, 30), resource="bia", client=ClientFactory()).resource == shop.bia


def test_time_off_of_the_whole_business(shop):
    TimeOffFactory(resource=None, start=at(0), end=at(0, day=WEDNESDAY), reason="Carnival")
    refused("time_off", book, shop, at(10), resource="ana")
    refused("time_off", book, shop, at(10), resource="bia")
    refused("time_off", book, shop, at(10), resource=None)


def test_too_soon(shop):
    now = at(9, 30)
    error = refused("too_soon", book, shop, at(10), now=now)
    assert error.message == MESSAGES["too_soon"]
    refused("too_soon", book, shop, at(10), resource=None, now=now)
    # Exactly the minimum notice is enough.
    assert book(shop, at(10, 30), now=now).start == at(10, 30)


def test_too_far(shop):
    limit = NOW + dt.timedelta(days=60)  # Friday 2027-04-30 09:00, a slot
    assert limit.weekday() == 4
    assert book(shop, limit).start == limit
    error = refused("too_far", book, shop, limit + dt.timedelta(minutes=15))
    assert error.message == MESSAGES["too_far"]
    refused("too_far", book, shop, at(10, day=dt.date(2027, 6, 1)), resource=None)


def test_service_unavailable_when_the_service_is_inactive(shop):
    shop.cut.is_active = False
    shop.cut.save()
    error = refused("service_unavailable", book, shop, at(10), actor=shop.staff)
    assert error.message == MESSAGES["service_unavailable"]
    refused("service_unavailable", book, shop, at(10), resource=None)
    refused("service_unavailable", book, shop, at(10), source=Source.PUBLIC)


def test_service_unavailable_online_when_the_service_is_not_public(shop):
    shop.cut.is_public = False
    shop.cut.save()
    refused("service_unavailable", book, shop, at(10), source=Source.PUBLIC)
    refused("service_unavailable", book, shop, at(10), resource=None, source=Source.PUBLIC)
    # Staff may still book a service that is not offered online.
    assert book(shop, at(10), actor=shop.staff).source == Source.STAFF


def test_resource_unavailable_when_the_resource_does_not_perform_the_service(shop):
    error = refused("resource_unavailable", book, shop, at(10), resource="caio")
    assert error.message == MESSAGES["resource_unavailable"]


def test_resource_unavailable_when_the_resource_is_inactive(shop):
    shop.ana.is_active = False
    shop.ana.save()
    refused("resource_unavailable", book, shop, at(10), resource="ana")
    # "Any" skips her and books Bia.
    assert book(shop, at(10), resource=None).resource == shop.bia


def test_resource_unavailable_when_nobody_performs_the_service(shop):
    lonely = ServiceFactory(name="Tattoo")
    refused("resource_unavailable", book, shop, at(10), resource=None, service=lonely)


def test_client_inactive(shop):
    shop.client.is_active = False
    shop.client.save()
    error = refused("client_inactive", book, shop, at(10))
    assert error.message == MESSAGES["client_inactive"]


def test_invalid_phone(shop):
    with pytest.raises(BookingError) as exc_info:
        services.client_get_or_create(name="Nobody", phone="123", region="BR")
    assert exc_info.value.code == "invalid_phone"
    assert exc_info.value.field == "phone"
    assert exc_info.value.message == MESSAGES["invalid_phone"]
    assert not Client.objects.filter(name="Nobody").exists()


def test_any_available_says_why_when_a_rule_refuses(shop):
    refused("outside_hours", book, shop, at(8), resource=None)
    refused("too_soon", book, shop, at(9, 30), resource=None, now=at(9))


# --- Staff override ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "start", "now"),
    [
        ("outside hours", at(7), NOW),
        ("on a closed day", at(10, day=SUNDAY), NOW),
        ("off the grid", at(10, 5), NOW),
        ("too soon", at(10), at(9, 50)),
        ("too far", at(10, day=dt.date(2027, 8, 3)), NOW),
    ],
)
def test_staff_override_books_what_the_rules_refuse_and_is_recorded(shop, label, start, now):
    with pytest.raises(BookingError):
        book(shop, start, now=now, actor=shop.staff)
    booking = book(shop, start, now=now, actor=shop.staff, override=True)
    assert booking.start == start
    [event] = events_of(booking)
    assert event.type == EventType.CREATED
    assert event.override is True
    assert event.actor == shop.staff


def test_override_never_beats_the_no_overlap_rule(shop):
    book(shop, at(10))
    refused(
        "slot_taken",
        book,
        shop,
        at(10, 15),
        client=ClientFactory(),
        actor=shop.staff,
        override=True,
    )


def test_override_does_not_make_a_resource_perform_a_service(shop):
    refused(
        "resource_unavailable", book, shop, at(10), resource="caio", actor=shop.staff, override=True
    )
    shop.cut.is_active = False
    shop.cut.save()
    refused("service_unavailable", book, shop, at(10), actor=shop.staff, override=True)


def test_override_without_an_actor_is_refused(shop):
    error = refused("invalid_transition", book, shop, at(7), override=True)
    assert "staff" in error.message.lower()


def test_a_normal_staff_booking_is_not_an_override(shop):
    [event] = events_of(book(shop, at(10), actor=shop.staff))
    assert event.override is False


# --- "Any available" ---------------------------------------------------------------------------


def test_any_available_picks_the_free_resource_with_fewest_active_bookings_that_local_day(shop):
    # Ana has one active booking on Tuesday (22:00 São Paulo, already Wednesday in UTC).
    BookingFactory(service=shop.cut, resource=shop.ana, start=at(22))
    # Bia's Tuesday bookings are cancelled; her active ones are on Monday night (Tuesday in
    # UTC) and on Wednesday: none of them counts for Tuesday.
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(14), status=Status.CANCELLED)
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(15), status=Status.CANCELLED)
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(22, day=MONDAY))
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(22, 30, day=MONDAY))
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(10, day=WEDNESDAY))
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(11, day=WEDNESDAY))
    # Caio is free and has no bookings at all, but does not cut hair.
    first = book(shop, at(10), resource=None)
    assert first.resource == shop.bia
    second = book(shop, at(10), resource=None, client=ClientFactory())
    assert second.resource == shop.ana
    refused("no_resource_free", book, shop, at(10), resource=None, client=ClientFactory())


def test_any_available_counts_completed_bookings_as_the_day_s_work(shop):
    # Ana already did two cuts on Tuesday morning; Bia has one still to come.
    for hour in (9, 10):
        BookingFactory(service=shop.cut, resource=shop.ana, start=at(hour), status="completed")
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(16))
    assert book(shop, at(14), resource=None).resource == shop.bia


def test_override_never_beats_a_completed_booking(shop):
    """A completed booking held its time: staff cannot book someone else over it afterwards."""
    BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status="completed")
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(10), status="no_show")
    for resource in ("ana", "bia"):
        refused(
            "slot_taken",
            book,
            shop,
            at(10, 15),
            resource=resource,
            client=ClientFactory(),
            actor=shop.staff,
            override=True,
            now=at(12),
        )


def test_any_available_breaks_ties_by_resource_order(shop):
    # Created first and first by name, but second in the business's order.
    ana = ResourceFactory(name="Aaron", order=20)
    zed = ResourceFactory(name="Zed", order=10)
    shave = ServiceFactory(name="Shave", performers=[ana, zed])
    assert book(shop, at(10), resource=None, service=shave).resource == zed
    # Now Zed has one booking that day and Aaron none.
    assert book(shop, at(11), resource=None, service=shave).resource == ana
    # One each: the order decides again.
    assert book(shop, at(14), resource=None, service=shave).resource == zed


def test_any_available_falls_through_when_the_first_resource_was_just_taken(shop, monkeypatch):
    # Bia is busier than Ana that day, so Ana comes first ...
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(14))
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(15))
    # ... but someone took Ana at 10:00 after availability was read (a stale read).
    taken = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10))
    monkeypatch.setattr(services, "booking_busy_intervals", lambda **kwargs: [])
    booking = book(shop, at(10), resource=None, client=ClientFactory())
    assert booking.resource == shop.bia
    assert len(events_of(booking)) == 1
    assert Booking.objects.filter(resource=shop.ana, start=at(10)).get() == taken


def test_any_available_refuses_when_the_race_is_lost_everywhere(shop, monkeypatch):
    BookingFactory(service=shop.cut, resource=shop.ana, start=at(10))
    BookingFactory(service=shop.cut, resource=shop.bia, start=at(10))
    monkeypatch.setattr(services, "booking_busy_intervals", lambda **kwargs: [])
    refused("no_resource_free", book, shop, at(10), resource=None, client=ClientFactory())


def test_any_available_within_resource_ids_takes_only_those(shop):
    # Ana is the busier one, so an unrestricted "any" would pick Bia.
    BookingFactory(service=shop.cut, resource=shop.ana, start=at(14))
    mine = book(shop, at(10), resource=None, resource_ids=[shop.ana.pk])
    assert mine.resource == shop.ana
    # Ana taken at 10:00 too: Bia is free, but not allowed.
    refused(
        "no_resource_free",
        book,
        shop,
        at(10),
        resource=None,
        resource_ids=[shop.ana.pk],
        client=ClientFactory(),
    )


def test_resource_ids_refuse_a_resource_outside_them(shop):
    error = refused(
        "resource_unavailable", book, shop, at(10), resource="bia", resource_ids=[shop.ana.pk]
    )
    assert error.message == MESSAGES["resource_unavailable"]
    # A staff member without a resource of their own can book nobody's time.
    error = refused("resource_unavailable", book, shop, at(10), resource=None, resource_ids=[])
    assert "your own calendar" in error.message


# --- Cancellation window and can_cancel --------------------------------------------------------


def test_can_cancel_is_computed_not_stored(shop):
    assert "can_cancel" not in {field.name for field in Booking._meta.get_fields()}


@pytest.mark.parametrize("hours", [24, 2, 0])
def test_can_cancel_at_the_edge_of_the_window(shop, hours):
    shop.business.cancellation_window_hours = hours
    booking = book(shop, at(10))
    edge = at(10) - dt.timedelta(hours=hours)
    assert can_cancel(booking, now=edge - dt.timedelta(days=1), business=shop.business)
    assert can_cancel(booking, now=edge, business=shop.business)
    assert not can_cancel(booking, now=edge + dt.timedelta(seconds=1), business=shop.business)


@pytest.mark.parametrize(
    "status", [Status.CANCELLED, Status.EXPIRED, Status.COMPLETED, Status.NO_SHOW]
)
def test_an_inactive_booking_can_never_be_cancelled(shop, status):
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status=status)
    assert not can_cancel(booking, now=NOW - dt.timedelta(days=7), business=shop.business)


def test_a_pending_booking_can_be_cancelled_in_time(shop):
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status="pending")
    assert can_cancel(booking, now=NOW, business=shop.business)


def test_client_cancels_exactly_when_the_window_closes(shop):
    booking = book(shop, at(10))
    edge = at(10) - dt.timedelta(hours=24)
    cancelled = services.booking_cancel(
        booking=booking, by_client=True, reason="Sick", now=edge, business=shop.business
    )
    assert cancelled.status == Status.CANCELLED
    assert cancelled.cancelled_by_client is True
    assert cancelled.cancelled_by is None
    assert cancelled.cancellation_reason == "Sick"
    created, event = events_of(booking)
    assert created.type == EventType.CREATED
    assert event.type == EventType.CANCELLED
    assert event.actor is None and event.actor_label == "client"
    assert event.before["status"] == "confirmed" and event.after["status"] == "cancelled"
    assert event.note == "Sick"


def test_client_cannot_cancel_one_second_after_the_window_closes(shop):
    booking = book(shop, at(10))
    late = at(10) - dt.timedelta(hours=24) + dt.timedelta(seconds=1)
    error = refused(
        "window_closed",
        services.booking_cancel,
        booking=booking,
        by_client=True,
        now=late,
        business=shop.business,
    )
    assert error.message == MESSAGES["window_closed"]
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


def test_staff_may_cancel_inside_the_window(shop):
    booking = book(shop, at(10))
    cancelled = services.booking_cancel(
        booking=booking,
        actor=shop.staff,
        reason="Closed for a funeral",
        now=at(9, 30),
        business=shop.business,
    )
    assert cancelled.status == Status.CANCELLED
    assert cancelled.cancelled_by == shop.staff
    assert cancelled.cancelled_by_client is False
    event = events_of(booking)[-1]
    assert event.actor == shop.staff and event.actor_label == "staff"


def test_client_reschedules_exactly_when_the_window_closes(shop):
    booking = book(shop, at(10))
    edge = at(10) - dt.timedelta(hours=24)
    moved = services.booking_reschedule(
        booking=booking, start=at(14), by_client=True, now=edge, business=shop.business
    )
    assert (moved.start, moved.end) == (at(14), at(14, 30))
    event = events_of(booking)[-1]
    assert event.type == EventType.RESCHEDULED
    assert event.actor_label == "client"


def test_client_cannot_reschedule_one_second_after_the_window_closes(shop):
    booking = book(shop, at(10))
    late = at(10) - dt.timedelta(hours=24) + dt.timedelta(seconds=1)
    refused(
        "window_closed",
        services.booking_reschedule,
        booking=booking,
        start=at(14),
        by_client=True,
        now=late,
        business=shop.business,
    )
    booking.refresh_from_db()
    assert booking.start == at(10)


def test_staff_may_reschedule_inside_the_window(shop):
    booking = book(shop, at(14))
    moved = services.booking_reschedule(
        booking=booking, start=at(15), actor=shop.staff, now=at(11), business=shop.business
    )
    assert moved.start == at(15)


# --- Reschedule ---------------------------------------------------------------------------------


def test_reschedule_by_one_slot_overlapping_its_own_old_range(shop):
    booking = book(shop, at(10))
    moved = services.booking_reschedule(
        booking=booking, start=at(10, 15), actor=shop.staff, now=NOW, business=shop.business
    )
    moved.refresh_from_db()
    assert (moved.start, moved.end) == (at(10, 15), at(10, 45))
    assert moved.occupied == DateTimeTZRange(at(10, 15), at(10, 45), "[)")
    created, event = events_of(booking)
    assert created.type == EventType.CREATED
    assert event.type == EventType.RESCHEDULED
    assert event.actor == shop.staff
    assert instant(event.before["start"]) == at(10)
    assert instant(event.after["start"]) == at(10, 15)
    assert event.before["status"] == event.after["status"] == "confirmed"
    assert Booking.objects.count() == 1


def test_reschedule_onto_another_booking_is_slot_taken_and_changes_nothing(shop):
    booking = book(shop, at(10))
    book(shop, at(11), client=ClientFactory())
    refused(
        "slot_taken",
        services.booking_reschedule,
        booking=booking,
        start=at(11, 15),
        actor=shop.staff,
        now=NOW,
        business=shop.business,
    )
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (at(10), at(10, 30))
    assert len(events_of(booking)) == 1


def test_reschedule_to_another_resource(shop):
    booking = book(shop, at(10))
    moved = services.booking_reschedule(
        booking=booking, start=at(10), resource=shop.bia, now=NOW, business=shop.business
    )
    assert moved.resource == shop.bia
    event = events_of(booking)[-1]
    assert (event.before["resource"], event.after["resource"]) == (shop.ana.pk, shop.bia.pk)
    refused(
        "resource_unavailable",
        services.booking_reschedule,
        booking=booking,
        start=at(10),
        resource=shop.caio,
        now=NOW,
        business=shop.business,
    )


def test_reschedule_checks_the_rules(shop):
    booking = book(shop, at(10))
    for code, start, now in [
        ("outside_hours", at(12, 15), NOW),
        ("outside_hours", at(10, 5), NOW),
        ("too_soon", at(10, 30), at(10)),
        ("too_far", at(10, day=dt.date(2027, 8, 3)), NOW),
    ]:
        refused(
            code,
            services.booking_reschedule,
            booking=booking,
            start=start,
            actor=shop.staff,
            now=now,
            business=shop.business,
        )


def test_staff_reschedule_with_override_is_recorded(shop):
    booking = book(shop, at(10))
    moved = services.booking_reschedule(
        booking=booking,
        start=at(19),
        actor=shop.staff,
        override=True,
        now=NOW,
        business=shop.business,
    )
    assert moved.start == at(19)
    event = events_of(booking)[-1]
    assert event.override is True and event.actor == shop.staff


@pytest.mark.parametrize("who", ["client", "nobody"])
def test_override_on_reschedule_is_for_staff_only(shop, who):
    booking = book(shop, at(10))
    kwargs = {"by_client": True} if who == "client" else {}
    refused(
        "invalid_transition",
        services.booking_reschedule,
        booking=booking,
        start=at(19),
        override=True,
        now=NOW,
        business=shop.business,
        **kwargs,
    )


# --- Status transitions (SPEC §4) ---------------------------------------------------------------

# The state machine of SPEC §4, written out independently of the services' ACTIONS table.
SPEC_EDGES = {
    ("pending", "confirmed"),
    ("pending", "cancelled"),
    ("pending", "expired"),
    ("confirmed", "completed"),
    ("confirmed", "no_show"),
    ("confirmed", "cancelled"),
    ("completed", "no_show"),  # staff correction
    ("no_show", "completed"),  # staff correction
}


def test_transitions_are_exactly_the_state_machine_of_the_spec():
    edges = {
        (str(source), str(action.target))
        for action in ACTIONS.values()
        if action.target is not None  # a move keeps the status
        for source in action.sources
    }
    assert edges == SPEC_EDGES


# The status changes that need nothing but a yes (a move and a cancel have their own services).
PLAIN = {name: action for name, action in ACTIONS.items() if not action.panel}
CASES = [(action, status) for action in PLAIN for status in Status.values]


@pytest.mark.parametrize(("action", "status"), CASES)
def test_transition(shop, action, status):
    allowed, target, event_type = PLAIN[action].sources, PLAIN[action].target, PLAIN[action].event
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status=status)
    after_the_start = at(11)
    if status in allowed:
        result = services.booking_transition(
            booking=booking, action=action, actor=shop.staff, now=after_the_start
        )
        booking.refresh_from_db()
        assert result.status == booking.status == target
        [event] = events_of(booking)
        assert event.type == event_type
        assert event.actor == shop.staff and event.actor_label == "staff"
        assert event.before["status"] == status
        assert event.after["status"] == target
        assert event.before["start"] == event.after["start"]
    else:
        error = refused(
            "invalid_transition",
            services.booking_transition,
            booking=booking,
            action=action,
            actor=shop.staff,
            now=after_the_start,
        )
        assert Status(status).label.lower() in error.message.lower()
        booking.refresh_from_db()
        assert booking.status == status
        assert events_of(booking) == []


@pytest.mark.parametrize("status", Status.values)
def test_cancel(shop, status):
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status=status)
    if status in Booking.ACTIVE_STATUSES:
        services.booking_cancel(booking=booking, actor=shop.staff, now=NOW, business=shop.business)
        booking.refresh_from_db()
        assert booking.status == Status.CANCELLED
        [event] = events_of(booking)
        assert (event.before["status"], event.after["status"]) == (status, "cancelled")
    else:
        refused(
            "invalid_transition",
            services.booking_cancel,
            booking=booking,
            actor=shop.staff,
            now=NOW,
            business=shop.business,
        )
        booking.refresh_from_db()
        assert booking.status == status


@pytest.mark.parametrize("status", Status.values)
def test_reschedule(shop, status):
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status=status)
    if status in Booking.ACTIVE_STATUSES:
        services.booking_reschedule(
            booking=booking, start=at(11), actor=shop.staff, now=NOW, business=shop.business
        )
        booking.refresh_from_db()
        assert (booking.start, booking.status) == (at(11), status)
        [event] = events_of(booking)
        assert event.type == EventType.RESCHEDULED
        assert (event.before["status"], event.after["status"]) == (status, status)
    else:
        refused(
            "invalid_transition",
            services.booking_reschedule,
            booking=booking,
            start=at(11),
            actor=shop.staff,
            now=NOW,
            business=shop.business,
        )
        booking.refresh_from_db()
        assert booking.start == at(10)


def test_an_unknown_action_is_an_invalid_transition(shop):
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10))
    refused("invalid_transition", services.booking_transition, booking=booking, action="undo")


@pytest.mark.parametrize(
    ("action", "status"),
    [(name, sorted(action.sources)[0]) for name, action in PLAIN.items() if action.after_start],
)
def test_not_started(shop, action, status):
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status=status)
    error = refused(
        "not_started",
        services.booking_transition,
        booking=booking,
        action=action,
        actor=shop.staff,
        now=at(10) - dt.timedelta(seconds=1),
    )
    assert error.message == MESSAGES["not_started"]
    # At the start itself it may happen.
    services.booking_transition(booking=booking, action=action, actor=shop.staff, now=at(10))


def test_confirm_does_not_wait_for_the_start(shop):
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status="pending")
    services.booking_confirm(booking=booking, actor=shop.staff, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


def test_the_named_transition_helpers(shop):
    later = at(11)
    pending = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10), status="pending")
    assert services.booking_expire(booking=pending, now=later).status == Status.EXPIRED
    [event] = events_of(pending)
    assert (event.type, event.actor, event.actor_label) == (EventType.EXPIRED, None, "system")

    done = BookingFactory(service=shop.cut, resource=shop.ana, start=at(14))
    assert services.booking_complete(booking=done, actor=shop.staff, now=later.replace(hour=15))
    done.refresh_from_db()
    assert done.status == Status.COMPLETED

    missed = BookingFactory(service=shop.cut, resource=shop.bia, start=at(14))
    services.booking_mark_no_show(booking=missed, actor=shop.staff, now=at(15))
    missed.refresh_from_db()
    assert missed.status == Status.NO_SHOW
    assert events_of(missed)[0].type == EventType.NO_SHOW


def test_staff_correct_completed_and_no_show_both_ways(shop):
    booking = BookingFactory(service=shop.cut, resource=shop.ana, start=at(10))
    later = at(12)
    services.booking_complete(booking=booking, actor=shop.staff, now=later)
    services.booking_transition(booking=booking, action="mark_no_show", actor=shop.staff, now=later)
    booking.refresh_from_db()
    assert booking.status == Status.NO_SHOW
    services.booking_transition(
        booking=booking, action="mark_completed", actor=shop.staff, now=later
    )
    booking.refresh_from_db()
    assert booking.status == Status.COMPLETED
    types = [event.type for event in events_of(booking)]
    assert types == [EventType.COMPLETED, EventType.CORRECTED, EventType.CORRECTED]
    statuses = [(e.before["status"], e.after["status"]) for e in events_of(booking)]
    assert statuses == [
        ("confirmed", "completed"),
        ("completed", "no_show"),
        ("no_show", "completed"),
    ]


# --- One transaction ----------------------------------------------------------------------------


def test_a_failed_create_leaves_no_booking_and_no_event(shop, monkeypatch):
    def broken_event(*args, **kwargs):
        raise RuntimeError("the event table is on fire")

    monkeypatch.setattr(services, "_event", broken_event)
    with pytest.raises(RuntimeError):
        book(shop, at(10))
    assert Booking.objects.count() == 0
    assert BookingEvent.objects.count() == 0


def test_a_failed_cancel_leaves_the_booking_active(shop, monkeypatch):
    booking = book(shop, at(10))

    def broken_event(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_event", broken_event)
    with pytest.raises(RuntimeError):
        services.booking_cancel(booking=booking, actor=shop.staff, now=NOW, business=shop.business)
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED
    assert len(events_of(booking)) == 1


def test_a_reference_clash_is_retried_with_a_new_reference(shop, monkeypatch):
    first = book(shop, at(10))
    references = iter([first.reference, "NEWREF"])
    field = Booking._meta.get_field("reference")

    def next_reference():
        return next(references)

    monkeypatch.setattr(field, "default", next_reference)
    monkeypatch.setattr(field, "_get_default", next_reference)
    second = book(shop, at(11), client=ClientFactory())
    assert second.reference == "NEWREF"
    assert len(events_of(second)) == 1


# --- Clients by phone ---------------------------------------------------------------------------


def test_client_and_booking_are_made_together(shop):
    booking = services.booking_create_with_client(
        client_name="Olga",
        client_phone="(11) 94444-1234",
        client_email="Olga@Example.com",
        region="BR",
        whatsapp_consent=True,
        service=shop.cut,
        start=at(10),
        resource=shop.ana,
        source=Source.PUBLIC,
        now=NOW,
        business=shop.business,
    )
    client = booking.client
    assert (client.name, client.phone, client.email) == (
        "Olga",
        "+5511944441234",
        "olga@example.com",
    )
    assert client.source == Source.PUBLIC and client.whatsapp_consent
    assert booking.source == Source.PUBLIC


@pytest.mark.parametrize(("start", "code"), [(at(10), "slot_taken"), (at(12, 30), "outside_hours")])
def test_a_refused_booking_leaves_no_new_client_nor_consent(shop, start, code):
    book(shop, at(10))
    returning = ClientFactory(name="Rita", phone="+5511933331234")
    clients = Client.objects.count()
    for phone in ("11 94444-1234", "11 93333-1234"):  # a new client, a returning one
        refused(
            code,
            services.booking_create_with_client,
            client_name="Olga",
            client_phone=phone,
            region="BR",
            whatsapp_consent=True,
            service=shop.cut,
            start=start,
            resource=shop.ana,
            source=Source.PUBLIC,
            now=NOW,
            business=shop.business,
        )
    assert Client.objects.count() == clients
    returning.refresh_from_db()
    assert not returning.whatsapp_consent and returning.whatsapp_consent_at is None


def test_booking_actions_follow_the_table(shop):
    def offered(status, now):
        booking = BookingFactory.build(service=shop.cut, resource=shop.ana, start=at(10))
        booking.status = status
        return [action.name for action in booking_actions(booking=booking, now=now)]

    before, after = at(9), at(10)
    assert offered("pending", before) == ["confirm", "reschedule", "cancel"]
    assert offered("pending", after) == ["confirm", "reschedule", "cancel"]  # never "expire"
    assert offered("confirmed", before) == ["reschedule", "cancel"]
    assert offered("confirmed", after) == ["complete", "no_show", "reschedule", "cancel"]
    assert offered("completed", after) == ["mark_no_show"]
    assert offered("no_show", after) == ["mark_completed"]
    assert offered("cancelled", after) == offered("expired", after) == []
    assert ACTIONS["cancel"].confirm  # asks before it cancels


def test_client_get_or_create_creates_with_the_normalised_phone(shop):
    client, created = services.client_get_or_create(
        name="  Maria Silva ", phone="(11) 98765-4321", region="BR", email="Maria@Example.COM"
    )
    assert created is True
    assert client.phone == "+5511987654321"
    assert client.name == "Maria Silva"
    assert client.email == "maria@example.com"


@pytest.mark.parametrize(
    "phone",
    ["+55 11 98765-4321", "0055 11 98765 4321", "11987654321", "(11) 98765-4321", "+5511987654321"],
)
def test_client_get_or_create_finds_the_client_whatever_the_format(shop, phone):
    maria, _ = services.client_get_or_create(name="Maria", phone="(11) 98765-4321", region="BR")
    found, created = services.client_get_or_create(name="M. Silva", phone=phone, region="BR")
    assert created is False
    assert found == maria
    assert found.name == "Maria"  # an existing client keeps her name
    assert Client.objects.count() == 2  # Maria and the fixture's Paula


def test_client_get_or_create_completes_email_and_consent(shop):
    maria, _ = services.client_get_or_create(name="Maria", phone="11987654321", region="BR")
    found, created = services.client_get_or_create(
        name="Maria",
        phone="11987654321",
        region="BR",
        email="maria@example.com",
        whatsapp_consent=True,
    )
    assert created is False
    assert found == maria
    found.refresh_from_db()
    assert found.email == "maria@example.com"
    assert found.whatsapp_consent is True and found.whatsapp_consent_at is not None
    again, _ = services.client_get_or_create(
        name="Maria", phone="11987654321", region="BR", email="other@example.com"
    )
    again.refresh_from_db()
    assert again.email == "maria@example.com"  # never overwritten


def test_client_get_or_create_ignores_deactivated_clients(shop):
    old, _ = services.client_get_or_create(name="Old", phone="11987654321", region="BR")
    old.is_active = False
    old.save()
    new, created = services.client_get_or_create(name="New", phone="11987654321", region="BR")
    assert created is True
    assert new != old
    assert new.phone == old.phone == "+5511987654321"


def test_client_get_or_create_uses_the_region_for_national_numbers(shop):
    pt, created = services.client_get_or_create(name="Rui", phone="912 345 678", region="PT")
    assert created and pt.phone == "+351912345678"


def test_client_set_active_refuses_a_phone_clash_with_a_sentence(shop):
    old = ClientFactory(name="Old", phone="+5511955551111", is_active=False)
    ClientFactory(name="New", phone="+5511955551111")
    with pytest.raises(BookingError) as exc_info:
        services.client_set_active(client=old, active=True)
    assert exc_info.value.code == "phone_taken"
    assert "New is active with the same phone number" in exc_info.value.message
    old.refresh_from_db()
    assert not old.is_active


def test_a_phone_clash_the_checks_miss_is_phone_taken_not_a_database_error(shop):
    # Reactivated through an update that does not touch the phone: only the constraint sees it.
    old = ClientFactory(name="Old", phone="+5511955552222", is_active=False)
    ClientFactory(name="New", phone="+5511955552222")
    with pytest.raises(BookingError) as exc_info:
        services.client_update(client=old, region="BR", is_active=True)
    assert (exc_info.value.code, exc_info.value.field) == ("phone_taken", "phone")
    assert Client.objects.filter(phone="+5511955552222", is_active=True).count() == 1
