from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django_tenants.utils import schema_context

from accounts.services import login_link_token
from tenants import services
from tenants.errors import SignupError
from tenants.forms import LoginHelpForm, SignupForm
from tenants.ratelimit import client_ip, limit_hit
from tenants.selectors import tenant_base_url

# "Find your business": a person may ask a few times, an address a few more (shared offices).
LOGIN_HELP_PER_IP = (10, 60 * 60)
LOGIN_HELP_PER_EMAIL = (3, 60 * 60)


def landing(request):
    return render(request, "tenants/landing.html")


def _first_page_after_signup() -> str:
    """The presets page: typical services, hours and team to accept or skip."""
    return reverse("scheduling:setup_presets", urlconf="config.urls_tenants")


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method != "POST":
        return render(request, "tenants/signup.html", {"form": form})
    if form.is_valid():
        try:
            tenant, owner = services.tenant_signup(**form.cleaned_data)
        except SignupError as exc:
            form.add_error(exc.field, exc.message)
        else:
            with schema_context(tenant.schema_name):
                token = login_link_token(user=owner)
            base_url = tenant_base_url(
                request=request, domain=services.tenant_domain_for(tenant.slug)
            )
            path = reverse(
                "accounts:login_link", kwargs={"token": token}, urlconf="config.urls_tenants"
            )
            query = urlencode({"next": _first_page_after_signup()})
            return HttpResponseRedirect(f"{base_url}{path}?{query}")
    return render(request, "tenants/signup.html", {"form": form}, status=422)


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
