"""The fake Cloud API's delivery reports: signed status events a sent message gets, as in the demo.

The fake posts its events over HTTP from its own thread; a small server here receives them (the
network boundary) and the test replays each, byte for byte with its headers, to the webhook
through Django's test client, so the rows the test wrote (not committed) are visible to it.
"""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from notifications import services
from notifications.fake_whatsapp import make_server, signature, status_payload
from notifications.inbound import status_apply
from notifications.models import Channel, ChannelSettings, InboundMessage, Kind, Message
from notifications.tests.test_outbox import _book
from notifications.tests.test_outbox import shop as shop

Status = Message.Status
SECRET = "fake-app-secret"
URL = "/webhooks/whatsapp/"


class _Receiver(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        return

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.changed:
            self.server.requests.append({"path": self.path, "headers": self.headers, "body": body})
            self.server.changed.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.requests = []
    server.changed = threading.Condition()
    yield _serve(server)
    server.shutdown()
    server.server_close()


def _wait_for_requests(receiver, count: int, timeout: float = 10.0) -> list[dict]:
    with receiver.changed:
        receiver.changed.wait_for(lambda: len(receiver.requests) >= count, timeout)
        return list(receiver.requests)


@pytest.fixture
def reporting_fake(settings, receiver):
    """The fake Cloud API, reporting statuses to `receiver` as to the platform host."""
    server = _serve(
        make_server(
            webhook_url=f"http://127.0.0.1:{receiver.server_port}{URL}",
            app_secret=SECRET,
            webhook_host="localhost",
            status_delay=0.01,
        )
    )
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    settings.WHATSAPP_PHONE_NUMBER_ID = "demo-number"
    settings.WHATSAPP_ACCESS_TOKEN = "demo-token"
    settings.WHATSAPP_APP_SECRET = SECRET
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _replay(platform_client, request):
    return platform_client.post(
        request["path"],
        request["body"],
        content_type="application/json",
        HTTP_HOST=request["headers"]["Host"],
        HTTP_X_HUB_SIGNATURE_256=request["headers"]["X-Hub-Signature-256"],
    )


def test_a_sent_message_is_reported_sent_delivered_read_through_the_webhook(
    shop, reporting_fake, receiver, platform_client, eager
):
    message = Message.objects.get(booking=_book(shop), kind=Kind.CONFIRMATION)
    assert services.message_send(message_id=message.pk) == Status.SENT
    message.refresh_from_db()

    requests = _wait_for_requests(receiver, 3)
    events = [json.loads(r["body"]) for r in requests]
    statuses = [e["entry"][0]["changes"][0]["value"]["statuses"][0] for e in events]
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert {s["id"] for s in statuses} == {message.provider_id}
    assert {s["biz_opaque_callback_data"] for s in statuses} == {"alpha"}
    metadata = events[0]["entry"][0]["changes"][0]["value"]["metadata"]
    assert metadata["phone_number_id"] == "demo-number"
    for request in requests:
        assert request["path"] == URL and request["headers"]["Host"] == "localhost"
        assert request["headers"]["X-Hub-Signature-256"] == signature(request["body"], SECRET)

    seen = []
    for request in requests[:2]:
        assert _replay(platform_client, request).status_code == 200
        with schema_context("alpha"):
            message.refresh_from_db()
        seen.append(message.status)
    assert seen == [Status.SENT, Status.DELIVERED]
    assert message.delivered_at is not None
    assert _replay(platform_client, requests[2]).status_code == 200
    with schema_context("alpha"):
        message.refresh_from_db()
    assert message.status == Status.READ and message.read_at is not None
    assert [c["answer"] for c in reporting_fake.callbacks] == [200, 200, 200]


def test_events_routed_by_the_platform_number_alone_reach_the_business(
    shop, reporting_fake, platform_client, eager
):
    """Without the callback data, "demo-number" (the platform's) routes by the contact the
    send recorded: the business that last wrote to this client."""
    message = Message.objects.get(booking=_book(shop), kind=Kind.CONFIRMATION)
    services.message_send(message_id=message.pk)
    message.refresh_from_db()
    event = status_payload(
        wamid=message.provider_id,
        status="delivered",
        phone_number_id="demo-number",
        recipient=message.recipient,
        timestamp=int(timezone.now().timestamp()),
    )
    body = json.dumps(event).encode()
    response = platform_client.post(
        URL, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature(body, SECRET)
    )
    assert response.status_code == 200
    with schema_context("alpha"):
        message.refresh_from_db()
    assert message.status == Status.DELIVERED


def test_without_a_webhook_url_nothing_is_posted(shop, settings, receiver):
    server = _serve(make_server(app_secret=SECRET, status_delay=0.01))
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    settings.WHATSAPP_PHONE_NUMBER_ID, settings.WHATSAPP_ACCESS_TOKEN = "demo-number", "t"
    try:
        message = Message.objects.get(booking=_book(shop), kind=Kind.CONFIRMATION)
        assert services.message_send(message_id=message.pk) == Status.SENT
        assert _wait_for_requests(receiver, 1, timeout=0.3) == []
        assert server.callbacks == []
    finally:
        server.shutdown()
        server.server_close()


def test_an_unreachable_webhook_is_logged_and_the_fake_keeps_serving(shop, settings):
    server = _serve(
        make_server(webhook_url="http://127.0.0.1:9/x/", app_secret=SECRET, status_delay=0.01)
    )
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    settings.WHATSAPP_PHONE_NUMBER_ID, settings.WHATSAPP_ACCESS_TOKEN = "demo-number", "t"
    try:
        first = Message.objects.get(booking=_book(shop), kind=Kind.CONFIRMATION)
        assert services.message_send(message_id=first.pk) == Status.SENT
        done = server.wait_for(lambda s: len(s.callbacks) >= 3 and s.callbacks, timeout=10)
        assert done and all("error" in c for c in done)
        assert len(server.sent) == 1  # and it still answers
    finally:
        server.shutdown()
        server.server_close()


# --- The 24-hour window, as the real API enforces it: by a `failed` status (131047) ------------


@pytest.fixture
def window_fake(reporting_fake):
    reporting_fake.window = True  # text to a number that has not written in: failed, 131047
    channels = ChannelSettings.load()
    channels.whatsapp_template_name = "agendo_update"
    channels.save()
    return reporting_fake


def _our_window_open(phone="+5511912345678"):
    """Our records say the client wrote 23 h ago (the API disagrees: its window has closed)."""
    InboundMessage.objects.create(
        provider_id="wamid.IN",
        from_phone=phone,
        body="oi",
        received_at=timezone.now() - dt.timedelta(hours=23),
    )


def test_text_refused_outside_the_window_is_resent_once_as_the_template(
    shop, window_fake, receiver, platform_client, eager, django_capture_on_commit_callbacks
):
    _our_window_open()
    message = Message.objects.get(booking=_book(shop), kind=Kind.CONFIRMATION)
    assert services.message_send(message_id=message.pk) == Status.SENT
    (failed,) = _wait_for_requests(receiver, 1)
    status = json.loads(failed["body"])["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["status"] == "failed" and status["errors"][0]["code"] == 131047
    with django_capture_on_commit_callbacks() as callbacks:
        assert _replay(platform_client, failed).status_code == 200
    with schema_context("alpha"):
        message.refresh_from_db()
        assert message.status == Status.QUEUED and message.as_template
        assert "131047" in message.last_error and "template" in message.last_error
        assert callbacks  # handed to a worker after commit
        assert services.message_send(message_id=message.pk) == Status.SENT
        message.refresh_from_db()
    text, template = window_fake.sent
    assert text["type"] == "text" and template["type"] == "template"
    assert template["template"]["components"][0]["parameters"][0]["text"] == " ".join(
        message.body.split()
    )
    # The template is delivered: its statuses move the message on.
    for request in _wait_for_requests(receiver, 4)[1:]:
        _replay(platform_client, request)
    with schema_context("alpha"):
        message.refresh_from_db()
    assert message.status == Status.READ
    # The undelivered text's failure again changes nothing.
    assert _replay(platform_client, failed).status_code == 200
    with schema_context("alpha"):
        message.refresh_from_db()
        assert message.status == Status.READ
        assert not Message.objects.filter(channel=Channel.EMAIL, kind=Kind.CONFIRMATION).exists()


def test_a_second_131047_falls_back_to_email(shop, window_fake):
    _our_window_open()
    booking = _book(shop)
    message = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION)
    services.message_send(message_id=message.pk)
    message.refresh_from_db()
    outside = {"code": 131047, "title": "Re-engagement message"}
    first = {"id": message.provider_id, "status": "failed", "errors": [outside]}
    assert status_apply(status=first) == "resent_as_template"
    services.message_send(message_id=message.pk)
    message.refresh_from_db()
    second = {"id": message.provider_id, "status": "failed", "errors": [outside]}
    assert status_apply(status=second) == Status.FAILED
    message.refresh_from_db()
    assert message.status == Status.FAILED and "e-mail instead" in message.last_error
    email = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION, channel=Channel.EMAIL)
    assert email.status == Status.QUEUED
    assert [m["type"] for m in window_fake.sent] == ["text", "template"]


def test_without_a_template_131047_falls_back_to_email(shop, reporting_fake):
    booking = _book(shop)
    message = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION)
    services.message_send(message_id=message.pk)
    message.refresh_from_db()
    failed = {"id": message.provider_id, "status": "failed", "errors": [{"code": 131047}]}
    assert status_apply(status=failed) == Status.FAILED
    assert Message.objects.filter(booking=booking, channel=Channel.EMAIL).exists()


def test_the_fake_opens_the_window_when_the_client_writes_in(shop, window_fake, receiver):
    import httpx

    base = f"http://127.0.0.1:{window_fake.server_port}"
    assert httpx.post(f"{base}/_inbound", json={"from": "5511912345678"}).status_code == 200
    _our_window_open()
    message = Message.objects.get(booking=_book(shop), kind=Kind.CONFIRMATION)
    services.message_send(message_id=message.pk)
    statuses = [
        json.loads(r["body"])["entry"][0]["changes"][0]["value"]["statuses"][0]["status"]
        for r in _wait_for_requests(receiver, 3)
    ]
    assert statuses == ["sent", "delivered", "read"]
    assert window_fake.sent[0]["type"] == "text"
