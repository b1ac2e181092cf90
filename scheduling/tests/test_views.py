"""Staff screens of scheduling: each form's happy path and errors, roles, htmx partials."""

import time

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory, UserFactory
from conftest import host_client, login_as
from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory
from tenants.forms import signup_stamp

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
    "accounts:audit",
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
            "phone": "+351 912 345 678",
            "owner_name": "Ana",
            "owner_email": "ana@example.com",
            "owner_password": "a-strong-pass-phrase",
            "shown_at": signup_stamp(shown_at=time.time() - 60),
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
        "auto_complete_after_minutes": "90",
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
    assert business.auto_complete_after_minutes == 90
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
        "auto_complete_after_minutes": "999999999",
    }
    response = owner_client.post("/app/settings/", huge)
    assert response.status_code == 422
    body = response.content.decode()
    for message in (
        "At most two years",
        "At most 90 days (129,600",
        "At most 90 days (2,160",
        "less than or equal to 20160",
    ):
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


def test_resource_form_picks_its_services_and_both_sides_agree(owner_client):
    corte, barba = ServiceFactory(name="Corte"), ServiceFactory(name="Barba")
    old = ServiceFactory(name="Old style", is_active=False)
    page = owner_client.get("/app/resources/new/").content.decode()
    assert "Corte" in page and "Old style" not in page
    response = owner_client.post(
        "/app/resources/new/",
        {"name": "Rafa", "kind": "staff", "color": "#112233", "order": 0, "services": [corte.pk]},
    )
    assert response.status_code == 302
    rafa = Resource.objects.get(name="Rafa")
    assert list(corte.resources.all()) == [rafa]
    # The service form shows the same relation from the other side, ticked.
    form = owner_client.get(f"/app/services/{corte.pk}/").context["form"]
    assert list(form["resources"].value()) == [rafa.pk]

    old.resources.add(rafa)
    page = owner_client.get(f"/app/resources/{rafa.pk}/").content.decode()
    assert "Old style (inactive)" in page
    owner_client.post(
        f"/app/resources/{rafa.pk}/",
        {
            "name": "Rafa",
            "kind": "staff",
            "color": "#112233",
            "order": 0,
            "services": [barba.pk, old.pk],
        },
    )
    assert set(rafa.services.all()) == {barba, old}  # the inactive one is kept, Corte untaken
    assert not corte.resources.exists()


def test_resource_attribute_rows_add_remove_and_keep_types(owner_client):
    rafa = ResourceFactory(name="Rafa", attributes={"languages": ["pt", "en"], "seats": 2})
    page = owner_client.get(f"/app/resources/{rafa.pk}/").content.decode()
    assert 'value="languages"' in page and 'value="[&quot;pt&quot;, &quot;en&quot;]"' in page
    base = {"name": "Rafa", "kind": "staff", "color": "#112233", "order": 0}
    rows = {"attr_key": ["languages", "seats"], "attr_value": ['["pt", "en"]', "2"]}
    added = owner_client.post(f"/app/resources/{rafa.pk}/", {**base, **rows, "add_attribute": "1"})
    assert added.status_code == 200
    assert added.content.decode().count('name="attr_key"') == 4  # two rows, two blank
    removed = owner_client.post(
        f"/app/resources/{rafa.pk}/", {**base, **rows, "remove_attribute": "0"}
    )
    assert 'value="languages"' not in removed.content.decode()
    rafa.refresh_from_db()
    assert rafa.attributes == {"languages": ["pt", "en"], "seats": 2}  # nothing saved yet

    owner_client.post(
        f"/app/resources/{rafa.pk}/",
        {**base, "attr_key": ["seats", "floor", ""], "attr_value": ["3", "Térreo", ""]},
    )
    rafa.refresh_from_db()
    assert rafa.attributes == {"seats": 3, "floor": "Térreo"}
    twice = owner_client.post(
        f"/app/resources/{rafa.pk}/", {**base, "attr_key": ["a", "a"], "attr_value": ["1", "2"]}
    )
    assert twice.status_code == 422 and "“a” appears twice." in twice.content.decode()


