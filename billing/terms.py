"""What a business may use right now: its plan's limits and modules with the operator's overrides.

Pure reads of the public schema (one query for the subscription and plan, one for overrides);
the usage they are compared with is in billing.usage.
"""

import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from billing.models import LIMITS, MODULES, PlanOverride, Subscription
from tenants.models import Plan, Tenant


@dataclass(frozen=True)
class Terms:
    plan: Plan
    subscription: Subscription | None
    limits: dict[str, int | None] = field(default_factory=dict)  # None: unlimited
    modules: frozenset[str] = frozenset()

    def limit(self, key: str) -> int | None:
        return self.limits.get(key)

    def has(self, module: str) -> bool:
        return module in self.modules

    @property
    def pauses_booking(self) -> bool:
        return self.subscription is not None and self.subscription.pauses_booking


def plan_terms(plan: Plan, overrides=()) -> tuple[dict, frozenset]:
    limits = {key: getattr(plan, f"max_{key}") for key in LIMITS}
    modules = {name for name in MODULES if getattr(plan, f"module_{name}")}
    for override in overrides:
        kind, _, name = override.key.partition("_")
        if kind == "max":
            limits[name] = override.limit
        elif override.enabled:
            modules.add(name)
        else:
            modules.discard(name)
    return limits, frozenset(modules)


# Terms are read on every change a member makes and on the booking page: kept in the cache (Redis)
# under a version that every change of a plan, subscription or override bumps (terms_changed).
CACHE_SECONDS = 300
VERSION_KEY = "billing:terms-version"


def terms_changed() -> None:
    """Forget every cached Terms: now (a read later in this transaction sees the change) and
    again once it commits (a request that re-read the old row meanwhile is forgotten too)."""

    def bump() -> None:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet: any new one differs from the keys in use
            cache.set(VERSION_KEY, time.time_ns(), None)

    bump()
    transaction.on_commit(bump)


def terms_for(tenant: Tenant) -> Terms:
    """The business's terms, from the cache when nothing changed since they were read."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    key = f"billing:terms:{tenant.pk}:{version}"
    terms = cache.get(key)
    if terms is None:
        terms = _terms_read(tenant)
        cache.set(key, terms, CACHE_SECONDS)
    return terms


def _terms_read(tenant: Tenant) -> Terms:
    """A business without a subscription (created before billing, or by hand) is held to its
    plan, or to the default plan."""
    subscription = (
        Subscription.objects.select_related("plan", "requested_plan")
        .filter(tenant_id=tenant.pk)
        .first()
    )
    plan = subscription.plan if subscription else tenant.plan or default_plan()
    overrides = list(PlanOverride.objects.filter(tenant_id=tenant.pk))
    limits, modules = plan_terms(plan, overrides)
    return Terms(plan=plan, subscription=subscription, limits=limits, modules=modules)


def default_plan() -> Plan:
    return Plan.objects.filter(is_default=True).first() or Plan.objects.order_by("-id").first()


def plan_allowing(key: str, wanted: int) -> Plan | None:
    """The cheapest public plan whose limit `key` allows `wanted` (to name in a refusal)."""
    for plan in Plan.objects.filter(is_public=True).order_by("monthly_price"):
        limit = getattr(plan, f"max_{key}")
        if limit is None or limit >= wanted:
            return plan
    return None


def plan_with_module(module: str) -> Plan | None:
    return (
        Plan.objects.filter(is_public=True, **{f"module_{module}": True})
        .order_by("monthly_price")
        .first()
    )
