"""A small local stand-in for the WhatsApp Cloud API, for tests and the demo (`make run`).

POST /<version>/<phone_number_id>/messages answers like the real API with a `wamid`. Numbers
ending in 0400 get a permanent error (131026, not on WhatsApp), ending in 0500 a server error,
ending in 0429 a rate limit. GET /_sent lists what was accepted (JSON), GET /_reset forgets it.

Run: .venv/bin/python -m notifications.fake_whatsapp [--port 8099]
"""

import argparse
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_ids = itertools.count(1)


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

    def do_GET(self):
        if self.path == "/_sent":
            self._answer(200, {"messages": self.server.sent})
        elif self.path == "/_reset":
            self.server.sent.clear()
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
        if not self.path.endswith("/messages") or not self.headers.get("Authorization"):
            self._answer(401, {"error": {"message": "unauthorised", "code": 190}})
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
            with self.server.lock:
                self.server.sent.append({"id": wamid, "path": self.path, **payload})
            self._answer(200, {"messaging_product": "whatsapp", "messages": [{"id": wamid}]})


def make_server(port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), FakeWhatsAppHandler)
    server.sent = []
    server.lock = threading.Lock()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8099)
    server = make_server(parser.parse_args().port)
    print(f"fake WhatsApp Cloud API on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
