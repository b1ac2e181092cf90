"""End to end: a real Celery worker process, the real (test) Redis, the fake WhatsApp Cloud API.

Nothing is called in-process that the product would run in a worker: the test commits a booking,
moves its reminder's time to the past and sends `dispatch_all` through the broker; the worker
(a `celery worker` subprocess on the test database, config/tests/workers.py) sweeps each tenant,
enqueues what is due and sends it to the fake API (notifications/fake_whatsapp.py), served from a
thread of this process so the test can see every request that reaches it.

The second test kills the worker with SIGKILL while the fake holds its request, then shows that
the outbox (TRAPS #13) is what saves the message: the row is left in `sending`, nothing in Redis
comes back for it (the broker's copy is unacked for an hour), the sweep re-queues it once
`MESSAGE_SENDING_TIMEOUT_SECONDS` have passed, and a new worker sends it: exactly one request is
accepted by the fake.

The worker is another process, so rows must really be committed: these tests use
`transactional_db`, whose flush empties the public tables (tenants and domains, TRAPS #6) but not
alpha's schema: the fixtures put the tenants back and empty what they wrote in alpha. The tests
and their workers use a broker queue of their own, so no other worker of the session (the health
checks' one) takes their tasks. No `django_db` marker, as in bookings/tests/test_concurrency.py.
"""

import datetime as dt
import json
import os
import re
import signal
import threading
import time
import zoneinfo
from collections import Counter
from contextlib import ExitStack

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from bookings import services as booking_services
from bookings.models import Client
from config.celery import app as celery_app
from config.tests.workers import running_worker, start_worker
from conftest import empty_calendar, ensure_test_tenants
from notifications import services
from notifications.fake_whatsapp import make_server
from notifications.models import Channel, ChannelSettings, Kind, Message
from notifications.tasks import dispatch_all
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

Status = Message.Status
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
QUEUE = f"test-notifications-{os.getpid()}"
PHONE_NUMBER_ID, ACCESS_TOKEN = "1234567890", "test-token"
CLIENT_PHONE = "+5511912345678"
SENDING_TIMEOUT = 3  # seconds: MESSAGE_SENDING_TIMEOUT_SECONDS of the workers and of the sweep
DEADLINE = 20.0  # seconds any one wait may take before the test fails


@pytest.fixture
def shop(public_rows_restored, transactional_db):
    """Alpha, open every day 09–18, one reminder 2 hours before; committed for the worker."""
    ensure_test_tenants()
    empty_calendar("alpha")
    with schema_context("alpha"):
        # The settings rows outlive this test (the flush does not reach alpha): put them back.
        saved_business = BusinessSettings.objects.filter(pk=1).first()
        had_channels = ChannelSettings.objects.exists()
        business = BusinessSettings.load()
        business.timezone, business.language = "America/Sao_Paulo", "pt-br"
        business.slot_interval, business.min_notice_minutes, business.max_advance_days = 30, 0, 60
        business.requires_approval = False
        business.reminder_offsets = [120]
        business.display_name = "Alpha Barbers"
        business.save()
        WeeklyHours.objects.bulk_create(
            [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
        )
        chair = ResourceFactory(name="Rafa")
        cut = ServiceFactory(name="Corte", duration_minutes=30, performers=[chair])
        client = Client.objects.create(name="Ana Souza", phone=CLIENT_PHONE, whatsapp_consent=True)
    yield {"chair": chair, "cut": cut, "client": client}
    empty_calendar("alpha")
    with schema_context("alpha"):
        if saved_business is None:
            BusinessSettings.objects.all().delete()
        else:
            saved_business.save()
        if not had_channels:
            ChannelSettings.objects.all().delete()


@pytest.fixture
def fake_api():
    server = make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _broker() -> redis.Redis:
    return redis.Redis.from_url(django_settings.CELERY_BROKER_URL)


@pytest.fixture
def own_queue():
    """Tasks sent by this process (and by its workers, through their settings) go to QUEUE.

    Afterwards, the broker forgets QUEUE: its pending tasks and what a killed worker left
    unacknowledged (kombu would hand that back to QUEUE an hour later, to nobody).
    """
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = QUEUE
    yield QUEUE
    celery_app.conf.task_default_queue = default
    broker = _broker()
    try:
        for tag, value in broker.hgetall("unacked").items():
            _message, _exchange, routing_key = json.loads(value)
            if routing_key == QUEUE:
                broker.hdel("unacked", tag)
                broker.zrem("unacked_index", tag)
        for key in broker.scan_iter(match=f"{QUEUE}*"):
            broker.delete(key)
        for key in (f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}"):
            broker.delete(key)
    finally:
        broker.close()


def _worker_env(fake) -> dict[str, str]:
    return {
        "WHATSAPP_API_BASE_URL": f"http://127.0.0.1:{fake.server_port}",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
        # Long enough that a held request is never given up by the worker before we kill it.
        "WHATSAPP_TIMEOUT_SECONDS": "30",
        "MESSAGE_SENDING_TIMEOUT_SECONDS": str(SENDING_TIMEOUT),
    }


def _book_with_due_reminder(shop) -> tuple[Message, Message]:
    """A booking the day after tomorrow (committed), its reminder moved to a minute ago."""
    now = timezone.now()
    start = dt.datetime.combine(timezone.localdate(now, TZ) + dt.timedelta(days=2), dt.time(10), TZ)
    with schema_context("alpha"):
        booking = booking_services.booking_create(
            service=shop["cut"], start=start, client=shop["client"], resource=shop["chair"]
        )
        reminder = Message.objects.get(booking=booking, kind=Kind.REMINDER)
        confirmation = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION)
        assert reminder.status == Status.QUEUED and reminder.send_after > now
        Message.objects.filter(pk=reminder.pk).update(send_after=now - dt.timedelta(minutes=1))
    return reminder, confirmation


