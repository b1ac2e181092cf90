"""The plan's limits, enforced where things are created (the services call these inside their
transaction), and its modules. Refusals are PlanLimitError: a code, a message that names the
limit and the plan that allows more, status 403.

    limit_check("resources")            # before creating one more active resource
    module_enabled("whatsapp")          # may this business send WhatsApp messages?
    online_booking_state()              # "open", "paused_limit" or "paused_status"
"""

import datetime as dt
from contextvars import ContextVar
from typing import ClassVar

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import get_public_schema_name

from accounts.errors import AgendoError
from billing import usage
from billing.terms import Terms, plan_allowing, plan_with_module, terms_for
from tenants.models import Tenant

LIMIT_NAMES = {
    "staff": gettext_lazy("staff accounts"),
    "resources": gettext_lazy("resources"),
    "services": gettext_lazy("active services"),
    "bookings": gettext_lazy("bookings per billing period"),
    "whatsapp": gettext_lazy("WhatsApp messages per billing period"),
}


class PlanLimitError(AgendoError):
    default_status: ClassVar[int] = 403

    def __init__(self, code: str, message: str, *, limit: str = "", field: str | None = None):
        super().__init__(code, message, field)
        self.limit = limit


# Per request (TermsMiddleware): schema → Terms. Outside a request every call reads afresh.
_request_cache: ContextVar[dict | None] = ContextVar("agendo_terms", default=None)


class TermsMiddleware:
    """Reads a business's terms at most once per request (the tenant objects themselves are
    cached across requests, so nothing may be kept on them)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_cache.set({})
        try:
            return self.get_response(request)
        finally:
            _request_cache.reset(token)


def current_terms() -> Terms | None:
    """The terms of the business whose schema is active; None on the public schema."""
    schema = connection.schema_name
    if schema == get_public_schema_name():
        return None
    cache = _request_cache.get()
    if cache is not None and schema in cache:
        return cache[schema]
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant):  # schema_context's stand-in has no row id
        tenant = Tenant.objects.filter(schema_name=schema).first()
    terms = terms_for(tenant) if tenant is not None else None
    if cache is not None:
        cache[schema] = terms
    return terms


def forget_terms() -> None:
    """After a change of plan or status within a request."""
    cache = _request_cache.get()
    if cache is not None:
        cache.clear()


def period(terms: Terms) -> tuple:
    """The current billing period: the subscription's, else the calendar month."""
    if terms.subscription is not None:
        return terms.subscription.current_period_start, terms.subscription.current_period_end
    now = timezone.now()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def _lock(key: str) -> None:
    """Writers that could pass the same limit at once take turns (two invitations racing for
    the last staff seat: one wins). Held until the caller's transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"limit:{connection.schema_name}:{key}"]
        )


def refusal(terms: Terms, key: str, limit: int) -> PlanLimitError:
    better = plan_allowing(key, limit + 1)
    values = {"plan": terms.plan.name, "limit": limit, "what": LIMIT_NAMES[key]}
    if better is not None and better.pk != terms.plan.pk:
        allowed = getattr(better, f"max_{key}")
        values["better"] = better.name
        if allowed is None:
            message = _(
                "Your plan (%(plan)s) has a limit of %(limit)s for %(what)s. %(better)s has no "
                "limit: change plan on the Billing page."
            )
        else:
            values["allowed"] = allowed
            message = _(
                "Your plan (%(plan)s) has a limit of %(limit)s for %(what)s. %(better)s allows "
                "%(allowed)s: change plan on the Billing page."
            )
    else:
        message = _("Your plan (%(plan)s) has a limit of %(limit)s for %(what)s.")
    return PlanLimitError(f"limit_{key}", message % values, limit=key)


def limit_check(key: str, *, adding: int = 1) -> None:
    """Refuse (PlanLimitError) when `adding` more of `key` would pass the business's limit.
    Call it inside the transaction that creates them: it takes the limit's lock first."""
    terms = current_terms()
    if terms is None:
        return
    limit = terms.limit(key)
    if limit is None:
        return
    _lock(key)
    start, end = period(terms)
    if usage.count_of(key, start, end) + adding > limit:
        raise refusal(terms, key, limit)


def module_enabled(module: str) -> bool:
    terms = current_terms()
    return terms is None or terms.has(module)


def module_refusal(module: str) -> PlanLimitError:
    terms = current_terms()
    better = plan_with_module(module)
    values = {"plan": terms.plan.name if terms else "", "better": better.name if better else ""}
    if better is not None:
        message = _("Your plan (%(plan)s) does not include this. %(better)s does.") % values
    else:
        message = _("Your plan (%(plan)s) does not include this.") % values
    return PlanLimitError(f"module_{module}", message, limit=module)


def online_booking_state(*, lock: bool = False) -> str:
    """Whether clients may book online: "open"; "paused_status" (suspended or cancelled);
    "paused_limit" (the period's bookings are used up). Staff booking by hand is never paused.
    `lock`: inside the transaction that books, count under the bookings limit's lock (clients
    of one business take turns, so two cannot both take the period's last booking)."""
    terms = current_terms()
    if terms is None:
        return "open"
    if terms.pauses_booking:
        return "paused_status"
    limit = terms.limit("bookings")
    if limit is not None:
        if lock:
            _lock("bookings")
        start, end = period(terms)
        if usage.count_of("bookings", start, end) >= limit:
            return "paused_limit"
    return "open"
