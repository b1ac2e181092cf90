"""Writes on a business's scheduling data. Callers are inside the business's schema."""

import datetime as dt

from django.db import transaction

from scheduling.errors import SchedulingError
from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
from tenants.regions import region_for_timezone

CURRENCY_BY_REGION = {"BR": "BRL", "PT": "EUR", "US": "USD", "GB": "GBP", "ES": "EUR", "AR": "ARS"}


@transaction.atomic
def settings_create_defaults(
    *, timezone: str, display_name: str, contact_phone: str = "", address: str = ""
) -> BusinessSettings:
    """A new business's rules: its sign-up time zone, and region, currency, language to match;
    the phone and address it gave at sign-up."""
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
            "contact_phone": contact_phone,
            "address": address,
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
