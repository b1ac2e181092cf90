"""The public booking page: service → who → day and time → details → confirmation; manage link.

Every step is a plain link or form (works without JavaScript); htmx only loads a day's slots
in place. Refusals are sentences with 409/422, never errors.
"""

import datetime as dt
import uuid

from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_http_methods

from bookings import selectors, services
from bookings.calendar_files import booking_ics
from bookings.errors import BookingError
from bookings.forms_public import BookingDetailsForm
from bookings.models import Booking, Source
from bookings.ratelimit import rate_limit_hit
from scheduling.models import Resource, Service

STRIP_DAYS = 14
BOOKING_POSTS_PER_MINUTE = 10


def _public_services():
    return Service.objects.filter(is_active=True, is_public=True).prefetch_related(
        Prefetch(
            "resources",
            queryset=Resource.objects.filter(is_active=True).order_by("order", "name"),
            to_attr="performers",
        )
    )


def _service(service_id: int) -> Service:
    return get_object_or_404(_public_services(), pk=service_id)


def _who(service: Service, who: str) -> Resource | None:
    if who == "any":
        return None
    for resource in service.performers:
        if str(resource.pk) == who:
            return resource
    raise Http404("This professional does not offer this service.")


def public_page(request):
    services_ = list(_public_services())
    return render(request, "bookings/public/services.html", {"services": services_})


def book_who(request, service_id: int):
    service = _service(service_id)
    if len(service.performers) == 1:
        return redirect("bookings:book_when", service_id=service.pk, who=service.performers[0].pk)
    return render(request, "bookings/public/who.html", {"service": service})


def _strip(request, service, resource, chosen: dt.date | None):
    """The next days with whether each has a slot, and the chosen day's starts: one engine run."""
    business = request.business
    today = timezone.localdate()
    last = min(
        today + dt.timedelta(days=STRIP_DAYS - 1),
        today + dt.timedelta(days=business.max_advance_days),
    )
    availability = selectors.slot_list_available(
        service=service,
        start_date=today,
        end_date=last,
        resource_ids=[resource.pk] if resource else [r.pk for r in service.performers],
        business=business,
    )
    open_days = set(availability.days())
    days = [today + dt.timedelta(days=n) for n in range((last - today).days + 1)]
    if chosen is None or not (today <= chosen <= last):
        chosen = min(open_days) if open_days else today
    if resource is None:
        starts = availability.starts(chosen)
    else:
        starts = availability.slots.get((chosen, resource.pk), [])
    return {
        "days": [{"date": d, "open": d in open_days} for d in days],
        "chosen": chosen,
        "starts": starts,
    }


def book_when(request, service_id: int, who: str):
    service = _service(service_id)
    resource = _who(service, who)
    chosen = parse_date(request.GET.get("date", "") or "") if request.GET.get("date") else None
    context = {"service": service, "resource": resource, "who": who}
    context.update(_strip(request, service, resource, chosen))
    template = "bookings/public/when.html#slots" if request.htmx else "bookings/public/when.html"
    return render(request, template, context)


def _start_from(raw: str | None) -> dt.datetime | None:
    value = parse_datetime(raw or "")
    return value if value is not None and timezone.is_aware(value) else None


