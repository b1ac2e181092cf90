"""Faults, on servers of the test's own (config/tests/local_servers.py), each bounded in time.

PostgreSQL restarted under load: a project-local cluster, migrated with the demo business, serves
a real gunicorn (two workers that keep their connections, CONN_MAX_AGE) while clients keep asking
for pages; the cluster is stopped and started again. While it is down every request gets the 503
page with Retry-After (config/outages.py), never a 500; once it is back no request fails, because
CONN_HEALTH_CHECKS replaces each worker's dead connection before using it (TRAPS #14).

Redis stopped: the cache fails open and the hand-over to a worker is given up (the outbox keeps
the message), so the booking pages and a booking keep working; once Redis is back a real worker
and the beat's `dispatch_all` send the waiting message, once. The SIGKILL and lost-broker delivery
tests live in notifications/tests (test_integration.py, test_sending.py).
"""

import datetime as dt
import os
import threading
import time
import uuid
import zoneinfo
from collections import Counter
from dataclasses import dataclass

import kombu.pools
import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django_tenants.utils import schema_context

from bookings.models import Booking
from config.celery import app as celery_app
from config.outages import FailOpenRedisCache, server_error
from config.tests.local_servers import get, gunicorn, local_postgres, local_redis, manage
from config.tests.workers import running_worker
from conftest import empty_calendar, ensure_test_tenants, host_client
from notifications.fake_whatsapp import make_server
from notifications.models import Message
from notifications.tasks import dispatch_all
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory
from tenants.ratelimit import limit_hit

DEMO_HOST = "demo.localhost"
PLATFORM_HOST = "localhost"
OUTAGE_SECONDS = 2.0  # how long PostgreSQL stays down
AFTER_SECONDS = 3.0  # how long the clients go on once it is back
CLIENTS = 4


@dataclass(frozen=True)
class Answer:
    phase: str  # when the request was sent: before, down, restarting, back
    host: str
    path: str
    status: int
    retry_after: str | None
    body: str


def _web_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        # The cache (and any broker use) on the test run's own Redis database.
        "TEST_REDIS_URL": django_settings.REDIS_URL,
        "DEMO_PASSWORD": "faults-demo-password",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="module")
def demo_site():
    """A local cluster with the platform and the demo business, and gunicorn serving it."""
    with local_postgres() as cluster:
        cluster.create_database("agendo")
        env = _web_env(cluster.url("agendo"))
        manage(env, "migrate_schemas", "--shared", "-v", "0")
        manage(env, "seed_demo", timeout=120)

        def ready(port: int) -> bool:
            try:
                return get(port, "/", DEMO_HOST)[0] == 200
            except OSError:
                return False

        with gunicorn(env, workers=2, ready=ready) as (port, log):
            yield cluster, port, log


def _paths(port: int) -> list[tuple[str, str]]:
    """The demo's booking page, a service's first step, the login page and the platform's home."""
    status, _, page = get(port, "/", DEMO_HOST)
    assert status == 200
    first_service = page.split('href="/book/', 1)[1].split('"', 1)[0]
    return [
        (DEMO_HOST, "/"),
        (DEMO_HOST, f"/book/{first_service}"),
        (DEMO_HOST, "/accounts/login/"),
        (PLATFORM_HOST, "/"),
    ]


