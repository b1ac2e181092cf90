"""G3 item 2: the probes that answered 500 now get a readable 400, 404, 409 or 422 (or the page).

Each reproduction of the issue is here as it was sent: impossible dates and offsets, the ends of
the calendar, NUL bytes in tokens, ids and searches (TRAPS #17).
"""

import datetime as dt

import pytest

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import services
from bookings.models import Booking, Client
from bookings.tests import test_public
from bookings.tests.factories import BookingFactory
from bookings.tests.test_public import _day, _details, _start
from conftest import login_as
from scheduling.tests.factories import ResourceFactory, ServiceFactory

shop = test_public.shop  # a shop open 9-18 daily, Rafa and Bia doing a 30-minute Cut

HOSTILE_STARTS = [
    "2030-02-30T10:00:00+00:00",  # no such day
    "2030-03-01T10:00:00+99:00",  # no such offset
    "0001-01-01T00:00:00+00:00",  # year 1: a shift west overflows
    "9999-12-31T23:59:59+00:00",  # year 9999: a day later overflows
    "0001-01-01T00:00:00-03:00",
]
HOSTILE_DAYS = ["9999-12-31", "0001-01-01", "2030-02-30", "99999-01-01", "2030-13-01"]


@pytest.fixture
def owner_client(shop, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


def _refused_readably(response, *statuses) -> None:
    assert response.status_code in statuses, response.status_code
    body = response.content.decode()
    assert "Traceback" not in body and "<html" in body.lower()


# --- Dates and instants ------------------------------------------------------------------------


@pytest.mark.parametrize("start", HOSTILE_STARTS)
def test_public_details_with_an_impossible_start_is_a_readable_400(shop, alpha_client, start):
    url = f"/book/{shop['cut'].pk}/any/details/"
    times = f"/book/{shop['cut'].pk}/any/"
    for response in (
        alpha_client.get(url, {"start": start}),
        alpha_client.post(url, _details(shop, "any", _start(_day())) | {"start": start}),
    ):
        _refused_readably(response, 400)
        assert "That time does not exist" in response.content.decode()
        assert f'href="{times}"' in response.content.decode()  # the way back to real times
    assert not Booking.objects.exists() and not Client.objects.exists()
    # Without any time the times page is simply where to choose one.
    assert alpha_client.get(url)["Location"] == times


@pytest.mark.parametrize("start", HOSTILE_STARTS)
def test_reschedule_by_the_client_to_an_impossible_start_is_refused_readably(
    shop, alpha_client, start
):
    client = Client.objects.create(name="Paula", phone="+5511987654321")
    booking = services.booking_create(
        service=shop["cut"], start=_start(_day()), client=client, resource=shop["rafa"]
    )
    response = alpha_client.post(
        f"/manage/{booking.manage_token}/", {"action": "reschedule", "start": start}
    )
    _refused_readably(response, 422)
    assert "Please choose a new time." in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == _start(_day())


@pytest.mark.parametrize("day", HOSTILE_DAYS)
def test_public_times_with_a_day_at_the_calendars_ends_show_the_strip(shop, alpha_client, day):
    for params in ({"date": day}, {"from": day}):
        response = alpha_client.get(f"/book/{shop['cut'].pk}/any/", params)
        assert response.status_code == 200


@pytest.mark.parametrize("day", HOSTILE_DAYS)
def test_staff_calendar_and_slot_picker_at_the_calendars_ends_show_today(owner_client, day, shop):
    for view in ("day", "week"):
        response = owner_client.get("/app/calendar/", {"date": day, "view": view})
        assert response.status_code == 200
        assert response.context["day"] == response.context["today"]
    response = owner_client.get(
        "/app/bookings/slots/", {"date": day, "service": shop["cut"].pk, "resource": "any"}
    )
    assert response.status_code == 200


def test_staff_calendar_on_the_last_day_it_accepts_shows_it(owner_client, shop):
    for view in ("day", "week"):
        response = owner_client.get("/app/calendar/", {"date": "2199-12-31", "view": view})
        assert response.status_code == 200
        assert response.context["day"] == dt.date(2199, 12, 31)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
def test_list_filters_with_a_day_at_the_calendars_ends_say_which_dates_are_possible(
    owner_client, day
):
    for url in ("/app/bookings/", "/app/messages/"):
        for name in ("date_from", "date_to"):
            response = owner_client.get(url, {name: day})
            _refused_readably(response, 422)
            assert "Choose a date between 1900 and 2199." in response.content.decode()
    response = owner_client.get("/app/bookings/export.csv", {"date_to": day})
    assert response.status_code == 200
    b"".join(response.streaming_content)


def test_staff_booking_in_year_9999_is_a_form_error(owner_client, shop):
    client = Client.objects.create(name="Paula", phone="+5511987654321")
    for date, start in (
        ("9999-12-31", "9999-12-31T10:00:00+00:00"),
        (_day().isoformat(), "9999-12-31T23:59:59+00:00"),
        (_day().isoformat(), "0001-01-01T00:00:00-03:00"),
    ):
        response = owner_client.post(
            "/app/bookings/new/",
            {
                "client": client.pk,
                "service": shop["cut"].pk,
                "resource": shop["rafa"].pk,
                "date": date,
                "start": start,
            },
        )
        _refused_readably(response, 422)
        assert "Choose a date between 1900 and 2199." in response.content.decode()
    # The override path too: a date in 9999 with a time.
    response = owner_client.post(
        "/app/bookings/new/",
        {
            "client": client.pk,
            "service": shop["cut"].pk,
            "resource": shop["rafa"].pk,
            "date": "9999-12-31",
            "override": "on",
            "override_time": "23:30",
        },
    )
    _refused_readably(response, 422)
    assert not Booking.objects.exists()


def test_staff_reschedule_and_time_off_at_the_calendars_ends_are_form_errors(owner_client, shop):
    booking = BookingFactory(service=shop["cut"], resource=shop["rafa"], start=_start(_day()))
    response = owner_client.post(
        f"/app/bookings/{booking.reference}/reschedule/",
        {"date": "9999-12-31", "override": "on", "override_time": "23:30"},
    )
    _refused_readably(response, 422)
    response = owner_client.post(
        "/app/time-off/", {"start": "9999-12-31T23:59", "end": "9999-12-31T23:59"}
    )
    _refused_readably(response, 422)


def test_client_birth_date_at_the_calendars_end_is_a_form_error(owner_client):
    response = owner_client.post(
        "/app/clients/new/", {"name": "Old", "phone": "11987654321", "birth_date": "0001-01-01"}
    )
    _refused_readably(response, 422)
    assert "Choose a date between 1900 and 2199." in response.content.decode()


# --- NUL bytes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/booked/%00/",
        "/manage/a%00b/",
        "/manage/a%00b/calendar.ics",
        "/app/bookings/%00/",
        "/app/clients/?q=a%00b",
        "/app/clients/?tag=a%00b",
        "/app/clients/search/?q=a%00b",
        "/app/bookings/?client=a%00b",
        "/app/messages/?kind=%00",
        "/?x%00=1",
    ],
)
def test_a_nul_byte_in_a_path_or_parameter_is_a_readable_400(owner_client, url):
    response = owner_client.get(url)
    _refused_readably(response, 400)
    assert "character that is not allowed" in response.content.decode()


