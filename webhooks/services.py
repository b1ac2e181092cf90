"""Webhook writes: endpoints (create, update, enable, delete), resends, and sending deliveries.

Sending keeps the messages' outbox discipline (notifications/services.py): a due row is claimed
under its lock and moved `queued → sending` before the request leaves, so a task run twice sends
once; a row a dead worker left in `sending` is re-queued by the sweep after
WEBHOOK_SENDING_TIMEOUT_SECONDS and sent again (the receiver de-duplicates by event id). A failed
attempt is retried with exponential backoff until the delivery's `give_up_at` (24 h after the
first try); a delivery that reaches it fails, its endpoint is disabled and the owners are told.
"""

import datetime as dt
import json
import logging
import os
import time

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_diff, audit_record, audit_snapshot
from accounts.models import User
from billing.limits import module_enabled, module_refusal
from billing.webhook import sign
from webhooks.errors import WebhookError
from webhooks.models import Delivery, Endpoint, EventType
from webhooks.outbox import RETRY_WINDOW
from webhooks.queueing import enqueue_delivery
from webhooks.ssrf import url_check

log = logging.getLogger(__name__)
Status = Delivery.Status
EXCERPT = 500
USER_AGENT = "Agendo-Webhooks/1"


# --- Endpoints -----------------------------------------------------------------------------------


def _require_module() -> None:
    if not module_enabled("webhooks"):
        raise module_refusal("webhooks")


def _clean_events(events) -> list[str]:
    known = set(EventType.values)
    chosen = [e for e in dict.fromkeys(events) if e in known]
    if not chosen:
        raise WebhookError("no_events", _("Choose at least one event."), field="events")
    return chosen


@transaction.atomic
def endpoint_create(
    *, url: str, events, description: str = "", created_by: User | None
) -> Endpoint:
    """A new enabled endpoint with a fresh secret (shown to its creator once)."""
    _require_module()
    url_check(url)
    endpoint = Endpoint.objects.create(
        url=url,
        events=_clean_events(events),
        description=description.strip(),
        created_by=created_by,
    )
    changes = audit_snapshot(endpoint, AUDITED)  # never its secret
    audit_record(actor=created_by, action="webhook.created", target=endpoint, changes=changes)
    return endpoint


# What the audit trail keeps of an endpoint (the signing secret never).
AUDITED = ["url", "events", "description"]


@transaction.atomic
def endpoint_update(
    *, endpoint: Endpoint, url: str, events, description: str = "", actor: User | None = None
) -> Endpoint:
    _require_module()
    if url != endpoint.url:
        url_check(url)
    before = audit_snapshot(endpoint, AUDITED)
    endpoint.url = url
    endpoint.events = _clean_events(events)
    endpoint.description = description.strip()
    endpoint.save(update_fields=["url", "events", "description", "updated_at"])
    changes = audit_diff(before, audit_snapshot(endpoint, AUDITED))
    if changes:
        audit_record(actor=actor, action="webhook.updated", target=endpoint, changes=changes)
    return endpoint


@transaction.atomic
def endpoint_set_active(
    *, endpoint: Endpoint, active: bool, now=None, actor: User | None = None
) -> Endpoint:
    """Enable (deliveries still waiting get a fresh 24 h) or disable by hand."""
    now = now or timezone.now()
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active != active:
        changes = {"is_active": [endpoint.is_active, active]}
        audit_record(actor=actor, action="webhook.updated", target=endpoint, changes=changes)
    if active:
        _require_module()
        url_check(endpoint.url)
        endpoint.disabled_reason, endpoint.disabled_at = "", None
        waiting = endpoint.deliveries.filter(status=Status.QUEUED)
        ids = list(waiting.values_list("pk", flat=True))
        waiting.update(next_attempt_at=now, give_up_at=now + RETRY_WINDOW, updated_at=now)
        transaction.on_commit(lambda: [enqueue_delivery(pk) for pk in ids])
    else:
        endpoint.disabled_reason, endpoint.disabled_at = "", now
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active", "disabled_reason", "disabled_at", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, actor: User | None = None) -> None:
    changes = audit_snapshot(endpoint, AUDITED)
    audit_record(actor=actor, action="webhook.deleted", target=endpoint, changes=changes)
    endpoint.delete()


@transaction.atomic
def delivery_resend(*, delivery: Delivery, now=None) -> Delivery:
    """Send a delivered or failed delivery again (same event id), with a fresh 24 h of retries."""
    now = now or timezone.now()
    _require_module()
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if delivery.status in (Status.QUEUED, Status.SENDING):
        raise WebhookError("not_resendable", _("This delivery is already on its way."))
    if not delivery.endpoint.is_active:
        raise WebhookError(
            "not_resendable", _("Enable the endpoint first: a disabled endpoint receives nothing.")
        )
    delivery.status = Status.QUEUED
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.give_up_at = now + RETRY_WINDOW
    delivery.sending_since = None
    delivery.save()
    pk = delivery.pk
    transaction.on_commit(lambda: enqueue_delivery(pk))
    return delivery


# --- Sending -------------------------------------------------------------------------------------


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    with transaction.atomic():
        return list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Status.QUEUED, next_attempt_at__lte=now, endpoint__is_active=True)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )


