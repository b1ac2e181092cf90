"""TRAPS #1 and #2: the database itself refuses overlapping occupying bookings of one resource.

Occupying: pending, confirmed, completed and no-show (a completed booking occupied its
resource; a no-show's time was held for the client). Cancelled and expired ones free it.

Nothing here goes through the booking services: raw SQL and `bulk_create` must be refused too.
"""

import datetime as dt
import zoneinfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django_tenants.utils import schema_context

from bookings.models import Booking, new_manage_token, new_reference
from bookings.services import _occupied
from bookings.tests.factories import BookingFactory, ClientFactory
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
TUESDAY = dt.date(2027, 3, 2)
Status = Booking.Status


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(TUESDAY, dt.time(hour, minute), TZ)


@pytest.fixture
def chair(alpha):
    ana = ResourceFactory(name="Ana")
    cut = ServiceFactory(name="Cut", duration_minutes=30, performers=[ana])
    return {"ana": ana, "cut": cut, "client": ClientFactory()}


def _constraint(exc_info) -> str:
    return exc_info.value.__cause__.diag.constraint_name


def _raw_insert(*, resource, service, client, start, end, status="confirmed") -> None:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO bookings_booking (
                reference, service_id, resource_id, client_id, start, "end", occupied,
                status, source, price, client_notes, internal_notes, cancellation_reason,
                cancelled_by_client, manage_token, created_at, updated_at
            ) VALUES (
                %s, %s, %s, %s, %s, %s, tstzrange(%s, %s, '[)'),
                %s, 'staff', 0, '', '', '', false, %s, %s, %s
            )
            """,
            [
                new_reference(),
                service.pk,
                resource.pk,
                client.pk,
                start,
                end,
                start,
                end,
                status,
                new_manage_token(),
                now,
                now,
            ],
        )


def test_raw_sql_overlapping_insert_is_refused_by_booking_no_overlap(chair):
    BookingFactory(service=chair["cut"], resource=chair["ana"], start=at(10))
    with (
        pytest.raises(IntegrityError, match="booking_no_overlap") as exc_info,
        transaction.atomic(),
    ):
        _raw_insert(
            resource=chair["ana"],
            service=chair["cut"],
            client=chair["client"],
            start=at(10, 15),
            end=at(10, 45),
        )
    assert _constraint(exc_info) == "booking_no_overlap"
    assert Booking.objects.count() == 1


def test_raw_sql_pending_counts_as_active_too(chair):
    BookingFactory(service=chair["cut"], resource=chair["ana"], start=at(10), status="pending")
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        _raw_insert(
            resource=chair["ana"],
            service=chair["cut"],
            client=chair["client"],
            start=at(9, 45),
            end=at(10, 15),
            status="pending",
        )


def test_raw_sql_back_to_back_insert_is_allowed(chair):
    BookingFactory(service=chair["cut"], resource=chair["ana"], start=at(10))
    _raw_insert(
        resource=chair["ana"],
        service=chair["cut"],
        client=chair["client"],
        start=at(10, 30),
        end=at(11),
    )
    _raw_insert(
        resource=chair["ana"],
        service=chair["cut"],
        client=chair["client"],
        start=at(9, 30),
        end=at(10),
    )
    assert Booking.objects.count() == 3


def test_bulk_create_of_two_overlapping_bookings_is_refused(chair):
    cut, ana = chair["cut"], chair["ana"]
    rows = [
        BookingFactory.build(service=cut, resource=ana, client=chair["client"], start=at(10)),
        BookingFactory.build(service=cut, resource=ana, client=chair["client"], start=at(10, 15)),
    ]
    with pytest.raises(IntegrityError) as exc_info, transaction.atomic():
        Booking.objects.bulk_create(rows)
    assert _constraint(exc_info) == "booking_no_overlap"
    assert Booking.objects.count() == 0


def test_bulk_create_overlapping_an_existing_booking_is_refused(chair):
    cut, ana = chair["cut"], chair["ana"]
    BookingFactory(service=cut, resource=ana, start=at(10))
    row = BookingFactory.build(service=cut, resource=ana, client=chair["client"], start=at(9, 45))
    with pytest.raises(IntegrityError) as exc_info, transaction.atomic():
        Booking.objects.bulk_create([row])
    assert _constraint(exc_info) == "booking_no_overlap"
    assert Booking.objects.count() == 1


def test_bulk_create_back_to_back_is_allowed(chair):
    cut, ana, client = chair["cut"], chair["ana"], chair["client"]
    Booking.objects.bulk_create(
        [
            BookingFactory.build(service=cut, resource=ana, client=client, start=at(9, 30)),
            BookingFactory.build(service=cut, resource=ana, client=client, start=at(10)),
            BookingFactory.build(service=cut, resource=ana, client=client, start=at(10, 30)),
        ]
    )
    assert Booking.objects.count() == 3


def test_a_buffer_overlapping_the_next_booking_is_refused(chair):
    ana = chair["ana"]
    cleanup = ServiceFactory(name="Colour", duration_minutes=30, buffer_after_minutes=15)
    prepare = ServiceFactory(name="Massage", duration_minutes=30, buffer_before_minutes=10)
    BookingFactory(service=cleanup, resource=ana, start=at(10))  # occupies [10:00, 10:45)
    assert Booking.objects.get().occupied == DateTimeTZRange(at(10), at(10, 45), "[)")
    # 10:30 is free by the clock, but the 15-minute clean-up after 10:00 is not over.
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        BookingFactory(service=chair["cut"], resource=ana, start=at(10, 30))
    # A booking whose buffer before reaches back into 10:45 is refused as well ...
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        BookingFactory(service=prepare, resource=ana, start=at(10, 50))  # [10:40, 11:20)
    # ... and both fit once the buffers only touch.
    BookingFactory(service=chair["cut"], resource=ana, start=at(10, 45))  # [10:45, 11:15)
    BookingFactory(service=prepare, resource=ana, start=at(11, 25))  # [11:15, 11:55)
    assert Booking.objects.count() == 3


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.EXPIRED])
def test_cancelled_and_expired_bookings_do_not_block_the_slot(chair, status):
    cut, ana = chair["cut"], chair["ana"]
    BookingFactory(service=cut, resource=ana, start=at(10), status=status)
    BookingFactory(service=cut, resource=ana, start=at(10))
    assert Booking.objects.filter(status=Status.CONFIRMED).count() == 1


@pytest.mark.parametrize("held", [Status.COMPLETED, Status.NO_SHOW])
@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW])
def test_completed_and_no_show_bookings_hold_their_time(chair, held, status):
    """The demo's Thursday: a completed 09:00-09:30 and a 09:00-09:50 on one professional."""
    cut, ana = chair["cut"], chair["ana"]
    BookingFactory(service=cut, resource=ana, start=at(9), status=held)
    longer = ServiceFactory(name="Cut and beard", duration_minutes=50, performers=[ana])
    with pytest.raises(IntegrityError) as exc_info, transaction.atomic():
        BookingFactory(service=longer, resource=ana, start=at(9), status=status)
    assert _constraint(exc_info) == "booking_no_overlap"
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        _raw_insert(
            resource=ana,
            service=cut,
            client=chair["client"],
            start=at(9, 20),
            end=at(9, 50),
            status=status,
        )
    assert Booking.objects.count() == 1


