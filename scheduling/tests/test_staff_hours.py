"""Staff manage their own hours and time off (their resource only); owners see it in the history."""

import datetime as dt

import pytest

from accounts.models import AuditEntry
from accounts.tests.factories import OwnerFactory, UserFactory
from conftest import login_as
from scheduling.models import TimeOff, WeeklyHours
from scheduling.tests.factories import ResourceFactory, TimeOffFactory
from scheduling.tests.test_hours import week_post

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def team(alpha):
    rafa = UserFactory(full_name="Rafa Staff")
    return {
        "rafa": rafa,
        "own": ResourceFactory(name="Rafa's chair", user=rafa),
        "other": ResourceFactory(name="Bia's chair", user=UserFactory()),
    }


@pytest.fixture
def staff_client(team, alpha_client):
    return login_as(alpha_client, team["rafa"], "alpha")


def test_staff_edit_their_own_hours_and_the_owner_sees_it(team, staff_client, alpha):
    own = team["own"]
    url = f"/app/resources/{own.pk}/hours/"
    page = staff_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Rafa&#x27;s chair" in body and "Bia&#x27;s chair" not in body
    assert 'href="/app/hours/"' not in body  # not the business's week

    response = staff_client.post(url, week_post({0: [("10:00", "14:00")]}, mode="own", save="1"))
    assert response.status_code == 302
    assert list(WeeklyHours.objects.filter(resource=own).values_list("weekday", "start")) == [
        (0, dt.time(10))
    ]
    entry = AuditEntry.objects.get(action="hours.set")
    assert entry.actor == team["rafa"] and entry.target_label == "Hours of Rafa's chair"

    owner_client = login_as(staff_client, OwnerFactory(), "alpha")
    history = owner_client.get("/app/settings/audit/?kind=hours").content.decode()
    assert "Rafa Staff" in history and "Hours of Rafa&#x27;s chair" in history
    assert "10:00–14:00" in history


def test_staff_cannot_touch_another_resource_or_the_business(team, staff_client):
    other = team["other"]
    assert staff_client.get(f"/app/resources/{other.pk}/hours/").status_code == 404
    post = week_post({0: [("10:00", "14:00")]}, mode="own", save="1")
    assert staff_client.post(f"/app/resources/{other.pk}/hours/", post).status_code == 404
    assert staff_client.post("/app/hours/", post).status_code == 403
    assert not WeeklyHours.objects.exists()
    assert not AuditEntry.objects.exists()


def test_my_hours_leads_staff_to_their_calendar(team, staff_client, alpha_client):
    response = staff_client.get("/app/my-hours/")
    assert response["Location"] == f"/app/resources/{team['own'].pk}/hours/"
    assert "My hours and time off" in staff_client.get("/app/profile/").content.decode()
    login_as(alpha_client, UserFactory(), "alpha")  # a member without a calendar of their own
    assert alpha_client.get("/app/my-hours/").status_code == 403
    assert alpha_client.get("/app/time-off/").status_code == 403
    login_as(alpha_client, OwnerFactory(), "alpha")
    assert alpha_client.get("/app/my-hours/")["Location"] == "/app/hours/"


def test_staff_time_off_is_their_own_only(team, staff_client):
    own, other = team["own"], team["other"]
    theirs = TimeOffFactory(resource=other, reason="Bia away")
    holiday = TimeOffFactory(resource=None, reason="Christmas")

    page = staff_client.get("/app/time-off/").content.decode()
    assert "Bia away" not in page and "Christmas" not in page
    assert "The whole business" not in page and "Bia&#x27;s chair" not in page

    period = {"start": "2026-12-24T12:00", "end": "2026-12-26T09:00", "reason": "Dentist"}
    refused = staff_client.post("/app/time-off/", {**period, "resource": other.pk}, **HTMX)
    assert refused.status_code == 422
    whole_business = staff_client.post("/app/time-off/", period, **HTMX)
    assert whole_business.status_code == 422
    assert not TimeOff.objects.filter(reason="Dentist").exists()

    added = staff_client.post("/app/time-off/", {**period, "resource": own.pk}, **HTMX)
    assert added.status_code == 200 and "Dentist" in added.content.decode()
    mine = TimeOff.objects.get(reason="Dentist", resource=own)

    assert staff_client.post(f"/app/time-off/{theirs.pk}/delete/").status_code == 404
    assert staff_client.post(f"/app/time-off/{holiday.pk}/delete/").status_code == 404
    assert staff_client.post(f"/app/time-off/{mine.pk}/delete/").status_code == 302
    assert set(TimeOff.objects.values_list("reason", flat=True)) == {"Bia away", "Christmas"}
    actions = list(
        AuditEntry.objects.filter(actor=team["rafa"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["time_off.created", "time_off.deleted"]


def test_owners_still_manage_every_resource_and_the_whole_business(team, alpha_client):
    client = login_as(alpha_client, OwnerFactory(), "alpha")
    page = client.get("/app/time-off/").content.decode()
    assert "The whole business" in page and "Bia&#x27;s chair" in page
    response = client.post(
        "/app/time-off/", {"start": "2026-12-24T12:00", "end": "2026-12-26T09:00"}, **HTMX
    )
    assert response.status_code == 200
    assert TimeOff.objects.filter(resource=None).exists()
    assert client.get(f"/app/resources/{team['other'].pk}/hours/").status_code == 200
