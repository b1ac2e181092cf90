"""The staff pages' billing banner: what the subscription's state or the period's bookings mean
for this member, and where to act. Lazy: a page that does not show it runs no query."""

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

STAFF_PREFIX = "/app/"
DASHBOARD = "/app/"


def _banner(request) -> dict | None:
    from billing.limits import current_terms
    from billing.selectors import bookings_warning

    terms = current_terms()
    user = getattr(request, "user", None)
    if terms is None or user is None or not user.is_authenticated:
        return None
    manager = getattr(user, "role", "") in ("owner", "admin")
    is_owner = getattr(user, "role", "") == "owner"
    sub = terms.subscription
    if sub is not None and sub.pauses_booking:
        return {
            "level": "error",
            "text": _(
                "The subscription is %(status)s: online booking is paused and the dashboard is "
                "read-only. Nothing has been deleted."
            )
            % {"status": sub.get_status_display().lower()},
            "action": _("See the billing page") if is_owner else _("Ask the business's owner"),
            "link": is_owner,
        }
    if sub is not None and sub.status == "past_due" and manager:
        return {
            "level": "warning",
            "text": _("The last payment did not go through. Everything works until %(day)s.")
            % {"day": _format_day(sub.grace_ends_at)},
            "action": _("Update the payment"),
            "link": is_owner,
        }
    if is_owner and request.path == DASHBOARD:  # a count: only where the day starts
        row = bookings_warning()
        if row is not None:
            text = (
                _(
                    "This period's %(limit)s online bookings are used up: the booking page is "
                    "paused until the next period. You can still book by hand."
                )
                if row.level == "full"
                else _("%(used)s of this period's %(limit)s bookings are used.")
            )
            return {
                "level": "error" if row.level == "full" else "warning",
                "text": text % {"used": row.used, "limit": row.limit},
                "action": _("Change plan"),
                "link": True,
            }
    return None


def _format_day(value) -> str:
    from scheduling.templatetags.agendo_format import format_day

    return format_day(value, "weekday")


def billing(request):
    if not request.path.startswith(STAFF_PREFIX):
        return {}
    return {"billing_banner": SimpleLazyObject(lambda: _banner(request) or {})}
