"""POST /webhooks/billing/ on the platform host: the billing provider's events, provider-agnostic.

Signed like Stripe's: `X-Agendo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>.<raw body>")>` (several v1= allowed). Secrets come from BILLING_WEBHOOK_SECRETS, current
first; an older one still verifies during a rotation. A timestamp more than
BILLING_WEBHOOK_TOLERANCE_SECONDS away is refused, so a captured request cannot be replayed later.

Body: {"id": "evt_…", "type": "<type>", "data": {"business": "<slug>", …}}. Types:
    subscription.activated  data.plan?, data.period_end? (ISO 8601; default a month)
    subscription.renewed    data.period_end?
    payment.failed          (→ past_due, the grace starts, owners are told)
    subscription.cancelled  data.at_period_end? (default true)
    plan.changed            data.plan
Answers (JSON): 200 processed; 200 {"status": "duplicate"} for an id already seen (nothing
changes); 200 {"status": "ignored"} for a type we do not handle (as Stripe expects: answer 2xx to
what you do not use); 400 malformed JSON, a missing id/type or an unknown business or plan;
403 a bad or stale signature; 409 a change the subscription's state does not allow; 413 a body
over 64 KiB. Never a 500.
"""

import datetime as dt
import hashlib
import hmac
import json
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import services
from billing.models import BillingEvent, Subscription
from tenants.models import Plan, Tenant

MAX_BODY = 64 * 1024
Actor = services.Actor


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The header value for `body` (used by `manage.py billing_event` and the tests)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def signature_valid(header: str, body: bytes, *, now: float | None = None) -> bool:
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in parts if key.strip() == "t"]
    given = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not given:
        return False
    timestamp = int(stamps[0])
    now = time.time() if now is None else now
    if abs(now - timestamp) > settings.BILLING_WEBHOOK_TOLERANCE_SECONDS:
        return False
    for secret in settings.BILLING_WEBHOOK_SECRETS:
        expected = sign(body, secret, timestamp).rsplit("v1=", 1)[1]
        if any(hmac.compare_digest(expected, candidate) for candidate in given):
            return True
    return False


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _period_end(data: dict) -> dt.datetime | None:
    raw = data.get("period_end")
    if raw in (None, ""):
        return None
    value = parse_datetime(str(raw)) if isinstance(raw, str) else None
    if value is None or value.tzinfo is None:
        raise Refused(400, "data.period_end must be an ISO 8601 time with its offset")
    return value


def _plan(data: dict, *, required: bool) -> Plan | None:
    code = data.get("plan")
    if not code:
        if required:
            raise Refused(400, "data.plan is required")
        return None
    plan = Plan.objects.filter(code=str(code)).first()
    if plan is None:
        raise Refused(400, f"unknown plan {code!r}")
    return plan


def _handle(kind: str, subscription: Subscription, data: dict, event_id: str) -> str:
    common = {"actor": Actor.BILLING, "billing_event_id": event_id}
    if kind in ("subscription.activated", "subscription.renewed"):
        plan = _plan(data, required=False)
        extra = {"plan": plan} if plan else {}
        services.subscription_activate(
            subscription=subscription,
            period_end=_period_end(data),
            reason=kind,
            **common,
            **extra,
        )
    elif kind == "payment.failed":
        services.subscription_change(
            subscription=subscription, status="past_due", reason=kind, **common
        )
    elif kind == "subscription.cancelled":
        if data.get("at_period_end", True) is False:
            services.subscription_change(
                subscription=subscription, status="cancelled", reason=kind, **common
            )
        else:
            services.subscription_change(
                subscription=subscription, reason=kind, cancel_at_period_end=True, **common
            )
    elif kind == "plan.changed":
        services.subscription_change(
            subscription=subscription, plan=_plan(data, required=True), reason=kind, **common
        )
    else:
        return "ignored"
    return "processed"


@csrf_exempt
@require_POST
def billing_webhook(request):
    body = request.body
    if len(body) > MAX_BODY:
        return _error(413, "body too large")
    if not signature_valid(request.headers.get("X-Agendo-Signature", ""), body):
        return _error(403, "bad or stale signature")
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "malformed JSON")
    if not isinstance(event, dict) or not isinstance(event.get("data", {}), dict):
        return _error(400, "an event is a JSON object with an object in data")
    event_id, kind, data = event.get("id"), event.get("type"), event.get("data") or {}
    if not isinstance(event_id, str) or not event_id or not isinstance(kind, str) or not kind:
        return _error(400, "id and type are required strings")
    event_id = event_id[:120]
    if BillingEvent.objects.filter(event_id=event_id).exists():
        return JsonResponse({"status": "duplicate"})
    try:
        with transaction.atomic():
            tenant = Tenant.objects.filter(schema_name=str(data.get("business", ""))).first()
            subscription = Subscription.objects.filter(tenant=tenant).first() if tenant else None
            known = kind in KNOWN
            if known and subscription is None:
                raise Refused(400, "unknown business (data.business is its slug)")
            record = BillingEvent.objects.create(
                event_id=event_id, type=kind[:60], tenant=tenant, payload=event
            )
            outcome = _handle(kind, subscription, data, event_id) if known else "ignored"
            record.outcome = outcome
            record.save(update_fields=["outcome"])
    except IntegrityError:  # the same id, a moment ago, in another request
        return JsonResponse({"status": "duplicate"})
    except Refused as exc:
        return _error(exc.status, str(exc))
    except services.BillingError as exc:
        return _error(exc.status, exc.message)
    return JsonResponse({"status": outcome})


KNOWN = {
    "subscription.activated",
    "subscription.renewed",
    "payment.failed",
    "subscription.cancelled",
    "plan.changed",
}
