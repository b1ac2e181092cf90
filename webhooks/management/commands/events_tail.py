"""Read the booking event stream with a consumer group, print each event, acknowledge it.

    manage.py events_tail                       # group "events-tail", waits for new events
    manage.py events_tail --group crm --from-start --once

A documented example for other services: XGROUP CREATE (MKSTREAM, once), then XREADGROUP with
`>` (entries no other consumer of the group has been given), process, XACK. Entries a consumer
was given but never acknowledged (it crashed) are read first, from id 0, on its next start.
One line of JSON per event on stdout.
"""

import contextlib
import json

import redis
from django.core.management.base import BaseCommand

from webhooks.stream import stream_key, stream_redis


class Command(BaseCommand):
    help = "Print the booking event stream (agendo:events) as a consumer group member, with acks."

    def add_arguments(self, parser):
        parser.add_argument("--group", default="events-tail", help="consumer group name")
        parser.add_argument("--consumer", default="tail-1", help="this consumer's name")
        parser.add_argument(
            "--from-start",
            action="store_true",
            help="a new group starts at the stream's first entry (default: only new ones)",
        )
        parser.add_argument("--count", type=int, default=100, help="entries per read")
        parser.add_argument("--block", type=int, default=5000, help="milliseconds a read waits")
        parser.add_argument("--once", action="store_true", help="stop when nothing is left")

    def handle(self, *args, group, consumer, from_start, count, block, once, **options):
        client = stream_redis()
        key = stream_key()
        try:
            client.xgroup_create(key, group, id="0" if from_start else "$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self.stderr.write(f"reading {key} as {group}/{consumer}")
        # First what this consumer was given before and never acknowledged, then new entries.
        cursor = "0"
        try:
            while True:
                answer = client.xreadgroup(
                    group, consumer, {key: cursor}, count=count, block=None if once else block
                )
                entries = answer[0][1] if answer else []
                if cursor == "0" and not entries:
                    cursor = ">"
                    continue
                for entry_id, fields in entries:
                    self.stdout.write(json.dumps({"stream_id": entry_id, **_decoded(fields)}))
                    client.xack(key, group, entry_id)
                if not entries and once:
                    return
        except KeyboardInterrupt:
            return
        finally:
            client.close()


def _decoded(fields: dict) -> dict:
    out = dict(fields)
    with contextlib.suppress(ValueError):
        out["payload"] = json.loads(out.get("payload") or "null")
    return out