def _wait_for_status(message: Message, status: str, worker) -> Message:
    deadline = time.monotonic() + DEADLINE
    with schema_context("alpha"):
        while True:
            message.refresh_from_db()
            if message.status == status:
                return message
            if time.monotonic() > deadline:
                pytest.fail(
                    f"message {message.pk} still {message.status!r} (last error:"
                    f" {message.last_error!r}) after {DEADLINE:.0f} s, not {status!r};"
                    f" worker stderr:\n{worker.stderr()}"
                )
            time.sleep(0.1)


def _expected_request(message: Message) -> dict:
    return {
        "path": f"/{django_settings.WHATSAPP_API_VERSION}/{PHONE_NUMBER_ID}/messages",
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CLIENT_PHONE.lstrip("+"),
        "type": "text",
        "text": {"preview_url": True, "body": message.body},
    }


def _sent_as(request: dict, message: Message) -> bool:
    """The request carries the message as the WhatsApp Cloud API expects it (other keys allowed)."""
    expected = _expected_request(message)
    return {key: request.get(key) for key in expected} == expected


def _to_client(requests: list[dict]) -> list[dict]:
    """Requests for our client (dispatch_all also sweeps the other test businesses)."""
    return [r for r in requests if r.get("to") == CLIENT_PHONE.lstrip("+")]


def _with_body(requests: list[dict], message: Message) -> list[dict]:
    return [r for r in requests if r.get("text", {}).get("body") == message.body]


def test_a_real_worker_delivers_a_due_reminder_through_the_broker(shop, fake_api, own_queue):
    reminder, confirmation = _book_with_due_reminder(shop)  # the confirmation is enqueued too

    with running_worker(_worker_env(fake_api), queue=own_queue, name="notif") as worker:
        dispatch_all.delay()  # what beat sends every minute
        reminder = _wait_for_status(reminder, Status.SENT, worker)
        confirmation = _wait_for_status(confirmation, Status.SENT, worker)

    assert reminder.attempts == 1 and reminder.sent_at is not None
    with fake_api.lock:
        accepted, received = _to_client(fake_api.sent), _to_client(fake_api.received)
    assert len(accepted) == len(received) == 2  # one request per message, nothing else
    [sent_reminder] = _with_body(accepted, reminder)
    assert sent_reminder["id"] == reminder.provider_id and _sent_as(sent_reminder, reminder)
    assert reminder.body.startswith("Olá, Ana")  # rendered for this client, in Portuguese
    [sent_confirmation] = _with_body(accepted, confirmation)
    assert sent_confirmation["id"] == confirmation.provider_id


