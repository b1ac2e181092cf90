"""Writes on a business's scheduling data. Callers are inside the business's schema."""

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_diff, audit_record, audit_snapshot
from accounts.models import User
from scheduling.errors import SchedulingError
from scheduling.models import (
    BusinessSettings,
    Question,
    Resource,
    ResourceCategory,
    Service,
    ServiceCategory,
    TimeOff,
    Weekday,
    WeeklyHours,
)
from scheduling.presets import PresetService, preset_for
from scheduling.slot_version import slots_changed
from scheduling.uploads import uploads_replaced_delete
from tenants.regions import region_for_timezone

# A week of working hours: weekday (Monday 0) → its ranges; a day missing or empty is closed.
Week = dict[int, list[tuple[dt.time, dt.time]]]

SERVICE_FIELDS = [
    "name",
    "description",
    "category",
    "photo",
    "duration_minutes",
    "price",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "is_public",
    "is_active",
    "color",
    "order",
]
RESOURCE_FIELDS = [
    "name",
    "kind",
    "category",
    "user",
    "description",
    "color",
    "attributes",
    "is_active",
    "order",
]


def _limit_check(key: str, *, adding: int = 1) -> None:
    """`adding` more active resources or services must fit the plan's limit (PlanLimitError
    otherwise), counted under the limit's lock until this transaction ends."""
    # billing counts bookings too, which scheduling never imports: so billing is imported here.
    from billing.limits import limit_check

    if adding > 0:
        limit_check(key, adding=adding)


CURRENCY_BY_REGION = {
    "BR": "BRL",
    "PT": "EUR",
    "US": "USD",
    "GB": "GBP",
    "ES": "EUR",
    "AR": "ARS",
    "IE": "EUR",
}