def test_postgres_restarted_under_load_gives_503_while_down_and_no_5xx_after(demo_site):
    cluster, port, server_log = demo_site
    paths = _paths(port)
    phase = "before"
    answers: list[Answer] = []
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def client(number: int) -> None:
        i = number
        while not stop.is_set():
            host, path = paths[i % len(paths)]
            i += 1
            sent_in = phase
            try:
                status, headers, body = get(port, path, host)
            except OSError as exc:  # the web server itself must never stop answering
                with lock:
                    errors.append(f"{host}{path} ({sent_in}): {exc!r}")
                continue
            with lock:
                answers.append(
                    Answer(sent_in, host, path, status, headers.get("Retry-After"), body)
                )

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        cluster.stop("fast")  # ends every server connection the web workers hold
        phase = "down"
        time.sleep(OUTAGE_SECONDS)
        phase = "restarting"
        cluster.start()  # returns once it accepts connections
        phase = "back"
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)

    by_phase = Counter((a.phase, a.status) for a in answers)
    by_page = Counter((a.phase, a.host + a.path, a.status) for a in answers)
    report = f"by (phase, status): {dict(by_phase)}; by page: {dict(by_page)}; errors: {errors[:5]}"
    assert errors == [], report
    # Never a 500 (nor any other 5xx than the outage's 503), in any phase.
    assert {a.status for a in answers} <= {200, 503}, report + "\n" + server_log()[-3000:]
    # (A request sent just before the stop may be answered during it: a 503 then.)
    assert by_phase["before", 200] >= 4, report
    # The business's pages need the database: while it is down they say so. (The platform's
    # home needs none while its host's tenant is remembered, and may go on answering 200.)
    down = [a for a in answers if a.phase == "down" and a.host == DEMO_HOST]
    assert len(down) >= 10, report  # the clients kept asking during the outage...
    assert all(a.status == 503 for a in down), report  # ...and were told to come back
    assert all(a.retry_after == "30" for a in down)
    assert all("back in a moment" in a.body for a in down)
    back = [a for a in answers if a.phase == "back"]
    assert len(back) >= 10, report
    assert all(a.status == 200 for a in back), report  # 0 × 5xx once it is back
    # The pages are the real ones again, not the outage page.
    assert all("back in a moment" not in a.body for a in back)


# --- Redis stopped -------------------------------------------------------------------------------

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
QUEUE = f"test-faults-{os.getpid()}"
PHONE_NUMBER_ID, ACCESS_TOKEN = "1234567890", "test-token"
CLIENT_PHONE = "(11) 98765-4321"
DEADLINE = 40.0  # seconds the worker may take to reconnect and send once Redis is back


