"""E-mail sends against a small SMTP server of the test's own (the network boundary): refusals
are permanent, a server that is down or silent is transient, and a silent one cannot hold a send
past EMAIL_TIMEOUT."""

import socket
import socketserver
import threading
import time

import pytest

from bookings.models import Client
from notifications import services
from notifications.models import Channel, Kind, Message
from notifications.tests.test_outbox import _book
from notifications.tests.test_outbox import shop as shop

Status = Message.Status


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: answers RCPT TO with the server's `rcpt_reply`,
    DATA with its `data_reply`; `silent` servers accept the connection and never speak."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        if server.silent:
            server.closing.wait(30)
            return
        self._say("220 fake.smtp ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._say("250 fake.smtp")
            elif command.startswith("MAIL FROM"):
                self._say("250 OK")
            elif command.startswith("RCPT TO"):
                self._say(server.rcpt_reply)
            elif command == "DATA":
                self._say("354 go ahead")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self._say(server.data_reply)
                if server.data_reply.startswith("250"):
                    server.accepted += 1
            elif command == "RSET":
                self._say("250 OK")
            elif command == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


@pytest.fixture
def smtp(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.silent = False
    server.rcpt_reply = "250 OK"
    server.data_reply = "250 queued"
    server.accepted = 0
    server.closing = threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.server_address[1]
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    yield server
    server.closing.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def emailed(shop):
    """A confirmation waiting to go by e-mail (the client has no WhatsApp consent)."""
    client = Client.objects.create(name="Bea", phone="+5511911112222", email="bea@example.com")
    message = Message.objects.get(booking=_book(shop, client=client), kind=Kind.CONFIRMATION)
    assert message.channel == Channel.EMAIL
    return message


def test_the_smtp_server_takes_the_message(smtp, emailed):
    assert services.message_send(message_id=emailed.pk) == Status.SENT
    assert smtp.accepted == 1


def test_a_refused_recipient_fails_at_once(smtp, emailed):
    smtp.rcpt_reply = "550 5.1.1 no such user"
    assert services.message_send(message_id=emailed.pk) == Status.FAILED
    emailed.refresh_from_db()
    assert emailed.status == Status.FAILED and emailed.attempts == 1
    assert "550" in emailed.last_error and "bea@example.com" in emailed.last_error


def test_a_5xx_on_the_data_fails_at_once(smtp, emailed):
    smtp.data_reply = "554 5.7.1 rejected as spam"
    assert services.message_send(message_id=emailed.pk) == Status.FAILED
    emailed.refresh_from_db()
    assert "554" in emailed.last_error


def test_a_4xx_refusal_is_tried_again_later(smtp, emailed):
    smtp.rcpt_reply = "451 4.7.1 greylisted, try later"
    assert services.message_send(message_id=emailed.pk) == Status.QUEUED
    emailed.refresh_from_db()
    assert emailed.status == Status.QUEUED and "451" in emailed.last_error


def test_an_smtp_server_that_is_down_is_tried_again_later(smtp, emailed, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]
    assert services.message_send(message_id=emailed.pk) == Status.QUEUED
    emailed.refresh_from_db()
    assert emailed.status == Status.QUEUED and emailed.last_error.startswith("E-mail failed")


def test_a_silent_smtp_server_cannot_hold_the_send_past_the_email_timeout(smtp, emailed):
    smtp.silent = True
    started = time.monotonic()
    assert services.message_send(message_id=emailed.pk) == Status.QUEUED
    assert time.monotonic() - started < 5  # EMAIL_TIMEOUT = 1 s, not the 30 s it would hold
    emailed.refresh_from_db()
    assert emailed.status == Status.QUEUED and "timed out" in emailed.last_error


def test_the_email_timeout_is_configured_below_the_sending_timeout():
    from django.conf import settings

    from config.settings import base

    assert 0 < base.EMAIL_TIMEOUT < base.MESSAGE_SENDING_TIMEOUT_SECONDS
    assert settings.EMAIL_TIMEOUT == base.EMAIL_TIMEOUT
