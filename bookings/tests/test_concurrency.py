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
import re
import threading
import time
import uuid
import zoneinfo
from collections import Counter
from unittest import mock

import psycopg
import pytest
import time_machine
from django.db import OperationalError, connection, transaction
from django.test import Client as HttpClient
from django_tenants.utils import schema_context

from bookings import services
from bookings.errors import BookingError
from bookings.models import Booking, BookingEvent, Client
from conftest import empty_calendar, ensure_test_tenants
from scheduling.models import BusinessSettings, Resource, Service, WeeklyHours
from tenants.models import Tenant

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
TUESDAY = dt.date(2027, 3, 2)
START = dt.datetime.combine(TUESDAY, dt.time(10), TZ)
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)


@pytest.fixture
def salon(public_rows_restored, transactional_db):
    ensure_test_tenants()
    tenant = Tenant.objects.get(schema_name="alpha")
    empty_calendar("alpha")
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
    empty_calendar("alpha")
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


# --- Taking turns on a resource's calendar (TRAPS #16) -------------------------------------------


def _holding_a_turn(salon, *, resource):
    """A thread that books `resource` at START and keeps its transaction open until released."""
    inserted, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            connection.set_tenant(salon["tenant"])
            with transaction.atomic():
                services.booking_create(
                    service=salon["cut"],
                    start=START,
                    client=salon["clients"][0],
                    resource=resource,
                    now=NOW,
                    business=salon["business"],
                )
                inserted.set()
                release.wait(20)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert inserted.wait(10)
    return thread, release


def _waiting_lock(pid: int) -> str | None:
    """What backend `pid` waits for (pg_locks' locktype) once it waits; None if it never does."""
    deadline = time.monotonic() + 5
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT locktype FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
            row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.02)
    return None


def test_a_second_writer_waits_for_its_turn_before_inserting_and_then_hears_slot_taken(salon):
    """The loser waits on the resource's advisory lock, not on the winner's row half-inserted
    (two half-inserted rows waiting on each other is the deadlock)."""
    chair = salon["chairs"][0]
    holder, release = _holding_a_turn(salon, resource=chair)
    outcome: dict = {}

    def second() -> None:
        try:
            connection.set_tenant(salon["tenant"])
            connection.ensure_connection()
            outcome["pid"] = connection.connection.info.backend_pid
            services.booking_create(
                service=salon["cut"],
                start=START,
                client=salon["clients"][1],
                resource=chair,
                now=NOW,
                business=salon["business"],
            )
            outcome["result"] = "booked"
        except BookingError as exc:
            outcome["result"] = exc.code
        finally:
            connection.close()

    thread = threading.Thread(target=second)
    thread.start()
    try:
        while "pid" not in outcome:
            time.sleep(0.01)
        assert _waiting_lock(outcome["pid"]) == "advisory"
    finally:
        release.set()
        holder.join(20)
        thread.join(20)
    assert outcome["result"] == "slot_taken"


def test_writers_of_other_resources_do_not_wait(salon):
    holder, release = _holding_a_turn(salon, resource=salon["chairs"][0])
    try:
        connection.set_tenant(salon["tenant"])
        began = time.monotonic()
        booking = services.booking_create(
            service=salon["cut"],
            start=START,
            client=salon["clients"][1],
            resource=salon["chairs"][1],
            now=NOW,
            business=salon["business"],
        )
        assert booking.resource_id == salon["chairs"][1].pk
        assert time.monotonic() - began < 2
    finally:
        release.set()
        holder.join(20)
        connection.set_schema_to_public()


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


@pytest.mark.parametrize(
    "deadlocks, expected", [(1, "booked"), (services.SAVE_ATTEMPTS, "refused")]
)
def test_a_deadlock_is_tried_again_then_answered_slot_taken_never_an_error(
    salon, deadlocks, expected
):
    real_save = Booking.save
    calls = []

    def save(self, *args, **kwargs):
        calls.append(1)
        if len(calls) <= deadlocks:
            raise _deadlock()
        return real_save(self, *args, **kwargs)

    with schema_context("alpha"), mock.patch.object(Booking, "save", save):
        try:
            services.booking_create(
                service=salon["cut"],
                start=START,
                client=salon["clients"][0],
                resource=salon["chairs"][0],
                now=NOW,
                business=salon["business"],
            )
            result = "booked"
        except BookingError as exc:
            assert exc.code == "slot_taken"
            result = "refused"
        assert result == expected
        assert Booking.objects.count() == (1 if expected == "booked" else 0)


