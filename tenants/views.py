from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.services import login_link_token
from tenants import services
from tenants.errors import SignupError
from tenants.forms import (
    LoginHelpForm,
    SignupForm,
    signup_seconds_open,
    signup_stamp,
    signup_too_fast,
)
from tenants.ratelimit import client_ip, limit_hit
from tenants.regions import country_from_accept_language
from tenants.selectors import tenant_base_url

# "Find your business": a person may ask a few times, an address a few more (shared offices).
LOGIN_HELP_PER_IP = (10, 60 * 60)
LOGIN_HELP_PER_EMAIL = (3, 60 * 60)
# Sign-up posts of one address, right or wrong (a person fixing typos needs a few).
SIGNUP_POSTS_PER_IP = (20, 10 * 60)


def landing(request):
    return render(request, "tenants/landing.html")


def _first_page_after_signup() -> str:
    """The presets page: typical services, hours and team to accept or skip."""
    return reverse("scheduling:setup_presets", urlconf="config.urls_tenants")


def _signup_page(
    request, form, *, status: int = 200, wait: int | None = None, refused: bool = False
):
    context = {"form": form, "refused": refused}
    if wait is not None:
        context["wait_minutes"] = max(1, round(wait / 60))
    response = render(request, "tenants/signup.html", context, status=status)
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


def _signup_wait(request, *, creating: bool) -> int | None:
    """Seconds to wait before this address (or anyone) may post, or create, again; None: go on.

    Creating a business builds a schema (seconds of database time), so creations are limited per
    address and for the whole platform, checked before anything is created.
    """
    ip = client_ip(request)
    if not creating:
        limit, window = SIGNUP_POSTS_PER_IP
        return limit_hit(scope="signup-post-ip", key=ip, limit=limit, window=window)
    return limit_hit(
        scope="signup-ip", key=ip, limit=settings.SIGNUP_PER_IP_PER_HOUR, window=60 * 60
    ) or limit_hit(
        scope="signup-all", key="platform", limit=settings.SIGNUP_PER_HOUR, window=60 * 60
    )


def _signup_form(request, data=None) -> SignupForm:
    """The form with the browser's country and, unless the country has its own, language."""
    return SignupForm(
        data,
        country=country_from_accept_language(request.headers.get("Accept-Language", "")),
        browser_language=translation.get_language(),
    )


def signup(request):
    if request.method != "POST":
        return _signup_page(request, _signup_form(request))
    form = _signup_form(request, request.POST)
    wait = _signup_wait(request, creating=False)
    if wait is not None:
        return _signup_page(request, form, status=429, wait=wait)
    if request.POST.get("website"):
        # The hidden field only bots fill: nothing is created, and the page says no more than that.
        return _signup_page(request, _signup_form(request), status=400, refused=True)
    stamp = request.POST.get("shown_at", "")
    if signup_seconds_open(stamp) is None:
        # No stamp, a forged one or a form left open for a day: show it again, freshly stamped.
        data = request.POST.copy()
        data["shown_at"] = signup_stamp()
        form = _signup_form(request, data)
        form.is_valid()
        form.add_error(None, _("This form was open too long. Please check it and send it again."))
        return _signup_page(request, form, status=422)
    if signup_too_fast(stamp):
        form.is_valid()
        form.add_error(
            None,
            _("That was faster than anyone can type. Please check the form and send it again."),
        )
        return _signup_page(request, form, status=422)
    if not form.is_valid():
        return _signup_page(request, form, status=422)
    wait = _signup_wait(request, creating=True)
    if wait is not None:
        return _signup_page(request, form, status=429, wait=wait)
    fields = {k: v for k, v in form.cleaned_data.items() if k not in ("shown_at", "website")}
    try:
        tenant, owner = services.tenant_signup(**fields)
    except SignupError as exc:
        form.add_error(exc.field, exc.message)
        return _signup_page(request, form, status=422)
    with schema_context(tenant.schema_name):
        token = login_link_token(user=owner)
    base_url = tenant_base_url(request=request, domain=services.tenant_domain_for(tenant.slug))
    path = reverse("accounts:login_link", kwargs={"token": token}, urlconf="config.urls_tenants")
    query = urlencode({"next": _first_page_after_signup()})
    return HttpResponseRedirect(f"{base_url}{path}?{query}")


def login_help(request):
    """Find your business: e-mail the login pages of every business this address belongs to.

    The page answers the same whether or not the address has an account anywhere.
    """
    form = LoginHelpForm(request.POST or None)
    if request.method != "POST":
        return render(request, "tenants/login_help.html", {"form": form})
    limit, window = LOGIN_HELP_PER_IP
    wait = limit_hit(scope="login-help-ip", key=client_ip(request), limit=limit, window=window)
    if wait is None and form.is_valid():
        limit, window = LOGIN_HELP_PER_EMAIL
        wait = limit_hit(
            scope="login-help-email", key=form.cleaned_data["email"], limit=limit, window=window
        )
    if wait is not None:
        minutes = max(1, round(wait / 60))
        response = render(
            request,
            "tenants/login_help.html",
            {"form": form, "wait_minutes": minutes},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    if not form.is_valid():
        return render(request, "tenants/login_help.html", {"form": form}, status=422)
    email = form.cleaned_data["email"]
    services.login_links_request(email=email)
    return render(request, "tenants/login_help.html", {"form": LoginHelpForm(), "sent_to": email})