@transaction.atomic
def deliveries_requeue_stuck(*, now: dt.datetime | None = None) -> int:
    """Rows a dead worker left in `sending`: queued again once the sending timeout has passed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.WEBHOOK_SENDING_TIMEOUT_SECONDS)
    return (
        Delivery.objects.select_for_update(skip_locked=True)
        .filter(status=Status.SENDING, sending_since__lt=cutoff)
        .update(status=Status.QUEUED, next_attempt_at=now, sending_since=None, updated_at=now)
    )


def _claim(delivery_id: int, now: dt.datetime) -> Delivery | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=Status.QUEUED, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None  # sent, failed, not due, or being sent by someone else
        if not delivery.endpoint.is_active:
            return None  # waits for the endpoint to be enabled again
        if not module_enabled("webhooks"):
            delivery.status = Status.CANCELLED
            delivery.last_error = "The business's plan no longer includes webhooks."
            delivery.save(update_fields=["status", "last_error", "updated_at"])
            return None
        delivery.status = Status.SENDING
        delivery.sending_since = now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "sending_since", "attempts", "updated_at"])
        return delivery


_clients: dict[int, httpx.Client] = {}


def _http() -> httpx.Client:
    """One client per process (not shared with forked pool children); redirects not followed."""
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        _clients.clear()
        client = _clients[pid] = httpx.Client(follow_redirects=False)
    return client


def body_bytes(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class Attempt:
    def __init__(self, *, code: int | None = None, excerpt: str = "", error: str = ""):
        self.code, self.excerpt, self.error = code, excerpt, error

    @property
    def ok(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


def post(*, url: str, secret: str, body: dict, delivery_id: int | None = None) -> Attempt:
    """POST the signed body to `url`, connecting to the address the SSRF guard checked."""
    scheme, host, port, address = url_check(url)
    raw = body_bytes(body)
    target = httpx.URL(url).copy_with(host=str(address), port=port)
    default_port = port == (443 if scheme == "https" else 80)
    headers = {
        "Host": host if default_port else f"{host}:{port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Agendo-Signature": sign(raw, secret),
        "X-Agendo-Event-Id": body.get("id", ""),
        "X-Agendo-Event-Type": body.get("type", ""),
    }
    if delivery_id is not None:
        headers["X-Agendo-Delivery"] = str(delivery_id)
    try:
        response = _http().post(
            target,
            content=raw,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            extensions={"sni_hostname": host} if scheme == "https" else {},
        )
    except httpx.HTTPError as exc:
        return Attempt(error=f"{type(exc).__name__}: {exc}"[:2000])
    return Attempt(code=response.status_code, excerpt=response.text[:EXCERPT])


def _retry_or_fail(delivery: Delivery, attempt: Attempt, now: dt.datetime) -> str:
    delay = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1)
    delay = min(delay, settings.WEBHOOK_RETRY_MAX_SECONDS)
    next_at = now + dt.timedelta(seconds=delay)
    error = attempt.error or _("The endpoint answered %(code)s.") % {"code": attempt.code}
    common = {
        "response_code": attempt.code,
        "response_excerpt": attempt.excerpt,
        "last_error": error,
        "sending_since": None,
        "updated_at": timezone.now(),
    }
    if next_at <= delivery.give_up_at:
        Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.QUEUED, next_attempt_at=next_at, **common
        )
        return Status.QUEUED
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.FAILED, **common
        )
        endpoint_auto_disable(endpoint=delivery.endpoint, now=now)
    return Status.FAILED


@transaction.atomic
def endpoint_auto_disable(*, endpoint: Endpoint, now: dt.datetime) -> bool:
    """Turn off an endpoint that failed for the whole retry window; tell the owners once."""
    from config.celery import enqueue_on_commit
    from webhooks.tasks import endpoint_disabled_mail

    changed = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False,
        disabled_at=now,
        disabled_reason="Deliveries failed for 24 hours.",
        updated_at=now,
    )
    if changed:
        enqueue_on_commit(
            endpoint_disabled_mail, schema=connection.schema_name, endpoint_id=endpoint.pk
        )
    return bool(changed)


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Send one delivery if it is still queued and due; returns its status afterwards.

    What it records (errors shown in the delivery log) is in the business's language."""
    from scheduling.models import BusinessSettings

    language = BusinessSettings.objects.filter(pk=1).values_list("language", flat=True).first()
    with translation.override(language or "en"):
        return _delivery_send(delivery_id=delivery_id, now=now or timezone.now())


def _delivery_send(*, delivery_id: int, now: dt.datetime) -> str:
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "skipped"
    started = time.monotonic()
    try:
        attempt = post(
            url=delivery.endpoint.url,
            secret=delivery.endpoint.secret,
            body=delivery.event.body,
            delivery_id=delivery.pk,
        )
    except WebhookError as exc:  # the SSRF guard at send: the URL now points inside
        attempt = Attempt(error=exc.message)
    except Exception as exc:  # a bug of ours: the receiver may or may not have it; retry
        log.exception("webhook delivery %s: unexpected error", delivery.pk)
        attempt = Attempt(error=f"Unexpected error: {exc!r}"[:2000])
    finished = timezone.now()
    duration = int((time.monotonic() - started) * 1000)
    Delivery.objects.filter(pk=delivery.pk).update(last_attempt_at=finished, duration_ms=duration)
    if attempt.ok:
        Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.DELIVERED,
            response_code=attempt.code,
            response_excerpt=attempt.excerpt,
            last_error="",
            delivered_at=finished,
            sending_since=None,
            updated_at=finished,
        )
        return Status.DELIVERED
    return _retry_or_fail(delivery, attempt, now)


def sweep(*, now: dt.datetime | None = None) -> list[int]:
    """One pass over this business: re-queue what dead workers left, list what is due."""
    now = now or timezone.now()
    deliveries_requeue_stuck(now=now)
    return deliveries_due(now=now)
