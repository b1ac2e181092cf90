"""Bookings: list (filters, cursor pagination), get, create (Idempotency-Key), and the changes
of the state machine — all through bookings.services, as the key's member (staff: their own)."""

import datetime as dt
import hashlib
import json
import re
import zoneinfo

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.responses import NinjaJSONEncoder

from accounts.errors import AgendoError
from api.auth import read_key, write_key
from api.cursors import cursor_make, cursor_read
from api.errors import ApiError, error_body
from api.schemas import (
    BookingIn,
    BookingListQuery,
    BookingOut,
    BookingPage,
    CancelIn,
    ErrorOut,
    RescheduleIn,
)
from api.services import IdempotencyMismatch, idempotent_call, request_fingerprint
from bookings import services
from bookings.models import Booking, Source
from bookings.scoping import visible_bookings, visible_clients, visible_resource_ids
from scheduling.models import Resource, Service

router = Router(tags=["bookings"])
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}
# Printable ASCII, as Stripe's and the IETF draft's keys are (a UUID fits).
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


def _local_bounds(request, day: dt.date, *, end: bool) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(request.business.timezone)
    if end:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tz)


@router.get("/bookings", response={200: BookingPage, **READ_ERRORS}, auth=read_key)
def booking_list(request, query: Query[BookingListQuery]):
    """Bookings in start order (then id), `limit` a page; `next_cursor` continues after the
    last row of this page, so bookings created meanwhile never repeat or skip a row.
    `date_from` / `date_to` are local dates of the business, both included."""
    qs = visible_bookings(request.user)
    if query.date_from:
        qs = qs.filter(start__gte=_local_bounds(request, query.date_from, end=False))
    if query.date_to:
        qs = qs.filter(start__lt=_local_bounds(request, query.date_to, end=True))
    if query.status:
        qs = qs.filter(status=query.status)
    if query.resource:
        qs = qs.filter(resource_id=query.resource)
    if query.client:
        qs = qs.filter(client_id=query.client)
    after = cursor_read("bookings", query.cursor)
    if after is not None:
        try:
            start, pk = dt.datetime.fromisoformat(after[0]), int(after[1])
        except (IndexError, TypeError, ValueError) as exc:
            raise ApiError("validation", _("This cursor is not valid here."), "cursor") from exc
        qs = qs.filter(Q(start__gt=start) | Q(start=start, pk__gt=pk))
    rows = list(qs.prefetch_related("items").order_by("start", "pk")[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    last = rows[-1] if rows else None
    next_cursor = (
        cursor_make("bookings", [last.start.isoformat(), last.pk]) if more and last else None
    )
    return {"items": rows, "next_cursor": next_cursor}


def _booking(request, reference: str) -> Booking:
    # Another member's booking (for staff) is as absent as one that does not exist.
    if not re.fullmatch(r"[A-Za-z0-9]{1,12}", reference):
        raise ApiError("not_found", _("No such booking."))
    return get_object_or_404(visible_bookings(request.user), reference=reference.upper())


@router.get("/bookings/{reference}", response={200: BookingOut, **READ_ERRORS}, auth=read_key)
def booking_get(request, reference: str):
    return _booking(request, reference)


def _resource(request, pk: int | None) -> Resource | None:
    if pk is None:
        return None
    scope = visible_resource_ids(request.user)
    resource = Resource.objects.filter(pk=pk, is_active=True).first()
    if resource is None or (scope is not None and pk not in scope):
        raise ApiError("validation", _("No such resource."), "resource")
    return resource


def _create(request, payload: BookingIn, idempotency_key: str | None) -> Booking:
    service = Service.objects.filter(pk=payload.service, is_active=True).first()
    if service is None:
        raise ApiError("validation", _("No such service."), "service")
    found = Service.objects.filter(pk__in=payload.extra_services, is_active=True).in_bulk()
    if any(pk not in found for pk in payload.extra_services):
        raise ApiError("validation", _("No such service."), "extra_services")
    kwargs = {
        "service": service,
        "extra_services": [found[pk] for pk in payload.extra_services],
        "start": payload.start,
        "resource": _resource(request, payload.resource),
        "source": Source.STAFF,
        "actor": request.user,
        "client_notes": payload.client_notes.strip(),
        "internal_notes": payload.internal_notes.strip(),
        "business": request.business,
        "idempotency_key": idempotency_key,
        "resource_ids": visible_resource_ids(request.user),
    }
    if payload.client is not None:
        client = visible_clients(request.user).filter(pk=payload.client).first()
        if client is None:
            raise ApiError("validation", _("No such client."), "client")
        return services.booking_create(client=client, **kwargs)
    new = payload.new_client
    return services.booking_create_with_client(
        client_name=new.name.strip(),
        client_phone=new.phone,
        client_email=new.email,
        region=request.business.phone_region,
        **kwargs,
    )


def _plain(data: dict) -> dict:
    """JSON types as every other answer renders them (django-ninja's encoder)."""
    return json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def _json(status: int, body: dict, *, replayed: bool = False) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.post("/bookings", response={201: BookingOut, **WRITE_ERRORS}, auth=write_key)
def booking_create(request, payload: BookingIn):
    """Book through the same service as the dashboard, as the key's member. With an
    `Idempotency-Key` header (up to 255 printable characters), sending the same request again
    answers what the first one did (`Idempotent-Replayed: true`) instead of booking twice; the
    same key with a different request is a 422 `idempotency_mismatch`."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return Status(201, _create(request, payload, None))
    if not IDEMPOTENCY_KEY_RE.match(key):
        raise ApiError(
            "validation",
            _("Idempotency-Key must be 1 to 255 printable ASCII characters."),
            "Idempotency-Key",
        )
    api_key = request.auth

    def call() -> tuple[int, dict]:
        try:
            booking = _create(request, payload, f"api-{api_key.pk}-{_digest(key)}")
        except AgendoError as exc:
            return exc.status, error_body(exc.code, str(exc.message), exc.field)
        return 201, _plain(BookingOut.from_orm(booking).model_dump())

    fingerprint = request_fingerprint(method="POST", path=request.path, body=request.body)
    try:
        status, body, replayed = idempotent_call(
            api_key=api_key, key=key, fingerprint=fingerprint, call=call
        )
    except IdempotencyMismatch as exc:
        raise ApiError(
            "idempotency_mismatch",
            _("This Idempotency-Key was used for a different request."),
            "Idempotency-Key",
        ) from exc
    return _json(status, body, replayed=replayed)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


@router.post(
    "/bookings/{reference}/reschedule", response={200: BookingOut, **WRITE_ERRORS}, auth=write_key
)
def booking_reschedule(request, reference: str, payload: RescheduleIn):
    booking = _booking(request, reference)
    return services.booking_reschedule(
        booking=booking,
        start=payload.start,
        resource=_resource(request, payload.resource),
        actor=request.user,
        business=request.business,
    )


@router.post(
    "/bookings/{reference}/cancel", response={200: BookingOut, **WRITE_ERRORS}, auth=write_key
)
def booking_cancel(request, reference: str, payload: CancelIn | None = None):
    booking = _booking(request, reference)
    reason = payload.reason.strip() if payload is not None else ""
    return services.booking_cancel(
        booking=booking, actor=request.user, reason=reason, business=request.business
    )


def _transition(action: str, summary: str):
    def view(request, reference: str):
        booking = _booking(request, reference)
        return services.booking_transition(booking=booking, action=action, actor=request.user)

    view.__name__ = f"booking_{action}"
    view.__doc__ = summary
    path = f"/bookings/{{reference}}/{action.replace('_', '-')}"
    router.post(path, response={200: BookingOut, **WRITE_ERRORS}, auth=write_key)(view)


_transition("confirm", "A pending booking becomes confirmed.")
_transition("complete", "A confirmed booking that has started is completed.")
_transition("no_show", "A confirmed booking that has started is marked no-show.")
