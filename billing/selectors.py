"""What the billing page and the dashboard's warnings show, read in the business's schema."""

from dataclasses import dataclass

from django.utils import timezone

from billing import usage
from billing.limits import LIMIT_NAMES, current_terms, period
from billing.models import LIMITS
from billing.terms import Terms, plan_terms
from tenants.models import Plan


@dataclass
class UsageRow:
    key: str
    label: str
    used: int
    limit: int | None  # None: unlimited

    @property
    def percent(self) -> int:
        if not self.limit:
            return 100 if self.limit == 0 and self.used else 0
        return min(100, round(100 * self.used / self.limit))

    @property
    def level(self) -> str:
        """ "" under 80 %, "warn" from 80 %, "full" at 100 %."""
        if self.limit is None:
            return ""
        if self.used >= self.limit:
            return "full"
        return "warn" if self.percent >= 80 else ""


def usage_rows(terms: Terms) -> list[UsageRow]:
    start, end = period(terms)
    used = usage.usage(start, end)
    return [UsageRow(k, str(LIMIT_NAMES[k]), used[k], terms.limit(k)) for k in LIMITS]


def billing_overview() -> dict | None:
    """Plan, subscription, usage against limits, the plans to compare; None on the platform."""
    terms = current_terms()
    if terms is None:
        return None
    subscription = terms.subscription
    trial_days_left = None
    if subscription is not None and subscription.status == "trialing":
        left = subscription.trial_ends_at - timezone.now()
        trial_days_left = max(0, left.days + (1 if left.seconds else 0))
    plans = []
    for plan in Plan.objects.filter(is_public=True).order_by("monthly_price"):
        limits, modules = plan_terms(plan)
        plans.append(
            {
                "plan": plan,
                "limits": [(LIMIT_NAMES[key], limits[key]) for key in LIMITS],
                "modules": modules,
                "price": plan_price(plan),
            }
        )
    return {
        "terms": terms,
        "subscription": subscription,
        "trial_days_left": trial_days_left,
        "rows": usage_rows(terms),
        "plans": plans,
    }


def plan_price(plan: Plan) -> str:
    """The plan's monthly price in its currency, written the active language's way."""
    from babel.numbers import format_currency
    from django.utils import translation

    from scheduling.templatetags.agendo_format import _locale

    locale = _locale(translation.get_language() or "en", "")
    return format_currency(plan.monthly_price, plan.currency, locale=locale)


def bookings_warning() -> UsageRow | None:
    """The period's bookings row when it has reached 80 % of its limit (the dashboard warns)."""
    terms = current_terms()
    if terms is None or terms.limit("bookings") is None:
        return None
    start, end = period(terms)
    row = UsageRow(
        "bookings",
        str(LIMIT_NAMES["bookings"]),
        usage.count_of("bookings", start, end),
        terms.limit("bookings"),
    )
    return row if row.level else None
