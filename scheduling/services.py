"""Writes on a business's scheduling data. Callers are inside the business's schema."""

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone as django_timezone

from scheduling.errors import SchedulingError
from scheduling.models import (
    BusinessSettings,
    Resource,
    ResourceCategory,
    Service,
    TimeOff,
    Weekday,
    WeeklyHours,
)
from scheduling.presets import PresetService, preset_for
from tenants.regions import region_for_timezone

# A week of working hours: weekday (Monday 0) → its ranges; a day missing or empty is closed.
Week = dict[int, list[tuple[dt.time, dt.time]]]

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


# --- Weekly hours --------------------------------------------------------------------------------


def hours_week_problems(week: Week) -> dict[int, list[str]]:
    """What is wrong with each day of `week` (end before start, ranges that overlap), by day."""
    problems: dict[int, list[str]] = {}
    for day, ranges in week.items():
        messages = []
        if day not in Weekday.values:
            messages.append("There is no such day of the week.")
        ordered = sorted(ranges)
        for start, end in ordered:
            if end <= start:
                messages.append(f"{start:%H:%M}–{end:%H:%M}: the end must be after the start.")
        for (start_a, end_a), (start_b, end_b) in itertools.pairwise(ordered):
            if start_b < end_a:
                messages.append(
                    f"{start_a:%H:%M}–{end_a:%H:%M} and {start_b:%H:%M}–{end_b:%H:%M} overlap."
                )
        if messages:
            problems[day] = messages
    return problems


def hours_week_of(*, resource: Resource | None) -> Week:
    """The saved week of `resource` (or of the business), every day present."""
    week: Week = {day: [] for day in Weekday.values}
    rows = WeeklyHours.objects.filter(resource=resource).order_by("weekday", "start")
    for weekday, start, end in rows.values_list("weekday", "start", "end"):
        week[weekday].append((start, end))
    return week


@transaction.atomic
def hours_set_week(*, resource: Resource | None, week: Week) -> None:
    """Replace the weekly hours of `resource` (None: the business) with `week`, all or nothing.

    A resource given an empty week has no hours of its own: it follows the business's again.
    Refuses a week with a backwards or overlapping range (`field` names the day: "day-1").
    """
    problems = hours_week_problems(week)
    if problems:
        day = min(problems)
        raise SchedulingError("hours_invalid", problems[day][0], f"day-{day}")
    # Two editors saving at once must end with one week, not a mix of both: the settings row
    # is the business's one lock for hours (locking the old rows would not stop two inserts).
    list(BusinessSettings.objects.select_for_update().filter(pk=1))
    WeeklyHours.objects.filter(resource=resource).delete()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(resource=resource, weekday=day, start=start, end=end)
        for day, ranges in sorted(week.items())
        for start, end in sorted(ranges)
    )


@transaction.atomic
def hours_reset(*, resource: Resource) -> None:
    """Drop a resource's own hours: it follows the business's again."""
    WeeklyHours.objects.filter(resource=resource).delete()


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


@transaction.atomic
def resource_create(*, services: Iterable[Service] = (), **fields) -> Resource:
    """A new resource, performing `services` (both sides of `Service.resources`)."""
    resource = Resource.objects.create(**fields)
    resource.services.set(services)
    return resource


@transaction.atomic
def resource_update(
    *, resource: Resource, services: Iterable[Service] | None = None, **fields
) -> Resource:
    """Change a resource; `services` (when given) becomes exactly what it performs."""
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.save()
    if services is not None:
        resource.services.set(services)
    return resource


@transaction.atomic
def service_create(*, resources: Iterable[Resource] = (), **fields) -> Service:
    service = Service.objects.create(**fields)
    service.resources.set(resources)
    return service


@transaction.atomic
def service_update(
    *, service: Service, resources: Iterable[Resource] | None = None, **fields
) -> Service:
    """Change a service; `resources` (when given) becomes exactly who performs it."""
    for name, value in fields.items():
        setattr(service, name, value)
    service.save()
    if resources is not None:
        service.resources.set(resources)
    return service


@transaction.atomic
def category_create(*, name: str, order: int = 0) -> ResourceCategory:
    return ResourceCategory.objects.create(name=name, order=order)


