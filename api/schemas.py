"""Request and response bodies of /api/v1/ (pydantic, through django-ninja).

Input is parsed once, with bounds (TRAPS #17): text with a NUL character, a date outside
1970–2200 or a time without its UTC offset are 422s, never a query that fails later.
"""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, model_validator

from bookings.models import Booking

MIN_YEAR, MAX_YEAR = 1970, 2200
MAX_ID = 2**53  # ids past this are no ids of ours (and stay far from bigint's end)


def _no_nul(value):
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("Text may not contain NUL characters.")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_nul(item)
    return value


class In(Schema):
    """Every input body and query: unknown fields refused, NUL characters refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data):
        return _no_nul(data)


def _bounded_date(value: dt.date) -> dt.date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"Dates must be between {MIN_YEAR} and {MAX_YEAR}.")
    return value


def _aware_datetime(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Give the time with its UTC offset, e.g. 2030-05-01T14:00:00-03:00.")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"Dates must be between {MIN_YEAR} and {MAX_YEAR}.")
    return value.astimezone(dt.UTC)


def _email(value: str) -> str:
    value = value.strip().lower()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as exc:
            raise ValueError("Enter a valid e-mail address.") from exc
    return value


def _birth_date(value: dt.date) -> dt.date:
    if value > dt.date.today():
        raise ValueError("The birth date is in the future.")
    return value


def _tags(value: list[str]) -> list[str]:
    return sorted({t.strip().lower() for t in value if t.strip()})[:20]


ApiDate = Annotated[dt.date, AfterValidator(_bounded_date)]
ApiDateTime = Annotated[dt.datetime, AfterValidator(_aware_datetime)]
BirthDate = Annotated[dt.date, AfterValidator(_bounded_date), AfterValidator(_birth_date)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Tags = Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=20)]
Status = Literal[tuple(Booking.Status.values)]


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None


class ErrorOut(Schema):
    error: ErrorDetail


# --- Catalogue ---------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    name: str
    order: int


class ResourceOut(Schema):
    id: int
    name: str
    kind: str
    category_id: int | None
    description: str
    color: str
    service_ids: list[int]

    @staticmethod
    def resolve_service_ids(obj) -> list[int]:
        return sorted(s.pk for s in obj.services.all())


class ServiceOut(Schema):
    id: int
    name: str
    description: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    price: str = Field(description="Decimal, e.g. 45.00")
    is_public: bool
    is_active: bool
    color: str
    resource_ids: list[int]

    @staticmethod
    def resolve_price(obj) -> str:
        return str(obj.price)

    @staticmethod
    def resolve_resource_ids(obj) -> list[int]:
        return sorted(r.pk for r in obj.resources.all())


# --- Availability ------------------------------------------------------------------------------


class AvailabilityQuery(In):
    service: Id
    resource: str = Field(
        "any", pattern=r"^(any|[1-9][0-9]{0,15})$", description="A resource id, or any"
    )
    date_from: ApiDate
    date_to: ApiDate


class SlotOut(Schema):
    start: dt.datetime
    resource_ids: list[int]


class DayOut(Schema):
    date: dt.date
    slots: list[SlotOut]


class AvailabilityOut(Schema):
    service_id: int
    timezone: str
    days: list[DayOut]


# --- Bookings ----------------------------------------------------------------------------------


class BookingServiceOut(Schema):
    id: int
    name: str
    duration_minutes: int
    price: str


class AnswerOut(Schema):
    question: int | None
    label: str
    value: str


class BookingOut(Schema):
    reference: str
    service_id: int = Field(description="The first of `services`")
    services: list[BookingServiceOut] = Field(description="All its services, in order")
    answers: list[AnswerOut] = Field(description="Answers to the business's booking questions")
    resource_id: int
    client_id: int
    start: dt.datetime
    end: dt.datetime
    status: str
    source: str
    price: str
    client_notes: str
    internal_notes: str
    cancellation_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_price(obj) -> str:
        return str(obj.price)

    @staticmethod
    def resolve_services(obj) -> list[dict]:
        items = list(obj.items.all())
        if not items:  # a row written without items: its one service as booked
            return [
                {
                    "id": obj.service_id,
                    "name": obj.service.name,
                    "duration_minutes": int((obj.end - obj.start).total_seconds() // 60),
                    "price": str(obj.price),
                }
            ]
        return [
            {
                "id": item.service_id,
                "name": item.name,
                "duration_minutes": item.duration_minutes,
                "price": str(item.price),
            }
            for item in items
        ]

    @staticmethod
    def resolve_answers(obj) -> list[dict]:
        return [
            {
                "question": a.get("question") if isinstance(a.get("question"), int) else None,
                "label": str(a.get("label", "")),
                "value": str(a.get("value", "")),
            }
            for a in obj.answers or ()
            if isinstance(a, dict)
        ]


class BookingPage(Schema):
    items: list[BookingOut]
    next_cursor: str | None


class BookingListQuery(In):
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None
    status: Status | None = None
    resource: Id | None = None
    client: Id | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=100)


class NewClientIn(In):
    name: str = Field(min_length=1, max_length=150)
    phone: str = Field(min_length=1, max_length=40)
    email: Email = ""


class BookingIn(In):
    service: Id
    extra_services: list[Id] = Field(
        default_factory=list,
        max_length=4,
        description="More services after `service` in the same booking (haircut + beard)",
    )
    start: ApiDateTime
    resource: Id | None = Field(None, description="None: any free resource")
    client: Id | None = Field(None, description="An existing client's id")
    new_client: NewClientIn | None = Field(
        None, description="Or a new (or returning, by phone) client"
    )
    client_notes: str = Field("", max_length=2000)
    internal_notes: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _one_client(self):
        if (self.client is None) == (self.new_client is None):
            raise ValueError("Give either client or new_client.")
        return self


class RescheduleIn(In):
    start: ApiDateTime
    resource: Id | None = None


class CancelIn(In):
    reason: str = Field("", max_length=255)


# --- Clients -----------------------------------------------------------------------------------


class ClientOut(Schema):
    id: int
    name: str
    phone: str
    email: str
    birth_date: dt.date | None
    tags: list[str]
    is_vip: bool
    whatsapp_consent: bool
    notes: str
    is_active: bool
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ClientPage(Schema):
    items: list[ClientOut]
    next_cursor: str | None


class ClientListQuery(In):
    q: str | None = Field(None, max_length=100)
    active: Literal["true", "false", "all"] = "true"
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=100)


class ClientIn(In):
    name: str = Field(min_length=1, max_length=150)
    phone: str = Field("", max_length=40)
    email: Email = ""
    birth_date: BirthDate | None = None
    tags: Tags = []
    is_vip: bool = False
    whatsapp_consent: bool = False
    notes: str = Field("", max_length=5000)


class ClientPatch(In):
    name: str | None = Field(None, min_length=1, max_length=150)
    phone: str | None = Field(None, max_length=40)
    email: Email | None = None
    birth_date: BirthDate | None = None
    tags: Tags | None = None
    is_vip: bool | None = None
    whatsapp_consent: bool | None = None
    notes: str | None = Field(None, max_length=5000)


def client_fields(data: dict) -> dict:
    """Input fields as the client services take them (tags tidied as the dashboard's form).
    Only `birth_date` may be set to null; a null elsewhere is a 422 in the error shape."""
    for name, value in data.items():
        if value is None and name != "birth_date":
            raise ValueError(name)
    if "tags" in data:
        data["tags"] = _tags(data["tags"])
    for name in ("name", "notes", "phone"):
        if name in data:
            data[name] = data[name].strip()
    return data