def _wait_for_log(worker, text: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while text not in worker.log():
        assert time.monotonic() < deadline, (
            f"{text!r} not logged; worker stderr:\n{worker.stderr()}"
        )
        time.sleep(0.1)


@pytest.mark.parametrize("what_dies", ["worker", "pool child"])
def test_a_send_cut_short_by_sigkill_is_sent_once_after_the_sending_timeout(
    shop, fake_api, own_queue, settings, what_dies
):
    """SIGKILL while the fake holds the request of the send.

    "worker": the whole worker (solo pool) dies, as with its machine: nothing can hand the task
    back (the broker keeps it unacked for an hour); a new worker is started.
    "pool child": the prefork child running the batch (`send_due`) dies; its parent, per
    `acks_late` and `task_reject_on_worker_lost`, hands the task back and runs it again in a new
    child, which finds the row `sending` and leaves it (it cannot know whether the API got the
    message): the batch claims nothing.
    Either way, only the sweep rescues the row, after MESSAGE_SENDING_TIMEOUT_SECONDS.
    """
    settings.MESSAGE_SENDING_TIMEOUT_SECONDS = SENDING_TIMEOUT  # the in-test sweep
    reminder, confirmation = _book_with_due_reminder(shop)
    with schema_context("alpha"):  # only the reminder is under test here
        Message.objects.filter(pk=confirmation.pk).update(status=Status.CANCELLED)
    fake_api.delay = 60.0  # hold every send: the worker dies waiting for the answer
    env = _worker_env(fake_api)
    pool = "solo" if what_dies == "worker" else "prefork"

    with ExitStack() as workers:
        first = start_worker(env, queue=own_queue, pool=pool, name="doomed", loglevel="info")
        workers.callback(first.stop)
        dispatch_all.delay()
        # The request is at the fake, unanswered: the send is in flight.
        in_flight = fake_api.wait_for(lambda s: _with_body(s.received, reminder), DEADLINE)
        assert in_flight, f"the send never reached the fake; worker stderr:\n{first.stderr()}"
        with schema_context("alpha"):
            reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == (Status.SENDING, 1)
        if what_dies == "worker":
            first.kill()  # the worker and its pool at once
            assert first.process.returncode == -signal.SIGKILL
        else:
            [child] = first.children()  # --concurrency 1: the one running the send
            os.kill(child, signal.SIGKILL)

        # The fake saw its caller go: that request never completed and nothing was accepted.
        assert fake_api.wait_for(lambda s: _with_body(s.abandoned, reminder), DEADLINE)
        fake_api.delay = 0.0
        assert _to_client(fake_api.sent) == []
        if what_dies == "pool child":
            # Handed back to the broker and run again by a new child, which did not send.
            task = re.findall(r"send_due\[([0-9a-f-]+)\] received", first.log())[-1]
            _wait_for_log(first, f"send_due[{task}] succeeded in")
            log = first.log()
            assert "WorkerLostError" in log
            assert log.count(f"send_due[{task}] received") == 2
            assert re.search(rf"send_due\[{task}\] succeeded in [0-9.]+s: {{}}", log)
        with schema_context("alpha"):
            reminder.refresh_from_db()
            assert (reminder.status, reminder.attempts) == (Status.SENDING, 1)
            started = reminder.sending_since
            # Before the timeout the sweep leaves it alone: it might still be sending.
            almost = started + dt.timedelta(seconds=SENDING_TIMEOUT - 0.5)
            assert services.messages_requeue_stuck(now=almost) == 0

        if what_dies == "worker":
            heir = start_worker(env, queue=own_queue, name="heir")
            workers.callback(heir.stop)
        else:
            heir = first
        with schema_context("alpha"):
            deadline = time.monotonic() + DEADLINE
            while services.messages_requeue_stuck() == 0:  # once the timeout has passed
                assert time.monotonic() < deadline, "the sweep never re-queued the stuck row"
                time.sleep(0.2)
            assert timezone.now() - started >= dt.timedelta(seconds=SENDING_TIMEOUT)
            reminder.refresh_from_db()
            assert reminder.status == Status.QUEUED
        dispatch_all.delay()
        reminder = _wait_for_status(reminder, Status.SENT, heir)

    assert reminder.attempts == 2
    with fake_api.lock:
        assert len(_with_body(fake_api.received, reminder)) == 2  # the cut-short one, the resend
        assert len(_with_body(fake_api.abandoned, reminder)) == 1
        [sent] = _to_client(fake_api.sent)
        assert sent["id"] == reminder.provider_id and _sent_as(sent, reminder)


BATCH, IN_FLIGHT = 10, 4
BATCH_PREFIX = "55119870"  # the batch test's recipients


def _batch(requests: list[dict]) -> list[dict]:
    return [r for r in requests if str(r.get("to", "")).startswith(BATCH_PREFIX)]


def _batch_statuses(ids: list[int]) -> Counter:
    with schema_context("alpha"):
        return Counter(Message.objects.filter(pk__in=ids).values_list("status", flat=True))


def _wait_for_statuses(ids: list[int], expected: dict, worker) -> None:
    deadline = time.monotonic() + DEADLINE
    while (found := _batch_statuses(ids)) != expected:
        if time.monotonic() > deadline:
            pytest.fail(f"statuses {dict(found)}, not {expected}; worker:\n{worker.stderr()}")
        time.sleep(0.1)


def test_a_batch_cut_short_by_sigkill_loses_nothing_and_sends_nothing_twice(
    shop, fake_api, own_queue, settings
):
    """SIGKILL (the whole worker) while a batch of 10 has its first 4 requests at the fake.

    At most MESSAGE_SEND_CONCURRENCY (4) rows are in flight, so only they are left `sending`; the
    other 6 were never claimed and stay `queued`. A new worker's batch sends those 6 at once; the
    4 wait for the sweep (it cannot know whether the API got them) and go once it re-queues them
    after MESSAGE_SENDING_TIMEOUT_SECONDS. The fake accepts each of the 10 exactly once.
    """
    settings.MESSAGE_SENDING_TIMEOUT_SECONDS = SENDING_TIMEOUT  # the in-test sweep
    due = timezone.now() - dt.timedelta(minutes=1)
    with schema_context("alpha"):
        rows = Message.objects.bulk_create(
            Message(
                channel=Channel.WHATSAPP,
                kind=Kind.REMINDER,
                recipient=f"+{BATCH_PREFIX}{i:04d}1",
                body=f"Batch reminder {i}",
                send_after=due,
            )
            for i in range(BATCH)
        )
    ids = [row.pk for row in rows]
    fake_api.delay = 60.0  # hold every send: the worker dies waiting for the answers
    env = {
        **_worker_env(fake_api),
        "MESSAGE_SEND_CONCURRENCY": str(IN_FLIGHT),
        # The workers' own sweeps leave the four alone: the test's sweep re-queues them.
        "MESSAGE_SENDING_TIMEOUT_SECONDS": "600",
    }

    with ExitStack() as workers:
        first = start_worker(env, queue=own_queue, name="doomed-batch", loglevel="info")
        workers.callback(first.stop)
        dispatch_all.delay()
        in_flight = fake_api.wait_for(lambda s: len(_batch(s.received)) >= IN_FLIGHT, DEADLINE)
        assert in_flight, f"the batch never reached the fake; worker stderr:\n{first.stderr()}"
        time.sleep(0.5)  # room for a fifth request, which the window must not let out
        assert _batch_statuses(ids) == {Status.SENDING: IN_FLIGHT, Status.QUEUED: BATCH - IN_FLIGHT}
        first.kill()  # the worker and its pool at once

        assert fake_api.wait_for(lambda s: len(_batch(s.abandoned)) == IN_FLIGHT, DEADLINE)
        fake_api.delay = 0.0
        assert _batch(fake_api.sent) == [] and len(_batch(fake_api.received)) == IN_FLIGHT

        heir = start_worker(env, queue=own_queue, name="heir-batch")
        workers.callback(heir.stop)
        dispatch_all.delay()  # the next minute's beat: the never-claimed six go now
        _wait_for_statuses(ids, {Status.SENT: BATCH - IN_FLIGHT, Status.SENDING: IN_FLIGHT}, heir)
        with schema_context("alpha"):
            deadline = time.monotonic() + DEADLINE
            while services.messages_requeue_stuck() == 0:  # once the timeout has passed
                assert time.monotonic() < deadline, "the sweep never re-queued the stuck rows"
                time.sleep(0.2)
        dispatch_all.delay()
        _wait_for_statuses(ids, {Status.SENT: BATCH}, heir)

    with fake_api.lock:
        accepted = Counter(r["text"]["body"] for r in _batch(fake_api.sent))
        received, abandoned = len(_batch(fake_api.received)), len(_batch(fake_api.abandoned))
    assert accepted == {f"Batch reminder {i}": 1 for i in range(BATCH)}  # none lost, none twice
    assert (received, abandoned) == (BATCH + IN_FLIGHT, IN_FLIGHT)
    with schema_context("alpha"):
        attempts = Counter(Message.objects.filter(pk__in=ids).values_list("attempts", flat=True))
    assert attempts == {1: BATCH - IN_FLIGHT, 2: IN_FLIGHT}
