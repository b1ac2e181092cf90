"""Staff booking screens: new booking with live slots, detail with actions, list, CSV export."""

import csv
import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from bookings import exports, selectors, services
from bookings.errors import BookingError
from bookings.forms import (
    BookingChangeForm,
    BookingFilterForm,
    CancelForm,
    NewBookingForm,
    RescheduleForm,
)
from bookings.models import Booking, BookingEvent, BookingItem, Source
from bookings.scoping import visible_bookings, visible_clients, visible_resources
from scheduling.dates import date_parse
from scheduling.models import Service
from scheduling.templatetags.agendo_format import format_day

PAGE_SIZE = 25


def _local_day(raw: str | None) -> dt.date:
    """The day asked for, or today when none (or none that can be) was asked."""
    return date_parse(raw) or timezone.localdate()


def _pk(raw: str | None) -> int:
    """A primary key from a query string or form; 0 (matches nothing) when it is not a number."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() else 0


def _slot_choices(request, *, service, resource, day, exclude_booking_id=None, extra_services=()):
    """The free starts for the slot picker: one resource's, or the union for "any"."""
    if service is None:
        return []
    availability = selectors.slot_list_available(
        service=service,
        start_date=day,
        end_date=day,
        resource_ids=[resource.pk] if resource else _resource_scope(request),
        exclude_booking_id=exclude_booking_id,
        business=request.business,
        extra_services=extra_services,
    )
    if resource is not None:
        return availability.slots.get((day, resource.pk), [])
    return availability.starts(day)


def _resource_scope(request) -> list[int] | None:
    resources = visible_resources(request.user)
    return None if request.user.is_manager else list(resources.values_list("pk", flat=True))


def _extra_services(values: list[str], main: Service | None) -> list[Service]:
    """The other services ticked for one new booking (ids from a query string or form), in the
    services' own order, without the main one and never more than a booking may hold."""
    ids = {_pk(value) for value in values[: services.MAX_SERVICES]}
    if main is None or not ids - {0}:
        return []
    return list(Service.objects.filter(pk__in=ids, is_active=True).exclude(pk=main.pk))


@role_required()
def slot_picker(request):
    """htmx partial: the free times for the chosen service(s), resource and day."""
    service = Service.objects.filter(pk=_pk(request.GET.get("service")), is_active=True).first()
    resource = visible_resources(request.user).filter(pk=_pk(request.GET.get("resource"))).first()
    day = _local_day(request.GET.get("date"))
    # Moving a booking of several services: the times that fit them all.
    booking_pk = _pk(request.GET.get("booking"))
    moving = visible_bookings(request.user).filter(pk=booking_pk).first() if booking_pk else None
    if moving is not None:
        extra = services.booking_services(moving)[1:]
    else:  # a new booking of several services: the same
        extra = _extra_services(request.GET.getlist("extra_services"), service)
    starts = _slot_choices(
        request,
        service=service,
        resource=resource,
        day=day,
        exclude_booking_id=moving.pk if moving is not None else None,
        extra_services=extra,
    )
    context = {
        "starts": starts,
        "service": service,
        "day": day,
        "selected": _wanted(starts, request.GET.get("wanted_time")),
    }
    return render(request, "bookings/_slot_picker.html", context)


def _wanted(starts, wanted_time: str | None) -> str | None:
    """The start at the local time clicked in the calendar, when it is free."""
    for start in starts:
        if wanted_time and timezone.localtime(start).strftime("%H:%M") == wanted_time:
            return start.isoformat()
    return None


@role_required()
def client_search(request):
    """htmx partial: active clients matching a name, phone or e-mail, as radio choices."""
    query = (request.GET.get("q") or "").strip()
    clients = []
    if len(query) >= 2:
        digits = "".join(ch for ch in query if ch.isdigit())
        match = Q(name__icontains=query) | Q(email__icontains=query)
        if len(digits) >= 3:
            match |= Q(phone__contains=digits)
        clients = list(visible_clients(request.user).filter(match, is_active=True)[:10])
    return render(request, "bookings/_client_choices.html", {"clients": clients, "query": query})


