"""Staff screens of scheduling: each form's happy path and errors, roles, htmx partials."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory, UserFactory
from conftest import host_client, login_as
from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner_client(alpha, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


PAGES = [
    "scheduling:settings",
    "scheduling:hours",
    "scheduling:time_off",
    "scheduling:categories",
    "scheduling:resources",
    "scheduling:resource_new",
    "scheduling:services",
    "scheduling:service_new",
]


@pytest.mark.parametrize("name", PAGES)
def test_pages_open_for_managers_and_are_403_for_staff(alpha, alpha_client, name):
    url = reverse(name, urlconf="config.urls_tenants")
    assert alpha_client.get(url).status_code == 302  # anonymous → login
    login_as(alpha_client, UserFactory(), "alpha")
    assert alpha_client.get(url).status_code == 403
    login_as(alpha_client, OwnerFactory(), "alpha")
    assert alpha_client.get(url).status_code == 200


def test_new_tenant_gets_settings_from_its_signup(platform_client):
    platform_client.post(
        "/signup/",
        {
            "name": "Clínica Lisboa",
            "slug": "clinica-lx",
            "business_type": "clinic",
            "timezone": "Europe/Lisbon",
            "owner_name": "Ana",
            "owner_email": "ana@example.com",
            "owner_password": "a-strong-pass-phrase",
        },
    )
    with schema_context("clinica-lx"):
        business = BusinessSettings.objects.get()
    assert business.timezone == "Europe/Lisbon"
    assert (business.phone_region, business.currency, business.language) == ("PT", "EUR", "pt-br")
    assert business.display_name == "Clínica Lisboa"
    assert business.reminder_offsets == [1440, 120]


def test_settings_save_and_errors(owner_client):
    data = {
        "display_name": "Alpha",
        "timezone": "America/New_York",
        "language": "en",
        "phone_region": "us",
        "currency": "usd",
        "slot_interval": "30",
        "min_notice_minutes": "120",
        "max_advance_days": "30",
        "cancellation_window_hours": "12",
        "reminder_offsets": ["120", "1440"],
        "label_resource": "tutor",
        "label_resource_plural": "tutors",
        "label_service": "lesson",
        "label_service_plural": "lessons",
        "label_client": "student",
        "label_client_plural": "students",
        "primary_color": "#123abc",
    }
    response = owner_client.post("/app/settings/", data)
    assert response.status_code == 302
    business = BusinessSettings.load()
    assert business.timezone == "America/New_York"
    assert (business.phone_region, business.currency) == ("US", "USD")
    assert business.slot_interval == 30
    assert business.reminder_offsets == [1440, 120]
    # The labels are the dashboard's words from now on.
    nav = owner_client.get("/app/").content.decode()
    assert ">Tutors<" in nav and ">Lessons<" in nav
    assert "New tutor" in owner_client.get("/app/resources/").content.decode()

    bad = {
        **data,
        "timezone": "Mars/Base",
        "phone_region": "XX",
        "currency": "b1l",
        "slot_interval": "7",
        "max_advance_days": "0",
        "min_notice_minutes": "-5",
        "reminder_offsets": ["soon", "7"],
        "primary_color": "blue",
    }
    response = owner_client.post("/app/settings/", bad)
    assert response.status_code == 422
    body = response.content.decode()
    for message in (
        "Select a valid choice",
        "two-letter country code",
        "three-letter currency code",
        "at least one day ahead",
        "greater than or equal to 0",
        "Use a colour like",
        "Select a valid choice. soon is not one of the available choices.",
    ):
        assert message in body, message
    assert BusinessSettings.load().timezone == "America/New_York"

    # Numbers past any real business's rules are refused, not saved to break the booking page.
    huge = {
        **data,
        "max_advance_days": "4000000",
        "min_notice_minutes": "2147483647",
        "cancellation_window_hours": "999999999",
    }
    response = owner_client.post("/app/settings/", huge)
    assert response.status_code == 422
    body = response.content.decode()
    for message in ("At most two years", "At most 90 days (129,600", "At most 90 days (2,160"):
        assert message in body, message
    assert BusinessSettings.load().max_advance_days == 30
    assert owner_client.get("/").status_code == 200


def test_time_off_create_errors_and_delete(owner_client):
    resource = ResourceFactory()
    response = owner_client.post(
        "/app/time-off/",
        {"resource": resource.pk, "start": "2026-12-24T12:00", "end": "2026-12-26T09:00"},
        **HTMX,
    )
    assert response.status_code == 200
    period = TimeOff.objects.get()
    # Entered in the business's time zone (alpha: America/Sao_Paulo, UTC−3).
    assert period.start.isoformat() == "2026-12-24T15:00:00+00:00"

    response = owner_client.post(
        "/app/time-off/", {"start": "2026-12-24T12:00", "end": "2026-12-24T11:00"}, **HTMX
    )
    assert response.status_code == 422
    assert b"The end must be after the start." in response.content
    response = owner_client.post("/app/time-off/", {"start": "tomorrow"}, **HTMX)
    assert response.status_code == 422
    assert b"Enter a valid date/time." in response.content
    assert TimeOff.objects.count() == 1

    owner_client.post(f"/app/time-off/{period.pk}/delete/", **HTMX)
    assert not TimeOff.objects.exists()


def test_categories_create_edit_delete(owner_client):
    response = owner_client.post("/app/categories/", {"name": "Barbers", "order": 1}, **HTMX)
    assert response.status_code == 200
    assert b"Barbers" in response.content
    duplicate = owner_client.post("/app/categories/", {"name": "Barbers", "order": 2}, **HTMX)
    assert duplicate.status_code == 422
    assert b"already exists" in duplicate.content
    from scheduling.models import ResourceCategory

    category = ResourceCategory.objects.get()
    resource = ResourceFactory(category=category)
    owner_client.post(f"/app/categories/{category.pk}/", {"name": "Chairs", "order": 1})
    category.refresh_from_db()
    assert category.name == "Chairs"
    owner_client.post(f"/app/categories/{category.pk}/delete/")
    resource.refresh_from_db()
    assert resource.category is None


def test_resource_create_edit_errors_and_deactivate(owner_client):
    staff = UserFactory()
    response = owner_client.post(
        "/app/resources/new/",
        {
            "name": "Rafa",
            "kind": "staff",
            "user": staff.pk,
            "color": "#112233",
            "order": 0,
            "attr_key": ["languages", "seats", ""],
            "attr_value": ['["pt", "en"]', "2", ""],
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get(name="Rafa")
    assert resource.user == staff
    assert resource.attributes == {"languages": ["pt", "en"], "seats": 2}

    response = owner_client.post(
        "/app/resources/new/",
        {
            "name": "",
            "kind": "robot",
            "user": staff.pk,
            "color": "red",
            "order": -1,
            "attr_key": ["", "seats"],
            "attr_value": ["orphan value", "2"],
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    for message in (
        "This field is required",
        "Select a valid choice",
        "is already linked to",
        "Use a colour like",
        "Give the value “orphan value” a name.",
    ):
        assert message in body, message

    response = owner_client.post(f"/app/resources/{resource.pk}/deactivate/", **HTMX)
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="resource-list">')
    resource.refresh_from_db()
    assert not resource.is_active
    owner_client.post(f"/app/resources/{resource.pk}/reactivate/")
    resource.refresh_from_db()
    assert resource.is_active


def test_editing_a_service_keeps_its_inactive_resources_and_edits_a_resource(owner_client):
    rafa, away = ResourceFactory(name="Rafa"), ResourceFactory(name="Away")
    service = ServiceFactory(name="Corte", duration_minutes=30)
    service.resources.set([rafa, away])
    away.is_active = False
    away.save()
    page = owner_client.get(f"/app/services/{service.pk}/").content.decode()
    assert "Away (inactive)" in page
    response = owner_client.post(
        f"/app/services/{service.pk}/",
        {
            "name": "Corte longo",
            "duration_minutes": 45,
            "price": "50.00",
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 0,
            "resources": [rafa.pk, away.pk],
            "is_public": "on",
            "color": "#0f766e",
            "order": 0,
        },
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.name, service.duration_minutes) == ("Corte longo", 45)
    # Back from holiday, Away still performs it.
    assert set(service.resources.all()) == {rafa, away}

    response = owner_client.post(
        f"/app/resources/{rafa.pk}/",
        {"name": "Rafael", "kind": "staff", "color": "#112233", "order": 2},
    )
    assert response.status_code == 302
    rafa.refresh_from_db()
    assert (rafa.name, rafa.order, rafa.attributes) == ("Rafael", 2, {})


def test_service_create_with_eligible_resources_errors_and_deactivate(owner_client):
    rafa, bruno = ResourceFactory(name="Rafa"), ResourceFactory(name="Bruno")
    inactive = ResourceFactory(name="Gone", is_active=False)
    response = owner_client.post(
        "/app/services/new/",
        {
            "name": "Corte",
            "duration_minutes": 30,
            "price": "45.00",
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 10,
            "resources": [rafa.pk, bruno.pk],
            "is_public": "on",
            "color": "#0f766e",
            "order": 0,
        },
    )
    assert response.status_code == 302
    service = Service.objects.get(name="Corte")
    assert set(service.resources.all()) == {rafa, bruno}

    response = owner_client.post(
        "/app/services/new/",
        {
            "name": "Bad",
            "duration_minutes": 0,
            "price": "-1",
            "buffer_before_minutes": -5,
            "buffer_after_minutes": "x",
            "resources": [inactive.pk],
            "color": "#0f766e",
            "order": 0,
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    for message in (
        "at least one minute",
        "cannot be negative",
        "greater than or equal to 0",
        "Enter a whole number",
        "Select a valid choice",
    ):
        assert message in body, message
    assert not Service.objects.filter(name="Bad").exists()

    owner_client.post(f"/app/services/{service.pk}/deactivate/")
    service.refresh_from_db()
    assert not service.is_active


def test_edit_pages_of_missing_objects_are_404(owner_client):
    assert owner_client.get("/app/resources/999999/").status_code == 404
    assert owner_client.get("/app/services/999999/").status_code == 404
    assert owner_client.get("/app/resources/999999/hours/").status_code == 404


def test_database_refuses_structural_nonsense(alpha):
    service = ServiceFactory()
    for field, value in (("duration_minutes", 0), ("price", -1)):
        setattr(service, field, value)
        with pytest.raises(IntegrityError), transaction.atomic():
            service.save()
        service.refresh_from_db()
    business = BusinessSettings.load()
    business.slot_interval = 7
    with pytest.raises(IntegrityError), transaction.atomic():
        business.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        WeeklyHours.objects.create(weekday=1, start="12:00", end="09:00")


def test_screens_of_one_tenant_do_not_show_another(alpha, beta):
    with schema_context("beta"):
        ResourceFactory(name="Beta-only chair")
    with schema_context("alpha"):
        owner = OwnerFactory()
    client = login_as(host_client("alpha.localhost"), owner, "alpha")
    assert b"Beta-only chair" not in client.get("/app/resources/").content
