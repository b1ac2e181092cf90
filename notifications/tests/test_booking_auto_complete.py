"""Past bookings close on their own: confirmed → completed after the end plus the business's grace.

A fixed `now`; bookings saved by the factory (one resource per booking, so none overlap).
"""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import OwnerFactory
from bookings import services
from bookings.models import Booking, BookingEvent
from bookings.tests.factories import BookingFactory, ClientFactory
from conftest import empty_calendar, ensure_test_tenants
from notifications.models import Kind, Message
from scheduling.models import BusinessSettings

Status = Booking.Status
NOW = dt.datetime(2027, 3, 2, 18, 0, tzinfo=dt.UTC)


def _ended(minutes_ago: int, status: str = Status.CONFIRMED, **kwargs) -> Booking:
    """A 30-minute booking (the factory's service) that ended `minutes_ago` before NOW."""
    start = NOW - dt.timedelta(minutes=minutes_ago + 30)
    booking = BookingFactory(start=start, status=status, **kwargs)
    assert booking.end == NOW - dt.timedelta(minutes=minutes_ago)
    return booking


@pytest.fixture
def grace_60(alpha):
    business = BusinessSettings.load()
    business.auto_complete_after_minutes = 60
    business.save()
    return business


def _status(booking: Booking) -> str:
    booking.refresh_from_db()
    return booking.status


def test_only_confirmed_bookings_past_the_grace_complete(grace_60):
    due = _ended(61)
    just_due = _ended(60)
    within_grace = _ended(59)
    untouched = {
        status: _ended(600, status=status)
        for status in (Status.NO_SHOW, Status.CANCELLED, Status.PENDING, Status.EXPIRED)
    }

    done = services.bookings_auto_complete(now=NOW)

    assert sorted(done) == sorted([due.pk, just_due.pk])
    assert _status(due) == _status(just_due) == Status.COMPLETED
    assert _status(within_grace) == Status.CONFIRMED
    for status, booking in untouched.items():
        assert _status(booking) == status
    assert not BookingEvent.objects.filter(booking__in=untouched.values()).exists()


def test_the_event_says_automatic_and_running_twice_doubles_nothing(grace_60):
    client = ClientFactory(email="ana@example.com", whatsapp_consent=True)
    booking = _ended(90, client=client)

    assert services.bookings_auto_complete(now=NOW) == [booking.pk]
    assert services.bookings_auto_complete(now=NOW + dt.timedelta(minutes=5)) == []

    (event,) = BookingEvent.objects.filter(booking=booking, type=BookingEvent.Type.COMPLETED)
    assert event.actor is None and event.actor_label == services.AUTO_COMPLETE_ACTOR
    assert str(event.get_actor_label_display()) == "automatic"
    assert (event.before["status"], event.after["status"]) == (Status.CONFIRMED, Status.COMPLETED)
    # The outbox reacted as to a member's "Completed": one follow-up, not two.
    follow_ups = Message.objects.filter(booking=booking, kind=Kind.FOLLOW_UP)
    assert follow_ups.count() == 1
    assert follow_ups.get().send_after == booking.end + dt.timedelta(hours=24)


def test_staff_can_still_correct_an_automatic_completion_to_no_show(grace_60):
    client = ClientFactory(email="ana@example.com", whatsapp_consent=True)
    booking = _ended(90, client=client)
    services.bookings_auto_complete(now=NOW)

    services.booking_transition(
        booking=booking, action="mark_no_show", actor=OwnerFactory(), now=NOW
    )

    assert _status(booking) == Status.NO_SHOW
    follow_up = Message.objects.get(booking=booking, kind=Kind.FOLLOW_UP)
    assert follow_up.status == Message.Status.CANCELLED
    assert services.bookings_auto_complete(now=NOW + dt.timedelta(days=1)) == []
    assert _status(booking) == Status.NO_SHOW


@pytest.fixture
def committed(public_rows_restored, transactional_db):
    """Committed rows (another connection must see them); tenant alpha emptied after: its
    calendar, its members and the grace put back to the default."""
    ensure_test_tenants()
    yield
    empty_calendar("alpha")
    default = BusinessSettings._meta.get_field("auto_complete_after_minutes").default
    with schema_context("alpha"):
        User.objects.all().delete()
        BusinessSettings.objects.filter(pk=1).update(auto_complete_after_minutes=default)


def test_a_booking_staff_are_changing_is_skipped_and_their_change_wins(committed):
    with schema_context("alpha"):
        BusinessSettings.objects.filter(pk=1).update(auto_complete_after_minutes=60)
        contested = _ended(90)
        other = _ended(120)
        owner = OwnerFactory()
    locked, release, errors = threading.Event(), threading.Event(), []

    def staff_marks_no_show():
        try:
            with schema_context("alpha"), transaction.atomic():
                row = Booking.objects.select_for_update().get(pk=contested.pk)
                locked.set()
                release.wait(timeout=10)
                services.booking_mark_no_show(booking=row, actor=owner, now=NOW)
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            locked.set()
            connection.close()

    staff = threading.Thread(target=staff_marks_no_show)
    staff.start()
    assert locked.wait(timeout=10)
    with schema_context("alpha"):
        done = services.bookings_auto_complete(now=NOW)  # does not wait for the member's lock
    release.set()
    staff.join(timeout=10)

    assert not errors
    assert done == [other.pk]
    with schema_context("alpha"):
        assert _status(contested) == Status.NO_SHOW
        assert services.bookings_auto_complete(now=NOW) == []
        assert _status(contested) == Status.NO_SHOW
        assert not BookingEvent.objects.filter(
            booking=contested, type=BookingEvent.Type.COMPLETED
        ).exists()


def test_each_business_uses_its_own_grace(tenant_alpha, tenant_beta):
    with schema_context("alpha"):
        BusinessSettings.objects.filter(pk=1).update(auto_complete_after_minutes=30)
        alpha_booking = _ended(45)
    with schema_context("beta"):
        BusinessSettings.load()  # the default grace: 2 hours
        beta_recent = _ended(45)
        beta_old = _ended(121)

    with schema_context("alpha"):
        assert services.bookings_auto_complete(now=NOW) == [alpha_booking.pk]
    with schema_context("beta"):
        assert BusinessSettings.load().auto_complete_after_minutes == 120
        assert services.bookings_auto_complete(now=NOW) == [beta_old.pk]
        assert _status(beta_recent) == Status.CONFIRMED


def test_beat_runs_it_for_every_business():
    entry = settings.CELERY_BEAT_SCHEDULE["bookings-auto-complete"]
    assert entry["task"] == "bookings.tasks.auto_complete_all"
    assert entry["schedule"] <= 15 * 60
    from bookings import tasks

    assert tasks.auto_complete_all.name == entry["task"]


def test_the_beat_task_queues_one_run_per_business_inside_its_schema(
    tenant_alpha, tenant_beta, monkeypatch
):
    from bookings import tasks
    from tenants.selectors import tenant_list_active

    schemas = []
    monkeypatch.setattr(
        tasks.auto_complete_tenant, "delay", lambda: schemas.append(connection.schema_name)
    )
    assert tasks.auto_complete_all() == tenant_list_active().count() == len(schemas)
    assert {"alpha", "beta"} <= set(schemas) and "public" not in schemas
    assert connection.schema_name == "public"
