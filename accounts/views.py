from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.tokens import default_token_generator
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlencode, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.adapter import rate_limited_wait
from accounts.decorators import manager_required, role_required
from accounts.errors import AccountError
from accounts.forms import (
    AlertsForm,
    AuditFilterForm,
    InviteForm,
    ProfileForm,
    RoleForm,
    SetPasswordForm,
)
from accounts.links import site_base_url
from accounts.models import User
from billing.limits import PlanLimitError
from config.i18n import language_for

AUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
AUDIT_PAGE_SIZE = 50


@manager_required
def audit_history(request):
    """Settings → History: who changed the business's setup, what and when (before → after),
    filtered by kind of change, 50 entries a page."""
    form = AuditFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    entries = selectors.audit_list(kind=kind)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "params": urlencode({"kind": kind}) if kind else ""}
    template = "accounts/audit.html#history-list" if request.htmx else "accounts/audit.html"
    return render(request, template, context)


def _team_page(
    request,
    *,
    form=None,
    error: str | None = None,
    plan_limit: bool = False,
    status: int = 200,
):
    """`plan_limit`: the refusal is the plan's staff limit (owners get a link to Billing)."""
    context = {
        "members": selectors.user_list_team(),
        "form": form or InviteForm(),
        "roles": User.Role.choices,
        "alert_choices": User.Alerts.choices,
        "error": error,
        "plan_limit": plan_limit,
    }
    template = "accounts/team.html#team-panel" if request.htmx else "accounts/team.html"
    return render(request, template, context, status=status)


def _after_change(request, message: str):
    messages.success(request, message)
    if request.htmx:
        return _team_page(request)
    return redirect("accounts:team")


def _refused(request, exc: AccountError | PlanLimitError):
    if isinstance(exc, PlanLimitError):  # said on the page itself, with its 403, htmx or not
        return _team_page(request, error=exc.message, plan_limit=True, status=exc.status)
    if request.htmx:
        return _team_page(request, error=exc.message, status=exc.status)
    messages.error(request, exc.message)
    return redirect("accounts:team")


@manager_required
def team(request):
    return _team_page(request)


@manager_required
@require_POST
def team_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, form=form, status=422)
    try:
        user = services.user_invite(
            **form.cleaned_data,
            invited_by=request.user,
            base_url=site_base_url(request),
            business_name=request.tenant.name,
        )
    except AccountError as exc:
        form.add_error(None, exc.message)
        return _team_page(request, form=form, status=422)
    except PlanLimitError as exc:
        form.add_error(None, exc.message)
        return _team_page(request, form=form, plan_limit=True, status=exc.status)
    return _after_change(request, _("Invitation sent to %(email)s.") % {"email": user.email})


