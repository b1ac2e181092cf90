"""The public booking page: service → who → day and time → details → confirmation; manage link.

Every step is a plain link or form (works without JavaScript); htmx loads a day's slots and the
strip's pages in place, and posts the details form into its step. Refusals are sentences with
409/422/429, never errors.
"""

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from billing.limits import current_terms, online_booking_state
from bookings import selectors, services, slot_cache
from bookings.calendar_files import booking_ics
from bookings.embed import embeddable
from bookings.errors import BookingError, booking_error
from bookings.forms_public import BookingDetailsForm
from bookings.models import Booking, BookingItem, Source
from bookings.signals import public_contact_rules
from bookings.utm import utm_of
from scheduling.dates import date_parse, instant_parse
from scheduling.models import Resource, Service
from scheduling.selectors import (
    SEARCH_MAX_LENGTH,
    question_list_for,
    setup_status,
)
from tenants.ratelimit import client_ip, limit_hit

STRIP_DAYS = 14  # days on one page of the strip; earlier/later pages reach the maximum advance
BOOKING_POSTS_PER_MINUTE = 10
TAKEN_CODES = ("slot_taken", "no_resource_free")  # the time went to someone else: 409
SEARCH_FROM = 8  # services: from this many on, the list has a search box


def _public_services():
    return Service.objects.filter(is_active=True, is_public=True).prefetch_related(
        Prefetch(
            "resources",
            queryset=Resource.objects.filter(is_active=True).order_by("order", "name"),
            to_attr="performers",
        )
    )


class ServiceHidden(Exception):
    """A service clients cannot book: unknown, private, inactive, or nobody active performs it."""


@dataclass(frozen=True)
class Pick:
    """The services a client chose for one booking (haircut + beard), in the order chosen, and
    who performs them all. Pages read it as they read one service: `pk` is the URL's part
    ("4" or "4,7"), `name`, `duration_minutes` and `price` the whole booking's."""

    services: tuple[Service, ...]
    performers: list[Resource]

    @property
    def first(self) -> Service:
        return self.services[0]

    @property
    def extra(self) -> tuple[Service, ...]:
        return self.services[1:]

    @property
    def pk(self) -> str:
        return ",".join(str(service.pk) for service in self.services)

    @property
    def name(self) -> str:
        return " + ".join(service.name for service in self.services)

    @property
    def duration_minutes(self) -> int:
        return sum(service.duration_minutes for service in self.services)

    @property
    def price(self) -> Decimal:
        return sum((service.price for service in self.services), Decimal("0"))

    def __getattr__(self, name: str):
        # Anything else a page asks of "the service" (description, colour...): the first one's.
        return getattr(self.services[0], name)


def _service(service_id: int | tuple[int, ...]) -> Pick:
    """The chosen services, each public and active; performers do them all (first's order)."""
    ids = (service_id,) if isinstance(service_id, int) else tuple(service_id)
    if len(set(ids)) != len(ids):
        raise ServiceHidden
    found = {service.pk: service for service in _public_services().filter(pk__in=ids)}
    if len(found) != len(ids):
        raise ServiceHidden
    chosen = tuple(found[pk] for pk in ids)
    common = set.intersection(*({r.pk for r in service.performers} for service in chosen))
    performers = [r for r in chosen[0].performers if r.pk in common]
    if not performers:
        raise ServiceHidden
    return Pick(services=chosen, performers=performers)


def _picked_ids(request) -> list[int]:
    """Service ids from the services form (`?service=1&service=4`, or `?services=1,4`)."""
    raw = [*request.GET.getlist("service"), *request.GET.get("services", "").split(",")]
    ids: list[int] = []
    for value in raw:
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) <= 9 and int(value) not in ids:
            ids.append(int(value))
    return ids