def test_services_list_says_when_nobody_performs_a_service(owner_client):
    away = ResourceFactory(name="Away", is_active=False)
    rafa = ResourceFactory(name="Rafa")
    lonely = ServiceFactory(name="Lonely", performers=[away])
    ServiceFactory(name="Fine", performers=[rafa])
    ServiceFactory(name="Staff thing", is_public=False)
    for headers in ({}, HTMX):
        body = owner_client.get("/app/services/", **headers).content.decode()
        assert body.count("Not shown online: nobody performs it") == 1
        row = body.split("Lonely")[1].split("</tr>")[0]
        assert "Not shown online" in row
        assert f"/app/services/{lonely.pk}/#resources-picker" in row


def test_none_yet_labels_link_to_the_fix(owner_client):
    rafa = ResourceFactory(name="Rafa")
    page = owner_client.get("/app/resources/").content.decode()
    assert f'/app/resources/{rafa.pk}/#services-picker"' in page
    Resource.objects.all().delete()
    page = owner_client.get("/app/resources/").content.decode()
    assert 'href="/app/resources/new/">Add the first one' in page
    assert 'href="/app/resources/new/">Add one' in owner_client.get("/app/hours/").content.decode()
    assert (
        'href="/app/resources/new/">Add one'
        in owner_client.get("/app/services/new/").content.decode()
    )
    # A resource following the business, which has no hours yet, is told where to set them.
    ResourceFactory(name="Bruno")
    bruno = Resource.objects.get(name="Bruno")
    page = owner_client.get(f"/app/resources/{bruno.pk}/hours/").content.decode()
    assert "none set yet" in page and 'href="/app/hours/">set them' in page


def test_reminders_are_chips_in_words_and_unlisted_ones_are_kept(owner_client):
    business = BusinessSettings.load()
    business.reminder_offsets = [1440, 45]
    business.save()
    page = owner_client.get("/app/settings/").content.decode()
    for words in ("15 minutes before", "2 hours before", "1 day before", "1 week before"):
        assert words in page, words
    # 45 minutes is not in the list, but it is this business's: shown, ticked.
    chip = page.split("45 minutes before")[0].rsplit("<label", 1)[1]
    assert "checked" in chip
    form = owner_client.get("/app/settings/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "logo"}
    data["reminder_offsets"] = ["45", "120", "10080"]
    response = owner_client.post("/app/settings/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BusinessSettings.load().reminder_offsets == [10080, 120, 45]


def test_list_pages_query_counts_do_not_grow_with_rows(owner_client, django_assert_max_num_queries):
    for n in range(8):
        rafa = ResourceFactory(name=f"R{n}")
        ServiceFactory(name=f"S{n}", performers=[rafa])
    owner_client.get("/app/profile/")  # the plan's terms are cached after a business's first page
    for url in ("/app/services/", "/app/resources/", "/app/categories/"):
        with django_assert_max_num_queries(10):
            assert owner_client.get(url).status_code == 200
        with django_assert_max_num_queries(10):
            assert owner_client.get(url, **HTMX).status_code == 200


def test_settings_time_off_and_hours_pages_query_counts(
    owner_client, django_assert_max_num_queries
):
    for n in range(5):
        ResourceFactory(name=f"R{n}")
    with django_assert_max_num_queries(10):
        assert owner_client.get("/app/settings/").status_code == 200
    with django_assert_max_num_queries(10):
        assert owner_client.get("/app/time-off/").status_code == 200


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (15, "15 minutes before"),
        (60, "1 hour before"),
        (120, "2 hours before"),
        (1440, "1 day before"),
        (2880, "2 days before"),
        (10080, "1 week before"),
        (90, "90 minutes before"),
        (1500, "25 hours before"),
    ],
)
def test_reminder_offsets_in_words(minutes, words):
    from scheduling.forms import offset_label

    assert offset_label(minutes) == words
