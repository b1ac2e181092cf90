"""/metrics for Prometheus: django-prometheus's request figures plus Agendo's own.

Ours are read at scrape time, so every web and worker process reports the same truth:
- from PostgreSQL, across every active business (one UNION ALL query per figure, whatever the
  number of businesses): booking changes by type, messages by status and channel, WhatsApp
  webhook messages by what they did, and the **outbox lag** per channel — the age of the oldest
  message that is due and not yet sent;
- from Redis: Celery task outcomes, counted by the workers' signal handlers (a worker's own
  memory is out of reach of the web process that answers the scrape).

Answered before the tenant lookup on any host (like /health/), only to a request with
`Authorization: Bearer METRICS_TOKEN` or from an address in METRICS_ALLOWED_IPS.
"""

import functools
import hmac
import ipaddress
import logging
import os

import redis
from celery.signals import task_failure, task_rejected, task_retry, task_revoked, task_success
from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

logger = logging.getLogger(__name__)

METRICS_PATHS = {"/metrics", "/metrics/"}
# Messages not yet handed to the provider: waiting, or taken by a worker that has not finished.
UNSENT_STATUSES = ("queued", "sending")
CHANNELS = ("email", "whatsapp")


# --- Access --------------------------------------------------------------------------------------
def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            logger.warning("METRICS_ALLOWED_IPS: %r is not an address or network", entry)
    return networks


def scrape_allowed(request) -> bool:
    from tenants.ratelimit import client_ip

    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    offered = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if token and offered and hmac.compare_digest(offered.encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in _networks())


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in METRICS_PATHS:
            return self.get_response(request)
        if not scrape_allowed(request):
            response = HttpResponse("Forbidden\n", status=403, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        return metrics_response()


def metrics_response() -> HttpResponse:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several web processes (gunicorn): add up what each one wrote to the shared directory.
        from prometheus_client import multiprocess

        process_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    agendo_registry = CollectorRegistry()
    agendo_registry.register(AgendoCollector())
    body = generate_latest(process_registry) + generate_latest(agendo_registry)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


# --- Figures from the database -------------------------------------------------------------------
def active_schemas() -> list[str]:
    from django.db import connection

    from tenants.selectors import tenant_list_active

    connection.set_schema_to_public()
    return list(tenant_list_active().values_list("schema_name", flat=True))


def _union_rows(select: str, params_per_schema: list, schemas: list[str]) -> list[tuple]:
    """Run `select` (`{schema}`: the quoted schema name) in every business of `schemas` at once."""
    from django.db import connection

    if not schemas:
        return []
    quote = connection.ops.quote_name
    parts = [select.format(schema=quote(schema)) for schema in schemas]
    params = [p for _ in schemas for p in params_per_schema]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"({part})" for part in parts), params)
        return cursor.fetchall()


def booking_changes(schemas: list[str]) -> dict[str, int]:
    totals: dict[str, int] = {}
    rows = _union_rows(
        'SELECT type, count(*) FROM {schema}."bookings_bookingevent" GROUP BY type', [], schemas
    )
    for kind, count in rows:
        totals[kind] = totals.get(kind, 0) + count
    return totals


def message_counts(schemas: list[str]) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = {}
    rows = _union_rows(
        'SELECT status, channel, count(*) FROM {schema}."notifications_message" '
        "GROUP BY status, channel",
        [],
        schemas,
    )
    for status, channel, count in rows:
        totals[(status, channel)] = totals.get((status, channel), 0) + count
    return totals


def inbound_counts(schemas: list[str]) -> dict[str, int]:
    """WhatsApp webhook: clients' messages received, by what they did (confirmed, cancelled...)."""
    totals: dict[str, int] = {}
    rows = _union_rows(
        'SELECT action, count(*) FROM {schema}."notifications_inboundmessage" GROUP BY action',
        [],
        schemas,
    )
    for action, count in rows:
        totals[action] = totals.get(action, 0) + count
    return totals


def outbox_lag(schemas: list[str]) -> dict[str, float]:
    """Per channel: seconds since the oldest due, unsent message fell due (0 when none waits)."""
    lag = dict.fromkeys(CHANNELS, 0.0)
    rows = _union_rows(
        "SELECT channel, EXTRACT(EPOCH FROM clock_timestamp() - min(send_after)) "
        'FROM {schema}."notifications_message" '
        "WHERE status = ANY(%s) AND send_after <= clock_timestamp() GROUP BY channel",
        [list(UNSENT_STATUSES)],
        schemas,
    )
    for channel, seconds in rows:
        lag[channel] = max(lag.get(channel, 0.0), float(seconds or 0))
    return lag