def book_start(request):
    """The services form's target (works without JavaScript): on to the chosen services' page.

    None chosen: back to the list; more than the most one booking holds: said on the list.
    """
    ids = _picked_ids(request)
    if not ids:
        return redirect("bookings:public_page")
    if len(ids) > services.MAX_SERVICES:
        context = {"max_services": services.MAX_SERVICES}
        return render(request, "bookings/public/too_many_services.html", context, status=400)
    return redirect("bookings:book_who", service_id=ids)


def _service_hidden(request) -> HttpResponse:
    """A polite 404 with a way back (htmx: the whole page, since htmx does not swap a 404)."""
    if request.htmx:
        return HttpResponseClientRedirect(request.path)
    return render(request, "bookings/public/unavailable.html", status=404)


def _bookable_service(view):
    """Views of one service answer a hidden one with the polite 404."""

    @functools.wraps(view)
    def wrapper(request, service_id: int | tuple[int, ...], *args, **kwargs):
        try:
            service = _service(service_id)
        except ServiceHidden:
            return _service_hidden(request)
        return view(request, service, *args, **kwargs)

    return wrapper


def _paused_notice(request, state: str, *, status: int = 200) -> HttpResponse:
    """Online booking paused (the plan's bookings used up, or the subscription suspended or
    cancelled): contact the business. Clients are not told why; its own managers are."""
    context = {"paused": state}
    user = request.user
    if user.is_authenticated and user.is_manager:
        context["paused_reason"] = state
    return render(request, "bookings/public/paused.html", context, status=status)


def _paused_step(request, state: str) -> HttpResponse:
    """A step after the services list while paused: the notice (403); htmx, which swaps no 403,
    loads the whole page instead."""
    if request.htmx:
        return HttpResponseClientRedirect(request.path)
    return _paused_notice(request, state, status=403)