@role_required()
def booking_new(request):
    resources = visible_resources(request.user)
    data = request.POST if request.method == "POST" else None
    initial = {"date": _local_day(request.GET.get("date"))}
    if request.GET.get("resource"):
        initial["resource"] = resources.filter(pk=_pk(request.GET["resource"])).first()
    form = NewBookingForm(
        data, initial=initial, resources=resources, clients=visible_clients(request.user)
    )
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                booking = _create_from_form(request, form.cleaned_data)
            except BookingError as exc:
                status = exc.status
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request, _("Booked: %(reference)s.") % {"reference": booking.reference}
                )
                return redirect("bookings:detail", reference=booking.reference)
        else:
            status = 422
    bound = form.data if form.is_bound else {}
    service = Service.objects.filter(
        pk=_pk(bound.get("service") or request.GET.get("service")), is_active=True
    ).first()
    resource = resources.filter(pk=_pk(bound.get("resource"))).first() or initial.get("resource")
    day = _local_day(bound.get("date")) if bound else initial["date"]
    extra = _extra_services(bound.getlist("extra_services") if bound else [], service)
    starts = _slot_choices(
        request, service=service, resource=resource, day=day, extra_services=extra
    )
    context = {
        "form": form,
        "starts": starts,
        "service": service,
        "selected": bound.get("start") or _wanted(starts, request.GET.get("time")),
        "wanted_time": bound.get("wanted_time") or request.GET.get("time") or "",
        "chosen_client": visible_clients(request.user)
        .filter(pk=_pk(bound.get("client") or request.GET.get("client")), is_active=True)
        .first(),
    }
    template = (
        "bookings/booking_new.html#booking-form" if request.htmx else "bookings/booking_new.html"
    )
    return render(request, template, context, status=status)


def _create_from_form(request, data) -> Booking:
    start = data["start"]
    if data["override"]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(data["date"], data["override_time"], tz)
    booking = {
        "service": data["service"],
        "extra_services": data["extra_services"],
        "start": start,
        "resource": data["resource"],
        "source": Source.STAFF,
        "actor": request.user,
        "override": data["override"],
        "internal_notes": data.get("internal_notes") or "",
        "business": request.business,
        # "Any available" for staff means any of their own resources, never a colleague's.
        "resource_ids": _resource_scope(request),
    }
    if data["client"] is not None:
        return services.booking_create(client=data["client"], **booking)
    # A new client is saved only together with their booking.
    return services.booking_create_with_client(
        client_name=data["client_name"],
        client_phone=data["client_phone"],
        client_email=data.get("client_email") or "",
        region=request.business.phone_region,
        **booking,
    )


def _booking_for(request, reference: str) -> Booking:
    # Staff asking for another resource's booking get a 404, not a hint that it exists.
    return get_object_or_404(visible_bookings(request.user), reference=reference.upper())


def _detail_context(request, booking: Booking, **extra) -> dict:
    business = request.business
    day = timezone.localtime(booking.start).date()
    reschedule = extra.pop("reschedule_form", None) or RescheduleForm(
        initial={"date": day, "resource": booking.resource},
        resources=visible_resources(request.user),
    )
    actions = services.booking_actions(booking=booking, now=timezone.now())
    # One query for the items; `booking.services_label` then reads them too.
    prefetch_related_objects(
        [booking], Prefetch("items", queryset=BookingItem.objects.select_related("service"))
    )
    items = list(booking.items.all())
    change = extra.pop("change_form", None) or BookingChangeForm(
        booking=booking,
        current=[item.service for item in items] or [booking.service],
    )
    events = list(BookingEvent.objects.filter(booking=booking).select_related("actor"))
    for event in events:
        moved = event.type == BookingEvent.Type.RESCHEDULED and event.before.get("start")
        event.moved_from = dt.datetime.fromisoformat(moved) if moved else None
    return {
        "booking": booking,
        "events": events,
        # Queried afresh (not prefetched): after an action the list must show what it queued.
        "booking_messages": list(booking.messages.order_by("send_after", "pk")),
        "reschedule_day": day,
        "can_cancel": services.can_cancel(booking, now=timezone.now(), business=business),
        # What the booking offers, as the state machine's table says: buttons and panels.
        "actions": actions,
        "offers": {action.name: action for action in actions},
        "cancel_form": CancelForm(),
        "reschedule_form": reschedule,
        "items": items,
        "change_form": change,
        "starts": _slot_choices(
            request,
            service=booking.service,
            resource=booking.resource,
            day=day,
            exclude_booking_id=booking.pk,
            extra_services=[item.service for item in items[1:]],
        )
        if any(action.name == "reschedule" for action in actions)
        else [],
        **extra,
    }