# --- Celery task outcomes (counted in Redis by the workers) --------------------------------------
def _tasks_key() -> str:
    return f"{settings.REDIS_PREFIX}:metrics:celery_tasks"


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def task_outcome_count(*, task: str, outcome: str) -> None:
    try:
        _redis().hincrby(_tasks_key(), f"{task}|{outcome}", 1)
    except redis.RedisError:  # a figure lost is better than a task failed for it
        logger.warning("could not count task outcome %s %s", task, outcome)


def task_outcomes() -> dict[tuple[str, str], int]:
    raw = _redis().hgetall(_tasks_key())
    outcomes = {}
    for field, value in raw.items():
        task, _, outcome = field.decode().rpartition("|")
        outcomes[(task, outcome)] = int(value)
    return outcomes


def _task_name(sender=None, request=None) -> str:
    name = getattr(sender, "name", None) or getattr(request, "task", None) or str(sender)
    return name


@task_success.connect(weak=False)
def _on_success(sender=None, **kwargs) -> None:
    task_outcome_count(task=_task_name(sender), outcome="success")


@task_failure.connect(weak=False)
def _on_failure(sender=None, **kwargs) -> None:
    task_outcome_count(task=_task_name(sender), outcome="failure")


@task_retry.connect(weak=False)
def _on_retry(sender=None, request=None, **kwargs) -> None:
    task_outcome_count(task=_task_name(sender, request), outcome="retry")


@task_rejected.connect(weak=False)
def _on_rejected(sender=None, message=None, **kwargs) -> None:
    task_outcome_count(task="unknown", outcome="rejected")


@task_revoked.connect(weak=False)
def _on_revoked(sender=None, request=None, **kwargs) -> None:
    task_outcome_count(task=_task_name(sender, request), outcome="revoked")


# --- The collector --------------------------------------------------------------------------------
class AgendoCollector:
    def describe(self):
        # Names only: registering must not query the database.
        return [
            CounterMetricFamily("agendo_booking_events", "Booking changes.", labels=["type"]),
            GaugeMetricFamily("agendo_messages", "Messages by status and channel.", labels=[]),
            GaugeMetricFamily("agendo_outbox_lag_seconds", "Outbox lag.", labels=["channel"]),
            CounterMetricFamily("agendo_inbound_messages", "Webhook messages.", labels=["action"]),
            CounterMetricFamily("agendo_celery_tasks", "Celery task outcomes.", labels=[]),
            GaugeMetricFamily("agendo_metrics_up", "1 when every figure could be read.", labels=[]),
        ]

    def collect(self):
        up = 1
        events = CounterMetricFamily(
            "agendo_booking_events", "Booking changes (BookingEvent rows) by type.", labels=["type"]
        )
        messages = GaugeMetricFamily(
            "agendo_messages",
            "Messages in the outbox by status and channel.",
            labels=["status", "channel"],
        )
        lag = GaugeMetricFamily(
            "agendo_outbox_lag_seconds",
            "Age of the oldest due, unsent message per channel (0 when none waits).",
            labels=["channel"],
        )
        inbound = CounterMetricFamily(
            "agendo_inbound_messages",
            "WhatsApp messages received from clients (webhook), by what they did.",
            labels=["action"],
        )
        tasks = CounterMetricFamily(
            "agendo_celery_tasks", "Celery task outcomes by task.", labels=["task", "outcome"]
        )
        try:
            schemas = active_schemas()
            for kind, count in sorted(booking_changes(schemas).items()):
                events.add_metric([kind], count)
            for (status, channel), count in sorted(message_counts(schemas).items()):
                messages.add_metric([status, channel], count)
            for channel, seconds in sorted(outbox_lag(schemas).items()):
                lag.add_metric([channel], seconds)
            for action, count in sorted(inbound_counts(schemas).items()):
                inbound.add_metric([action], count)
        except Exception:  # the scrape reports what it can; agendo_metrics_up says it is partial
            logger.exception("metrics: database figures unavailable")
            up = 0
        try:
            for (task, outcome), count in sorted(task_outcomes().items()):
                tasks.add_metric([task, outcome], count)
        except redis.RedisError:
            logger.warning("metrics: Redis unavailable for task outcomes")
            up = 0
        yield from (events, messages, lag, inbound, tasks)
        yield GaugeMetricFamily(
            "agendo_metrics_up", "1 when every figure above could be read.", value=up
        )
