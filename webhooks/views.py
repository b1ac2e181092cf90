"""Owners' and admins' screens of outgoing webhooks: endpoints, their secrets, the delivery log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import manager_required
from accounts.errors import AgendoError
from billing.limits import module_enabled, module_refusal
from webhooks import selectors, services
from webhooks.forms import DeliveryFilterForm, EndpointForm
from webhooks.models import Delivery, Endpoint, EventType

PAGE_SIZE = 25
# The session's one-time copy of a new endpoint's secret.
SECRET_ONCE = "webhooks_new_secret"  # noqa: S105 - a session key, not a secret


def _page(request, template: str, partial: str, context: dict, status: int = 200):
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def _go(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _plan_context() -> dict:
    enabled = module_enabled("webhooks")
    return {"module_enabled": enabled, "refusal": None if enabled else module_refusal("webhooks")}


def _form_error(form, exc: AgendoError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@manager_required
def endpoint_list(request):
    context = _plan_context()
    form = EndpointForm(initial={"events": [EventType.BOOKING_CREATED]})
    status = 200
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = services.endpoint_create(created_by=request.user, **form.cleaned_data)
            except AgendoError as exc:  # the URL, or the plan (PlanLimitError, 403)
                _form_error(form, exc)
                status = exc.status
            else:
                request.session[SECRET_ONCE] = {"pk": endpoint.pk, "secret": endpoint.secret}
                return _go(request, reverse("webhooks:endpoint", args=[endpoint.pk]))
        else:
            status = 422
    context.update({"form": form, "endpoints": selectors.endpoint_list()})
    return _page(request, "webhooks/endpoints.html", "endpoint-form", context, status)


def _detail_context(request, endpoint: Endpoint, form=None) -> dict:
    filters = DeliveryFilterForm(request.GET or None)
    status = filters.cleaned_data.get("status", "") if filters.is_valid() else ""
    page = Paginator(selectors.delivery_list(endpoint=endpoint, status=status), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    once = request.session.pop(SECRET_ONCE, None) if request.method == "GET" else None
    new_secret = once["secret"] if once and once.get("pk") == endpoint.pk else None
    if form is None:
        form = EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
            }
        )
    return {
        **_plan_context(),
        "endpoint": endpoint,
        "form": form,
        "filters": filters,
        "page": page.get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "new_secret": new_secret,
    }


@manager_required
def endpoint_detail(request, pk: int):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                services.endpoint_update(endpoint=endpoint, actor=request.user, **form.cleaned_data)
            except AgendoError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Endpoint saved."))
                return _go(request, reverse("webhooks:endpoint", args=[endpoint.pk]))
        else:
            status = 422
        context = _detail_context(request, endpoint, form=form)
        return _page(request, "webhooks/endpoint.html", "endpoint-edit", context, status)
    context = _detail_context(request, endpoint)
    return _page(request, "webhooks/endpoint.html", "delivery-log", context)


def _refused(request, endpoint_pk: int, exc: AgendoError):
    messages.error(request, exc.message)
    return _go(request, reverse("webhooks:endpoint", args=[endpoint_pk]))


@manager_required
@require_POST
def endpoint_toggle(request, pk: int):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    active = not endpoint.is_active
    try:
        services.endpoint_set_active(endpoint=endpoint, active=active, actor=request.user)
    except AgendoError as exc:
        return _refused(request, endpoint.pk, exc)
    messages.success(request, _("Endpoint enabled.") if active else _("Endpoint disabled."))
    return _go(request, reverse("webhooks:endpoint", args=[endpoint.pk]))


@manager_required
@require_POST
def endpoint_delete(request, pk: int):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    services.endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, _("Endpoint deleted."))
    return _go(request, reverse("webhooks:endpoints"))


@manager_required
@require_POST
def delivery_resend(request, pk: int):
    delivery = get_object_or_404(Delivery, pk=pk)
    try:
        services.delivery_resend(delivery=delivery)
    except AgendoError as exc:
        return _refused(request, delivery.endpoint_id, exc)
    messages.success(request, _("Queued again: it goes out in a moment."))
    return _go(request, reverse("webhooks:endpoint", args=[delivery.endpoint_id]))