@require_http_methods(["GET", "POST"])
def book_details(request, service_id: int, who: str):
    service = _service(service_id)
    resource = _who(service, who)
    business = request.business
    data = request.POST if request.method == "POST" else None
    start = _start_from(request.POST.get("start") if data else request.GET.get("start"))
    if start is None:
        return redirect("bookings:book_when", service_id=service.pk, who=who)
    form = BookingDetailsForm(
        data, initial={"start": start, "idem": uuid.uuid4().hex}, region=business.phone_region
    )
    context = {"service": service, "resource": resource, "who": who, "start": start, "form": form}
    if data is None:
        return render(request, "bookings/public/details.html", context)

    wait = rate_limit_hit(request, scope="book", limit=BOOKING_POSTS_PER_MINUTE, window=60)
    if wait:
        response = render(request, "bookings/public/too_many.html", {"wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
    if request.POST.get("website"):
        return HttpResponseBadRequest("Your request could not be processed.")
    if not form.is_valid():
        return render(request, "bookings/public/details.html", context, status=422)

    cleaned = form.cleaned_data
    try:
        client, _ = services.client_get_or_create(
            name=cleaned["name"],
            phone=cleaned["phone"],
            email=cleaned["email"],
            region=business.phone_region,
            source=Source.PUBLIC,
            whatsapp_consent=cleaned["consent"],
        )
        booking = services.booking_create(
            service=service,
            start=cleaned["start"],
            client=client,
            resource=resource,
            source=Source.PUBLIC,
            client_notes=cleaned["notes"],
            business=business,
            idempotency_key=f"public:{cleaned['idem']}",
        )
    except BookingError as exc:
        taken = exc.code in ("slot_taken", "no_resource_free")
        context.update(error=exc.message, taken=taken)
        context.update(_strip(request, service, resource, timezone.localtime(start).date()))
        return render(
            request, "bookings/public/details.html", context, status=409 if taken else 422
        )
    return redirect("bookings:booked", token=booking.manage_token)


def _booking_by_token(token: str) -> Booking:
    # Unknown tokens are a plain 404: nothing tells whether a booking exists.
    return get_object_or_404(
        Booking.objects.select_related("service", "resource", "client"), manage_token=token
    )


def _manage_url(request, booking) -> str:
    return request.build_absolute_uri(reverse("bookings:manage", args=[booking.manage_token]))


def booked(request, token: str):
    booking = _booking_by_token(token)
    return render(
        request,
        "bookings/public/booked.html",
        {"booking": booking, "manage_url": _manage_url(request, booking)},
    )


def _manage_context(request, booking, **extra):
    business = request.business
    can_change = services.can_cancel(booking, now=timezone.now(), business=business)
    context = {
        "booking": booking,
        "can_change": can_change,
        "manage_url": _manage_url(request, booking),
        "deadline": booking.start - dt.timedelta(hours=business.cancellation_window_hours),
        **extra,
    }
    if can_change and "days" not in context:
        chosen = parse_date(request.GET.get("date") or "") if request.GET.get("date") else None
        context.update(_strip_for_reschedule(request, booking, chosen))
    return context


def _strip_for_reschedule(request, booking, chosen):
    service = booking.service
    service.performers = [booking.resource]
    strip = _strip(request, service, booking.resource, chosen)
    # The booking's own slot stays free for itself: recompute the chosen day without it.
    availability = selectors.slot_list_available(
        service=service,
        start_date=strip["chosen"],
        end_date=strip["chosen"],
        resource_ids=[booking.resource_id],
        exclude_booking_id=booking.pk,
        business=request.business,
    )
    strip["starts"] = [
        s
        for s in availability.slots.get((strip["chosen"], booking.resource_id), [])
        if s != booking.start
    ]
    return strip


@require_http_methods(["GET", "POST"])
def manage(request, token: str):
    booking = _booking_by_token(token)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.booking_cancel(
                    booking=booking,
                    by_client=True,
                    reason=(request.POST.get("reason") or "")[:255],
                    business=request.business,
                )
                message = "Your booking is cancelled."
            elif action == "reschedule":
                start = _start_from(request.POST.get("start"))
                if start is None:
                    raise BookingError("invalid_start", "Please choose a new time.")
                services.booking_reschedule(
                    booking=booking, start=start, by_client=True, business=request.business
                )
                message = "Your booking has moved."
            else:
                return HttpResponseBadRequest("Unknown action.")
        except BookingError as exc:
            booking.refresh_from_db()
            status = 409 if exc.code in ("slot_taken", "window_closed") else 422
            context = _manage_context(request, booking, error=exc.message)
            return render(request, "bookings/public/manage.html", context, status=status)
        booking.refresh_from_db()
        return render(
            request, "bookings/public/manage.html", _manage_context(request, booking, done=message)
        )
    template = (
        "bookings/public/manage.html#slots" if request.htmx else "bookings/public/manage.html"
    )
    return render(request, template, _manage_context(request, booking))


def manage_ics(request, token: str):
    booking = _booking_by_token(token)
    business = request.business
    body = booking_ics(
        booking,
        business_name=business.display_name or request.tenant.name,
        address=business.address,
        manage_url=_manage_url(request, booking),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.reference}.ics"'
    return response
