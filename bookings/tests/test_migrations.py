"""Migrations that change what the database refuses must succeed on the data already there."""

import datetime as dt
import zoneinfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from bookings.models import Booking
from bookings.tests.factories import BookingFactory, ClientFactory
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
THURSDAY = dt.date(2026, 11, 26)
BEFORE = ("bookings", "0005_client_created_by")
# Forward again to the newest migration: later ones (e.g. a client's erased_at) must be there
# for the factories once the test is back on today's schema.
(AFTER,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("bookings")


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(THURSDAY, dt.time(hour, minute), TZ)


def _migrate(target) -> None:
    # Rows inserted earlier in this test's transaction leave deferred foreign-key checks
    # pending, and PostgreSQL refuses ALTER TABLE while they are: run them now.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _insert(**fields) -> Booking:
    """A row as the old schema took it (the old constraint only: pending/confirmed)."""
    booking = BookingFactory.build(**fields)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO bookings_booking (
                reference, service_id, resource_id, client_id, start, "end", occupied,
                status, source, price, client_notes, internal_notes, cancellation_reason,
                cancelled_by_client, manage_token, created_at, updated_at
            ) VALUES (
                %s, %s, %s, %s, %s, %s, %s, %s, 'public', 0, '', '', '', false, %s,
                %s, %s
            ) RETURNING id
            """,
            [
                booking.reference,
                booking.service_id,
                booking.resource_id,
                booking.client_id,
                booking.start,
                booking.end,
                booking.occupied,
                booking.status,
                booking.manage_token,
                fields.get("created_at", booking.start),
                booking.start,
            ],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def old_schema(alpha):
    """Tenant alpha's schema as it was before 0006, with two resources, two services and a
    client made on today's schema first (factories know only today's columns); migrated forward
    again by the test."""
    ana, bia = ResourceFactory(name="Ana"), ResourceFactory(name="Bia")
    made = {
        "ana": ana,
        "bia": bia,
        "cut": ServiceFactory(name="Cut", duration_minutes=30, performers=[ana, bia]),
        "beard": ServiceFactory(name="Cut and beard", duration_minutes=50, performers=[ana, bia]),
        "client": ClientFactory(),
    }
    _migrate(BEFORE)
    yield made
    _migrate(AFTER)  # the test's transaction rolls back anyway; this keeps the state sane


def test_overlapping_past_bookings_are_kept_and_the_constraint_covers_completed(old_schema):
    ana, bia, cut, beard, client = (
        old_schema[name] for name in ("ana", "bia", "cut", "beard", "client")
    )

    def row(service, resource, start, status, created):
        return _insert(
            service=service,
            resource=resource,
            client=client,
            start=start,
            status=status,
            created_at=at(8, created),
        )

    # The demo's Thursday: 09:00-09:30 and 09:00-09:50, both completed, on Ana.
    first = row(cut, ana, at(9), "completed", 1)
    second = row(beard, ana, at(9), "completed", 2)
    # A no-show under a later, confirmed booking (still confirmed: never marked).
    confirmed = row(cut, ana, at(11), "confirmed", 5)
    missed = row(beard, ana, at(10, 40), "no_show", 3)
    # A chain on Bia: 14:00 overlaps 14:20, which overlaps 14:50; 14:00 and 14:50 do not.
    chain = [
        row(cut, bia, at(14), "completed", 1),
        row(beard, bia, at(14, 20), "no_show", 2),
        row(cut, bia, at(14, 50), "completed", 3),
    ]
    # Cancelled ones overlap anything: they never hold time.
    cancelled = row(cut, ana, at(9), "cancelled", 4)
    clean = row(cut, bia, at(16), "completed", 1)

    _migrate(AFTER)

    rows = dict(Booking.objects.values_list("pk", "overlap_exempt"))
    assert len(rows) == 9  # nothing deleted
    assert set(Booking.objects.values_list("status", flat=True)) == {
        "completed",
        "no_show",
        "confirmed",
        "cancelled",
    }
    exempt = {pk for pk, flag in rows.items() if flag}
    assert exempt == {second, missed, chain[1]}
    assert not {first, confirmed, chain[0], chain[2], cancelled, clean} & exempt
    # From now on a completed booking holds its time like a confirmed one.
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        BookingFactory(
            service=cut, resource=bia, client=client, start=at(16, 15), status="completed"
        )


def test_the_migration_runs_on_a_schema_without_bookings(old_schema):
    _migrate(AFTER)
    assert not Booking.objects.exists()