def test_a_nul_byte_in_a_form_is_a_readable_400_and_nothing_is_saved(owner_client, shop):
    response = owner_client.post("/app/clients/new/", {"name": "a\x00b", "phone": "11987654321"})
    _refused_readably(response, 400)
    url = f"/book/{shop['cut'].pk}/any/details/"
    response = owner_client.post(url, _details(shop, "any", _start(_day()), notes="x\x00"))
    _refused_readably(response, 400)
    assert not Client.objects.exists() and not Booking.objects.exists()


def test_a_nul_byte_on_the_platform_host_is_a_readable_400(platform_client):
    _refused_readably(platform_client.get("/login/?email=%00"), 400)
    _refused_readably(platform_client.post("/signup/", {"name": "\x00"}), 400)


def test_a_nul_byte_in_a_cookie_is_a_readable_400(alpha_client, shop):
    alpha_client.cookies["sessionid"] = "abc\x00defghijk"
    _refused_readably(alpha_client.get("/app/"), 400)


def test_staff_role_sees_the_same_refusals(alpha_client, shop):
    staff = UserFactory()
    ResourceFactory(user=staff)
    ServiceFactory()
    login_as(alpha_client, staff, "alpha")
    _refused_readably(alpha_client.get("/app/clients/?q=%00"), 400)
    assert alpha_client.get("/app/calendar/", {"date": "9999-12-31"}).status_code == 200
