"""Turn a template and a booking into a message's subject and body."""

import datetime as dt
import re
import string
import zoneinfo

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation

from bookings.models import Booking
from notifications.defaults import PLACEHOLDERS, default_wording
from notifications.models import MessageTemplate
from scheduling.models import BusinessSettings
from scheduling.templatetags.agendo_format import format_day
from tenants.selectors import domain_for_schema

# How a message writes a day: "Friday 4 December" / "sexta-feira, 4 de dezembro".
DATE_STYLE = "weekday"


def language_of(*choices: str | None) -> str:
    """The first of `choices` that is one of settings.LANGUAGES (`pt-BR` → `pt-br`), else the
    site's default: a member's own language, then the business's, for instance."""
    for code in choices:
        if not code:
            continue
        try:
            return translation.get_supported_language_variant(code.replace("_", "-").lower())
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def message_date(day: dt.date, language: str) -> str:
    return format_day(day, DATE_STYLE, language=language)


def unknown_placeholders(text: str) -> list[str]:
    """Names in {braces} that no message can fill (the template editor refuses them)."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return sorted(names - set(PLACEHOLDERS))


def tenant_base_url() -> str:
    """The business's own address, for links in messages sent outside any request."""
    domain = domain_for_schema(connection.schema_name)
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{domain}{port}"


def local_date_time(
    moment: dt.datetime, business: BusinessSettings, language: str | None = None
) -> tuple[str, str]:
    """A moment as the business writes it: its date and time (24-hour) in its own time zone, in
    `language` (default: the business's)."""
    local = moment.astimezone(zoneinfo.ZoneInfo(business.timezone))
    language = language_of(language, business.language)
    return message_date(local.date(), language), local.strftime("%H:%M")


def placeholders(
    booking: Booking, business: BusinessSettings, language: str | None = None
) -> dict[str, str]:
    """The values of a message's {placeholders}, dates in `language` (default: the business's)."""
    date, time = local_date_time(booking.start, business, language)
    path = reverse("bookings:manage", args=[booking.manage_token], urlconf="config.urls_tenants")
    return {
        "client_name": booking.client.name.split()[0] if booking.client.name else "",
        "service": booking.services_label,  # all its services: "Haircut + Beard trim"
        "resource": booking.resource.name,
        "date": date,
        "time": time,
        "business": business.display_name or connection.schema_name,
        "manage_url": tenant_base_url() + path,
        "change": "",  # staff alerts only: what happened to the booking
    }


def render(*, kind: str, channel: str, language: str, values: dict[str, str]) -> tuple[str, str]:
    custom = MessageTemplate.objects.filter(kind=kind, channel=channel, language=language).first()
    if custom is not None:
        subject, body = custom.subject, custom.body
    else:
        subject, body = default_wording(kind=kind, channel=channel, language=language)
    return fill(subject, values), fill(body, values)


PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    # Plain substitution, not str.format: a template can reach no attribute of anything, and an
    # unknown {name} stays visible instead of failing the message.
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
