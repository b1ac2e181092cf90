"""Bookings as CSV (the dashboard's export and `export_bookings`), and the owner's export of all
the business's data as one zip."""

import csv
import datetime as dt
import io
import json
import re
import zipfile
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from bookings.models import Booking, BookingEvent, Client, ClientInteraction
from scheduling.models import (
    BusinessSettings,
    Question,
    Resource,
    ResourceCategory,
    Service,
    TimeOff,
    WeeklyHours,
)

# The columns' machine names: the header of `export_bookings` (a tool's output, read by scripts).
HEADER = [
    "reference", "status", "start", "end", "service", "resource", "client", "phone",
    "email", "price", "source", "created", "utm_source", "utm_medium", "utm_campaign",
]  # fmt: skip
# The dashboard's export names them in the member's language (English: the machine names).
# The cells stay machine-readable in every language, so any spreadsheet imports them alike:
# times ISO 8601 with their offset ("2026-12-04T10:00:00-03:00"), amounts plain decimals with a
# dot ("45.00"), status and source as their codes ("confirmed", "staff"), phones E.164.
HEADER_LABELS = {
    "reference": pgettext_lazy("csv column", "reference"),
    "status": pgettext_lazy("csv column", "status"),
    "start": pgettext_lazy("csv column", "start"),
    "end": pgettext_lazy("csv column", "end"),
    "service": pgettext_lazy("csv column", "service"),
    "resource": pgettext_lazy("csv column", "resource"),
    "client": pgettext_lazy("csv column", "client"),
    "phone": pgettext_lazy("csv column", "phone"),
    "email": pgettext_lazy("csv column", "email"),
    "price": pgettext_lazy("csv column", "price"),
    "source": pgettext_lazy("csv column", "source"),
    "created": pgettext_lazy("csv column", "created"),
    # Where the client came from (the booking page's link: bookings/utm.py); kept as is.
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
}


def booking_csv_header(questions: Iterable[Question] = ()) -> list[str]:
    """HEADER in the active language (call it with the member's language active), then a
    column per booking question (its label)."""
    return [str(HEADER_LABELS[name]) for name in HEADER] + [q.label for q in questions]


def booking_questions() -> list[Question]:
    """The questions whose answers the bookings' CSV has a column for (inactive ones too: old
    bookings answered them)."""
    return list(Question.objects.filter(target=Question.Target.BOOKING).order_by("order", "id"))


# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number is never a formula: E.164 phones ("+5511…") and prices stay as they are.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def csv_safe(value):
    """`value`, with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Names and e-mails are typed by clients on the public page: "=HYPERLINK(…)" as a name must
    reach the spreadsheet as text, never as a formula.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return f"'{value}"
    return value


def booking_csv_row(
    booking: Booking, *, tz: dt.tzinfo | None = None, questions: Iterable[Question] = ()
) -> list:
    """One booking's cells; times in `tz` (the current time zone when None), ISO 8601; the
    service cell names all its services ("Haircut + Beard trim"), then an answer per question."""
    answers = {a.get("question"): a.get("value", "") for a in booking.answers or ()}
    cells = [
        booking.reference,
        booking.status,
        timezone.localtime(booking.start, tz).isoformat(),
        timezone.localtime(booking.end, tz).isoformat(),
        booking.services_label,
        booking.resource.name,
        booking.client.name,
        booking.client.phone,
        booking.client.email,
        booking.price,
        booking.source,
        timezone.localtime(booking.created_at, tz).isoformat(),
        booking.utm_source,
        booking.utm_medium,
        booking.utm_campaign,
        *(answers.get(question.pk, "") for question in questions),
    ]
    return [csv_safe(cell) for cell in cells]


def booking_csv_rows(
    bookings: Iterable[Booking],
    *,
    tz: dt.tzinfo | None = None,
    header: list[str] | None = None,
    questions: Iterable[Question] = (),
) -> Iterator[list]:
    """The header (HEADER and the questions' labels unless given), then a row per booking
    (select service, resource and client with them, and prefetch their items)."""
    questions = list(questions)
    yield header or [*HEADER, *(question.label for question in questions)]
    for booking in bookings:
        yield booking_csv_row(booking, tz=tz, questions=questions)


# --- The owner's export of all the business's data ----------------------------------------------
#
# One zip of CSV tables and JSON documents, written row by row into a file (a temporary one for a
# download): memory stays flat and each table costs one query, whatever the number of rows.
# Apps that depend on bookings (notifications) add their tables through `export_sections`.
# Secrets never leave: channel tokens and clients' manage links are not among the columns.


@dataclass(frozen=True)
class CsvTable:
    """`name`.csv in the zip: `columns` (field lookups, `__` across relations) of `queryset`."""

    name: str
    queryset: QuerySet
    columns: tuple[str, ...]


@dataclass(frozen=True)
class JsonDocument:
    """`name`.json in the zip."""

    name: str
    data: dict | list


EXPORT_CHUNK = 2000

_SETTINGS_SECRET_FIELDS = frozenset({"id", "logo"})


def _cell(value, tz: dt.tzinfo):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, tz).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return str(value)
    return csv_safe(value)


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def model_document(instance, *, exclude: Iterable[str] = ()) -> dict:
    """A row's concrete fields as JSON-ready values (for one-row settings documents)."""
    skip = set(exclude)
    return {
        field.name: _json_value(field.value_from_object(instance))
        for field in instance._meta.concrete_fields
        if field.name not in skip
    }


def _bookings_sections(business: BusinessSettings) -> list[CsvTable | JsonDocument]:
    return [
        CsvTable(
            "clients",
            Client.objects.order_by("pk"),
            (
                "id", "name", "phone", "email", "notes", "tags", "is_vip", "is_active",
                "birth_date", "source", "whatsapp_consent", "whatsapp_consent_at",
                "created_by__email", "erased_at", "created_at", "updated_at", "custom_fields",
            ),
        ),
        CsvTable(
            "client_interactions",
            ClientInteraction.objects.order_by("pk"),
            ("id", "client_id", "client__name", "kind", "body", "author__email", "created_at"),
        ),
        CsvTable(
            "bookings",
            Booking.objects.order_by("pk"),
            (
                "id", "reference", "status", "start", "end", "service_id", "service__name",
                "resource_id", "resource__name", "client_id", "client__name", "client__phone",
                "client__email", "price", "source", "client_notes", "internal_notes",
                "cancellation_reason", "cancelled_by__email", "cancelled_by_client",
                "created_by__email", "created_at", "updated_at", "utm_source", "utm_medium",
                "utm_campaign",
            ),
        ),
        CsvTable(
            "booking_events",
            BookingEvent.objects.order_by("pk"),
            (
                "id", "booking_id", "booking__reference", "type", "actor__email", "actor_label",
                "before", "after", "override", "note", "created_at",
            ),
        ),
        CsvTable(
            "services",
            Service.objects.order_by("pk"),
            (
                "id", "name", "description", "duration_minutes", "price",
                "buffer_before_minutes", "buffer_after_minutes", "is_public", "is_active",
                "color", "order",
            ),
        ),
        CsvTable(
            "service_resources",
            Service.resources.through.objects.order_by("pk"),
            ("service_id", "service__name", "resource_id", "resource__name"),
        ),
        CsvTable(
            "resources",
            Resource.objects.order_by("pk"),
            (
                "id", "name", "kind", "category__name", "user__email", "description", "color",
                "attributes", "is_active", "order",
            ),
        ),
        CsvTable(
            "hours",
            WeeklyHours.objects.order_by("resource_id", "weekday", "start", "pk"),
            ("id", "resource_id", "resource__name", "weekday", "start", "end"),
        ),
        CsvTable(
            "time_off",
            TimeOff.objects.order_by("start", "pk"),
            ("id", "resource_id", "resource__name", "start", "end", "reason"),
        ),
        CsvTable(
            "team",
            User.objects.order_by("pk"),
            ("id", "email", "full_name", "role", "is_active", "date_joined", "last_login"),
        ),
        JsonDocument(
            "settings",
            {
                **model_document(business, exclude=_SETTINGS_SECRET_FIELDS),
                "logo": business.logo.name if business.logo else "",
                "categories": list(ResourceCategory.objects.order_by("order", "pk").values()),
            },
        ),
    ]  # fmt: skip


def business_export_sections(*, business: BusinessSettings) -> list[CsvTable | JsonDocument]:
    """Everything the owner takes away: bookings' and scheduling's tables, then other apps'."""
    from bookings.signals import export_sections

    sections = _bookings_sections(business)
    for _receiver, extra in export_sections.send(sender=None):
        sections.extend(extra or [])
    return sections


def _readme(business: BusinessSettings, exported_at: dt.datetime) -> str:
    """What the zip holds and how its cells are written, in the active (the owner's) language.

    The files themselves stay machine-readable in every language: column names as the database
    has them, ISO times, dot decimals, codes (another tool imports them alike)."""
    text = _(
        "Export of all the data of %(business)s, made on %(date)s.\n\n"
        "Each .csv file is a table; its first line has the column names as the database "
        "names them. settings.json holds the business's settings; manifest.json lists the "
        "files and how many rows each has.\n\n"
        "Times are in ISO 8601, in the business's time zone (%(timezone)s), e.g. "
        "2026-12-04T10:00:00-03:00; amounts are decimals with a dot (45.50); statuses and "
        "sources are codes (confirmed, staff); yes/no columns say yes or no.\n"
    )
    return text % {
        "business": business.display_name or "",
        "date": exported_at.date().isoformat(),
        "timezone": business.timezone,
    }


def business_export_write(*, fileobj: IO[bytes], business: BusinessSettings) -> dict[str, int]:
    """Write the zip of every section into `fileobj`; the rows written per file. README.txt
    explains them in the active language."""
    tz = zoneinfo.ZoneInfo(business.timezone)
    counts: dict[str, int] = {}
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in business_export_sections(business=business):
            if isinstance(section, JsonDocument):
                name = f"{section.name}.json"
                payload = json.dumps(section.data, ensure_ascii=False, indent=2, default=str)
                archive.writestr(name, payload)
                counts[name] = len(section.data) if isinstance(section.data, list) else 1
                continue
            name = f"{section.name}.csv"
            rows = section.queryset.values_list(*section.columns).iterator(EXPORT_CHUNK)
            with archive.open(name, "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow([column.replace("__", "_") for column in section.columns])
                count = 0
                for row in rows:
                    writer.writerow([_cell(value, tz) for value in row])
                    count += 1
                text.flush()
                text.detach()
            counts[name] = count
        exported_at = timezone.localtime(timezone.now(), tz)
        archive.writestr("README.txt", _readme(business, exported_at))
        archive.writestr(
            "manifest.json",
            json.dumps(
                {
                    "business": business.display_name or "",
                    "exported_at": timezone.localtime(timezone.now(), tz).isoformat(),
                    "time_zone": business.timezone,
                    "files": counts,
                },
                indent=2,
                ensure_ascii=False,
            ),
        )
    return counts
