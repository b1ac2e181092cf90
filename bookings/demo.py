"""Demo data of the bookings app for `seed_demo`: clients and two weeks of bookings.

Bookings go through the services like any other, so the demo obeys the same rules: in
particular no two bookings that hold a resource (completed and no-show ones included) overlap.
The English `demo` and the Brazilian `barbearia` each have their own clients (CLIENTS and
CLIENTES: Brazilian numbers as a Brazilian types them, one from abroad).
"""

import datetime as dt
import random
import unicodedata
import zoneinfo

from django.db import transaction
from django.utils import timezone

from bookings import services
from bookings.errors import BookingError
from bookings.models import Booking, Source
from bookings.selectors import slot_list_available
from scheduling.models import BusinessSettings, Service

CLIENTS = [
    ("Ana Souza", "11 98765-4321"),
    ("Bruno Lima", "11 97654-3210"),
    ("Carla Mendes", "11 96543-2109"),
    ("Daniel Rocha", "11 95432-1098"),
    ("Eduarda Alves", "11 94321-0987"),
    ("Felipe Costa", "11 93210-9876"),
    ("Gabriela Dias", "11 92109-8765"),
    ("Henrique Melo", "11 91098-7654"),
    ("Isabela Nunes", "21 99876-5432"),
    ("João Pereira", "21 98765-1234"),
    ("Larissa Teixeira", "31 97654-2345"),
    ("Marcos Oliveira", "+351 912 345 678"),
]
CLIENTES = [
    ("Ana Beatriz Carvalho", "(11) 98123-4567"),
    ("Pedro Henrique Silva", "(11) 97234-5678"),
    ("Luiz Fernando Gomes", "(11) 96345-6789"),
    ("Gustavo Ribeiro", "(11) 95456-7890"),
    ("Rodrigo Barbosa", "11 94567-8901"),
    ("Caio Moreira", "(11) 93678-9012"),
    ("Vinícius Araújo", "(11) 92789-0123"),
    ("Júlia Cardoso", "(11) 91890-1234"),
    ("José Ferreira", "(81) 99876-5432"),
    ("Leonardo Castro", "(21) 98765-4321"),
    ("Renata Monteiro", "(31) 97654-3210"),
    ("Fábio Nascimento", "+351 913 456 789"),
]
CLIENTS_BY_LANGUAGE = {"en": CLIENTS, "pt-br": CLIENTES}
CANCEL_REASON = {"en": "Client asked to cancel", "pt-br": "Cliente pediu para cancelar"}
REGULAR_TAG = {"en": "regular", "pt-br": "cliente fiel"}


def _email(name: str) -> str:
    """`Vinícius Araújo` → `vinicius@example.com`."""
    first = unicodedata.normalize("NFKD", name.split()[0].lower())
    return "".join(c for c in first if c.isascii()) + "@example.com"


@transaction.atomic
def demo_seed(*, tenant, owner, staff, language: str | None = None) -> None:
    """Clients and bookings in `language` (default: the business's)."""
    if Booking.objects.exists():
        return  # seeded before: keep what the demo user did since
    business = BusinessSettings.load()
    language = language if language in CLIENTS_BY_LANGUAGE else business.language
    people = CLIENTS_BY_LANGUAGE.get(language, CLIENTS)
    reason = CANCEL_REASON.get(language, CANCEL_REASON["en"])
    tz = zoneinfo.ZoneInfo(business.timezone)
    rng = random.Random(42)  # noqa: S311 - demo data, not security
    clients = [
        services.client_get_or_create(
            name=name,
            phone=phone,
            region=business.phone_region,
            email=_email(name),
            source=Source.PUBLIC,
            whatsapp_consent=True,
        )[0]
        for name, phone in people
    ]
    clients[0].is_vip, clients[0].tags = True, [REGULAR_TAG.get(language, "regular")]
    clients[0].save()

    today = timezone.localdate(timezone=tz)
    now = timezone.now()
    for offset in range(-7, 8):
        day = today + dt.timedelta(days=offset)
        for service in Service.objects.filter(is_active=True).order_by("?")[:3]:
            # Ask as if it were the day before, so past days get bookings too; the times
            # already booked (by the services before this one) are not offered.
            ask = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12), tz)
            free = slot_list_available(
                service=service, start_date=day, end_date=day, now=ask, business=business
            )
            for resource_id, starts in sorted(free.for_day(day).items()):
                for start in rng.sample(starts, k=min(2, len(starts))):
                    client = rng.choice(clients)
                    _demo_booking(service, resource_id, start, client, ask, now, owner, reason)


def _demo_booking(service, resource_id, start, client, ask, now, owner, reason):
    business = BusinessSettings.load()
    local = start.astimezone(zoneinfo.ZoneInfo(business.timezone))
    # Some future public bookings wait for the team's approval.
    business.requires_approval = start > now and local.hour in (10, 15)
    booking_kwargs = {
        "service": service,
        "start": start,
        "client": client,
        "resource": service.resources.get(pk=resource_id),
        "source": Source.PUBLIC,
        "now": ask,
        "business": business,
    }
    # On the hour, the first service (a haircut) often comes with the second (a beard); with no
    # room for both, the haircut alone.
    second = Service.objects.filter(is_active=True, order=1, resources=resource_id).first()
    both = service.order == 0 and local.minute == 0 and second is not None
    for extras in ([second], []) if both else ([],):
        try:
            booking = services.booking_create(extra_services=extras, **booking_kwargs)
            break
        except BookingError:
            continue
    else:
        return  # the two picks of one resource overlapped: the constraint keeps the first
    if start < now:
        action = "no_show" if (local.day + local.hour) % 7 == 0 else "complete"
        services.booking_transition(booking=booking, action=action, actor=owner, now=now)
    elif local.hour == 17:
        services.booking_cancel(booking=booking, reason=reason, now=ask)
