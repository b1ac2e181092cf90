"""What a new business of each type starts with, if its owner accepts: plain data, no queries.

`scheduling.services.presets_apply` turns the owner's reviewed copy of one of these into rows.
Prices are typical Brazilian prices, in the business's own currency; service names follow the
business's language (they are the business's data, shown to its clients as written).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from scheduling.models import Resource

Ranges = tuple[tuple[dt.time, dt.time], ...]


@dataclass(frozen=True)
class PresetService:
    name: str
    duration_minutes: int
    price: Decimal


@dataclass(frozen=True)
class Labels:
    resource: str
    resource_plural: str
    service: str = "service"
    service_plural: str = "services"
    client: str = "client"
    client_plural: str = "clients"


@dataclass(frozen=True)
class Preset:
    business_type: str
    labels: Labels
    services: tuple[PresetService, ...]
    hours: dict[int, Ranges]  # weekday (Monday 0) → ranges; a day left out is closed
    resource_kind: str
    # The first resource: the owner themself (a staff member linked to their login), or, for a
    # rental, a first room whose name is given here (nobody's login).
    owner_is_resource: bool = True
    resource_name: str = ""


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _week(weekdays: Ranges, saturday: Ranges) -> dict[int, Ranges]:
    return {**{day: weekdays for day in range(5)}, 5: saturday}


def _services(rows, language: str) -> tuple[PresetService, ...]:
    pt = language.lower().startswith("pt")
    return tuple(
        PresetService(name=pt_name if pt else en_name, duration_minutes=minutes, price=Decimal(p))
        for en_name, pt_name, minutes, p in rows
    )


# Mon–Fri with a lunch break, Saturday shorter, Sunday closed.
SHOP_HOURS = _week(
    ((_t("09:00"), _t("12:00")), (_t("13:00"), _t("19:00"))), ((_t("09:00"), _t("14:00")),)
)
CLINIC_HOURS = _week(
    ((_t("08:00"), _t("12:00")), (_t("13:00"), _t("18:00"))), ((_t("08:00"), _t("12:00")),)
)
TUTOR_HOURS = _week(
    ((_t("09:00"), _t("12:00")), (_t("14:00"), _t("20:00"))), ((_t("09:00"), _t("13:00")),)
)
RENTAL_HOURS = _week(
    ((_t("08:00"), _t("12:00")), (_t("13:00"), _t("20:00"))), ((_t("08:00"), _t("14:00")),)
)

# (English name, Portuguese name, minutes, price)
SERVICES = {
    "barber": [
        ("Haircut", "Corte masculino", 30, "45.00"),
        ("Beard", "Barba", 20, "30.00"),
        ("Haircut and beard", "Corte + barba", 50, "70.00"),
        ("Kids' haircut", "Corte infantil", 30, "35.00"),
        ("Eyebrows", "Sobrancelha", 10, "15.00"),
    ],
    "clinic": [
        ("First appointment", "Primeira consulta", 50, "250.00"),
        ("Follow-up appointment", "Consulta de retorno", 30, "150.00"),
        ("Therapy session", "Sessão de terapia", 50, "180.00"),
    ],
    "tutor": [
        ("Private lesson (1 hour)", "Aula particular (1 hora)", 60, "90.00"),
        ("Private lesson (1 h 30)", "Aula particular (1h30)", 90, "130.00"),
        ("Trial lesson", "Aula experimental", 30, "40.00"),
    ],
    "rental": [
        ("Meeting room, 1 hour", "Sala de reunião, 1 hora", 60, "60.00"),
        ("Meeting room, half a day", "Sala de reunião, meio período", 240, "200.00"),
        ("Meeting room, full day", "Sala de reunião, dia inteiro", 540, "350.00"),
    ],
    "other": [
        ("Appointment", "Atendimento", 60, "100.00"),
        ("Short appointment", "Atendimento rápido", 30, "60.00"),
    ],
}

LABELS = {
    "barber": Labels("professional", "professionals"),
    "clinic": Labels("professional", "professionals", client="patient", client_plural="patients"),
    "tutor": Labels(
        "tutor",
        "tutors",
        service="lesson",
        service_plural="lessons",
        client="student",
        client_plural="students",
    ),
    "rental": Labels("space", "spaces", service="rental", service_plural="rentals"),
    "other": Labels("professional", "professionals"),
}

HOURS = {
    "barber": SHOP_HOURS,
    "clinic": CLINIC_HOURS,
    "tutor": TUTOR_HOURS,
    "rental": RENTAL_HOURS,
    "other": SHOP_HOURS,
}

BUSINESS_TYPES = tuple(SERVICES)


def preset_for(business_type: str, *, language: str = "en") -> Preset:
    """The preset of `business_type` ("other" for a type it does not know)."""
    kind = business_type if business_type in SERVICES else "other"
    rental = kind == "rental"
    pt = language.lower().startswith("pt")
    return Preset(
        business_type=kind,
        labels=LABELS[kind],
        services=_services(SERVICES[kind], language),
        hours=HOURS[kind],
        resource_kind=Resource.Kind.SPACE if rental else Resource.Kind.STAFF,
        owner_is_resource=not rental,
        resource_name=("Sala 1" if pt else "Room 1") if rental else "",
    )
