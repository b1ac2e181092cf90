"""A small local stand-in for the WhatsApp Cloud API: tests, benchmarks and the demo (`make run`).

POST /<version>/<phone_number_id>/messages answers like the real API with a `wamid`. Numbers
ending in 0400 get a permanent error (131026, not on WhatsApp), ending in 0500 a server error,
ending in 0429 a rate limit. GET /_sent lists what was accepted (JSON), GET /_reset forgets it
(and everything below).

A slow API, and a caller that dies waiting for it (the tests of a worker killed mid-send):

- Delay: every POST to /messages is held `delay` seconds before the answer (default 0). Set it
  with `--delay SECONDS`, on the server object (`server.delay = 5`, in-process), or at run time
  with `POST /_delay {"seconds": 5}`. Each request reads the delay when it arrives.
- Only a caller still connected when the answer is due gets its message accepted. While a request
  is held (and once more just before answering, held or not) the server watches the connection;
  if the caller has gone (its process was killed, its socket closed), the request counts as never
  completed: the message is NOT recorded in `sent`, no `wamid` is spent on it, and it goes to
  `abandoned` instead. (The real API's behaviour there is unknown to the caller; this fake models
  the request that never reached it, so "accepted exactly once" is measurable.) A caller that
  dies in the instant between that last check and reading the answer is not detected.
- Every POST to /messages that arrives, accepted or not, is recorded in `received` at once (before
  any delay): a test can wait for a send to be in flight with `server.wait_for(...)`.
  GET /_received lists them.

Delivery reports, as the real API sends them to the business's webhook (the demo's queued →
delivered): given a webhook URL and the app secret (`--webhook-url`, `--app-secret`, or the
environment's FAKE_WHATSAPP_WEBHOOK_URL and WHATSAPP_APP_SECRET), every accepted message is
followed, from a background thread, by signed (`X-Hub-Signature-256`) status events `sent`,
`delivered` and `read`, `status_delay` seconds apart, carrying the phone-number id and the
sender's `biz_opaque_callback_data`. The webhook lives on the platform host: `--webhook-host`
(FAKE_WHATSAPP_WEBHOOK_HOST) sets the Host header when the URL's host is not that name. Errors
are only logged; `server.callbacks` lists what was posted and the answer (or the error).

The 24-hour window, optionally (`--window`, `server.window = True`): a free-form text to a
number that has not written in (POST /_inbound {"from": "5511..."}, or `server.open_windows`) is
accepted with 200 like the real API, and its only status event is `failed` with error 131047.

The provider's throughput limit, optionally (`--rate-limit N`, `server.rate_limit = N`): each
phone-number id may send N messages a second, modelled as a token bucket of N tokens refilled
at N a second. A send past it is answered 429 with error 130429 ("rate limit hit"), is not
accepted, and is counted in `server.throttled`. Accepted sends are counted per number and per
second of arrival: `server.peak_per_second()` is the most any number had in one second, and
GET /_stats shows both.

Connections are kept alive (HTTP/1.1), as the real API's are.

In-process use (tests): `server = make_server()`, serve it from a thread, read `server.sent`,
`server.received`, `server.abandoned` under `server.lock` (or through `server.wait_for`).

Run: .venv/bin/python -m notifications.fake_whatsapp [--port 8099] [--delay 0] [--rate-limit 80]
     [--webhook-url http://127.0.0.1:8000/webhooks/whatsapp/ --webhook-host localhost:8000]
"""

import argparse
import hashlib
import hmac
import itertools
import json
import logging
import os
import select
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

log = logging.getLogger(__name__)
_ids = itertools.count(1)
POLL_SECONDS = 0.05  # how often a held request looks at its caller's connection
DELIVERY_STATUSES = ("sent", "delivered", "read")
OUTSIDE_WINDOW = 131047
RATE_LIMIT_HIT = 130429


