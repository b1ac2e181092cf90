"""A webhook receiver for the tests: records every POST, answers `status` after `delay` seconds.

`received`: every request that arrived (method, path, headers, body); `accepted`: those answered
(the caller was still there); `abandoned`: those whose caller went away while held (a worker
killed mid-send). Served from a thread of the test process on 127.0.0.1 (tests allow loopback).
"""

import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        return

    def _caller_connected(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return True
            return self.connection.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):
            return False

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        request = {
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": self.rfile.read(length),
        }
        server = self.server
        server.record("received", request)
        deadline = time.monotonic() + server.delay
        while time.monotonic() < deadline and not server.closing.is_set():
            if not self._caller_connected():
                server.record("abandoned", request)
                return
            time.sleep(0.05)
        if not self._caller_connected():
            server.record("abandoned", request)
            return
        status, text = server.status, server.answer
        data = text.encode()
        try:
            self.send_response(status)
            if server.location:
                self.send_header("Location", server.location)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            server.record("abandoned", request)
            return
        server.record("accepted", request)


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.status, self.answer, self.delay, self.location = 200, "ok", 0.0, ""
        self.received: list[dict] = []
        self.accepted: list[dict] = []
        self.abandoned: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/hook"

    def record(self, kind: str, request: dict) -> None:
        with self.lock:
            getattr(self, kind).append(request)

    def wait_for(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.05)
        return False


def start_receiver() -> tuple[Receiver, threading.Thread]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop_receiver(server: Receiver) -> None:
    server.closing.set()
    server.shutdown()
    server.server_close()
