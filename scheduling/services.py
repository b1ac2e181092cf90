"""Writes on a business's scheduling data. Callers are inside the business's schema."""

import datetime as dt
from functools import cache
from pathlib import Path

from django.db import transaction

from scheduling.errors import SchedulingError
from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours

CURRENCY_BY_REGION = {"BR": "BRL", "PT": "EUR", "US": "USD", "GB": "GBP", "ES": "EUR", "AR": "ARS"}
ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")


@cache
def _region_by_timezone() -> dict[str, str]:
    """Country of each time zone, from the system's tz database (empty if it has none)."""
    if not ZONE_TAB.is_file():
        return {}
    regions = {}
    for line in ZONE_TAB.read_text().splitlines():
        if line and not line.startswith("#"):
            code, _coords, zone, *_ = line.split("\t")
            regions[zone] = code
    return regions


def region_for_timezone(timezone: str, default: str = "BR") -> str:
    return _region_by_timezone().get(timezone, default)


@transaction.atomic
def settings_create_defaults(*, timezone: str, display_name: str) -> BusinessSettings:
    """A new business's rules: its sign-up time zone, and region, currency, language to match."""
    region = region_for_timezone(timezone)
    business, _ = BusinessSettings.objects.get_or_create(
        pk=1,
        defaults={
            "timezone": timezone,
            "display_name": display_name,
            "phone_region": region,
            "currency": CURRENCY_BY_REGION.get(region, "USD"),
            "language": "pt-br" if region in ("BR", "PT") else "en",
            "reminder_offsets": [24 * 60, 2 * 60],
        },
    )
    return business


def _overlapping(*, resource: Resource | None, weekday: int, start: dt.time, end: dt.time):
    return WeeklyHours.objects.filter(
        resource=resource, weekday=weekday, start__lt=end, end__gt=start
    )


@transaction.atomic
def hours_add(
    *, resource: Resource | None, weekday: int, start: dt.time, end: dt.time
) -> WeeklyHours:
    """Add a working interval; refuses one that ends before it starts or overlaps another."""
    if end <= start:
        raise SchedulingError("end_before_start", "The end must be after the start.", "end")
    # Lock the day's intervals so two editors cannot add overlapping ones at once.
    list(WeeklyHours.objects.select_for_update().filter(resource=resource, weekday=weekday))
    clash = _overlapping(resource=resource, weekday=weekday, start=start, end=end).first()
    if clash is not None:
        raise SchedulingError(
            "overlap",
            f"This overlaps {clash.start:%H:%M}–{clash.end:%H:%M} on the same day.",
            "start",
        )
    return WeeklyHours.objects.create(resource=resource, weekday=weekday, start=start, end=end)


@transaction.atomic
def hours_remove(*, hours: WeeklyHours) -> None:
    hours.delete()


@transaction.atomic
def time_off_create(
    *, resource: Resource | None, start: dt.datetime, end: dt.datetime, reason: str = ""
) -> TimeOff:
    if end <= start:
        raise SchedulingError("end_before_start", "The end must be after the start.", "end")
    return TimeOff.objects.create(resource=resource, start=start, end=end, reason=reason)


@transaction.atomic
def time_off_delete(*, time_off: TimeOff) -> None:
    time_off.delete()


@transaction.atomic
def resource_set_active(*, resource: Resource, active: bool) -> Resource:
    resource.is_active = active
    resource.save(update_fields=["is_active"])
    return resource


@transaction.atomic
def service_set_active(*, service: Service, active: bool) -> Service:
    service.is_active = active
    service.save(update_fields=["is_active"])
    return service