@manager_required
@require_POST
def team_role(request, pk: int):
    member = get_object_or_404(User, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _refused(request, AccountError("invalid_role", _("Choose owner, admin or staff.")))
    try:
        services.user_change_role(actor=request.user, user=member, role=form.cleaned_data["role"])
    except AccountError as exc:
        return _refused(request, exc)
    role = member.get_role_display().lower()
    return _after_change(request, _("%(name)s is now %(role)s.") % {"name": member, "role": role})


@manager_required
@require_POST
def team_alerts(request, pk: int):
    member = get_object_or_404(User, pk=pk)
    form = AlertsForm(request.POST)
    if not form.is_valid():
        error = AccountError("invalid_alerts", _("Choose which alerts to receive from the list."))
        return _refused(request, error)
    try:
        services.user_set_alerts(
            actor=request.user, user=member, alerts=form.cleaned_data["alerts"]
        )
    except AccountError as exc:
        return _refused(request, exc)
    alerts = member.get_alerts_display().lower()
    return _after_change(
        request, _("Alerts of %(name)s: %(alerts)s.") % {"name": member, "alerts": alerts}
    )


@role_required()
def profile(request):
    """A member's own name, language and which staff alerts they receive."""
    user = request.user
    business_language = request.business.language
    initial = {
        "full_name": user.full_name,
        "alerts": user.alerts_effective,
        "language": user.language,
    }
    form = ProfileForm(request.POST or None, initial=initial, business_language=business_language)
    template = "accounts/profile.html#profile-form" if request.htmx else "accounts/profile.html"
    if request.method == "POST":
        if not form.is_valid():
            return render(request, template, {"form": form}, status=422)
        services.user_profile_update(user=user, **form.cleaned_data)
        # The next page speaks the language just chosen; this message is already in it.
        with translation.override(language_for(request)):
            messages.success(request, _("Your profile is saved."))
        if not request.htmx:
            return redirect("accounts:profile")
        if "language" in form.changed_data:  # the whole page changes language: load it again
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        initial = {"full_name": user.full_name, "alerts": user.alerts, "language": user.language}
        form = ProfileForm(initial=initial, business_language=business_language)
    return render(request, template, {"form": form})


@manager_required
@require_POST
def team_set_active(request, pk: int, active: bool):
    member = get_object_or_404(User, pk=pk)
    try:
        services.user_set_active(actor=request.user, user=member, active=active)
    except (AccountError, PlanLimitError) as exc:
        return _refused(request, exc)
    if active:
        message = _("%(name)s is reactivated.") % {"name": member}
    else:
        message = _("%(name)s is deactivated.") % {"name": member}
    return _after_change(request, message)


@manager_required
@require_POST
def team_resend(request, pk: int):
    member = get_object_or_404(User, pk=pk)
    try:
        services.user_invite_resend(
            user=member,
            invited_by=request.user,
            base_url=site_base_url(request),
            business_name=request.tenant.name,
        )
    except AccountError as exc:
        return _refused(request, exc)
    return _after_change(
        request, _("Invitation sent again to %(email)s.") % {"email": member.email}
    )


def invite_accept(request, uidb64: str, token: str):
    """An invited team member chooses a password; the link works once."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        pk = None
    user = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/invite_invalid.html", status=404)
    form = SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                services.user_invite_accept(user=user, password=form.cleaned_data["password1"])
                login(request, user, backend=AUTH_BACKEND)
            welcome = _("Welcome to %(business)s!") % {"business": request.tenant.name}
            messages.success(request, welcome)
            return redirect(settings.LOGIN_REDIRECT_URL)
        return render(
            request, "accounts/invite_accept.html", {"form": form, "invitee": user}, status=422
        )
    return render(request, "accounts/invite_accept.html", {"form": form, "invitee": user})


def login_link(request, token: str):
    """Where sign-up sends a new owner: log in on this host, once, then go to the dashboard
    (or to `next`, a path on this same host: sign-up sends them to the presets page)."""
    try:
        with transaction.atomic():
            user = services.login_link_user(token=token)
            login(request, user, backend=AUTH_BACKEND)
    except AccountError as exc:
        messages.error(request, exc.message)
        return redirect("account_login")
    address = user.emailaddress_set.filter(primary=True, verified=False).first()
    if address is not None:
        address.send_confirmation(request)
    messages.success(
        request,
        _("Welcome to Agendo, %(name)s! Your business is ready.") % {"name": user.get_short_name()},
    )
    next_path = request.GET.get("next", "")
    if next_path.startswith("/") and url_has_allowed_host_and_scheme(
        next_path, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_path)
    return redirect(settings.LOGIN_REDIRECT_URL)


class LoginView(allauth_views.LoginView):
    """allauth's login, answering a lockout with 429 and Retry-After instead of a 200 form."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        wait = getattr(self.request, "login_retry_after", None)
        if wait is not None:
            response.status_code = 429
            response["Retry-After"] = str(wait)
            if hasattr(response, "context_data"):
                response.context_data["wait_minutes"] = max(1, round(wait / 60))
        return response


login_view = LoginView.as_view()


def too_many_requests(request, exception=None):
    """allauth's 429 (too many logins or password resets): our page, with Retry-After."""
    wait = rate_limited_wait(request)
    response = render(request, "429.html", {"wait_minutes": max(1, round(wait / 60))}, status=429)
    response["Retry-After"] = str(wait)
    return response
