"""Clients: list with search (cursor pagination), get, create, update, soft delete (deactivate).
A staff key sees the clients of its own bookings and those its member entered."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from api.auth import read_key, write_key
from api.cursors import cursor_make, cursor_read
from api.errors import ApiError
from api.schemas import (
    ClientIn,
    ClientListQuery,
    ClientOut,
    ClientPage,
    ClientPatch,
    ErrorOut,
    Id,
    client_fields,
)
from bookings import services
from bookings.models import Client
from bookings.scoping import visible_clients

router = Router(tags=["clients"])
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}


@router.get("/clients", response={200: ClientPage, **READ_ERRORS}, auth=read_key)
def client_list(request, query: Query[ClientListQuery]):
    """Clients in id order; `q` searches name, e-mail and (3+ digits) phone; `active` true by
    default (false: the deactivated ones; all: both)."""
    qs = visible_clients(request.user)
    text = (query.q or "").strip()
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        match = Q(name__icontains=text) | Q(email__icontains=text)
        if len(digits) >= 3:
            match |= Q(phone__contains=digits)
        qs = qs.filter(match)
    if query.active != "all":
        qs = qs.filter(is_active=query.active == "true")
    after = cursor_read("clients", query.cursor)
    if after is not None:
        if len(after) != 1 or not isinstance(after[0], int):
            raise ApiError("validation", _("This cursor is not valid here."), "cursor")
        qs = qs.filter(pk__gt=after[0])
    rows = list(qs.order_by("pk")[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {
        "items": rows,
        "next_cursor": cursor_make("clients", [rows[-1].pk]) if more else None,
    }


def _client(request, pk: int) -> Client:
    return get_object_or_404(visible_clients(request.user), pk=pk)


@router.get("/clients/{client_id}", response={200: ClientOut, **READ_ERRORS}, auth=read_key)
def client_get(request, client_id: Id):
    return _client(request, client_id)


def _fields(data: dict) -> dict:
    try:
        return client_fields(data)
    except ValueError as exc:
        raise ApiError("validation", _("This field may not be null."), str(exc)) from exc


@router.post("/clients", response={201: ClientOut, **WRITE_ERRORS}, auth=write_key)
def client_create(request, payload: ClientIn):
    client = services.client_create(
        region=request.business.phone_region,
        created_by=request.user,
        **_fields(payload.model_dump()),
    )
    return Status(201, client)


@router.patch("/clients/{client_id}", response={200: ClientOut, **WRITE_ERRORS}, auth=write_key)
def client_update(request, client_id: Id, payload: ClientPatch):
    """Change only the fields sent."""
    client = _client(request, client_id)
    if client.erased_at is not None:
        raise ApiError("validation", _("This client's data was erased on their request."))
    return services.client_update(
        client=client,
        region=request.business.phone_region,
        **_fields(payload.model_dump(exclude_unset=True)),
    )


@router.delete("/clients/{client_id}", response={200: ClientOut, **WRITE_ERRORS}, auth=write_key)
def client_delete(request, client_id: Id):
    """Deactivate the client (a soft delete: their bookings and history stay)."""
    return services.client_set_active(client=_client(request, client_id), active=False)
