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

In-process use (tests): `server = make_server()`, serve it from a thread, read `server.sent`,
`server.received`, `server.abandoned` under `server.lock` (or through `server.wait_for`).

Run: .venv/bin/python -m notifications.fake_whatsapp [--port 8099] [--delay 0]
"""

import argparse
import itertools
import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_ids = itertools.count(1)
POLL_SECONDS = 0.05  # how often a held request looks at its caller's connection


class FakeWhatsAppHandler(BaseHTTPRequestHandler):
    server_version = "FakeWhatsApp/1.0"

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
        if to.endswith("0400"):
            self._answer(400, {"error": {"message": "not a WhatsApp user", "code": 131026}})
        elif to.endswith("0500"):
            self._answer(500, {"error": {"message": "temporary failure", "code": 131000}})
        elif to.endswith("0429"):
            self._answer(429, {"error": {"message": "rate limit hit", "code": 130429}})
        else:
            wamid = f"wamid.FAKE{next(_ids):010d}"
            self.server.record("sent", {"id": wamid, **request})
            self._answer(200, {"messaging_product": "whatsapp", "messages": [{"id": wamid}]})


class FakeWhatsAppServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler=FakeWhatsAppHandler, *, delay: float = 0.0):
        super().__init__(address, handler)
        self.delay = delay
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

    def reset(self) -> None:
        with self.changed:
            self.sent.clear()
            self.received.clear()
            self.abandoned.clear()
            self.changed.notify_all()

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


def make_server(port: int = 0, *, delay: float = 0.0) -> FakeWhatsAppServer:
    return FakeWhatsAppServer(("127.0.0.1", port), delay=delay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to hold each send")
    args = parser.parse_args()
    server = make_server(args.port, delay=args.delay)
    print(f"fake WhatsApp Cloud API on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