@transaction.atomic
def category_update(*, category: ResourceCategory, name: str, order: int) -> ResourceCategory:
    category.name, category.order = name, order
    category.save(update_fields=["name", "order"])
    return category


@transaction.atomic
def category_delete(*, category: ResourceCategory) -> None:
    """Delete a category; its resources stay, uncategorised."""
    category.delete()


@transaction.atomic
def settings_update(*, business: BusinessSettings, **fields) -> BusinessSettings:
    """Save the business's rules, labels and branding.

    File fields follow Django's form convention: None keeps the file, False clears it.
    """
    for name, value in fields.items():
        BusinessSettings._meta.get_field(name).save_form_data(business, value)
    business.save()
    return business


# --- Presets (onboarding) ------------------------------------------------------------------------


@dataclass(frozen=True)
class PresetsResult:
    resource: Resource
    services: tuple[Service, ...]
    hours_set: bool


def _settings_for_update() -> BusinessSettings:
    BusinessSettings.load()
    return BusinessSettings.objects.select_for_update().get(pk=1)


def _presets_refuse_if_decided(business: BusinessSettings) -> None:
    if business.presets_decided_at is not None:
        raise SchedulingError(
            "presets_decided",
            "The suggested setup was already accepted or skipped; change things from their "
            "own pages.",
        )


@transaction.atomic
def presets_apply(
    *,
    business_type: str,
    owner,
    services: list[PresetService],
    hours: bool,
    resource_name: str = "",
    now: dt.datetime | None = None,
) -> PresetsResult:
    """Create what the owner accepted of their type's preset, in one transaction, once.

    Labels of the type; the first resource (the owner as a professional, or a first room for a
    rental); `services` as reviewed, each performed by that resource so none is a dead end; the
    preset's business hours when `hours` (never over hours the business already has). Marks the
    presets decided; a second call is refused, so a double submit creates nothing twice.
    """
    business = _settings_for_update()
    _presets_refuse_if_decided(business)
    preset = preset_for(business_type, language=business.language)

    labels = preset.labels
    business.label_resource, business.label_resource_plural = (
        labels.resource,
        labels.resource_plural,
    )
    business.label_service, business.label_service_plural = labels.service, labels.service_plural
    business.label_client, business.label_client_plural = labels.client, labels.client_plural

    name = resource_name.strip()
    if preset.owner_is_resource:
        resource = Resource.objects.filter(user=owner).first()
        if resource is None:
            resource = Resource.objects.create(
                name=name or owner.get_full_name(), kind=preset.resource_kind, user=owner
            )
    else:
        resource = Resource.objects.create(
            name=name or preset.resource_name, kind=preset.resource_kind
        )

    existing = {n.casefold() for n in Service.objects.values_list("name", flat=True)}
    created = []
    for order, item in enumerate(services):
        if item.name.casefold() in existing:
            continue
        existing.add(item.name.casefold())
        created.append(
            Service.objects.create(
                name=item.name,
                duration_minutes=item.duration_minutes,
                price=item.price,
                order=order,
            )
        )
    resource.services.add(*created)

    hours_set = hours and not WeeklyHours.objects.filter(resource__isnull=True).exists()
    if hours_set:
        hours_set_week(
            resource=None, week={day: list(ranges) for day, ranges in preset.hours.items()}
        )

    business.presets_decided_at = now or django_timezone.now()
    business.save()
    return PresetsResult(resource=resource, services=tuple(created), hours_set=hours_set)


@transaction.atomic
def presets_skip(*, now: dt.datetime | None = None) -> BusinessSettings:
    """The owner declined the presets: nothing is created, and they are not offered again."""
    business = _settings_for_update()
    _presets_refuse_if_decided(business)
    business.presets_decided_at = now or django_timezone.now()
    business.save(update_fields=["presets_decided_at", "updated_at"])
    return business


@transaction.atomic
def booking_page_mark_shared() -> BusinessSettings:
    """The owner shared (or copied) the booking page's link; the first time is the one kept."""
    from django.utils import timezone

    BusinessSettings.objects.filter(pk=1, booking_page_shared_at__isnull=True).update(
        booking_page_shared_at=timezone.now()
    )
    return BusinessSettings.load()