# --- Over HTTP: a crowd on the public booking page (G3 item 1, TRAPS #16) ------------------------

CROWD, ROUNDS = 30, 20
TAKEN = "Sorry, that time was just taken."


@pytest.fixture
def open_salon(salon):
    """The salon with its settings saved (the pages read the row), put back afterwards."""
    with schema_context("alpha"):
        saved = BusinessSettings.load()
        salon["business"].save()
    yield salon
    with schema_context("alpha"):
        saved.save()


def _crowd(url_of, start_of) -> list[list[tuple]]:
    """`CROWD` browsers, each on its own connection, post the details form together, round
    after round: in round r all want `start_of(r)` at `url_of(r)`. Results [round][browser]:
    (status, body, error)."""
    barrier = threading.Barrier(CROWD, timeout=30)
    results = [[("missing", "", "")] * CROWD for _ in range(ROUNDS)]

    def browse(i: int) -> None:
        browser = HttpClient(HTTP_HOST="alpha.localhost", raise_request_exception=False)
        try:
            connection.ensure_connection()  # connect first: race the posts, not the logins
            for round_ in range(ROUNDS):
                data = {
                    "name": f"Racer {round_}-{i}",
                    "phone": f"+551199{round_:03d}{i:04d}",
                    "email": "",
                    "notes": "",
                    "start": start_of(round_).isoformat(),
                    "idem": uuid.uuid4().hex,
                }
                barrier.wait()
                # Each post from its own address: the crowd, not the rate limit, is under test.
                try:
                    response = browser.post(
                        url_of(round_), data, REMOTE_ADDR=f"10.0.{round_}.{i + 1}"
                    )
                except Exception as exc:
                    results[round_][i] = ("exception", "", repr(exc))
                    continue
                error = getattr(response, "exc_info", None)
                results[round_][i] = (response.status_code, response.content.decode(), repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=browse, args=(i,)) for i in range(CROWD)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_thirty_browsers_post_one_slot_twenty_times_and_never_see_a_500(open_salon):
    """Each round: one booking, 29 "slot taken" answers (409) with fresh times, nothing else."""
    salon = open_salon
    chairs, cut = salon["chairs"], salon["cut"]

    def chair_of(round_: int) -> Resource:
        return chairs[round_ % len(chairs)]

    def start_of(round_: int) -> dt.datetime:
        return START.replace(hour=9) + dt.timedelta(minutes=30 * (round_ // len(chairs)))

    began = time.monotonic()
    with time_machine.travel(NOW, tick=True):
        results = _crowd(lambda r: f"/book/{cut.pk}/{chair_of(r).pk}/details/", start_of)
    elapsed = time.monotonic() - began

    statuses = Counter(status for round_ in results for status, _, _ in round_)
    failures = [
        (r, status, error)
        for r, round_ in enumerate(results)
        for status, _, error in round_
        if status not in (302, 409)
    ]
    assert failures == [], failures[:3]
    assert statuses == {302: ROUNDS, 409: ROUNDS * (CROWD - 1)}
    for r, round_ in enumerate(results):
        assert sorted(status for status, _, _ in round_) == [302] + [409] * (CROWD - 1)
        for status, body, _ in round_:
            if status == 409:
                assert TAKEN in body
                fresh = re.findall(r'type="radio" name="start" value="([^"]+)"', body)
                assert fresh, "the loser is offered the day's other times"
                assert start_of(r).isoformat() not in fresh
    with schema_context("alpha"):
        booked = sorted(Booking.objects.values_list("resource_id", "start"))
        assert booked == sorted((chair_of(r).pk, start_of(r)) for r in range(ROUNDS))
        assert BookingEvent.objects.count() == ROUNDS
        # A loser's details left nothing behind: one new client per booking.
        assert Client.objects.filter(name__regex=r"^Racer \d+-\d+$").count() == ROUNDS
    assert elapsed < 90, f"{elapsed:.1f}s"  # about 40 s on a busy two-core machine
