"""X-Request-ID in and out, on every log line and in Celery tasks; JSON logs; Sentry only if set."""

import io
import json
import logging
import time
import uuid

import pytest
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory
from config import observability
from config.observability import ContextFilter, JsonFormatter, request_id_var
from conftest import login_as


@pytest.fixture
def json_log():
    """Root log lines of the test, formatted as production formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_a_request_without_an_id_gets_a_new_one_back(alpha_client):
    first = alpha_client.get("/")["X-Request-ID"]
    second = alpha_client.get("/")["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_a_sane_id_from_the_proxy_is_kept(alpha_client):
    response = alpha_client.get("/", HTTP_X_REQUEST_ID="lb-7f3a.42:abc")
    assert response["X-Request-ID"] == "lb-7f3a.42:abc"


@pytest.mark.parametrize("hostile", ["a\nforged log line", "x" * 500, "", " spaced", "ü-nicode"])
def test_a_hostile_id_is_replaced(alpha_client, hostile):
    response = alpha_client.get("/", HTTP_X_REQUEST_ID=hostile)
    assert response["X-Request-ID"] != hostile
    assert len(response["X-Request-ID"]) == 32


def test_every_line_of_a_request_carries_its_id_and_one_access_line_sums_it_up(
    tenant_alpha, alpha_client, json_log
):
    with schema_context("alpha"):
        owner = OwnerFactory()
    login_as(alpha_client, owner, "alpha")
    response = alpha_client.get("/app/no-such-page/", HTTP_X_REQUEST_ID="req-0001")
    assert response.status_code == 404
    lines = json_log()
    ours = [line for line in lines if line["request_id"] == "req-0001"]
    # Django's own "Not Found" warning and our access line, both with the id.
    assert any(line["logger"] == "django.request" for line in ours)
    access = [line for line in ours if line["logger"] == "agendo.access"]
    assert len(access) == 1
    entry = access[0]
    assert entry["schema"] == "alpha"
    assert entry["tenant"] == "alpha"
    assert entry["user_id"] == owner.pk
    assert entry["path"] == "/app/no-such-page/"
    assert entry["status"] == 404
    assert entry["method"] == "GET"
    assert entry["duration_ms"] >= 0
    assert request_id_var.get() == "-"  # nothing leaks into the next request


def test_lines_outside_any_request_say_so(json_log):
    logging.getLogger("agendo.test").warning("between requests")
    [line] = [line for line in json_log() if line["logger"] == "agendo.test"]
    assert line["request_id"] == "-"
    assert line["message"] == "between requests"
    assert line["level"] == "WARNING"


def test_the_request_id_travels_into_the_tasks_it_sends(settings):
    headers: dict = {}
    token = request_id_var.set("req-for-task")
    try:
        observability._add_request_id_header(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers["request_id"] == "req-for-task"

    class FakeRequest(dict):
        headers = {"request_id": "req-for-task"}

    class FakeTask:
        request = FakeRequest()

    observability._restore_request_id(task_id="t1", task=FakeTask())
    try:
        assert request_id_var.get() == "req-for-task"
    finally:
        observability._forget_request_id(task_id="t1")
    assert request_id_var.get() == "-"


def test_a_real_worker_logs_the_task_with_the_request_id_that_sent_it(tenant_alpha):
    from config.tests.workers import running_worker
    from notifications.tasks import dispatch_tenant

    request_id = f"req-{uuid.uuid4().hex[:12]}"
    queue = f"ops-obs-{uuid.uuid4().hex[:8]}"
    with running_worker(queue=queue, name="obs", loglevel="info") as worker:
        token = request_id_var.set(request_id)
        try:
            with schema_context("alpha"):
                dispatch_tenant.apply_async(queue=queue)
        finally:
            request_id_var.reset(token)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            lines = [line for line in worker.log().splitlines() if "succeeded" in line]
            if lines:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the task never finished:\n" + worker.log())
    assert request_id in lines[0], worker.log()
    assert "alpha" in lines[0]  # and the schema it ran in


def test_production_logs_are_json(tmp_path):
    from config.tests.test_settings import _run_with_prod_settings

    script = (
        "import logging; logging.getLogger('agendo.check').warning('hello'); "
        "from django.conf import settings; "
        "print(settings.LOGGING['handlers']['console']['formatter'])"
    )
    result = _run_with_prod_settings("shell", "-v", "0", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "json"
    [line] = [json.loads(x) for x in result.stderr.splitlines() if "agendo.check" in x]
    assert line["message"] == "hello"
    assert line["request_id"] == "-"


def test_sentry_starts_only_with_a_dsn(monkeypatch):
    import sentry_sdk

    assert not sentry_sdk.is_initialized()  # no SENTRY_DSN in the tests' environment
    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    observability.sentry_init(
        dsn="https://key@example.invalid/1", environment="test", traces_sample_rate=0
    )
    [options] = calls
    names = {type(integration).__name__ for integration in options["integrations"]}
    assert {"DjangoIntegration", "CeleryIntegration"} <= names
    assert options["send_default_pii"] is False
    token = request_id_var.set("req-sentry")
    try:
        event = options["before_send"]({}, {})
    finally:
        request_id_var.reset(token)
    assert event["tags"]["request_id"] == "req-sentry"


def test_a_task_run_eagerly_inside_a_request_keeps_the_requests_id():
    class FakeRequest(dict):
        headers = None

    class FakeTask:
        request = FakeRequest()

    token = request_id_var.set("req-eager")
    try:
        observability._restore_request_id(task_id="t2", task=FakeTask())
        assert request_id_var.get() == "req-eager"
        observability._forget_request_id(task_id="t2")
    finally:
        request_id_var.reset(token)
    observability._restore_request_id(task_id="t3", task=FakeTask())
    try:
        assert request_id_var.get() == "task-t3"  # sent from outside any request
    finally:
        observability._forget_request_id(task_id="t3")


def test_secret_tokens_in_paths_never_reach_the_access_log():
    from config.observability import loggable_path

    assert loggable_path("/manage/abc123secret/") == "/manage/…"
    assert loggable_path("/manage/abc123secret/calendar.ics") == "/manage/…"
    assert loggable_path("/feeds/tok3n.ics") == "/feeds/…"
    assert loggable_path("/accounts/invite/MQ/abc-def/") == "/accounts/invite/…"
    assert loggable_path("/accounts/password/reset/key/1-abc/") == "/accounts/password/reset/key/…"
    assert loggable_path("/app/bookings/ABC123/") == "/app/bookings/ABC123/"
