"""`seed_demo`'s barbershops: `demo` in English (3 barbers and a room, 4 services, Tue–Sat with
lunch) and `barbearia` in pt-BR (3 barbeiros and a room, 6 serviços, Mon–Sat with lunch); each has
a closed day next month."""

import datetime as dt
import zoneinfo
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
from scheduling.selectors import setup_status


def _seed_and_count(monkeypatch, schema="demo") -> dict:
    monkeypatch.setenv("DEMO_PASSWORD", "demo-Pass-4711")
    connection.set_schema_to_public()
    call_command("seed_demo", stdout=StringIO())
    with schema_context(schema):
        return _counts()


def _counts() -> dict:
    return {
        "barbers": Resource.objects.filter(kind="staff").count(),
        "rooms": Resource.objects.filter(kind="space").count(),
        "services": Service.objects.count(),
        "hours": WeeklyHours.objects.count(),
        "time off": TimeOff.objects.count(),
    }


def test_demo_barbershop_is_seeded_once(db, monkeypatch):
    first = _seed_and_count(monkeypatch)
    with schema_context("barbearia"):
        barbearia = _counts()
    assert first == _seed_and_count(monkeypatch)
    with schema_context("barbearia"):
        assert _counts() == barbearia
    assert (first["barbers"], first["rooms"], first["services"]) == (3, 1, 4)
    assert (barbearia["barbers"], barbearia["rooms"], barbearia["services"]) == (3, 1, 6)

    with schema_context("demo"):
        business = BusinessSettings.load()
        # An English business, whatever its Brazilian time zone would have made it.
        assert (business.language, business.currency, business.phone_region) == ("en", "BRL", "BR")
        assert business.label_resource_plural == "barbers"
        assert list(Service.objects.order_by("order").values_list("name", flat=True)) == [
            "Haircut",
            "Beard",
            "Haircut and beard",
            "Hair treatment",
        ]
        open_days = set(WeeklyHours.objects.filter(resource=None).values_list("weekday", flat=True))
        assert open_days == {1, 2, 3, 4, 5}  # Tuesday to Saturday
        tuesday = list(
            WeeklyHours.objects.filter(resource=None, weekday=1).values_list("start", "end")
        )
        assert tuesday == [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(19))]
        assert all(s.resources.exists() for s in Service.objects.all())
        assert Resource.objects.get(name="Rafael").user.email == "staff@demo.localhost"
        # A business in full swing: its owner sees no onboarding checklist.
        assert setup_status(business=business).complete

        closed = TimeOff.objects.get(resource=None)
        tz = zoneinfo.ZoneInfo(business.timezone)
        today = timezone.localdate(timezone=tz)
        next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        closed_day = closed.start.astimezone(tz).date()
        assert closed_day.replace(day=1) == next_month
        # The first open day from the 15th on: never a day the shop is shut anyway.
        assert closed_day.weekday() in open_days
        assert closed_day.day >= 15
        skipped = (next_month.replace(day=15) + dt.timedelta(days=n) for n in range(7))
        assert next(day for day in skipped if day.weekday() in open_days) == closed_day
        assert closed.end - closed.start == dt.timedelta(days=1)

    # The second shop is Brazilian.
    with schema_context("barbearia"):
        business = BusinessSettings.load()
        assert (business.language, business.timezone) == ("pt-br", "America/Sao_Paulo")
        assert (business.currency, business.phone_region) == ("BRL", "BR")
        assert business.display_name == "Barbearia Vila Madalena"
        assert business.contact_phone.startswith("+55 11 9")
        assert (business.label_resource, business.label_resource_plural) == (
            "barbeiro",
            "barbeiros",
        )
        prices = dict(Service.objects.values_list("name", "price"))
        assert {"Corte", "Barba", "Corte + barba", "Sobrancelha"} <= set(prices)
        assert prices["Corte"] == Decimal("45.00")
        assert all(price > 0 for price in prices.values())
        assert Resource.objects.get(name="Thiago").user.email == "staff@barbearia.localhost"
        hours = {}
        for weekday, start, end in WeeklyHours.objects.filter(resource=None).values_list(
            "weekday", "start", "end"
        ):
            hours.setdefault(weekday, []).append((start, end))
        # Monday to Saturday, each with a lunch break; closed on Sunday.
        assert sorted(hours) == [0, 1, 2, 3, 4, 5]
        assert sorted(hours[0]) == [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(19))]
        assert sorted(hours[5]) == [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))]
        assert TimeOff.objects.get(resource=None).reason == "Feriado — fechado"
        assert setup_status(business=business).complete


def test_a_demo_seeded_in_portuguese_before_is_renamed_in_english(db, monkeypatch):
    _seed_and_count(monkeypatch)
    with schema_context("demo"):  # as an earlier seed_demo left it
        Service.objects.filter(name="Haircut").update(name="Corte masculino")
        Service.objects.filter(name="Hair treatment").update(name="Tratamento capilar")
        Resource.objects.filter(name="Treatment room").update(name="Sala de tratamento")
        TimeOff.objects.filter(resource=None).update(reason="Feriado — fechado")
    counts = _seed_and_count(monkeypatch)
    assert (counts["services"], counts["rooms"], counts["time off"]) == (4, 1, 1)
    with schema_context("demo"):
        assert Service.objects.filter(name__in=["Haircut", "Hair treatment"]).count() == 2
        assert Resource.objects.filter(name="Treatment room").exists()
        assert TimeOff.objects.get(resource=None).reason == "Holiday — closed"


def test_demo_closed_day_moves_off_closed_weekdays(alpha):
    from scheduling.demo import demo_closed_day

    WeeklyHours.objects.filter(resource=None).delete()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(weekday=weekday, start=dt.time(9), end=dt.time(18)) for weekday in (1, 2)
    )
    # 2027-03-15 is a Monday: the shop opens Tuesday the 16th.
    assert demo_closed_day(dt.date(2027, 2, 10)) == dt.date(2027, 3, 16)
    # 2027-05-15 is a Saturday: Tuesday the 18th is the first open day.
    assert demo_closed_day(dt.date(2027, 4, 30)) == dt.date(2027, 5, 18)


def test_demo_seeded_again_months_later_moves_its_closed_day_ahead(db, monkeypatch):
    import time_machine

    _seed_and_count(monkeypatch)
    later = timezone.now() + dt.timedelta(days=75)
    with time_machine.travel(later, tick=False):
        counts = _seed_and_count(monkeypatch)
        with schema_context("demo"):
            tz = zoneinfo.ZoneInfo(BusinessSettings.load().timezone)
            today = timezone.localdate(timezone=tz)
            closed = TimeOff.objects.get(resource=None)
    assert counts["time off"] == 1
    next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert closed.start.astimezone(tz).date().replace(day=1) == next_month
