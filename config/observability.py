"""Request ids and structured logs: what ties one request's (and its tasks') log lines together.

- `RequestIdMiddleware` takes `X-Request-ID` from the request when it is a sane token (a proxy's
  or a load balancer's), makes one otherwise, returns it on the response, keeps it in a
  contextvar for the request's duration and writes one access line ("agendo.access") with the
  tenant schema, user id, method, path, status and duration.
- Celery: the id travels in a task header (`before_task_publish`) and is restored in the worker
  around the task (`task_prerun`/`task_postrun`), so a task's lines carry the request's id.
- `ContextFilter` puts `request_id` and `schema` on every log record; `JsonFormatter` writes a
  record as one JSON object (production's LOG_FORMAT=json).
- `sentry_init` starts Sentry with the Django and Celery integrations (only when SENTRY_DSN is set).
"""

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# Letters, digits and a few separators, bounded: anything else (a log-forging newline, a 10 kB
# header) is replaced by an id of our own.
_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
access_logger = logging.getLogger("agendo.access")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    """The caller's id when it is a sane token, a new one otherwise."""
    if value and _VALID_ID.match(value):
        return value
    return new_request_id()


def current_request_id() -> str:
    return request_id_var.get()


def _schema_name() -> str:
    from django.db import connection

    return getattr(connection, "schema_name", None) or "-"


# Paths that carry a secret (a client's manage link, a calendar feed, an invitation or password
# reset key, a one-time "My bookings" link): logged as "/manage/…", never the token itself.
_SECRET_PATH = re.compile(
    r"^/(manage|booked|feeds|my-bookings/open|accounts/invite|accounts/password/reset/key)/.*"
)


def loggable_path(path: str) -> str:
    return _SECRET_PATH.sub(lambda m: f"/{m.group(1)}/…", path)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            user = getattr(request, "user", None)
            tenant = getattr(request, "tenant", None)
            path = loggable_path(request.path)
            access_logger.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "tenant": getattr(tenant, "schema_name", None),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `schema` to every record (a plain format can then print them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a response's 4xx/5xx after the middleware has returned: its record
            # carries the request itself.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or request_id_var.get()
        if not hasattr(record, "schema"):
            try:
                record.schema = _schema_name()
            except Exception:  # logging must never fail because of the database layer
                record.schema = "-"
        return True


# Attributes every LogRecord has; anything else on a record came from `extra=` and is kept.
# `request`: the HttpRequest Django attaches to its response lines (its id is kept, not its repr).
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "request"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, schema and extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
            "schema": getattr(record, "schema", "-"),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in payload:
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


# --- Celery: the id travels with the task ----------------------------------------------------
_task_tokens: dict[str, contextvars.Token] = {}


@before_task_publish.connect(weak=False)
def _add_request_id_header(headers=None, **kwargs) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault(TASK_HEADER, request_id)


@task_prerun.connect(weak=False)
def _restore_request_id(task_id=None, task=None, **kwargs) -> None:
    request = task.request
    carried = (request.headers or {}).get(TASK_HEADER) or request.get(TASK_HEADER)
    if carried:
        request_id = request_id_from(carried)
    else:  # run eagerly inside a request (keep its id), or sent from outside any request
        current = request_id_var.get()
        request_id = current if current != "-" else f"task-{task_id}"
    _task_tokens[task_id] = request_id_var.set(request_id)


@task_postrun.connect(weak=False)
def _forget_request_id(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (a thread pool): just clear it
            request_id_var.set("-")


# --- Sentry --------------------------------------------------------------------------------------
def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=_tag_request_id,
    )


def _tag_request_id(event: dict, hint: dict) -> dict:
    """An error in Sentry names the request id, to find its log lines."""
    request_id = request_id_var.get()
    if request_id != "-":
        event.setdefault("tags", {})["request_id"] = request_id
    return event