@transaction.atomic
def settings_create_defaults(
    *,
    timezone: str,
    display_name: str,
    contact_phone: str = "",
    address: str = "",
    language: str | None = None,
) -> BusinessSettings:
    """A new business's rules: its sign-up time zone, and region, currency, language to match
    (the language chosen at sign-up when given); the phone and address it gave at sign-up."""
    region = region_for_timezone(timezone)
    language = language or ("pt-br" if region in ("BR", "PT") else "en")
    business, _created = BusinessSettings.objects.get_or_create(
        pk=1,
        defaults={
            "timezone": timezone,
            "display_name": display_name,
            "phone_region": region,
            "currency": CURRENCY_BY_REGION.get(region, "USD"),
            "language": language,
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
            messages.append(_("There is no such day of the week."))
        ordered = sorted(ranges)
        for start, end in ordered:
            if end <= start:
                messages.append(
                    _("%(range)s: the end must be after the start.")
                    % {"range": f"{start:%H:%M}–{end:%H:%M}"}
                )
        for (start_a, end_a), (start_b, end_b) in itertools.pairwise(ordered):
            if start_b < end_a:
                messages.append(
                    _("%(first)s and %(second)s overlap.")
                    % {
                        "first": f"{start_a:%H:%M}–{end_a:%H:%M}",
                        "second": f"{start_b:%H:%M}–{end_b:%H:%M}",
                    }
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
def hours_set_week(*, resource: Resource | None, week: Week, actor: User | None = None) -> None:
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
    before = _week_text(hours_week_of(resource=resource))
    WeeklyHours.objects.filter(resource=resource).delete()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(resource=resource, weekday=day, start=start, end=end)
        for day, ranges in sorted(week.items())
        for start, end in sorted(ranges)
    )
    slots_changed()  # bulk_create sends no post_save (scheduling.slot_version)
    after = _week_text(hours_week_of(resource=resource))
    if after != before:
        _audit_hours(actor, "hours.set", resource, audit_diff(before, after))


def _week_text(week: Week) -> dict[str, str]:
    """A week as people read it: {"Monday": "09:00–12:00, 13:00–19:00", "Sunday": "closed"}.

    Stored in the audit trail in English (the history page translates it when shown).
    """
    return {
        Weekday(day).name.capitalize(): ", ".join(
            f"{a:%H:%M}–{b:%H:%M}" for a, b in sorted(week.get(day, []))
        )
        or "closed"
        for day in Weekday.values
    }


def _audit_hours(actor, action: str, resource: Resource | None, changes: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=resource,
        target_type="hours",
        target_label=f"Hours of {resource}" if resource else "Business hours",
        changes=changes,
    )


@transaction.atomic
def hours_reset(*, resource: Resource, actor: User | None = None) -> None:
    """Drop a resource's own hours: it follows the business's again."""
    before = _week_text(hours_week_of(resource=resource))
    if WeeklyHours.objects.filter(resource=resource).delete()[0]:
        _audit_hours(actor, "hours.reset", resource, {"own hours": before})


@transaction.atomic
def time_off_create(
    *,
    resource: Resource | None,
    start: dt.datetime,
    end: dt.datetime,
    reason: str = "",
    actor: User | None = None,
) -> TimeOff:
    if end <= start:
        raise SchedulingError("end_before_start", _("The end must be after the start."), "end")
    time_off = TimeOff.objects.create(resource=resource, start=start, end=end, reason=reason)
    _audit_time_off(actor, "time_off.created", time_off)
    return time_off


@transaction.atomic
def time_off_delete(*, time_off: TimeOff, actor: User | None = None) -> None:
    _audit_time_off(actor, "time_off.deleted", time_off)
    time_off.delete()


def _audit_time_off(actor, action: str, time_off: TimeOff) -> None:
    changes = audit_snapshot(time_off, ["start", "end", "reason"])
    changes["who"] = str(time_off.resource) if time_off.resource else "The whole business"
    audit_record(actor=actor, action=action, target=time_off, changes=changes)


@transaction.atomic
def resource_set_active(*, resource: Resource, active: bool, actor: User | None = None) -> Resource:
    return resource_update(resource=resource, actor=actor, is_active=active)


@transaction.atomic
def service_set_active(*, service: Service, active: bool, actor: User | None = None) -> Service:
    return service_update(service=service, actor=actor, is_active=active)


def _names(related) -> list[str]:
    return sorted(str(obj) for obj in related.all())


@transaction.atomic
def resource_create(
    *, services: Iterable[Service] = (), actor: User | None = None, **fields
) -> Resource:
    """A new resource, performing `services` (both sides of `Service.resources`); an active one
    must fit the plan's resources limit."""
    if fields.get("is_active", True):
        _limit_check("resources")
    resource = Resource.objects.create(**fields)
    resource.services.set(services)
    changes = {**audit_snapshot(resource, RESOURCE_FIELDS), "services": _names(resource.services)}
    audit_record(actor=actor, action="resource.created", target=resource, changes=changes)
    return resource


@transaction.atomic
def resource_update(
    *,
    resource: Resource,
    services: Iterable[Service] | None = None,
    actor: User | None = None,
    **fields,
) -> Resource:
    """Change a resource; `services` (when given) becomes exactly what it performs. Turning an
    inactive one active must fit the plan's resources limit."""
    return _update_with_links(
        resource, "services", services, RESOURCE_FIELDS, actor, fields, limit="resources"
    )


def _stored(instance):
    """The row as the database has it: a bound ModelForm has already changed `instance`."""
    return type(instance).objects.filter(pk=instance.pk).first() or instance


def _update_with_links(
    instance, relation: str, linked, audited: list, actor, fields: dict, *, limit: str
):
    """Set `fields` on a resource or service and, when `linked` is given, make it exactly the
    other side of their many-to-many `relation`; audited with the links by name. Turning an
    inactive one active counts against the plan's `limit`."""

    def snapshot(obj) -> dict:
        return {**audit_snapshot(obj, audited), relation: _names(getattr(obj, relation))}

    stored = _stored(instance)
    if fields.get("is_active") and not stored.is_active:
        _limit_check(limit)
    before = snapshot(stored)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()
    if linked is not None:
        getattr(instance, relation).set(linked)
    after = snapshot(instance)
    _audit_update(actor, instance._meta.model_name, instance, before, after)
    uploads_replaced_delete(before, after)
    return instance


def _audit_update(actor, kind: str, target, before: dict, after: dict) -> None:
    changes = audit_diff(before, after)
    if changes:
        audit_record(actor=actor, action=f"{kind}.updated", target=target, changes=changes)


@transaction.atomic
def service_create(
    *, resources: Iterable[Resource] = (), actor: User | None = None, **fields
) -> Service:
    """A new service, performed by `resources`; an active one must fit the plan's limit of
    active services."""
    if fields.get("is_active", True):
        _limit_check("services")
    service = Service.objects.create(**fields)
    service.resources.set(resources)
    changes = {**audit_snapshot(service, SERVICE_FIELDS), "resources": _names(service.resources)}
    audit_record(actor=actor, action="service.created", target=service, changes=changes)
    return service


@transaction.atomic
def service_update(
    *,
    service: Service,
    resources: Iterable[Resource] | None = None,
    actor: User | None = None,
    **fields,
) -> Service:
    """Change a service; `resources` (when given) becomes exactly who performs it. Turning an
    inactive one active must fit the plan's limit of active services."""
    return _update_with_links(
        service, "resources", resources, SERVICE_FIELDS, actor, fields, limit="services"
    )


# Categories group resources (the dashboard) or services (the booking page); the audit trail
# names their actions apart: "category.created", "service_category.created"…
Category = ResourceCategory | ServiceCategory
_CATEGORY_ACTION = {ResourceCategory: "category", ServiceCategory: "service_category"}


@transaction.atomic
def category_create(
    *,
    name: str,
    order: int = 0,
    actor: User | None = None,
    model: type[Category] = ResourceCategory,
) -> Category:
    category = model.objects.create(name=name, order=order)
    changes = audit_snapshot(category, ["name", "order"])
    action = f"{_CATEGORY_ACTION[model]}.created"
    audit_record(actor=actor, action=action, target=category, changes=changes)
    return category


@transaction.atomic
def category_update(
    *, category: Category, name: str, order: int, actor: User | None = None
) -> Category:
    before = audit_snapshot(_stored(category), ["name", "order"])
    category.name, category.order = name, order
    category.save(update_fields=["name", "order"])
    after = audit_snapshot(category, ["name", "order"])
    _audit_update(actor, _CATEGORY_ACTION[type(category)], category, before, after)
    return category


@transaction.atomic
def category_delete(*, category: Category, actor: User | None = None) -> None:
    """Delete a category; its resources (or services) stay, uncategorised."""
    members = category.resources if isinstance(category, ResourceCategory) else category.services
    action = f"{_CATEGORY_ACTION[type(category)]}.deleted"
    audit_record(actor=actor, action=action, target=category, changes={"members": _names(members)})
    category.delete()


# Never written to the audit trail as they are: a secret, or a file's storage name.
_SETTINGS_NOT_AUDITED = frozenset({"updated_at"})


@transaction.atomic
def settings_update(
    *, business: BusinessSettings, actor: User | None = None, **fields
) -> BusinessSettings:
    """Save the business's rules, labels and branding.

    File fields follow Django's form convention: None keeps the file, False clears it.
    """
    names = [name for name in fields if name not in _SETTINGS_NOT_AUDITED]
    before = audit_snapshot(_stored(business), names)
    for name, value in fields.items():
        BusinessSettings._meta.get_field(name).save_form_data(business, value)
    business.save()
    after = audit_snapshot(business, names)
    _audit_update(actor, "settings", business, before, after)
    uploads_replaced_delete(before, after)
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
            _(
                "The suggested setup was already accepted or skipped; change things from their "
                "own pages."
            ),
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
    What it would create must fit the plan's limits, all of it: a refusal creates nothing.
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
    resource = Resource.objects.filter(user=owner).first() if preset.owner_is_resource else None
    existing = {n.casefold() for n in Service.objects.values_list("name", flat=True)}
    new_services = []  # (order, item): the reviewed ones not already there, once each
    for order, item in enumerate(services):
        if item.name.casefold() not in existing:
            existing.add(item.name.casefold())
            new_services.append((order, item))
    # All of it fits the plan, or nothing is created.
    _limit_check("resources", adding=0 if resource is not None else 1)
    _limit_check("services", adding=len(new_services))

    if resource is None and preset.owner_is_resource:
        resource = Resource.objects.create(
            name=name or owner.get_full_name(), kind=preset.resource_kind, user=owner
        )
    elif resource is None:
        resource = Resource.objects.create(
            name=name or preset.resource_name, kind=preset.resource_kind
        )
    created = [
        Service.objects.create(
            name=item.name, duration_minutes=item.duration_minutes, price=item.price, order=order
        )
        for order, item in new_services
    ]
    resource.services.add(*created)

    hours_set = hours and not WeeklyHours.objects.filter(resource__isnull=True).exists()
    if hours_set:
        hours_set_week(
            resource=None,
            week={day: list(ranges) for day, ranges in preset.hours.items()},
            actor=owner,
        )

    business.presets_decided_at = now or django_timezone.now()
    business.save()
    audit_record(
        actor=owner,
        action="presets.accepted",
        target_type="presets",
        target_label=f"Ready setup: {preset.business_type}",
        changes={
            "resource": str(resource),
            "services": [s.name for s in created],
            "hours": hours_set,
        },
    )
    return PresetsResult(resource=resource, services=tuple(created), hours_set=hours_set)


@transaction.atomic
def presets_skip(*, now: dt.datetime | None = None, actor: User | None = None) -> BusinessSettings:
    """The owner declined the presets: nothing is created, and they are not offered again."""
    business = _settings_for_update()
    _presets_refuse_if_decided(business)
    business.presets_decided_at = now or django_timezone.now()
    business.save(update_fields=["presets_decided_at", "updated_at"])
    audit_record(
        actor=actor, action="presets.skipped", target_type="presets", target_label="Ready setup"
    )
    return business


@transaction.atomic
def booking_page_mark_shared() -> BusinessSettings:
    """The owner shared (or copied) the booking page's link; the first time is the one kept."""
    from django.utils import timezone

    BusinessSettings.objects.filter(pk=1, booking_page_shared_at__isnull=True).update(
        booking_page_shared_at=timezone.now()
    )
    return BusinessSettings.load()


# --- Questions of the booking form -----------------------------------------------------------

QUESTION_FIELDS = [
    "label", "help_text", "kind", "choices", "required", "target", "is_active", "order",
]  # fmt: skip


def _question_snapshot(question: Question) -> dict:
    return {**audit_snapshot(question, QUESTION_FIELDS), "services": _names(question.services)}


@transaction.atomic
def question_create(
    *, services: Iterable[Service] = (), actor: User | None = None, **fields
) -> Question:
    """A new question of the booking form (or client field); asked for `services` only, or for
    every service when none."""
    question = Question.objects.create(**fields)
    question.services.set(services)
    changes = _question_snapshot(question)
    audit_record(actor=actor, action="question.created", target=question, changes=changes)
    return question


@transaction.atomic
def question_update(
    *,
    question: Question,
    services: Iterable[Service] | None = None,
    actor: User | None = None,
    **fields,
) -> Question:
    stored = _stored(question)
    before = _question_snapshot(stored)
    for name, value in fields.items():
        setattr(question, name, value)
    question.save()
    if services is not None:
        question.services.set(services)
    _audit_update(actor, "question", question, before, _question_snapshot(question))
    return question


@transaction.atomic
def question_delete(*, question: Question, actor: User | None = None) -> None:
    """Delete a question; answers already given stay on their bookings and clients (with the
    question's label as it was asked)."""
    changes = _question_snapshot(question)
    audit_record(actor=actor, action="question.deleted", target=question, changes=changes)
    question.delete()
