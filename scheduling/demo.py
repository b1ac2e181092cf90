"""Demo data of the scheduling app for `seed_demo`: a barbershop's team, services and hours.

Two shops, one per language: `demo` speaks English (3 barbers and a room, Tuesday to Saturday),
`barbearia` Brazilian Portuguese (3 barbeiros and a room, Monday to Saturday). Both are in São
Paulo, in reais, with lunch breaks and a holiday next month.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from scheduling.models import (
    BusinessSettings,
    Question,
    Resource,
    ResourceCategory,
    Service,
    TimeOff,
    WeeklyHours,
)

MORNING = (dt.time(9), dt.time(12))
AFTERNOON = (dt.time(13), dt.time(19))
SATURDAY = (dt.time(8), dt.time(14))


@dataclass(frozen=True)
class Shop:
    labels: tuple[str, str]  # label_resource, label_resource_plural
    categories: tuple[str, str]  # the barbers', the rooms'
    barbers: list[tuple[str, str]]  # name, colour; the first is the staff login's
    room: str
    # name, minutes, price, buffer after, performed in the room
    services: list[tuple[str, int, str, int, bool]]
    hours: dict[int, list[tuple[dt.time, dt.time]]]  # weekday → the shop's ranges
    part_timer_days: tuple[int, ...]  # the third barber works afternoons on these days only
    contact_phone: str
    address: str
    holiday: str
    question: tuple[str, str]  # asked on every booking (optional): the question and its hint
    renamed: dict[str, str]  # names an earlier seed gave → today's (idempotent over versions)


SHOPS = {
    "en": Shop(
        labels=("barber", "barbers"),
        categories=("Barbers", "Rooms"),
        barbers=[("Rafael", "#0f766e"), ("Bruno", "#b45309"), ("Diego", "#7c3aed")],
        room="Treatment room",
        services=[
            ("Haircut", 30, "45.00", 0, False),
            ("Beard", 20, "30.00", 0, False),
            ("Haircut and beard", 50, "70.00", 10, False),
            ("Hair treatment", 45, "90.00", 15, True),
        ],
        # Tuesday to Saturday
        hours={day: [MORNING, AFTERNOON] for day in range(1, 5)} | {5: [SATURDAY]},
        part_timer_days=(2, 3, 4),  # Diego: afternoons, Wednesday to Friday
        contact_phone="+55 11 91234-5678",
        address="Rua Augusta, 1200 — São Paulo",
        holiday="Holiday — closed",
        question=("Anything we should know?", "Allergies, a style you like…"),
        renamed={  # the demo spoke Portuguese before the barbearia did
            "Corte masculino": "Haircut",
            "Barba": "Beard",
            "Corte + barba": "Haircut and beard",
            "Tratamento capilar": "Hair treatment",
            "Sala de tratamento": "Treatment room",
            "Feriado — fechado": "Holiday — closed",
        },
    ),
    "pt-br": Shop(
        labels=("barbeiro", "barbeiros"),
        categories=("Barbeiros", "Salas"),
        barbers=[("Thiago", "#0f766e"), ("Lucas", "#b45309"), ("Matheus", "#7c3aed")],
        room="Sala de tratamento",
        services=[
            ("Corte", 30, "45.00", 0, False),
            ("Barba", 20, "35.00", 0, False),
            ("Corte + barba", 50, "75.00", 10, False),
            ("Sobrancelha", 15, "20.00", 0, False),
            ("Corte infantil", 30, "35.00", 0, False),
            ("Hidratação capilar", 40, "60.00", 10, True),
        ],
        # Monday to Saturday, lunch from 12 to 13 every day; Saturday closes at 17
        hours={day: [MORNING, AFTERNOON] for day in range(0, 5)}
        | {5: [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))]},
        part_timer_days=(3, 4, 5),  # Matheus: afternoons, Thursday to Saturday
        contact_phone="+55 11 98877-6655",
        address="Rua Harmonia, 450 — Vila Madalena, São Paulo",
        holiday="Feriado — fechado",
        question=("Algo que devemos saber?", "Alergias, um estilo que você curte…"),
        renamed={},
    ),
}


@transaction.atomic
def demo_seed(*, tenant, owner, staff, language: str | None = None) -> None:
    """The shop of `language` (default: the business's; English when it has none) in the
    current schema; run again, it puts the demo's data back in shape and keeps the rest."""
    business = BusinessSettings.load()
    language = language or business.language
    shop = SHOPS.get(language) or SHOPS["en"]
    business.language = language if language in SHOPS else "en"
    business.timezone = tenant.timezone
    business.currency, business.phone_region = "BRL", "BR"
    business.display_name = tenant.name
    business.label_resource, business.label_resource_plural = shop.labels
    business.contact_phone = business.contact_phone or shop.contact_phone
    business.address = business.address or shop.address
    business.reminder_offsets = business.reminder_offsets or [24 * 60, 2 * 60]
    # The demo is a business in full swing: set up and shared, so no onboarding checklist.
    business.presets_decided_at = business.presets_decided_at or timezone.now()
    business.booking_page_shared_at = business.booking_page_shared_at or timezone.now()
    business.save()

    for old, new in shop.renamed.items():
        for model, field in ((Service, "name"), (Resource, "name"), (TimeOff, "reason")):
            if not model.objects.filter(**{field: new}).exists():
                model.objects.filter(**{field: old}).update(**{field: new})

    barbers_cat, rooms_cat = (
        ResourceCategory.objects.get_or_create(name=name, defaults={"order": order})[0]
        for order, name in enumerate(shop.categories, start=1)
    )
    barbers = []
    for order, (name, color) in enumerate(shop.barbers):
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
        name=shop.room,
        defaults={
            "kind": Resource.Kind.SPACE,
            "category": rooms_cat,
            "color": "#2563eb",
            "order": 10,
        },
    )

    for order, (name, minutes, price, after, in_room) in enumerate(shop.services):
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

    # One optional question on every booking form, as the businesses we serve ask.
    label, hint = shop.question
    Question.objects.update_or_create(
        label=label, defaults={"help_text": hint, "kind": Question.Kind.TEXT, "is_active": True}
    )

    if not WeeklyHours.objects.filter(resource=None).exists():
        WeeklyHours.objects.bulk_create(
            [
                WeeklyHours(weekday=day, start=start, end=end)
                for day, ranges in shop.hours.items()
                for start, end in ranges
            ]
        )
    if not WeeklyHours.objects.filter(resource=barbers[2]).exists():
        WeeklyHours.objects.bulk_create(
            [
                WeeklyHours(resource=barbers[2], weekday=day, start=AFTERNOON[0], end=AFTERNOON[1])
                for day in shop.part_timer_days
            ]
        )

    tz = zoneinfo.ZoneInfo(business.timezone)
    today = timezone.localdate(timezone=tz)
    closed = demo_closed_day(today)
    # Moved on each run, so a demo seeded again months later still has its closed day ahead.
    TimeOff.objects.update_or_create(
        resource=None,
        reason=shop.holiday,
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