def status_payload(
    *,
    wamid: str,
    status: str,
    phone_number_id: str,
    recipient: str,
    callback: str = "",
    timestamp: int | None = None,
    error_code: int | None = None,
) -> dict:
    """A Cloud API webhook body reporting one status of one message."""
    item = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(timestamp if timestamp is not None else time.time())),
        "recipient_id": recipient.lstrip("+"),
    }
    if callback:
        item["biz_opaque_callback_data"] = callback
    if error_code is not None:
        item["errors"] = [
            {
                "code": error_code,
                "title": "Re-engagement message"
                if error_code == OUTSIDE_WINDOW
                else "Message failed",
            }
        ]
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": phone_number_id, "phone_number_id": phone_number_id},
        "statuses": [item],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "fake-waba", "changes": [{"field": "messages", "value": value}]}],
    }


def signature(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 header value Meta puts on a webhook body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeWhatsAppHandler(BaseHTTPRequestHandler):
    server_version = "FakeWhatsApp/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries its Content-Length
    # Headers and body leave in two writes: with Nagle's algorithm the body would wait for the
    # caller's delayed ACK (40 ms) on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # keep test output quiet
        return

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _caller_connected(self) -> bool:
        """False when the caller has closed (or reset) its end of the connection."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return True  # nothing to read, no end-of-file: still there, waiting
            return self.connection.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):
            return False

    def _hold(self, seconds: float) -> bool:
        """Wait `seconds` (or until the server closes); False as soon as the caller has gone."""
        deadline = time.monotonic() + seconds
        while True:
            if not self._caller_connected():
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            if self.server.closing.wait(min(POLL_SECONDS, remaining)):
                return False  # shutting down: nobody will read an answer we have not given

    def do_GET(self):
        if self.path == "/_sent":
            with self.server.lock:
                body = {"messages": list(self.server.sent)}
            self._answer(200, body)
        elif self.path == "/_received":
            with self.server.lock:
                body = {
                    "messages": list(self.server.received),
                    "abandoned": list(self.server.abandoned),
                }
            self._answer(200, body)
        elif self.path == "/_callbacks":
            with self.server.lock:
                body = {"callbacks": list(self.server.callbacks)}
            self._answer(200, body)
        elif self.path == "/_stats":
            with self.server.lock:
                body = {"throttled": len(self.server.throttled)}
            body["peak_per_second"] = self.server.peak_per_second()
            self._answer(200, body)
        elif self.path == "/_reset":
            self.server.reset()
            self._answer(200, {"ok": True})
        else:
            self._answer(404, {"error": {"message": "unknown path"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._answer(400, {"error": {"message": "invalid JSON", "code": 100}})
            return
        if self.path == "/_delay":
            try:
                self.server.delay = max(0.0, float(payload["seconds"]))
            except (KeyError, TypeError, ValueError):
                self._answer(400, {"error": {"message": 'expected {"seconds": number}'}})
                return
            self._answer(200, {"delay": self.server.delay})
            return
        if self.path == "/_inbound":  # the client wrote in: the 24-hour window opens
            sender = str(payload.get("from") or "").lstrip("+")
            if not sender:
                self._answer(400, {"error": {"message": 'expected {"from": "5511..."}'}})
                return
            with self.server.lock:
                self.server.open_windows.add(sender)
            self._answer(200, {"ok": True})
            return
        if not self.path.endswith("/messages") or not self.headers.get("Authorization"):
            self._answer(401, {"error": {"message": "unauthorised", "code": 190}})
            return
        request = {"path": self.path, **payload}
        self.server.record("received", request)
        delay = self.server.delay
        if not (self._hold(delay) if delay > 0 else self._caller_connected()):
            self.server.record("abandoned", request)
            self.close_connection = True
            return
        to = str(payload.get("to", ""))
        number = _phone_number_id(self.path)
        if not self.server.take_token(number):
            self.server.record("throttled", request)
            self._answer(429, {"error": {"message": "rate limit hit", "code": RATE_LIMIT_HIT}})
            return
        if to.endswith("0400"):
            self._answer(400, {"error": {"message": "not a WhatsApp user", "code": 131026}})
        elif to.endswith("0500"):
            self._answer(500, {"error": {"message": "temporary failure", "code": 131000}})
        elif to.endswith("0429"):
            self._answer(429, {"error": {"message": "rate limit hit", "code": 130429}})
        else:
            wamid = f"wamid.FAKE{next(_ids):010d}"
            self.server.record("sent", {"id": wamid, **request})
            self.server.count_second(number)
            self._answer(200, {"messaging_product": "whatsapp", "messages": [{"id": wamid}]})
            self.server.report(wamid, request)


class FakeWhatsAppServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many senders connect at once (socketserver's default: 5)

    def __init__(
        self,
        address,
        handler=FakeWhatsAppHandler,
        *,
        delay: float = 0.0,
        webhook_url: str = "",
        app_secret: str = "",
        webhook_host: str = "",
        status_delay: float = 0.5,
        window: bool = False,
        rate_limit: float = 0.0,
    ):
        super().__init__(address, handler)
        self.delay = delay
        self.rate_limit = rate_limit  # messages a second per phone-number id; 0: no limit
        self.throttled: list[dict] = []  # refused with 130429: past the rate limit
        self.per_second: Counter = Counter()  # (phone-number id, second) → accepted
        self._buckets: dict[str, tuple[float, float]] = {}  # number → (tokens, at)
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.webhook_host = webhook_host
        self.status_delay = status_delay
        self.window = window  # model the 24-hour window (131047 by status event)
        self.open_windows: set[str] = set()  # numbers (no "+") that wrote in
        self.callbacks: list[dict] = []  # status events posted: status, wamid, answer or error
        self.sent: list[dict] = []  # accepted: answered 200 with a wamid
        self.received: list[dict] = []  # every POST to /messages, as it arrived
        self.abandoned: list[dict] = []  # received, but the caller had gone before the answer
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.closing = threading.Event()

    def record(self, where: str, entry: dict) -> None:
        with self.changed:
            getattr(self, where).append(entry)
            self.changed.notify_all()

    def take_token(self, number: str) -> bool:
        """Whether `number` may send one more message now (always, without a rate limit)."""
        rate = self.rate_limit
        if rate <= 0:
            return True
        now = time.monotonic()
        with self.lock:
            tokens, at = self._buckets.get(number, (rate, now))
            tokens = min(rate, tokens + (now - at) * rate)
            if tokens < 1:
                self._buckets[number] = (tokens, now)
                return False
            self._buckets[number] = (tokens - 1, now)
            return True

    def count_second(self, number: str) -> None:
        with self.lock:
            self.per_second[(number, int(time.time()))] += 1

    def peak_per_second(self) -> dict[str, int]:
        """The most messages each number had accepted within one second."""
        peaks: dict[str, int] = {}
        with self.lock:
            for (number, _second), count in self.per_second.items():
                peaks[number] = max(peaks.get(number, 0), count)
        return peaks

    def reset(self) -> None:
        with self.changed:
            self.throttled.clear()
            self.per_second.clear()
            self._buckets.clear()
            self.sent.clear()
            self.received.clear()
            self.abandoned.clear()
            self.callbacks.clear()
            self.open_windows.clear()
            self.changed.notify_all()

    def statuses_for(self, request: dict) -> list[tuple[str, int | None]]:
        """The status events an accepted message gets: (status, error code)."""
        to = str(request.get("to", "")).lstrip("+")
        if self.window and request.get("type") == "text":
            with self.lock:
                open_ = to in self.open_windows
            if not open_:
                return [("failed", OUTSIDE_WINDOW)]
        return [(status, None) for status in DELIVERY_STATUSES]

    def report(self, wamid: str, request: dict) -> None:
        """Post the message's status events to the webhook, later, from another thread."""
        if not self.webhook_url or not self.app_secret:
            return
        phone_number_id = _phone_number_id(request["path"])
        events = [
            status_payload(
                wamid=wamid,
                status=status,
                phone_number_id=phone_number_id,
                recipient=str(request.get("to", "")),
                callback=str(request.get("biz_opaque_callback_data") or ""),
                error_code=code,
            )
            for status, code in self.statuses_for(request)
        ]
        threading.Thread(target=self._post_events, args=(wamid, events), daemon=True).start()

    def _post_events(self, wamid: str, events: list[dict]) -> None:
        for event in events:
            if self.closing.wait(self.status_delay):
                return
            status = event["entry"][0]["changes"][0]["value"]["statuses"][0]["status"]
            entry = {"wamid": wamid, "status": status}
            try:
                entry["answer"] = self.post_webhook(event)
            except httpx.HTTPError as exc:  # the web server is down or refused: log only
                entry["error"] = str(exc)
                log.warning("fake WhatsApp: status %s of %s not delivered: %s", status, wamid, exc)
            self.record("callbacks", entry)

    def post_webhook(self, event: dict) -> int:
        """POST one signed event to the webhook; the HTTP status it answered."""
        body = json.dumps(event).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature(body, self.app_secret),
        }
        if self.webhook_host:
            headers["Host"] = self.webhook_host
        response = httpx.post(self.webhook_url, content=body, headers=headers, timeout=10)
        if response.status_code >= 400:
            log.warning("fake WhatsApp: the webhook answered %s", response.status_code)
        return response.status_code

    def wait_for(self, predicate, timeout: float):
        """Wait until `predicate(server)` is true (checked under the lock); its value, or None."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not (value := predicate(self)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.changed.wait(remaining)
            return value

    def server_close(self) -> None:
        self.closing.set()  # release held requests, so closing does not wait for their delays
        super().server_close()


def _phone_number_id(path: str) -> str:
    parts = path.strip("/").split("/")  # <version>/<phone_number_id>/messages
    return parts[-2] if len(parts) >= 2 else ""


def make_server(port: int = 0, *, delay: float = 0.0, **options) -> FakeWhatsAppServer:
    """Options: webhook_url, app_secret, webhook_host, status_delay, window, rate_limit."""
    return FakeWhatsAppServer(("127.0.0.1", port), delay=delay, **options)


def main() -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to hold each send")
    parser.add_argument(
        "--webhook-url",
        default=env("FAKE_WHATSAPP_WEBHOOK_URL", ""),
        help="post delivery statuses there (e.g. http://127.0.0.1:8000/webhooks/whatsapp/)",
    )
    parser.add_argument(
        "--app-secret",
        default=env("WHATSAPP_APP_SECRET", ""),
        help="signs the status events (default: $WHATSAPP_APP_SECRET)",
    )
    parser.add_argument(
        "--webhook-host",
        default=env("FAKE_WHATSAPP_WEBHOOK_HOST", ""),
        help="Host header of the status events (the platform host, e.g. localhost:8000)",
    )
    parser.add_argument(
        "--status-delay", type=float, default=1.0, help="seconds between status events"
    )
    parser.add_argument(
        "--window", action="store_true", help="refuse text outside the 24-hour window (131047)"
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=0.0,
        help="messages a second per phone-number id; past it, 429 with 130429 (0: no limit)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.webhook_url and not args.app_secret:
        parser.error("--webhook-url needs --app-secret (or WHATSAPP_APP_SECRET) to sign events")
    server = make_server(
        args.port,
        delay=args.delay,
        webhook_url=args.webhook_url,
        app_secret=args.app_secret,
        webhook_host=args.webhook_host,
        status_delay=args.status_delay,
        window=args.window,
        rate_limit=args.rate_limit,
    )
    print(f"fake WhatsApp Cloud API on http://127.0.0.1:{server.server_port}", flush=True)
    if args.webhook_url:
        print(f"  delivery statuses go to {args.webhook_url}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
