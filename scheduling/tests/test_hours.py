"""The week of hours in one form: the service that saves it whole, and the editor's page."""

import datetime as dt

import pytest
from django.db import IntegrityError

from accounts.tests.factories import OwnerFactory
from conftest import login_as
from scheduling import services
from scheduling.errors import SchedulingError
from scheduling.models import WeeklyHours
from scheduling.tests.factories import ResourceFactory, WeeklyHoursFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
T = dt.time.fromisoformat
LUNCH_BREAK = [(T("09:00"), T("12:00")), (T("13:00"), T("19:00"))]
LUNCH_BREAK_TEXT = [("09:00", "12:00"), ("13:00", "19:00")]


@pytest.fixture
def owner_client(alpha, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


def rows(resource=None):
    return list(
        WeeklyHours.objects.filter(resource=resource)
        .order_by("weekday", "start")
        .values_list("weekday", "start", "end")
    )


def week_post(days: dict[int, list[tuple[str, str]]], **extra) -> dict:
    """A post of the editor: the days given are open with those ranges, the rest closed."""
    data: dict = {}
    for day in range(7):
        ranges = days.get(day, [])
        if ranges:
            data[f"day-{day}-open"] = "on"
        data[f"day-{day}-start"] = [start for start, _ in ranges] or [""]
        data[f"day-{day}-end"] = [end for _, end in ranges] or [""]
    return {**data, **extra}


# --- Service -------------------------------------------------------------------------------------


def test_hours_set_week_replaces_the_whole_week(alpha):
    WeeklyHoursFactory(weekday=6, start=T("10:00"), end=T("11:00"))
    services.hours_set_week(resource=None, week={0: LUNCH_BREAK, 5: [(T("09:00"), T("14:00"))]})
    assert rows() == [(0, *LUNCH_BREAK[0]), (0, *LUNCH_BREAK[1]), (5, T("09:00"), T("14:00"))]


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([(T("12:00"), T("09:00"))], "12:00–09:00: the end must be after the start."),
        (
            [(T("09:00"), T("12:00")), (T("11:00"), T("14:00"))],
            "09:00–12:00 and 11:00–14:00 overlap.",
        ),
    ],
)
def test_hours_set_week_refuses_a_bad_day_and_keeps_what_was_there(alpha, ranges, message):
    services.hours_set_week(resource=None, week={0: LUNCH_BREAK})
    with pytest.raises(SchedulingError) as refused:
        services.hours_set_week(resource=None, week={0: LUNCH_BREAK, 2: ranges})
    assert (refused.value.field, refused.value.message) == ("day-2", message)
    assert len(rows()) == 2  # nothing of the refused week was written


def test_back_to_back_ranges_are_allowed(alpha):
    services.hours_set_week(
        resource=None, week={1: [(T("09:00"), T("12:00")), (T("12:00"), T("13:00"))]}
    )
    assert len(rows()) == 2


def test_a_resources_week_leaves_the_business_week_alone_and_resets(alpha):
    rafa = ResourceFactory()
    services.hours_set_week(resource=None, week={0: LUNCH_BREAK})
    services.hours_set_week(resource=rafa, week={0: [(T("10:00"), T("11:00"))]})
    assert rows(rafa) == [(0, T("10:00"), T("11:00"))] and len(rows()) == 2
    services.hours_reset(resource=rafa)
    assert rows(rafa) == [] and len(rows()) == 2


def test_the_database_still_refuses_a_backwards_range(alpha):
    with pytest.raises(IntegrityError):
        WeeklyHours.objects.create(weekday=1, start=T("12:00"), end=T("09:00"))


# --- Editor --------------------------------------------------------------------------------------


def test_monday_to_saturday_with_a_lunch_break_in_one_submit(owner_client):
    weekday = [("09:00", "12:00"), ("13:00", "19:00")]
    data = week_post({**{d: weekday for d in range(5)}, 5: [("09:00", "14:00")]}, save="1")
    response = owner_client.post("/app/hours/", data)
    assert response.status_code == 302 and response["Location"] == "/app/hours/"
    assert len(rows()) == 11
    page = owner_client.get("/app/hours/").content.decode()
    assert 'value="13:00"' in page and "Hours saved." in page


def test_the_editor_shows_the_saved_week_and_a_closed_sunday(owner_client):
    services.hours_set_week(resource=None, week={0: LUNCH_BREAK})
    page = owner_client.get("/app/hours/").content.decode()
    assert 'name="day-0-open" checked' in page
    assert 'name="day-6-open" >' in page or 'name="day-6-open">' in page
    assert page.count('value="09:00"') == 1


