"""Two dispatchers at once (two beats, or a sweep racing a task): each due message goes once.

Real concurrency needs committed rows and a connection per thread, so this module uses
`transactional_db` and puts back the public rows its flush removes (TRAPS #6), as
`bookings/tests/test_concurrency.py` does.
"""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import ensure_test_tenants
from notifications import services
from notifications.models import Channel, Kind, Message
from notifications.tests.test_sending import fake_whatsapp as fake_whatsapp

MESSAGES = 40


@pytest.fixture
def due_messages(public_rows_restored, transactional_db):
    ensure_test_tenants()
    with schema_context("alpha"):
        Message.objects.all().delete()
        now = timezone.now()
        rows = Message.objects.bulk_create(
            Message(
                channel=Channel.WHATSAPP,
                kind=Kind.TEST,
                recipient=f"+55119{i:08d}",
                body=f"Message {i}",
                send_after=now,
            )
            for i in range(MESSAGES)
        )
    yield [row.pk for row in rows]
    with schema_context("alpha"):
        Message.objects.all().delete()


def _dispatch(barrier: threading.Barrier, results: list, errors: list) -> None:
    try:
        with schema_context("alpha"):
            barrier.wait(timeout=10)
            for message_id in services.message_ids_due():
                results.append(services.message_send(message_id=message_id))
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        connection.close()


def test_two_dispatches_at_once_send_each_message_once(due_messages, fake_whatsapp):
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[Exception] = []
    threads = [
        threading.Thread(target=_dispatch, args=(barrier, results, errors)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Counter(results)[Message.Status.SENT] == MESSAGES
    sent_to = Counter(m["to"] for m in fake_whatsapp.sent)
    assert len(sent_to) == MESSAGES and set(sent_to.values()) == {1}
    with schema_context("alpha"):
        statuses = Counter(Message.objects.values_list("status", flat=True))
        attempts = set(Message.objects.values_list("attempts", flat=True))
    assert statuses == {Message.Status.SENT: MESSAGES} and attempts == {1}
