"""TRAPS #2 under real concurrency: many connections book the same slot at the same instant.

Each thread has its own database connection (Django's connections are per thread), enters
tenant alpha, waits at a barrier and calls `booking_create`. Only the exclusion constraint can
stop the losers: they all read an empty calendar before anyone commits.

The tests use `transactional_db` (commits for real), whose teardown truncates the public tables
(tenant and domain rows go, TRAPS #6): the fixtures put them back and empty what this module
wrote in alpha's schema, which the flush does not reach. No `django_db` marker on purpose: the
marker's autouse fixture would set the database up before `public_rows_restored`, and so flush
after that fixture restored the tenants.
"""

import datetime as dt
import threading
import time
import zoneinfo
from collections import Counter

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from bookings import services
from bookings.errors import BookingError
from bookings.models import Booking, BookingEvent, Client
from conftest import ensure_test_tenants
from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
from tenants.models import Tenant

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
TUESDAY = dt.date(2027, 3, 2)
START = dt.datetime.combine(TUESDAY, dt.time(10), TZ)
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)


def _empty_alpha() -> None:
    with schema_context("alpha"):
        BookingEvent.objects.all().delete()
        Booking.objects.all().delete()
        Client.objects.all().delete()
        Service.objects.all().delete()  # and its resources' links
        WeeklyHours.objects.all().delete()
        TimeOff.objects.all().delete()
        Resource.objects.all().delete()


@pytest.fixture
def salon(public_rows_restored, transactional_db):
    ensure_test_tenants()
    tenant = Tenant.objects.get(schema_name="alpha")
    _empty_alpha()
    with schema_context("alpha"):
        # The settings row is shared with the rest of the session: change a copy, not the row.
        business = BusinessSettings.load()
        business.timezone = "America/Sao_Paulo"
        business.slot_interval = 15
        business.min_notice_minutes = 60
        business.max_advance_days = 60
        business.requires_approval = False
        WeeklyHours.objects.create(weekday=TUESDAY.weekday(), start=dt.time(9), end=dt.time(18))
        chairs = [Resource.objects.create(name=f"Chair {i}", order=i) for i in range(1, 4)]
        cut = Service.objects.create(name="Cut", duration_minutes=30, price="40.00")
        cut.resources.set(chairs)
        clients = Client.objects.bulk_create(
            [Client(name=f"Racer {i}", phone=f"+55119{i:08d}") for i in range(50)]
        )
    yield {
        "tenant": tenant,
        "business": business,
        "chairs": chairs,
        "cut": cut,
        "clients": clients,
    }
    _empty_alpha()
    connection.set_schema_to_public()


def race(tenant: Tenant, count: int, book) -> list[tuple[str, object]]:
    """Run `book(i)` in `count` threads released together; each result is (kind, value)."""
    barrier = threading.Barrier(count, timeout=30)
    results: list[tuple[str, object]] = [("missing", None)] * count

    def worker(i: int) -> None:
        try:
            connection.set_tenant(tenant)
            connection.ensure_connection()  # connect before the barrier: race the insert
            barrier.wait()
            results[i] = ("booked", book(i))
        except BookingError as exc:
            results[i] = ("refused", exc.code)
        except Exception as exc:
            results[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_fifty_connections_book_the_same_slot_and_exactly_one_wins(salon):
    chair, cut, business = salon["chairs"][0], salon["cut"], salon["business"]
    clients = salon["clients"]

    def book(i: int) -> int:
        booking = services.booking_create(
            service=cut,
            start=START,
            client=clients[i],
            resource=chair,
            now=NOW,
            business=business,
        )
        return booking.pk

    began = time.monotonic()
    results = race(salon["tenant"], 50, book)
    elapsed = time.monotonic() - began

    kinds = Counter(kind for kind, _ in results)
    errors = [value for kind, value in results if kind == "error"]
    assert errors == []
    assert kinds == {"booked": 1, "refused": 49}
    assert Counter(value for kind, value in results if kind == "refused") == {"slot_taken": 49}
    [winner] = [value for kind, value in results if kind == "booked"]
    with schema_context("alpha"):
        assert list(Booking.objects.values_list("pk", "resource_id", "start")) == [
            (winner, chair.pk, START)
        ]
        assert BookingEvent.objects.filter(booking_id=winner).count() == 1
        assert BookingEvent.objects.count() == 1
    assert elapsed < 10


def test_any_available_under_concurrency_fills_each_resource_once(salon):
    cut, business, clients = salon["cut"], salon["business"], salon["clients"]

    def book(i: int) -> int:
        booking = services.booking_create(
            service=cut, start=START, client=clients[i], resource=None, now=NOW, business=business
        )
        return booking.resource_id

    results = race(salon["tenant"], 10, book)

    assert [value for kind, value in results if kind == "error"] == []
    resources = sorted(value for kind, value in results if kind == "booked")
    assert resources == sorted(chair.pk for chair in salon["chairs"])
    refusals = [value for kind, value in results if kind == "refused"]
    assert len(refusals) == 7
    assert set(refusals) <= {"no_resource_free", "slot_taken"}
    with schema_context("alpha"):
        rows = list(Booking.objects.values_list("resource_id", flat=True))
        assert sorted(rows) == resources
        assert BookingEvent.objects.count() == 3