def _detail(request, booking: Booking, status: int = 200, **extra):
    template = (
        "bookings/booking_detail.html#booking-detail"
        if request.htmx
        else "bookings/booking_detail.html"
    )
    return render(request, template, _detail_context(request, booking, **extra), status=status)


@role_required()
def booking_detail(request, reference: str):
    return _detail(request, _booking_for(request, reference))


@role_required()
@require_POST
def booking_action(request, reference: str, action: str):
    booking = _booking_for(request, reference)
    spec = services.ACTIONS.get(action)
    if spec is None or not spec.label or spec.panel == "reschedule":
        raise Http404  # unknown, the sweep's own (expire), or not posted here (a move)
    reason = ""
    if spec.panel == "cancel":
        form = CancelForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
    offered = services.booking_actions(booking=booking, now=timezone.now())
    if spec.confirm and spec in offered and request.POST.get("confirmed") != "yes":
        # Without JavaScript (no hx-confirm dialog) the question is a step of its own.
        return _detail(request, booking, confirming=spec, confirm_reason=reason)
    try:
        if spec.panel == "cancel":
            booking = services.booking_cancel(
                booking=booking, actor=request.user, reason=reason, business=request.business
            )
        else:
            booking = services.booking_transition(
                booking=booking, action=spec.name, actor=request.user
            )
    except BookingError as exc:
        return _refused(request, booking, exc)
    messages.success(request, spec.done)
    if request.htmx:
        return _detail(request, booking)
    return redirect("bookings:detail", reference=booking.reference)


def _refused(request, booking, exc: BookingError, **extra):
    booking.refresh_from_db()
    if request.htmx or extra:
        return _detail(request, booking, status=exc.status, error=exc.message, **extra)
    messages.error(request, exc.message)
    return redirect("bookings:detail", reference=booking.reference)


@role_required()
@require_POST
def booking_reschedule(request, reference: str):
    booking = _booking_for(request, reference)
    form = RescheduleForm(request.POST, resources=visible_resources(request.user))
    if not form.is_valid():
        return _detail(request, booking, status=422, reschedule_form=form)
    data = form.cleaned_data
    start = data["start"]
    if data["override"]:
        start = dt.datetime.combine(
            data["date"], data["override_time"], timezone.get_current_timezone()
        )
    try:
        booking = services.booking_reschedule(
            booking=booking,
            start=start,
            resource=data["resource"],
            actor=request.user,
            override=data["override"],
            business=request.business,
        )
    except BookingError as exc:
        return _refused(request, booking, exc, reschedule_form=form)
    start = timezone.localtime(booking.start)
    moved = {"day": format_day(start, "short_weekday"), "time": f"{start:%H:%M}"}
    messages.success(request, _("Moved to %(day)s, %(time)s.") % moved)
    if request.htmx:
        return _detail(request, booking)
    return redirect("bookings:detail", reference=booking.reference)