def _online_booking_open(view):
    """The steps after the services list answer a paused business with the notice, never a
    form that would fail on submit."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        state = online_booking_state()
        if state != "open":
            return _paused_step(request, state)
        return view(request, *args, **kwargs)

    return wrapper


def _reschedule_paused() -> bool:
    """Suspended or cancelled: clients may still cancel, not move a booking. (Used-up bookings
    do not stop a move: it is not a new booking.)"""
    terms = current_terms()
    return terms is not None and terms.pauses_booking


def _who(service: Pick, who: str) -> Resource | None:
    if who == "any":
        return None
    for resource in service.performers:
        if str(resource.pk) == who:
            return resource
    raise Http404("This professional does not offer this service.")


@embeddable
def public_page(request):
    # Whether clients can book at all, cached while nothing bookable changes (bookings.slot_cache).
    can_book = slot_cache.bookable(business=request.business)
    context = {"bookable": can_book}
    state = online_booking_state() if can_book else "open"
    if state != "open":
        context["paused"] = state
        if request.user.is_authenticated and request.user.is_manager:
            context["paused_reason"] = state
    elif can_book:
        # Only what someone active performs: a service nobody does would lead nowhere.
        search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
        bookable = slot_cache.service_groups(search=search)
        context.update(
            services=bookable.services,
            groups=bookable.groups,
            search=search,
            # A long list gets a search box (filtering as one types; `?q=` without JavaScript).
            searchable=bookable.total >= SEARCH_FROM or bool(search),
        )
        context["max_services"] = services.MAX_SERVICES
    elif request.user.is_authenticated and request.user.is_manager:
        # The business's own owner or admin sees what still stands between them and clients.
        context["missing"] = setup_status(business=request.business).missing
    return render(request, "bookings/public/services.html", context)


@embeddable
@_online_booking_open
@_bookable_service
def book_who(request, service: Pick):
    if len(service.performers) == 1:
        return redirect("bookings:book_when", service_id=service.pk, who=service.performers[0].pk)
    return render(request, "bookings/public/who.html", {"service": service})


def _strip(request, service, resource, *, chosen=None, page_from=None):
    """One page of the day strip (which days have a slot) and the chosen day's starts.

    Pages are STRIP_DAYS long counted from today, up to the maximum advance. `chosen` (a day
    the client picked) or else `page_from` (an earlier/later link) says which page; a day past
    the advance or already gone clamps to the nearest page and says why. The page's days come
    from the slots cache (`bookings.slot_cache`); one engine run computes those it lacks.
    """
    business = request.business
    today = timezone.localdate()
    last = today + dt.timedelta(days=business.max_advance_days)
    clamped = None
    if chosen is not None and chosen > last:
        clamped, chosen, page_from = "far", None, last
    elif chosen is not None and chosen < today:
        clamped, chosen, page_from = "past", None, today
    anchor = min(max(chosen or page_from or today, today), last)
    first = today + dt.timedelta(days=(anchor - today).days // STRIP_DAYS * STRIP_DAYS)
    end = min(first + dt.timedelta(days=STRIP_DAYS - 1), last)
    # Each day's free times come from the cache while nothing changed (bookings.slot_cache).
    availability = slot_cache.slot_page(
        service=service.first,
        start_date=first,
        end_date=end,
        resource_ids=[resource.pk] if resource else [r.pk for r in service.performers],
        business=business,
        extra_services=service.extra,
    )
    open_days = availability.days()
    if chosen is None:
        # Past the advance: the last day still open is the nearest to what was asked.
        chosen = (open_days[-1] if clamped == "far" else open_days[0]) if open_days else first
    if resource is None:
        starts = availability.starts(chosen)
    else:
        starts = availability.slots.get((chosen, resource.pk), [])
    days = [first + dt.timedelta(days=n) for n in range((end - first).days + 1)]
    return {
        "days": [{"date": d, "iso": d.isoformat(), "open": d in open_days} for d in days],
        # Blank cells keep the last, shorter page as tall as the others: nothing jumps.
        "strip_padding": range(STRIP_DAYS - len(days)),
        "strip_first": first,
        "strip_last": end,
        "earlier": first - dt.timedelta(days=STRIP_DAYS) if first > today else None,
        "later": end + dt.timedelta(days=1) if end < last else None,
        "last_day": last,
        "max_advance_days": business.max_advance_days,
        "clamped": clamped,
        "chosen": chosen,
        "starts": starts,
    }


def _strip_params(request) -> dict:
    return {
        "chosen": date_parse(request.GET.get("date")),
        "page_from": date_parse(request.GET.get("from")),
    }


@embeddable
@_online_booking_open
@_bookable_service
def book_when(request, service: Pick, who: str):
    resource = _who(service, who)
    context = {"service": service, "resource": resource, "who": who}
    context.update(_strip(request, service, resource, **_strip_params(request)))
    template = "bookings/public/when.html#slots" if request.htmx else "bookings/public/when.html"
    return render(request, template, context)


def _contact_rules() -> dict:
    """What the details form requires, as the apps that send messages answer (see signals)."""
    rules = {"email_required": False}
    for _receiver, answer in public_contact_rules.send_robust(sender=None):
        # A failing receiver is logged by Django and must not stop anyone from booking.
        if isinstance(answer, dict):
            rules["email_required"] |= bool(answer.get("email_required"))
    return rules


def _details_page(request, context, *, status=200):
    # htmx posts the form into its step: answer with that step only.
    template = "bookings/public/details.html"
    if request.htmx and request.method == "POST":
        template += "#booking-details"
    return render(request, template, context, status=status)


def _time_refusal(start: dt.datetime, *, business) -> BookingError | None:
    """A time already gone ("past") or too close to book online ("too_soon"), else None."""
    now = timezone.now()
    if start <= now:
        return booking_error("past")
    if start < now + dt.timedelta(minutes=business.min_notice_minutes):
        return booking_error("too_soon")
    return None


def _refused(request, context, exc: BookingError) -> HttpResponse:
    """The details step again with the refusal; a time that cannot be had comes with fresh ones.

    Fresh times sit inside the form, so a client who already typed their details keeps them.
    A taken time offers the rest of its own day; a past or too-soon one the first day that
    still has times (today, or the next open day).
    """
    taken = exc.code in TAKEN_CODES
    fresh = taken or exc.code in ("past", "too_soon")
    context.update(error=exc.message, code=exc.code, fresh=fresh)
    if fresh:
        service, resource = context["service"], context["resource"]
        day = timezone.localtime(context["start"]).date()
        strip = _strip(request, service, resource, chosen=day)  # a past day clamps to today
        if not taken and not strip["starts"]:
            later = [d["date"] for d in strip["days"] if d["open"] and d["date"] > strip["chosen"]]
            if later:
                strip = _strip(request, service, resource, chosen=later[0])
        context.update(strip)
    return _details_page(request, context, status=exc.status)


@embeddable
@require_http_methods(["GET", "POST"])
@_online_booking_open
@_bookable_service
def book_details(request, service: Pick, who: str):
    resource = _who(service, who)
    business = request.business
    data = request.POST if request.method == "POST" else None
    raw_start = (data or request.GET).get("start")
    start = instant_parse(raw_start)
    if start is None:
        back = reverse("bookings:book_when", args=[service.pk, who])
        if request.htmx:
            return HttpResponseClientRedirect(back)
        if not raw_start:  # no time chosen yet: the times are where to choose one
            return redirect(back)
        context = {"service": service, "back": back}
        return render(request, "bookings/public/bad_time.html", context, status=400)
    form = BookingDetailsForm(
        data,
        initial={"start": start, "idem": uuid.uuid4().hex},
        region=business.phone_region,
        questions=question_list_for(services=service.services),
        **_contact_rules(),
    )
    context = {
        "service": service,
        "resource": resource,
        "who": who,
        "start": start,
        "form": form,
        # Booked inside the cancellation window, it cannot be changed online: say so first.
        "inside_window": start - timezone.now()
        < dt.timedelta(hours=business.cancellation_window_hours),
    }
    if data is None:
        refusal = _time_refusal(start, business=business)
        if refusal is not None:
            return _refused(request, context, refusal)
        return _details_page(request, context)

    wait = limit_hit(
        scope="book", key=client_ip(request), limit=BOOKING_POSTS_PER_MINUTE, window=60
    )
    if wait:
        if request.htmx:
            response = _details_page(request, {**context, "wait": wait}, status=429)
        else:
            response = render(request, "bookings/public/too_many.html", {"wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
    if request.POST.get("website"):
        # The hidden field only bots fill. htmx swaps a 400 into the step, so it gets the partial.
        template = "bookings/public/refused.html"
        return render(request, template + ("#booking-details" if request.htmx else ""), status=400)
    if not form.is_valid():
        form.focus_first_error()
        return _details_page(request, context, status=422)

    cleaned = form.cleaned_data
    refusal = _time_refusal(cleaned["start"], business=business)
    if refusal is not None:
        return _refused(request, context, refusal)
    try:
        # One transaction: a refused time leaves no new client row (nor their consent).
        booking = services.booking_create_with_client(
            client_name=cleaned["name"],
            client_phone=cleaned["phone"],
            client_email=cleaned["email"],
            region=business.phone_region,
            whatsapp_consent=cleaned["consent"],
            custom_fields=form.client_fields(),
            service=service.first,
            extra_services=service.extra,
            answers=form.booking_answers(),
            start=cleaned["start"],
            resource=resource,
            source=Source.PUBLIC,
            client_notes=cleaned["notes"],
            business=business,
            idempotency_key=f"public:{cleaned['idem']}",
            utm=utm_of(request),
        )
    except BookingError as exc:
        if exc.code == "booking_paused":  # the last booking the plan allowed went meanwhile
            return _paused_step(request, online_booking_state())
        # The clock may have passed the time between our check and the booking's own.
        return _refused(request, context, _time_refusal(cleaned["start"], business=business) or exc)
    booked_url = reverse("bookings:booked", args=[booking.manage_token])
    # htmx: a whole-page visit to the confirmation (its own URL, history and title).
    return HttpResponseClientRedirect(booked_url) if request.htmx else redirect(booked_url)


def _booking_by_token(token: str) -> Booking:
    # Unknown tokens are a plain 404: nothing tells whether a booking exists.
    items = Prefetch("items", queryset=BookingItem.objects.select_related("service"))
    return get_object_or_404(
        Booking.objects.select_related("service", "resource", "client").prefetch_related(items),
        manage_token=token,
    )


def _manage_url(request, booking) -> str:
    return request.build_absolute_uri(reverse("bookings:manage", args=[booking.manage_token]))


@embeddable
def booked(request, token: str):
    booking = _booking_by_token(token)
    return render(
        request,
        "bookings/public/booked.html",
        {"booking": booking, "manage_url": _manage_url(request, booking)},
    )


def _manage_context(request, booking, *, chosen: dt.date | None = None, **extra):
    """`chosen` (the day of a refused new time) overrides the day asked for in the URL."""
    business = request.business
    can_change = services.can_cancel(booking, now=timezone.now(), business=business)
    can_reschedule = can_change and not _reschedule_paused()
    context = {
        "booking": booking,
        "can_change": can_change,
        "can_reschedule": can_reschedule,
        "manage_url": _manage_url(request, booking),
        "deadline": booking.start - dt.timedelta(hours=business.cancellation_window_hours),
        **extra,
    }
    if can_reschedule:
        params = _strip_params(request)
        if chosen is not None:
            params["chosen"] = chosen
        context.update(_strip_for_reschedule(request, booking, **params))
    return context


def _strip_for_reschedule(request, booking, *, chosen, page_from):
    if chosen is None and page_from is None:
        # The client first sees their booking's own day: its other times, then the days around.
        chosen = timezone.localtime(booking.start).date()
    # All the booking's services move together, on its own resource.
    service = Pick(
        services=tuple(services.booking_services(booking)), performers=[booking.resource]
    )
    strip = _strip(request, service, booking.resource, chosen=chosen, page_from=page_from)
    # The booking's own slot stays free for itself: recompute the chosen day without it.
    availability = selectors.slot_list_available(
        service=service.first,
        start_date=strip["chosen"],
        end_date=strip["chosen"],
        resource_ids=[booking.resource_id],
        exclude_booking_id=booking.pk,
        business=request.business,
        extra_services=service.extra,
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
        start = None
        try:
            if action == "cancel":
                services.booking_cancel(
                    booking=booking,
                    by_client=True,
                    reason=(request.POST.get("reason") or "")[:255],
                    business=request.business,
                )
                message = _("Your booking is cancelled.")
            elif action == "reschedule":
                if _reschedule_paused():
                    raise booking_error("booking_paused")
                start = instant_parse(request.POST.get("start"))
                if start is None:
                    raise BookingError("invalid_start", _("Please choose a new time."))
                services.booking_reschedule(
                    booking=booking, start=start, by_client=True, business=request.business
                )
                message = _("Your booking has moved.")
            else:
                return HttpResponseBadRequest(_("Unknown action."))
        except BookingError as exc:
            booking.refresh_from_db()
            status = exc.status
            # Fresh times of the day the client was looking at, not the strip's first day.
            day = timezone.localtime(start).date() if start is not None else None
            context = _manage_context(request, booking, chosen=day, error=exc.message)
            return render(request, "bookings/public/manage.html", context, status=status)
        booking.refresh_from_db()
        return render(
            request, "bookings/public/manage.html", _manage_context(request, booking, done=message)
        )
    if request.htmx and _reschedule_paused():
        # The strip's pages are for moving the booking, paused now: the whole page says so.
        return HttpResponseClientRedirect(request.path)
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
        business=business,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.reference}.ics"'
    return response
