"""Two-factor authentication where it is required: the operators' admin, and a business's
dashboard when its owner asks for it (`BusinessSettings.require_two_factor`).

A signed-in person who has no authenticator app yet is sent to set one up before the page opens;
the account pages (setting it up, logging out) stay reachable.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

# Where a business's team works, and where operators do.
DASHBOARD_PREFIX = "/app/"
ADMIN_PREFIX = "/admin/"


def user_has_totp(user) -> bool:
    # Imported here: tenants.admin_site (an app config) imports this module before models load.
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def two_factor_required(request) -> bool:
    """Whether this request's page needs the signed-in user to have an authenticator app."""
    user = request.user
    tenant = getattr(request, "tenant", None)
    if tenant is not None and tenant.is_public:
        return request.path.startswith(ADMIN_PREFIX) and user.is_superuser
    business = getattr(request, "business", None)
    return request.path.startswith(DASHBOARD_PREFIX) and bool(
        getattr(business, "require_two_factor", False)
    )


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and two_factor_required(request)
            and not user_has_totp(user)
        ):
            url = reverse("mfa_activate_totp")
            target = f"{url}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request") == "true":
                # A 302 would be followed inside htmx's request and the set-up page swapped into
                # a fragment: ask htmx for a whole-page visit instead.
                return HttpResponseClientRedirect(target)
            return redirect(target)
        return self.get_response(request)
