"""The operators' figures across businesses: one UNION ALL query per 100 businesses reads every
business's own schema (bookings, messages, last staff login), so the console's cost grows with
the number of businesses only through one query per hundred of them."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import User
from billing.models import Subscription
from bookings.models import Booking
from notifications.models import Message
from tenants.models import Tenant

CHUNK = 100


@dataclass(frozen=True)
class Figures:
    bookings_period: int = 0
    bookings_today: int = 0
    whatsapp_period: int = 0
    queued: int = 0
    failed_24h: int = 0
    last_login: dt.datetime | None = None


def _one(schema: str) -> str:
    q = connection.ops.quote_name
    booking = f"{q(schema)}.{q(Booking._meta.db_table)}"
    message = f"{q(schema)}.{q(Message._meta.db_table)}"
    user = f"{q(schema)}.{q(User._meta.db_table)}"
    return f"""
        SELECT %s,
          (SELECT count(*) FROM {booking} WHERE created_at >= %s AND created_at < %s),
          (SELECT count(*) FROM {booking} WHERE start >= %s AND start < %s),
          (SELECT count(*) FROM {message} WHERE channel = 'whatsapp'
             AND status IN ('sent', 'delivered', 'read') AND sent_at >= %s AND sent_at < %s),
          (SELECT count(*) FROM {message} WHERE status = 'queued'),
          (SELECT count(*) FROM {message} WHERE status = 'failed' AND updated_at >= %s),
          (SELECT max(last_login) FROM {user})
    """  # noqa: S608 (schema names come from Tenant rows, quoted; values are parameters)


def figures_for(tenants, *, now: dt.datetime | None = None) -> dict[int, Figures]:
    """Tenant id → Figures, for tenants whose schema exists (each with its own period)."""
    now = now or timezone.now()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    tenants = [t for t in tenants if not t.is_public]
    periods = {
        s.tenant_id: (s.current_period_start, s.current_period_end)
        for s in Subscription.objects.filter(tenant__in=tenants)
    }
    month = (day.replace(day=1), day.replace(day=1) + dt.timedelta(days=32))
    result: dict[int, Figures] = {}
    by_schema = {t.schema_name: t for t in tenants}
    existing = _existing_schemas(list(by_schema))
    ready = [by_schema[name] for name in by_schema if name in existing]
    for start in range(0, len(ready), CHUNK):
        chunk = ready[start : start + CHUNK]
        parts, params = [], []
        for tenant in chunk:
            first, last = periods.get(tenant.pk, month)
            parts.append(_one(tenant.schema_name))
            params += [tenant.pk, first, last, day, day + dt.timedelta(days=1), first, last]
            params.append(now - dt.timedelta(hours=24))
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for tenant_id, *values in cursor.fetchall():
                result[tenant_id] = Figures(*values)
    return result


def _existing_schemas(names: list[str]) -> set[str]:
    if not names:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ANY(%s)",
            [names],
        )
        return {name for (name,) in cursor.fetchall()}


def platform_overview(*, now: dt.datetime | None = None) -> dict:
    """Businesses per status, monthly recurring revenue by currency, bookings today, messages
    queued and failed in the last 24 h across every business."""
    now = now or timezone.now()
    per_status = dict(Subscription.objects.values_list("status").annotate(n=Count("id")).order_by())
    revenue = list(
        Subscription.objects.filter(status__in=("active", "past_due"))
        .values("plan__currency")
        .annotate(total=Sum("plan__monthly_price"), n=Count("id"))
        .order_by("plan__currency")
    )
    tenants = list(Tenant.objects.exclude(schema_name="public"))
    figures = figures_for(tenants, now=now).values()
    return {
        "businesses": len(tenants),
        "per_status": [
            (value, label, per_status.get(value, 0)) for value, label in Subscription.Status.choices
        ],
        "without_subscription": len(tenants) - sum(per_status.values()),
        "revenue": revenue,
        "bookings_today": sum(f.bookings_today for f in figures),
        "bookings_period": sum(f.bookings_period for f in figures),
        "queued": sum(f.queued for f in figures),
        "failed_24h": sum(f.failed_24h for f in figures),
    }
