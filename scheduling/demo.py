"""Demo data of the scheduling app for `seed_demo`: a barbershop's team, services and hours."""

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone

from scheduling.models import (
    BusinessSettings,
    Resource,
    ResourceCategory,
    Service,
    TimeOff,
    WeeklyHours,
)

BARBERS = [("Rafael", "#0f766e"), ("Bruno", "#b45309"), ("Diego", "#7c3aed")]
SERVICES = [
    # name, minutes, price, buffer after, performed in the room too
    ("Corte masculino", 30, "45.00", 0, False),
    ("Barba", 20, "30.00", 0, False),
    ("Corte + barba", 50, "70.00", 10, False),
    ("Tratamento capilar", 45, "90.00", 15, True),
]
OPEN_DAYS = range(1, 6)  # Tuesday to Saturday
MORNING = (dt.time(9), dt.time(12))
AFTERNOON = (dt.time(13), dt.time(19))
SATURDAY = (dt.time(8), dt.time(14))


@transaction.atomic
def demo_seed(*, tenant, owner, staff) -> None:
    business = BusinessSettings.load()
    business.timezone = tenant.timezone
    business.display_name = tenant.name
    business.label_resource, business.label_resource_plural = "barber", "barbers"
    business.contact_phone = business.contact_phone or "+55 11 91234-5678"
    business.address = business.address or "Rua Augusta, 1200 — São Paulo"
    business.reminder_offsets = business.reminder_offsets or [24 * 60, 2 * 60]
    # The demo is a business in full swing: set up and shared, so no onboarding checklist.
    business.presets_decided_at = business.presets_decided_at or timezone.now()
    business.booking_page_shared_at = business.booking_page_shared_at or timezone.now()
    business.save()

    barbers_cat, _ = ResourceCategory.objects.get_or_create(name="Barbers", defaults={"order": 1})
    rooms_cat, _ = ResourceCategory.objects.get_or_create(name="Rooms", defaults={"order": 2})
    barbers = []
    for order, (name, color) in enumerate(BARBERS):
        barber, _ = Resource.objects.update_or_create(
            name=name,
            defaults={
                "kind": Resource.Kind.STAFF,
                "category": barbers_cat,
                "color": color,
                "order": order,
                "is_active": True,
            },
        )
        barbers.append(barber)
    # The demo's staff login is the first barber: they see their own calendar.
    Resource.objects.filter(user=staff).exclude(pk=barbers[0].pk).update(user=None)
    barbers[0].user = staff
    barbers[0].save(update_fields=["user"])
    room, _ = Resource.objects.update_or_create(
        name="Sala de tratamento",
        defaults={
            "kind": Resource.Kind.SPACE,
            "category": rooms_cat,
            "color": "#2563eb",
            "order": 10,
        },
    )

    for order, (name, minutes, price, after, in_room) in enumerate(SERVICES):
        service, _ = Service.objects.update_or_create(
            name=name,
            defaults={
                "duration_minutes": minutes,
                "price": price,
                "buffer_after_minutes": after,
                "order": order,
                "is_active": True,
                "is_public": True,
            },
        )
        service.resources.set([room] if in_room else barbers)

    if not WeeklyHours.objects.filter(resource=None).exists():
        WeeklyHours.objects.bulk_create(
            [
                WeeklyHours(weekday=day, start=start, end=end)
                for day in OPEN_DAYS
                for start, end in ([SATURDAY] if day == 5 else [MORNING, AFTERNOON])
            ]
        )
    # Diego only works afternoons, Wednesday to Friday.
    if not WeeklyHours.objects.filter(resource=barbers[2]).exists():
        WeeklyHours.objects.bulk_create(
            [
                WeeklyHours(resource=barbers[2], weekday=day, start=AFTERNOON[0], end=AFTERNOON[1])
                for day in (2, 3, 4)
            ]
        )

    tz = zoneinfo.ZoneInfo(business.timezone)
    today = timezone.localdate(timezone=tz)
    closed = demo_closed_day(today)
    # Moved on each run, so a demo seeded again months later still has its closed day ahead.
    TimeOff.objects.update_or_create(
        resource=None,
        reason="Feriado — fechado",
        defaults={
            "start": dt.datetime.combine(closed, dt.time(), tz),
            "end": dt.datetime.combine(closed + dt.timedelta(days=1), dt.time(), tz),
        },
    )


def demo_closed_day(today: dt.date) -> dt.date:
    """The holiday: the first day on or after the 15th of next month that the business opens.

    A closed day on a Sunday or Monday would show nothing: the shop is shut then anyway.
    """
    open_days = set(WeeklyHours.objects.filter(resource=None).values_list("weekday", flat=True))
    first_next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    day = first_next_month.replace(day=15)
    for offset in range(7):
        candidate = day + dt.timedelta(days=offset)
        if candidate.weekday() in open_days:
            return candidate
    return day  # no weekly hours at all: any day will do