@role_required()
@require_POST
def booking_change(request, reference: str):
    """Change the services (the end moves), the price for this booking and the notes."""
    booking = _booking_for(request, reference)
    form = BookingChangeForm(
        request.POST, booking=booking, current=services.booking_services(booking)
    )
    if not form.is_valid():
        return _detail(request, booking, status=422, change_form=form)
    data = form.cleaned_data
    try:
        booking = services.booking_update(
            booking=booking,
            actor=request.user,
            services=form.chosen_services(),
            # Unchanged: new services bring their own summed price.
            price=data["price"] if data["price"] != booking.price else None,
            client_notes=data["client_notes"],
            internal_notes=data["internal_notes"],
            override=data["override"],
            business=request.business,
        )
    except BookingError as exc:
        return _refused(request, booking, exc, change_form=form)
    messages.success(request, _("Booking changed."))
    if request.htmx:
        return _detail(request, booking)
    return redirect("bookings:detail", reference=booking.reference)


def _when(form: BookingFilterForm) -> str:
    """The list's tab: today and upcoming unless asked for past or all (even with bad dates)."""
    raw = form.data.get("when") if form.is_bound else None
    return raw if raw in dict(BookingFilterForm.WHEN) else "upcoming"


def _filtered(request):
    resources = visible_resources(request.user)
    form = BookingFilterForm(request.GET or None, resources=resources)
    qs = visible_bookings(request.user)
    tz = timezone.get_current_timezone()
    today = dt.datetime.combine(timezone.localdate(), dt.time(), tz)
    when = _when(form)
    if when == "upcoming":
        qs = qs.filter(end__gt=today).order_by("start", "pk")
    elif when == "past":
        qs = qs.filter(start__lt=today).order_by("-start", "-pk")
    else:
        qs = qs.order_by("-start", "-pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["date_from"]:
            qs = qs.filter(start__gte=dt.datetime.combine(data["date_from"], dt.time(), tz))
        if data["date_to"]:
            until = data["date_to"] + dt.timedelta(days=1)
            qs = qs.filter(start__lt=dt.datetime.combine(until, dt.time(), tz))
        if data["resource"]:
            qs = qs.filter(resource=data["resource"])
        if data["service"]:
            # Any of its services (a "Cut + Beard" booking is found under Beard too).
            with_item = BookingItem.objects.filter(booking=OuterRef("pk"), service=data["service"])
            qs = qs.filter(Q(service=data["service"]) | Exists(with_item))
        if data["client"]:
            text = data["client"].strip()
            digits = "".join(ch for ch in text if ch.isdigit())
            match = Q(client__name__icontains=text)
            if len(digits) >= 3:
                match |= Q(client__phone__contains=digits)
            qs = qs.filter(match)
    return form, qs


@role_required()
def booking_list(request):
    form, qs = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    other_filters = query.copy()
    other_filters.pop("when", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "when": _when(form),
        # Each tab keeps the other filters.
        "tabs": [
            (value, label, _query_with(other_filters, when=value))
            for value, label in BookingFilterForm.WHEN
        ],
    }
    template = "bookings/booking_list.html"
    if request.htmx:  # the tabs swap the whole filtered page, the filters only the list
        part = "bookings-page" if request.htmx.target == "bookings-page" else "booking-list"
        template += f"#{part}"
    return render(request, template, context, status=200 if not form.errors else 422)


def _query_with(query, **params) -> str:
    query = query.copy()
    for name, value in params.items():
        query[name] = value
    return query.urlencode()


class _Echo:
    def write(self, value):
        return value


@role_required()
def booking_export(request):
    """CSV of the filtered bookings, streamed so a big export does not load all rows at once."""
    _form, qs = _filtered(request)
    writer = csv.writer(_Echo())
    # The rows are produced after the middleware's time-zone and language overrides have ended:
    # keep both here (the header is in the member's language).
    tz = timezone.get_current_timezone()
    language = translation.get_language()

    def rows():
        with translation.override(language):
            questions = exports.booking_questions()
            header = exports.booking_csv_header(questions)
            bookings = qs.prefetch_related("items").iterator(chunk_size=500)
            for row in exports.booking_csv_rows(
                bookings, tz=tz, header=header, questions=questions
            ):
                yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="bookings-{stamp}.csv"'
    return response