def test_correcting_completed_and_no_show_is_never_refused_for_an_overlap(chair):
    cut, ana = chair["cut"], chair["ana"]
    booking = BookingFactory(service=cut, resource=ana, start=at(9), status=Status.COMPLETED)
    BookingFactory(service=cut, resource=ana, start=at(9, 30), status=Status.COMPLETED)
    for status in (Status.NO_SHOW, Status.COMPLETED, Status.NO_SHOW):
        booking.status = status
        booking.save(update_fields=["status"])
    assert Booking.objects.get(pk=booking.pk).status == Status.NO_SHOW


def test_an_inactive_booking_cannot_be_made_active_over_another(chair):
    cut, ana = chair["cut"], chair["ana"]
    old = BookingFactory(service=cut, resource=ana, start=at(10), status=Status.CANCELLED)
    BookingFactory(service=cut, resource=ana, start=at(10))
    old.status = Status.CONFIRMED
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        old.save(update_fields=["status"])


def test_the_same_time_on_two_resources_is_fine(chair):
    bia = ResourceFactory(name="Bia")
    BookingFactory(service=chair["cut"], resource=chair["ana"], start=at(10))
    BookingFactory(service=chair["cut"], resource=bia, start=at(10))
    assert Booking.objects.filter(start=at(10)).count() == 2


def test_occupied_comes_from_the_service_with_its_buffers(chair):
    service = ServiceFactory(duration_minutes=45, buffer_before_minutes=5, buffer_after_minutes=10)
    end, occupied = _occupied(service, at(10))
    assert end == at(10, 45)
    assert occupied == DateTimeTZRange(at(9, 55), at(10, 55), "[)")


def test_the_constraint_lives_in_every_tenant_schema(tenant_alpha, tenant_beta):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.contype, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE c.conname = 'booking_no_overlap'
            """
        )
        rows = {schema: (kind, definition) for schema, kind, definition in cursor.fetchall()}
    assert {"alpha", "beta"} <= set(rows)
    assert "public" not in rows  # bookings is a tenant app: no table in the public schema
    for schema in ("alpha", "beta"):
        kind, definition = rows[schema]
        assert kind == "x"  # an exclusion constraint
        assert "EXCLUDE USING gist (resource_id WITH =, occupied WITH &&)" in definition
        for status in ("pending", "confirmed", "completed", "no_show"):
            assert f"'{status}'" in definition
        assert "'cancelled'" not in definition and "'expired'" not in definition
        assert "NOT overlap_exempt" in definition


def test_btree_gist_stays_in_the_public_schema(tenant_alpha, tenant_beta):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname
            FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'btree_gist'
            """
        )
        assert cursor.fetchall() == [("public",)]


def test_the_constraint_works_in_beta_independently_of_alpha(tenant_alpha, tenant_beta):
    """Same resource id, same time, two businesses: no clash; a clash inside beta is refused."""
    with schema_context("alpha"):
        ana = ResourceFactory(name="Ana")
        cut = ServiceFactory(performers=[ana])
        BookingFactory(service=cut, resource=ana, start=at(10))
    with schema_context("beta"):
        ana_beta = ResourceFactory(name="Ana")
        cut_beta = ServiceFactory(performers=[ana_beta])
        BookingFactory(service=cut_beta, resource=ana_beta, start=at(10))
        with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
            BookingFactory(service=cut_beta, resource=ana_beta, start=at(10, 15))
        assert Booking.objects.count() == 1
    with schema_context("alpha"):
        assert Booking.objects.count() == 1
