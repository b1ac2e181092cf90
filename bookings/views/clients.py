"""Clients: searchable list, detail with history, metrics and interactions, edit, (de)activate."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from bookings import selectors, services
from bookings.errors import BookingError
from bookings.forms import ClientForm, InteractionForm
from bookings.models import Client
from bookings.scoping import visible_bookings, visible_clients

PAGE_SIZE = 25


@role_required()
def client_list(request):
    qs = visible_clients(request.user).annotate(
        booking_count=Count("bookings", distinct=True), last_booking=Max("bookings__start")
    )
    query = (request.GET.get("q") or "").strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        match = Q(name__icontains=query) | Q(email__icontains=query)
        if len(digits) >= 3:
            match |= Q(phone__contains=digits)
        qs = qs.filter(match)
    active = request.GET.get("active", "yes")
    if active in ("yes", "no"):
        qs = qs.filter(is_active=active == "yes")
    if request.GET.get("vip") == "yes":
        qs = qs.filter(is_vip=True)
    tag = (request.GET.get("tag") or "").strip().lower()
    if tag:
        qs = qs.filter(tags__contains=[tag])
    page = Paginator(qs.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "q": query,
        "active": active,
        "vip": request.GET.get("vip", ""),
        "tag": tag,
        "params": params.urlencode(),
    }
    template = (
        "bookings/client_list.html#client-list" if request.htmx else "bookings/client_list.html"
    )
    return render(request, template, context)


def _client_for(request, pk: int) -> Client:
    return get_object_or_404(visible_clients(request.user), pk=pk)


def _client_page(request, client: Client, status: int = 200, **extra):
    context = {
        "client": client,
        "metrics": selectors.client_metrics(client=client, business=request.business),
        "bookings": visible_bookings(request.user).filter(client=client).order_by("-start")[:50],
        "interactions": client.interactions.select_related("author")[:50],
        "interaction_form": extra.pop("interaction_form", None) or InteractionForm(),
        "custom_fields": selectors.client_custom_fields(client=client),
        **extra,
    }
    template = (
        "bookings/client_detail.html#client-interactions"
        if request.htmx and extra.get("partial")
        else "bookings/client_detail.html"
    )
    return render(request, template, context, status=status)


@role_required()
def client_detail(request, pk: int):
    return _client_page(request, _client_for(request, pk))


@role_required()
def client_edit(request, pk: int | None = None):
    client = _client_for(request, pk) if pk else None
    form = ClientForm(request.POST or None, instance=client, region=request.business.phone_region)
    if request.method == "POST":
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in ClientForm.Meta.fields}
            try:
                if client is None:
                    client = services.client_create(
                        region=request.business.phone_region, created_by=request.user, **data
                    )
                else:
                    client = services.client_update(
                        client=client, region=request.business.phone_region, **data
                    )
            except BookingError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("%(name)s saved.") % {"name": client})
                return redirect("bookings:client_detail", pk=client.pk)
        return render(
            request, "bookings/client_form.html", {"form": form, "client": client}, status=422
        )
    return render(request, "bookings/client_form.html", {"form": form, "client": client})


@role_required()
@require_POST
def client_set_active(request, pk: int, active: bool):
    client = _client_for(request, pk)
    try:
        services.client_set_active(client=client, active=active)
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        done = _("%(name)s reactivated.") if active else _("%(name)s deactivated.")
        messages.success(request, done % {"name": client})
    return redirect("bookings:client_detail", pk=client.pk)


@role_required()
@require_POST
def client_interaction_add(request, pk: int):
    client = _client_for(request, pk)
    form = InteractionForm(request.POST)
    if not form.is_valid():
        return _client_page(request, client, status=422, interaction_form=form, partial=True)
    services.client_interaction_add(client=client, author=request.user, **form.cleaned_data)
    if request.htmx:
        return _client_page(request, client, partial=True)
    messages.success(request, _("Added to the client's history."))
    return redirect("bookings:client_detail", pk=client.pk)