def test_errors_are_shown_next_to_their_day_with_422_and_nothing_saved(owner_client):
    services.hours_set_week(resource=None, week={0: LUNCH_BREAK})
    data = week_post(
        {1: [("12:00", "09:00")], 2: [("09:00", "12:00"), ("11:00", "14:00")], 3: [("nope", "")]},
        save="1",
    )
    data["day-4-open"] = "on"  # open, with no hours
    response = owner_client.post("/app/hours/", data, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="hours-editor">')
    day = {d: body.split(f'id="day-{d}"')[1].split("</fieldset>")[0] for d in range(5)}
    assert "the end must be after the start" in day[1]
    assert "overlap" in day[2] and "overlap" not in day[1]
    assert "like 09:00 and 12:00" in day[3]
    assert "or mark it closed" in day[4]
    assert "field-error" not in day[0]
    # What was typed comes back, and the saved week is untouched.
    assert 'value="11:00"' in day[2] and 'value="nope"' in day[3]
    assert len(rows()) == 2


def test_copy_monday_to_weekdays_fills_the_form_without_saving(owner_client):
    data = week_post({0: [("08:00", "12:00"), ("14:00", "18:00")], 5: [("09:00", "13:00")]})
    data["copy_monday"] = "1"
    for headers in ({}, HTMX):
        response = owner_client.post("/app/hours/", data, **headers)
        assert response.status_code == 200
        body = response.content.decode()
        for d in range(1, 5):
            day = body.split(f'id="day-{d}"')[1].split("</fieldset>")[0]
            assert "checked" in day and 'value="08:00"' in day and 'value="14:00"' in day
        saturday = body.split('id="day-5"')[1].split("</fieldset>")[0]
        assert 'value="09:00"' in saturday and 'value="08:00"' not in saturday
        assert "Monday copied" in body
    assert rows() == []


def test_add_and_remove_a_range_without_saving(owner_client):
    data = week_post({2: [("09:00", "12:00")]}, add_range="2")
    body = owner_client.post("/app/hours/", data, **HTMX).content.decode()
    wednesday = body.split('id="day-2"')[1].split("</fieldset>")[0]
    assert wednesday.count('name="day-2-start"') == 2

    data = week_post({2: [("09:00", "12:00"), ("13:00", "18:00")]}, remove_range="2:0")
    body = owner_client.post("/app/hours/", data).content.decode()
    wednesday = body.split('id="day-2"')[1].split("</fieldset>")[0]
    assert 'value="09:00"' not in wednesday and 'value="13:00"' in wednesday
    assert rows() == []


def test_a_closed_day_keeps_nothing(owner_client):
    data = week_post({0: LUNCH_BREAK_TEXT}, save="1")
    data["day-1-start"], data["day-1-end"] = ["09:00"], ["10:00"]  # typed, but switched off
    assert owner_client.post("/app/hours/", data).status_code == 302
    assert {weekday for weekday, *_ in rows()} == {0}


def test_a_resource_follows_the_business_or_keeps_own_hours(owner_client):
    rafa = ResourceFactory(name="Rafa")
    services.hours_set_week(resource=None, week={0: LUNCH_BREAK})
    url = f"/app/resources/{rafa.pk}/hours/"
    page = owner_client.get(url).content.decode()
    assert 'value="business" checked' in page
    # Starting from the business's week, so "own hours" begins with something sensible.
    assert 'value="13:00"' in page

    response = owner_client.post(url, week_post({2: [("14:00", "18:00")]}, mode="own", save="1"))
    assert response.status_code == 302 and response["Location"] == url
    assert rows(rafa) == [(2, T("14:00"), T("18:00"))]
    assert len(rows()) == 2  # the business's hours are not touched
    assert 'value="own" checked' in owner_client.get(url).content.decode()

    # Own hours with every day closed is no week at all: refused with a way out.
    response = owner_client.post(url, week_post({}, mode="own", save="1"), **HTMX)
    assert response.status_code == 422
    assert "Use the business hours" in response.content.decode()
    assert rows(rafa) == [(2, T("14:00"), T("18:00"))]

    response = owner_client.post(
        url, week_post({2: [("14:00", "18:00")]}, mode="business", save="1"), **HTMX
    )
    assert response.status_code == 200
    assert "Rafa follows the business hours." in response.content.decode()
    assert rows(rafa) == []


def test_the_editor_lists_whose_hours_to_edit(owner_client):
    rafa = ResourceFactory(name="Rafa")
    ResourceFactory(name="Gone", is_active=False)
    page = owner_client.get("/app/hours/").content.decode()
    assert f'href="/app/resources/{rafa.pk}/hours/"' in page
    assert "Gone" not in page
    htmx = owner_client.get(f"/app/resources/{rafa.pk}/hours/", **HTMX)
    body = htmx.content.decode()
    assert body.lstrip().startswith('<div id="hours-editor">')
    assert "<h1>Hours of Rafa</h1>" in body  # the title travels with the swapped editor


def test_hours_page_query_count(owner_client, django_assert_max_num_queries):
    for n in range(6):
        rafa = ResourceFactory(name=f"R{n}")
        services.hours_set_week(resource=rafa, week={0: LUNCH_BREAK})
    services.hours_set_week(resource=None, week={d: LUNCH_BREAK for d in range(6)})
    with django_assert_max_num_queries(12):
        assert owner_client.get("/app/hours/").status_code == 200
    with django_assert_max_num_queries(13):
        assert owner_client.get(f"/app/resources/{rafa.pk}/hours/").status_code == 200
