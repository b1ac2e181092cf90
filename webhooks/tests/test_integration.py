"""End to end: a real Celery worker, the test Redis, a local receiver; a worker killed mid-send.

As notifications/tests/test_integration.py: rows must really be committed for the worker (another
process), so these tests use `transactional_db` and put back what they wrote; the workers and this
process use a broker queue of their own.
"""

import datetime as dt
import json
import os
import signal
import time
import zoneinfo

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import PlanOverride
from bookings import services as booking_services
from bookings.models import Client
from config.celery import app as celery_app
from config.tests.workers import running_worker, start_worker
from conftest import empty_calendar, ensure_test_tenants
from scheduling.models import WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory
from tenants.models import Tenant
from webhooks import services
from webhooks.models import Delivery, Endpoint, Event
from webhooks.tasks import sweep_all

Status = Delivery.Status
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
QUEUE = f"test-webhooks-{os.getpid()}"
SENDING_TIMEOUT = 3
DEADLINE = 20.0


@pytest.fixture
def committed_shop(public_rows_restored, transactional_db, receiver):
    ensure_test_tenants()
    empty_calendar("alpha")
    PlanOverride.objects.create(
        tenant=Tenant.objects.get(schema_name="alpha"), key="module_webhooks", enabled=True
    )
    with schema_context("alpha"):
        WeeklyHours.objects.bulk_create(
            [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
        )
        chair = ResourceFactory(name="Rafa")
        cut = ServiceFactory(name="Corte", duration_minutes=30, performers=[chair])
        client = Client.objects.create(name="Ana Souza", phone="+5511912345678")
        endpoint = Endpoint.objects.create(url=receiver.url, events=["booking.created"])
    yield {"chair": chair, "cut": cut, "client": client, "endpoint": endpoint}
    with schema_context("alpha"):
        for model in (Delivery, Event, Endpoint):
            model.objects.all().delete()
    empty_calendar("alpha")


@pytest.fixture
def own_queue():
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = QUEUE
    yield QUEUE
    celery_app.conf.task_default_queue = default
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    prefix = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    try:
        for tag, value in broker.hgetall(f"{prefix}unacked").items():
            if json.loads(value)[2] == QUEUE:
                broker.hdel(f"{prefix}unacked", tag)
                broker.zrem(f"{prefix}unacked_index", tag)
        for key in broker.scan_iter(match=f"{prefix}{QUEUE}*"):
            broker.delete(key)
    finally:
        broker.close()


def _env() -> dict[str, str]:
    return {
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        "WEBHOOK_TIMEOUT_SECONDS": "30",  # never gives up a held request before we kill it
        "WEBHOOK_SENDING_TIMEOUT_SECONDS": str(SENDING_TIMEOUT),
    }


def _book(shop):
    start = dt.datetime.combine(
        timezone.localdate(timezone.now(), TZ) + dt.timedelta(days=2), dt.time(10), TZ
    )
    with schema_context("alpha"):
        booking = booking_services.booking_create(
            service=shop["cut"], start=start, client=shop["client"], resource=shop["chair"]
        )
        return booking, Delivery.objects.get(event__booking_reference=booking.reference)


def _wait_delivered(delivery: Delivery, worker) -> Delivery:
    deadline = time.monotonic() + DEADLINE
    with schema_context("alpha"):
        while True:
            delivery.refresh_from_db()
            if delivery.status == Status.DELIVERED:
                return delivery
            if time.monotonic() > deadline:
                pytest.fail(
                    f"delivery {delivery.status} ({delivery.last_error!r}); worker:\n"
                    + worker.stderr()
                )
            time.sleep(0.1)


def test_a_real_worker_delivers_after_the_booking_commits(
    committed_shop, receiver, own_queue, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    with running_worker(_env(), queue=own_queue, name="hooks") as worker:
        booking, delivery = _book(committed_shop)  # enqueued on commit
        delivery = _wait_delivered(delivery, worker)
    [request] = receiver.accepted
    assert json.loads(request["body"])["data"]["reference"] == booking.reference
    assert delivery.attempts == 1


def test_exactly_one_delivery_with_a_worker_killed_mid_send(
    committed_shop, receiver, own_queue, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOK_SENDING_TIMEOUT_SECONDS = SENDING_TIMEOUT  # the in-test sweep
    receiver.delay = 60.0  # hold the request: the worker dies waiting for the answer
    doomed = start_worker(_env(), queue=own_queue, name="doomed")
    try:
        _booking, delivery = _book(committed_shop)
        assert receiver.wait_for(lambda r: r.received, DEADLINE), doomed.stderr()
        with schema_context("alpha"):
            delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.SENDING, 1)
        doomed.kill()  # the worker and its pool at once, as with its machine
        assert doomed.process.returncode == -signal.SIGKILL
    finally:
        doomed.stop()
    assert receiver.wait_for(lambda r: r.abandoned, DEADLINE)
    receiver.delay = 0.0
    assert receiver.accepted == []

    with schema_context("alpha"):
        started = Delivery.objects.get(pk=delivery.pk).sending_since
        # Before the timeout the sweep leaves it alone: it might still be sending.
        almost = started + dt.timedelta(seconds=SENDING_TIMEOUT - 0.5)
        assert services.deliveries_requeue_stuck(now=almost) == 0
    with running_worker(_env(), queue=own_queue, name="heir") as heir:
        with schema_context("alpha"):
            deadline = time.monotonic() + DEADLINE
            while services.deliveries_requeue_stuck() == 0:
                assert time.monotonic() < deadline, "the sweep never re-queued the stuck row"
                time.sleep(0.2)
        sweep_all.delay()  # what beat sends every minute
        delivery = _wait_delivered(delivery, heir)

    assert delivery.attempts == 2
    with receiver.lock:
        assert len(receiver.received) == 2 and len(receiver.abandoned) == 1
        [accepted] = receiver.accepted
    ids = {json.loads(r["body"])["id"] for r in receiver.received}
    assert ids == {json.loads(accepted["body"])["id"]}  # the same event both times