@pytest.fixture
def shop(public_rows_restored, transactional_db):
    """Alpha open every day 09–18 with one service; committed, for the worker to read."""
    ensure_test_tenants()
    empty_calendar("alpha")
    with schema_context("alpha"):
        # The settings row outlives this test (the flush does not reach alpha): put it back.
        saved = BusinessSettings.objects.filter(pk=1).first()
        business = BusinessSettings.load()
        business.timezone, business.slot_interval = "America/Sao_Paulo", 30
        business.min_notice_minutes, business.max_advance_days = 0, 60
        business.requires_approval = False
        business.reminder_offsets = []
        business.save()
        WeeklyHours.objects.bulk_create(
            [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
        )
        chair = ResourceFactory(name="Rafa")
        cut = ServiceFactory(name="Corte", duration_minutes=30, performers=[chair])
    yield {"chair": chair, "cut": cut}
    empty_calendar("alpha")
    with schema_context("alpha"):
        if saved is None:
            BusinessSettings.objects.all().delete()
        else:
            saved.save()


@pytest.fixture
def fake_api():
    server = make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _point_celery_at(url: str) -> None:
    # kombu keeps connection and producer pools per broker URL, process-wide: drop them.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url = url


@pytest.fixture
def own_redis(settings):
    """Our own redis-server; this process's cache and broker (and the worker's) use it."""
    with local_redis() as server:
        settings.CACHES = {"default": {**django_settings.CACHES["default"], "LOCATION": server.url}}
        previous_broker, previous_queue = (
            celery_app.conf.broker_url,
            celery_app.conf.task_default_queue,
        )
        _point_celery_at(server.url)
        celery_app.conf.task_default_queue = QUEUE
        try:
            yield server
        finally:
            _point_celery_at(previous_broker)
            celery_app.conf.task_default_queue = previous_queue


def _worker_env(redis_server, fake) -> dict[str, str]:
    return {
        "TEST_REDIS_URL": redis_server.url,  # its broker and cache
        "WHATSAPP_API_BASE_URL": f"http://127.0.0.1:{fake.server_port}",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
    }


def _book(client, shop) -> Booking:
    """The public booking flow, page by page, as a client on the business's host."""
    day = timezone.localdate(timezone=TZ) + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(10), TZ)
    cut = shop["cut"]
    assert client.get("/").status_code == 200
    assert client.get(f"/book/{cut.pk}/any/").status_code == 200
    details = f"/book/{cut.pk}/any/details/"
    assert client.get(details, {"start": start.isoformat()}).status_code == 200
    data = {
        "name": "Paula",
        "phone": CLIENT_PHONE,
        "email": "",
        "notes": "",
        "consent": "on",
        "start": start.isoformat(),
        "idem": uuid.uuid4().hex,
    }
    response = client.post(details, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(response["Location"]).status_code == 200
    with schema_context("alpha"):
        return Booking.objects.get(start=start)


def test_with_redis_stopped_pages_and_bookings_work_and_messages_go_once_it_is_back(
    shop, fake_api, own_redis, caplog
):
    with running_worker(_worker_env(own_redis, fake_api), queue=QUEUE, name="faults") as worker:
        own_redis.stop()  # everything in it is gone too (no persistence), as after a crash

        client = host_client("alpha.localhost")
        started = time.monotonic()
        booking = _book(client, shop)
        # The login page and a wrong password: allauth's rate limits use the cache too.
        assert client.get("/accounts/login/").status_code == 200
        wrong = {"login": "nobody@example.com", "password": "not-it"}
        assert client.post("/accounts/login/", wrong).status_code == 200
        assert time.monotonic() - started < 15  # nothing waited long for Redis
        assert "could not enqueue message" in caplog.text  # the hand-over was given up...

        with schema_context("alpha"):
            [message] = Message.objects.filter(booking=booking)
        assert message.status == Message.Status.QUEUED  # ...the outbox keeps the message
        time.sleep(1.0)
        assert fake_api.received == []

        own_redis.start()  # empty: the task that would have sent it never reached Redis
        # What beat sends every minute; the worker reconnects and sweeps every business.
        deadline = time.monotonic() + DEADLINE
        with schema_context("alpha"):
            while True:
                dispatch_all.delay()
                message.refresh_from_db()
                if message.status == Message.Status.SENT:
                    break
                assert time.monotonic() < deadline, (
                    f"message still {message.status!r} ({message.last_error!r});"
                    f" worker stderr:\n{worker.stderr()}"
                )
                time.sleep(1.0)

    with fake_api.lock:
        sent = [r for r in fake_api.sent if r.get("to") == "5511987654321"]
    assert len(sent) == 1 and sent[0]["id"] == message.provider_id  # sent once, not twice


# --- The pieces, without servers -----------------------------------------------------------------


def _handled(exc: Exception, rf):
    try:
        raise exc
    except Exception:  # as Django's handler calls handler500: inside the `except`
        return server_error(rf.get("/"))


def _db_error(cause: Exception) -> OperationalError:
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as exc:
        return exc


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.TooManyConnections("too many clients already"),
    ],
)
def test_a_database_outage_is_the_503_page(rf, cause):
    response = _handled(_db_error(cause), rf)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "back in a moment" in response.content.decode()


def test_a_closed_connection_is_an_outage_but_a_deadlock_or_a_bug_stays_a_500(rf):
    assert _handled(InterfaceError("connection already closed"), rf).status_code == 503
    deadlock = _db_error(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert _handled(deadlock, rf).status_code == 500
    assert _handled(RuntimeError("a bug"), rf).status_code == 500


def test_an_unreachable_redis_is_an_empty_cache_that_lets_requests_through(settings, monkeypatch):
    settings.CACHES = {
        "default": {**django_settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }
    calls = []
    real_get = RedisCache.get

    def counted_get(self, *args, **kwargs):
        calls.append(args)
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "get", counted_get)
    FailOpenRedisCache._down_until.clear()

    assert cache.get("greeting", "default") == "default"
    assert cache.add("lock", 1) is True  # a lock or a counter built on add lets it through
    cache.set("greeting", "hello")
    assert cache.get("greeting") is None  # nothing is kept
    with pytest.raises(ValueError):
        cache.incr("greeting")
    assert limit_hit(scope="faults", key="client", limit=1, window=60) is None
    assert limit_hit(scope="faults", key="client", limit=1, window=60) is None  # not enforced
    assert len(calls) == 1  # after a failure Redis is left alone for a while, not asked again
