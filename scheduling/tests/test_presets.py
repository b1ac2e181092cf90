"""Presets by business type: what the page shows is what accepting creates, once, and nothing
without the owner's submit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import OwnerFactory, UserFactory
from conftest import login_as
from scheduling import services
from scheduling.errors import SchedulingError
from scheduling.models import BusinessSettings, Resource, Service, WeeklyHours
from scheduling.presets import BUSINESS_TYPES, PresetService, preset_for
from scheduling.selectors import service_list_bookable, setup_status
from scheduling.tests.factories import ServiceFactory, WeeklyHoursFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(alpha):
    # The business speaks Portuguese (its presets are Brazilian); its owner reads English.
    return OwnerFactory(full_name="Marta Souza", language="en")


@pytest.fixture
def owner_client(alpha_client, owner):
    return login_as(alpha_client, owner, "alpha")


@pytest.fixture(autouse=True)
def _undecided(alpha):
    business = BusinessSettings.load()
    business.presets_decided_at = None
    business.language = "pt-br"
    business.label_client, business.label_client_plural = "client", "clients"
    business.save()


def shown(page: str) -> list[tuple[str, str, str]]:
    """The (name, minutes, price) of each service row the page offers."""
    rows = []
    for n in range(20):
        marker = f'name="service-{n}-name" value="'
        if marker not in page:
            break

        def value(field, n=n):
            return page.split(f'name="service-{n}-{field}" value="')[1].split('"')[0]

        rows.append((value("name"), value("duration_minutes"), value("price")))
    return rows


def post_of(page: str, business_type: str, **changes) -> dict:
    """What a browser submits from the page as shown, with `changes` on top."""
    rows = shown(page)
    data = {
        "business_type": business_type,
        "resource_name": "Marta",
        "hours": "on",
        "service-TOTAL_FORMS": str(len(rows)),
        "service-INITIAL_FORMS": str(len(rows)),
        "accept": "1",
    }
    for n, (name, minutes, price) in enumerate(rows):
        data |= {
            f"service-{n}-include": "on",
            f"service-{n}-name": name,
            f"service-{n}-duration_minutes": minutes,
            f"service-{n}-price": price,
        }
    return data | changes


# --- Data ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("business_type", BUSINESS_TYPES)
def test_every_type_has_services_hours_with_a_lunch_break_and_a_shorter_saturday(business_type):
    preset = preset_for(business_type, language="pt-br")
    assert preset.services and all(s.price > 0 and s.duration_minutes > 0 for s in preset.services)
    assert set(preset.hours) == {0, 1, 2, 3, 4, 5}
    assert all(len(preset.hours[d]) == 2 for d in range(5))  # morning and afternoon
    assert minutes(preset.hours[5]) < minutes(preset.hours[0])
    # Service names in the business's language: English for an English-speaking business.
    assert preset_for(business_type).services[0].name != preset.services[0].name


def minutes(ranges) -> int:
    return sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in ranges)


def test_labels_and_first_resource_fit_the_type():
    barber, clinic, tutor, rental = (preset_for(t) for t in ("barber", "clinic", "tutor", "rental"))
    assert (barber.labels.resource, barber.labels.resource_plural) == (
        "professional",
        "professionals",
    )
    assert (clinic.labels.client, clinic.labels.client_plural) == ("patient", "patients")
    assert (tutor.labels.resource, tutor.labels.client) == ("tutor", "student")
    assert rental.labels.resource == "space" and rental.resource_kind == "space"
    assert barber.owner_is_resource and not rental.owner_is_resource
    haircut = preset_for("barber", language="pt-br").services[0]
    assert (haircut.name, haircut.duration_minutes, haircut.price) == (
        "Corte masculino",
        30,
        Decimal("45.00"),
    )
    assert preset_for("no-such-type").business_type == "other"


# --- Service -------------------------------------------------------------------------------------


def test_presets_apply_creates_a_bookable_business_in_one_go(owner):
    preset = preset_for("barber", language="pt-br")
    result = services.presets_apply(
        business_type="barber", owner=owner, services=list(preset.services[:2]), hours=True
    )
    rafa = Resource.objects.get()
    assert (rafa.name, rafa.kind, rafa.user) == ("Marta Souza", "staff", owner)
    assert result.resource == rafa and result.hours_set
    assert set(Service.objects.values_list("name", "duration_minutes", "price")) == {
        ("Corte masculino", 30, Decimal("45.00")),
        ("Barba", 20, Decimal("30.00")),
    }
    # Nothing is a dead end: every service has its performer, the business its hours.
    assert service_list_bookable().count() == 2
    assert setup_status().bookable
    assert WeeklyHours.objects.filter(resource=None, weekday=0).count() == 2
    assert not WeeklyHours.objects.filter(weekday=6).exists()
    business = BusinessSettings.load()
    assert business.presets_decided_at is not None
    assert business.label_resource == "professional"


def test_presets_apply_twice_is_refused_and_duplicates_nothing(owner):
    preset = preset_for("clinic")
    services.presets_apply(
        business_type="clinic", owner=owner, services=list(preset.services), hours=True
    )
    with pytest.raises(SchedulingError) as refused:
        services.presets_apply(
            business_type="clinic", owner=owner, services=list(preset.services), hours=True
        )
    assert refused.value.code == "presets_decided"
    with pytest.raises(SchedulingError):
        services.presets_skip()
    assert Service.objects.count() == len(preset.services)
    assert Resource.objects.count() == 1
    assert BusinessSettings.load().label_client == "patient"


def test_presets_keep_what_the_business_already_has(owner):
    WeeklyHoursFactory(weekday=2, start=dt.time(10), end=dt.time(16))
    ServiceFactory(name="Barba")
    mine = Resource.objects.create(name="Marta", user=owner)
    result = services.presets_apply(
        business_type="barber",
        owner=owner,
        services=[
            PresetService("barba", 20, Decimal("30")),
            PresetService("Corte", 30, Decimal("45")),
        ],
        hours=True,
    )
    assert result.resource == mine and not result.hours_set
    assert [s.name for s in result.services] == ["Corte"]
    assert list(WeeklyHours.objects.values_list("weekday", flat=True)) == [2]


def test_presets_apply_is_all_or_nothing(owner):
    bad = [PresetService("Corte", 30, Decimal("45")), PresetService("Broken", 0, Decimal("1"))]
    with pytest.raises(IntegrityError), transaction.atomic():
        services.presets_apply(business_type="barber", owner=owner, services=bad, hours=True)
    assert not Service.objects.exists() and not Resource.objects.exists()
    assert not WeeklyHours.objects.exists()
    business = BusinessSettings.load()
    assert business.presets_decided_at is None and business.label_client == "client"


def test_a_rental_gets_a_first_room_not_linked_to_the_owner(owner):
    services.presets_apply(business_type="rental", owner=owner, services=[], hours=False)
    room = Resource.objects.get()
    assert (room.name, room.kind, room.user) == ("Sala 1", "space", None)
    assert not WeeklyHours.objects.exists()


def test_presets_skip_creates_nothing():
    services.presets_skip()
    assert BusinessSettings.load().presets_decided_at is not None
    assert not Resource.objects.exists() and not Service.objects.exists()


# --- Page ----------------------------------------------------------------------------------------


def test_page_is_for_managers_only(alpha, alpha_client):
    assert alpha_client.get("/app/setup/presets/").status_code == 302
    login_as(alpha_client, UserFactory(), "alpha")
    assert alpha_client.get("/app/setup/presets/").status_code == 403
    assert alpha_client.post("/app/setup/presets/", {"skip": "1"}).status_code == 403
    assert BusinessSettings.load().presets_decided_at is None


def test_page_shows_the_type_and_creates_nothing_by_itself(owner_client, alpha):
    alpha.business_type = "barber"
    alpha.save(update_fields=["business_type"])
    page = owner_client.get("/app/setup/presets/").content.decode()
    assert shown(page)[0] == ("Corte masculino", "30", "45.00")
    assert "09:00–12:00, 13:00–19:00" in page and "Closed" in page
    assert 'value="Marta Souza"' in page
    clinic = owner_client.get("/app/setup/presets/?type=clinic", **HTMX)
    body = clinic.content.decode()
    assert body.lstrip().startswith('<div id="presets-panel">')
    assert shown(body)[0][0] == "Primeira consulta" and "patients" in body
    assert owner_client.get("/app/setup/presets/?type=martian").status_code == 200
    assert not Service.objects.exists() and not Resource.objects.exists()
    assert BusinessSettings.load().presets_decided_at is None


def test_accepting_creates_exactly_what_was_shown_as_edited(owner_client, owner):
    page = owner_client.get("/app/setup/presets/?type=barber").content.decode()
    rows = shown(page)
    data = post_of(
        page, "barber", **{"service-1-name": "Barba completa", "service-1-price": "35.50"}
    )
    del data["service-2-include"]  # untick the third
    response = owner_client.post("/app/setup/presets/", data)
    assert response.status_code == 302 and response["Location"] == "/app/"
    expected = {(n, int(m), Decimal(p)) for n, m, p in rows}
    expected -= {(rows[1][0], int(rows[1][1]), Decimal(rows[1][2]))}
    expected -= {(rows[2][0], int(rows[2][1]), Decimal(rows[2][2]))}
    expected |= {("Barba completa", 20, Decimal("35.50"))}
    assert set(Service.objects.values_list("name", "duration_minutes", "price")) == expected
    marta = Resource.objects.get()
    assert (marta.name, marta.user) == ("Marta", owner)
    assert set(marta.services.all()) == set(Service.objects.all())
    assert WeeklyHours.objects.filter(resource=None).count() == 11

    # Submitting again (a double click, a back button) creates nothing more.
    again = owner_client.post("/app/setup/presets/", data)
    assert again.status_code == 302
    assert Service.objects.count() == len(expected)
    assert "already accepted or skipped" in owner_client.get("/app/setup/presets/").content.decode()


def test_bad_input_comes_back_with_422_and_creates_nothing(owner_client, owner):
    owner.language = ""  # reads the business's language, Portuguese
    owner.save(update_fields=["language"])
    page = owner_client.get("/app/setup/presets/?type=tutor").content.decode()
    data = post_of(
        page,
        "tutor",
        resource_name="",
        **{"service-0-duration_minutes": "0", "service-1-price": "-3", "service-2-name": ""},
    )
    for headers in ({}, HTMX):
        response = owner_client.post("/app/setup/presets/", data, **headers)
        assert response.status_code == 422
        body = response.content.decode()
        # A pt-br business: Django's own messages come in Portuguese too.
        assert "maior ou igual a 1" in body and "maior ou igual a 0" in body
        assert "Este campo é obrigatório" in body
    assert not Service.objects.exists() and not Resource.objects.exists()
    assert BusinessSettings.load().presets_decided_at is None


def test_without_hours_and_skip(owner_client):
    page = owner_client.get("/app/setup/presets/?type=other").content.decode()
    data = post_of(page, "other")
    del data["hours"]
    owner_client.post("/app/setup/presets/", data)
    assert not WeeklyHours.objects.exists() and Service.objects.count() == len(shown(page))


def test_skip_goes_to_the_dashboard_and_creates_nothing(owner_client):
    response = owner_client.post("/app/setup/presets/", {"skip": "1"})
    assert response.status_code == 302 and response["Location"] == "/app/"
    assert not Service.objects.exists() and not Resource.objects.exists()
    decided = BusinessSettings.load().presets_decided_at
    assert decided is not None and decided <= timezone.now()


def test_presets_page_query_count(owner_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert owner_client.get("/app/setup/presets/").status_code == 200
