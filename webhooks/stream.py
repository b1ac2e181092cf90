"""The Redis event stream: every booking event appended to `agendo:events`, from the outbox.

Key: `<AGENDO_REDIS_PREFIX>:<EVENTS_STREAM>` (default `<prefix>:agendo:events`), trimmed with
`MAXLEN ~ EVENTS_STREAM_MAXLEN`. Fields of each entry (all strings):

    schema       the business's schema (its slug)
    version      payload schema version ("1")
    id           the event id (evt_…), the same the webhooks carry
    type         booking.created, booking.cancelled, … (every booking event, also expired etc.)
    booking      the booking's reference
    occurred_at  ISO 8601, UTC
    payload      the whole event as JSON (as the webhooks send it)

At least once, in order per booking: one publisher per business at a time (an advisory lock)
appends the pending rows in id order and marks them published in the same transaction; while
Redis is down it stops at the first failure and the rows wait for the next run (beat, every
minute). A crash between the append and the commit appends those entries again: consumers that
must not see one twice de-duplicate by `id`.
"""

import json
import logging

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from webhooks.models import Event

log = logging.getLogger(__name__)
BATCH = 500


def stream_key() -> str:
    return f"{settings.REDIS_PREFIX}:{settings.EVENTS_STREAM}"


def stream_redis() -> redis.Redis:
    return redis.Redis.from_url(
        settings.EVENTS_REDIS_URL or settings.REDIS_URL,
        socket_connect_timeout=2,
        socket_timeout=5,
        decode_responses=True,
    )


def entry_fields(event: Event) -> dict[str, str]:
    return {
        "schema": connection.schema_name,
        "version": str(event.body.get("schema_version", "")),
        "id": event.public_id,
        "type": event.type,
        "booking": event.booking_reference,
        "occurred_at": event.body.get("occurred_at") or event.occurred_at.isoformat(),
        "payload": json.dumps(event.body, separators=(",", ":"), ensure_ascii=False),
    }


def _take_turn() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext(%s))",
            [f"webhooks-stream:{connection.schema_name}"],
        )
        return cursor.fetchone()[0]


def stream_publish(*, client: redis.Redis | None = None, batch: int = BATCH) -> int:
    """Append this business's pending events to the stream; how many went. Never raises for an
    unreachable Redis (they stay pending)."""
    published = 0
    client = client or stream_redis()
    key, maxlen = stream_key(), settings.EVENTS_STREAM_MAXLEN
    try:
        while True:
            with transaction.atomic():
                if not _take_turn():
                    return published  # another publisher is at it; it will take these too
                events = list(
                    Event.objects.filter(stream_state=Event.Stream.PENDING).order_by("pk")[:batch]
                )
                if not events:
                    return published
                done = []
                try:
                    for event in events:
                        stream_id = client.xadd(
                            key, entry_fields(event), maxlen=maxlen, approximate=True
                        )
                        done.append((event.pk, stream_id))
                except redis.RedisError:
                    log.warning("event stream unreachable; %s events wait", len(events) - len(done))
                    _mark(done)
                    return published + len(done)
                _mark(done)
                published += len(done)
    finally:
        client.close()


def _mark(done: list[tuple[int, str]]) -> None:
    now = timezone.now()
    for pk, stream_id in done:
        Event.objects.filter(pk=pk).update(
            stream_state=Event.Stream.PUBLISHED, stream_id=stream_id, published_at=now
        )
