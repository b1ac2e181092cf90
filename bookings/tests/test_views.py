"""Staff dashboard screens of bookings: calendar, list, export, new booking, detail, clients."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import services
from bookings.models import Booking, BookingEvent, Client
from bookings.tests.factories import BookingFactory
from conftest import host_client, login_as
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def shop(alpha):
    """Open every day 08–20; two chairs; a 30-minute cut; Sam works on chair A."""
    business = BusinessSettings.load()
    business.timezone, business.slot_interval, business.min_notice_minutes = (
        "America/Sao_Paulo",
        30,
        0,
    )
    business.max_advance_days = 400
    business.save()
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(8), end=dt.time(20)) for d in range(7)]
    )
    sam = UserFactory(email="sam@example.com")
    chair_a = ResourceFactory(name="Chair A", user=sam, order=1)
    chair_b = ResourceFactory(name="Chair B", order=2)
    cut = ServiceFactory(name="Cut", performers=[chair_a, chair_b])
    return {"business": business, "sam": sam, "a": chair_a, "b": chair_b, "cut": cut}


def _day(offset: int = 3) -> dt.date:
    return timezone.localdate(timezone=TZ) + dt.timedelta(days=offset)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


def _client(n: int = 0) -> Client:
    return Client.objects.create(name=f"Client {n}", phone=f"+55119{n:08d}")


def _book(shop, start, resource=None, client=None, n=0) -> Booking:
    return services.booking_create(
        service=shop["cut"],
        start=start,
        client=client or _client(n),
        resource=resource or shop["a"],
        business=shop["business"],
    )


def _many(shop, count: int, day: dt.date) -> None:
    """`count` bookings spread over chairs and the next days, straight into the table."""
    from bookings.services import _occupied

    rows = []
    clients = Client.objects.bulk_create(
        [Client(name=f"Bulk {i}", phone=f"+55118{i:08d}") for i in range(count)]
    )
    for i, client in enumerate(clients):
        start = _at(day + dt.timedelta(days=i // 48), 8) + dt.timedelta(minutes=30 * (i % 24))
        resource = shop["a"] if (i // 24) % 2 == 0 else shop["b"]
        end, occupied = _occupied(shop["cut"], start)
        rows.append(
            Booking(
                service=shop["cut"],
                resource=resource,
                client=client,
                start=start,
                end=end,
                occupied=occupied,
            )
        )
    Booking.objects.bulk_create(rows)


@pytest.fixture
def owner_client(shop, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


def _queries(client, url) -> int:
    client.get(url)  # the session's first visit records it (allauth usersessions): warm up
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/app/calendar/?date={day}",
        "/app/calendar/?date={day}&view=week",
        "/app/bookings/",
        "/app/clients/",
        "/app/",
    ],
)
def test_pages_query_count_does_not_grow_with_rows(shop, owner_client, url):
    day = _day()
    url = url.format(day=day.isoformat())
    _many(shop, 10, day)
    few = _queries(owner_client, url)
    Booking.objects.all().delete()
    Client.objects.all().delete()
    _many(shop, 200, day)
    assert _queries(owner_client, url) == few
    assert few <= 10


def test_calendar_day_week_and_htmx_navigation(shop, owner_client):
    day = _day()
    _book(shop, _at(day, 10), client=Client.objects.create(name="Zoe", phone="+5511988887777"))
    page = owner_client.get(f"/app/calendar/?date={day}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Zoe" in body and "Chair A" in body and "Chair B" in body
    assert f"/app/bookings/new/?resource={shop['b'].pk}&date={day}&time=10:00" in body

    partial = owner_client.get(f"/app/calendar/?date={day + dt.timedelta(days=1)}", **HTMX)
    assert partial.content.lstrip().startswith(b'<div id="calendar"')
    assert b"Zoe" not in partial.content
    week = owner_client.get(f"/app/calendar/?date={day}&view=week")
    assert b"Zoe" in week.content
    only_b = owner_client.get(f"/app/calendar/?date={day}&resource={shop['b'].pk}")
    assert b"Zoe" not in only_b.content
    assert owner_client.get("/app/calendar/?date=not-a-date").status_code == 200


def test_staff_see_only_their_own_resource(shop, alpha_client):
    day = _day()
    mine = _book(shop, _at(day, 9), resource=shop["a"], n=1)
    theirs = _book(shop, _at(day, 9), resource=shop["b"], n=2)
    login_as(alpha_client, shop["sam"], "alpha")
    assert alpha_client.get(f"/app/bookings/{mine.reference}/").status_code == 200
    assert alpha_client.get(f"/app/bookings/{theirs.reference}/").status_code == 404
    response = alpha_client.post(f"/app/bookings/{theirs.reference}/cancel/")
    assert response.status_code == 404
    listing = alpha_client.get("/app/bookings/").content.decode()
    assert mine.reference in listing and theirs.reference not in listing
    calendar = alpha_client.get(f"/app/calendar/?date={day}").content.decode()
    assert "Chair A" in calendar and "Chair B" not in calendar
    assert alpha_client.get(f"/app/clients/{theirs.client.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.CONFIRMED


def test_staff_can_open_a_client_they_just_entered(shop, alpha_client):
    login_as(alpha_client, shop["sam"], "alpha")
    response = alpha_client.post(
        "/app/clients/new/", {"name": "Walk In", "phone": "(11) 95555-0001"}, follow=True
    )
    assert response.status_code == 200 and b"Walk In" in response.content
    walk_in = Client.objects.get(name="Walk In")
    assert walk_in.created_by == shop["sam"]
    # Someone else's new client stays out of sight.
    other = Client.objects.create(name="Not Yours", phone="+5511955550002")
    assert alpha_client.get(f"/app/clients/{other.pk}/").status_code == 404


def test_booking_list_filters_pagination_and_csv(shop, owner_client):
    day = _day()
    _many(shop, 30, day)
    first = Booking.objects.order_by("start").first()
    services.booking_cancel(booking=first, reason="test", business=shop["business"])
    cancelled = owner_client.get("/app/bookings/?status=cancelled")
    assert cancelled.content.decode().count("status-badge-cancelled") == 1
    page2 = owner_client.get("/app/bookings/?page=2", **HTMX)
    assert page2.content.lstrip().startswith(b'<div id="booking-list">')
    assert b"Page 2 of 2" in page2.content
    by_client = owner_client.get("/app/bookings/?client=Bulk 7")
    assert b"Bulk 7" in by_client.content and b"Bulk 8" not in by_client.content
    bad = owner_client.get(f"/app/bookings/?date_from={day}&date_to={day - dt.timedelta(days=2)}")
    assert bad.status_code == 422

    export = owner_client.get("/app/bookings/export.csv?status=confirmed")
    assert export["Content-Type"].startswith("text/csv")
    lines = b"".join(export.streaming_content).decode().strip().splitlines()
    assert lines[0].startswith("reference,status,start")
    assert len(lines) == 1 + 29
    # Times in the business's time zone (São Paulo, UTC−3), as the dashboard shows them.
    start, end = lines[1].split(",")[2:4]
    assert start.endswith("-03:00") and end.endswith("-03:00")


def test_new_booking_with_slot_picker_and_new_client(shop, owner_client):
    day = _day()
    picker = owner_client.get(
        f"/app/bookings/slots/?service={shop['cut'].pk}&resource={shop['a'].pk}&date={day}"
    )
    assert picker.status_code == 200
    start = _at(day, 11).astimezone(dt.UTC)
    assert start.isoformat().encode() in picker.content
    response = owner_client.post(
        "/app/bookings/new/",
        {
            "client_name": "Nina",
            "client_phone": "(11) 97777-1234",
            "service": shop["cut"].pk,
            "resource": shop["a"].pk,
            "date": day.isoformat(),
            "start": start.isoformat(),
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert response["Location"] == f"/app/bookings/{booking.reference}/"
    assert booking.client.phone == "+5511977771234"
    assert booking.events.get().actor is not None

    # The same slot again: refused as taken, with fresh times, as a 409 partial.
    again = owner_client.post(
        "/app/bookings/new/",
        {
            "client": booking.client.pk,
            "service": shop["cut"].pk,
            "resource": shop["a"].pk,
            "date": day.isoformat(),
            "start": start.isoformat(),
        },
        **HTMX,
    )
    assert again.status_code == 409
    assert b"just taken" in again.content
    assert start.isoformat().encode() not in again.content
    invalid = owner_client.post("/app/bookings/new/", {"service": "", "date": "x"}, **HTMX)
    assert invalid.status_code == 422
    bad_phone = owner_client.post(
        "/app/bookings/new/",
        {
            "client_name": "X",
            "client_phone": "123",
            "service": shop["cut"].pk,
            "date": day.isoformat(),
            "start": _at(day, 12).isoformat(),
        },
    )
    assert bad_phone.status_code == 422
    assert b"valid phone number" in bad_phone.content
    assert Booking.objects.count() == 1


def test_new_booking_any_available_and_override(shop, owner_client):
    day = _day()
    _book(shop, _at(day, 9), resource=shop["a"], n=1)
    response = owner_client.post(
        "/app/bookings/new/",
        {
            "client_name": "Any",
            "client_phone": "11 96666-1234",
            "service": shop["cut"].pk,
            "date": day.isoformat(),
            "start": _at(day, 9).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Booking.objects.get(client__name="Any").resource == shop["b"]
    late = owner_client.post(
        "/app/bookings/new/",
        {
            "client_name": "Late",
            "client_phone": "11 95555-1234",
            "service": shop["cut"].pk,
            "resource": shop["a"].pk,
            "date": day.isoformat(),
            "override": "on",
            "override_time": "21:00",
        },
    )
    assert late.status_code == 302
    booking = Booking.objects.get(client__name="Late")
    assert booking.start == _at(day, 21)
    assert booking.events.get().override


def test_detail_actions_reschedule_and_history(shop, owner_client):
    day = _day()
    booking = _book(shop, _at(day, 10), n=3)
    page = owner_client.get(f"/app/bookings/{booking.reference}/")
    assert page.status_code == 200 and b"Reschedule" in page.content
    # Completing a booking that has not started is refused with a sentence.
    early = owner_client.post(f"/app/bookings/{booking.reference}/complete/", **HTMX)
    assert early.status_code == 422
    assert b"not started yet" in early.content

    new_start = _at(day, 15)
    moved = owner_client.post(
        f"/app/bookings/{booking.reference}/reschedule/",
        {"date": day.isoformat(), "resource": shop["b"].pk, "start": new_start.isoformat()},
        **HTMX,
    )
    assert moved.status_code == 200
    booking.refresh_from_db()
    assert (booking.start, booking.resource) == (new_start, shop["b"])
    assert b"Rescheduled" in moved.content

    # htmx asks first (hx-confirm) and then posts confirmed=yes (hx-vals).
    page = owner_client.get(f"/app/bookings/{booking.reference}/").content.decode()
    assert (
        'hx-confirm="Cancel this booking?' in page and """hx-vals='{"confirmed": "yes"}'""" in page
    )
    cancelled = owner_client.post(
        f"/app/bookings/{booking.reference}/cancel/",
        {"reason": "Sick", "confirmed": "yes"},
        **HTMX,
    )
    assert cancelled.status_code == 200
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancellation_reason == "Sick"
    twice = owner_client.post(
        f"/app/bookings/{booking.reference}/cancel/", {"confirmed": "yes"}, **HTMX
    )
    assert twice.status_code == 409
    assert owner_client.post(f"/app/bookings/{booking.reference}/explode/").status_code == 404
    assert owner_client.get("/app/bookings/NOPE42/").status_code == 404


def test_clients_list_detail_edit_and_interactions(shop, owner_client):
    ana = Client.objects.create(name="Ana Souza", phone="+5511912345678", tags=["vip-list"])
    Client.objects.create(name="Bruno", phone="+5511912340000", is_active=False)
    listing = owner_client.get("/app/clients/?q=91234-5678")
    assert b"Ana Souza" in listing.content
    assert b"Bruno" not in owner_client.get("/app/clients/").content
    assert b"Bruno" in owner_client.get("/app/clients/?active=no").content
    assert b"Ana Souza" in owner_client.get("/app/clients/?tag=vip-list", **HTMX).content

    detail = owner_client.get(f"/app/clients/{ana.pk}/")
    assert detail.status_code == 200 and b"average ticket" in detail.content
    note = owner_client.post(
        f"/app/clients/{ana.pk}/interactions/",
        {"kind": "call", "body": "Asked about prices"},
        **HTMX,
    )
    assert note.status_code == 200 and b"Asked about prices" in note.content
    empty = owner_client.post(f"/app/clients/{ana.pk}/interactions/", {"kind": "x"}, **HTMX)
    assert empty.status_code == 422

    bad = owner_client.post(
        f"/app/clients/{ana.pk}/edit/", {"name": "Ana", "phone": "12", "tags": ""}
    )
    assert bad.status_code == 422 and b"valid phone number" in bad.content
    taken = owner_client.post(
        "/app/clients/new/", {"name": "Copy", "phone": "(11) 91234-5678", "tags": ""}
    )
    assert taken.status_code == 422 and b"already has this phone" in taken.content
    ok = owner_client.post(
        f"/app/clients/{ana.pk}/edit/",
        {"name": "Ana S.", "phone": "+55 11 91234-5678", "tags": "Regular, beard"},
    )
    assert ok.status_code == 302
    ana.refresh_from_db()
    assert (ana.name, ana.tags) == ("Ana S.", ["beard", "regular"])
    owner_client.post(f"/app/clients/{ana.pk}/deactivate/")
    ana.refresh_from_db()
    assert not ana.is_active


def test_time_clicked_in_the_calendar_is_preselected_when_free(shop, owner_client):
    day = _day()
    _book(shop, _at(day, 10), resource=shop["a"], n=5)
    base = f"/app/bookings/slots/?service={shop['cut'].pk}&resource={shop['a'].pk}&date={day}"
    free = owner_client.get(base + "&wanted_time=11:00").content.decode()
    assert f'value="{_at(day, 11).astimezone(dt.UTC).isoformat()}" checked' in free
    taken = owner_client.get(base + "&wanted_time=10:00").content.decode()
    assert "checked" not in taken


# --- Staff book only on their own resource, for clients they can see -------------------------


def _new_booking_post(shop, day, hour, **fields) -> dict:
    data = {
        "service": shop["cut"].pk,
        "date": day.isoformat(),
        "start": _at(day, hour).isoformat(),
    }
    data.update(fields)
    return data


@pytest.fixture
def sam_client(shop, alpha_client):
    return login_as(alpha_client, shop["sam"], "alpha")


def test_staff_any_available_books_their_own_resource(shop, sam_client):
    day = _day()
    # Chair A is the busier one that day, so "any available" alone would pick Chair B.
    _book(shop, _at(day, 9), resource=shop["a"], n=1)
    response = sam_client.post(
        "/app/bookings/new/",
        _new_booking_post(shop, day, 11, client_name="Mine", client_phone="11 94444-0001"),
    )
    assert response.status_code == 302
    assert Booking.objects.get(client__name="Mine").resource == shop["a"]


def test_staff_any_available_never_falls_back_to_a_colleague(shop, sam_client):
    day = _day()
    _book(shop, _at(day, 9), resource=shop["a"], n=1)
    response = sam_client.post(
        "/app/bookings/new/",
        _new_booking_post(shop, day, 9, client_name="Late", client_phone="11 94444-0002"),
        **HTMX,
    )
    assert response.status_code == 409
    assert b"nobody is free" in response.content
    assert not Booking.objects.filter(resource=shop["b"]).exists()


def test_staff_posting_another_resource_is_refused(shop, sam_client):
    day = _day()
    response = sam_client.post(
        "/app/bookings/new/",
        _new_booking_post(
            shop, day, 11, client_name="X", client_phone="11 94444-0003", resource=shop["b"].pk
        ),
        **HTMX,
    )
    assert response.status_code == 422
    assert b"Choose one from the list." in response.content
    override = sam_client.post(
        "/app/bookings/new/",
        _new_booking_post(
            shop,
            day,
            11,
            client_name="X",
            client_phone="11 94444-0003",
            resource=shop["b"].pk,
            override="on",
            override_time="21:00",
        ),
    )
    assert override.status_code == 422
    assert not Booking.objects.exists()


def test_staff_can_book_only_clients_they_can_see(shop, sam_client):
    day = _day()
    hidden = Client.objects.create(name="Hidden Person", phone="+5511944440004")
    _book(shop, _at(day, 15), resource=shop["b"], client=hidden)
    refused = sam_client.post(
        "/app/bookings/new/", _new_booking_post(shop, day, 11, client=hidden.pk), **HTMX
    )
    assert refused.status_code == 422
    assert b"Choose one found by the search" in refused.content
    assert b"Hidden Person" not in refused.content
    assert not Booking.objects.filter(resource=shop["a"]).exists()

    entered = Client.objects.create(name="Entered", phone="+5511944440005", created_by=shop["sam"])
    ok = sam_client.post("/app/bookings/new/", _new_booking_post(shop, day, 11, client=entered.pk))
    assert ok.status_code == 302
    assert Booking.objects.get(client=entered).resource == shop["a"]


def test_staff_cannot_reschedule_onto_another_resource(shop, sam_client):
    day = _day()
    booking = _book(shop, _at(day, 10), resource=shop["a"], n=6)
    moved = sam_client.post(
        f"/app/bookings/{booking.reference}/reschedule/",
        {"date": day.isoformat(), "resource": shop["b"].pk, "start": _at(day, 15).isoformat()},
        **HTMX,
    )
    assert moved.status_code == 422
    assert b"Choose one from the list." in moved.content
    booking.refresh_from_db()
    assert (booking.start, booking.resource) == (_at(day, 10), shop["a"])
    same = sam_client.post(
        f"/app/bookings/{booking.reference}/reschedule/",
        {"date": day.isoformat(), "start": _at(day, 15).isoformat()},
        **HTMX,
    )
    assert same.status_code == 200
    booking.refresh_from_db()
    assert (booking.start, booking.resource) == (_at(day, 15), shop["a"])


def test_new_booking_with_garbled_ids_is_a_form_error(shop, owner_client):
    day = _day()
    response = owner_client.post(
        "/app/bookings/new/",
        {"client": "abc", "service": "x", "resource": "y", "date": day.isoformat()},
        **HTMX,
    )
    assert response.status_code == 422
    assert b"Choose one from the list." in response.content
    page = owner_client.get("/app/bookings/new/?resource=nope&service=nope&client=nope")
    assert page.status_code == 200
    picker = owner_client.get("/app/bookings/slots/?service=x&resource=y&date=z&booking=1")
    assert picker.status_code == 200


# --- Calendar's current-time line ----------------------------------------------------------------


def test_calendar_draws_the_current_time_line_on_today_only(shop, alpha_client):
    today = timezone.localdate(timezone=TZ)
    with time_machine.travel(_at(today, 14, 30), tick=False):
        login_as(alpha_client, OwnerFactory(), "alpha")
        page = alpha_client.get(f"/app/calendar/?date={today}").content.decode()
        # 6 h 30 min below the 08:00 top of the grid, at 1.4 px a minute: one line per column.
        assert page.count('<div class="now-line" style="top: 546px"') == 2
        tomorrow = alpha_client.get(f"/app/calendar/?date={today + dt.timedelta(days=1)}")
        assert b"now-line" not in tomorrow.content
        yesterday = alpha_client.get(f"/app/calendar/?date={today - dt.timedelta(days=1)}")
        assert b"now-line" not in yesterday.content
    with time_machine.travel(_at(today, 21, 30), tick=False):
        # After closing time (the grid ends at 20:00) there is no line to draw.
        assert b"now-line" not in alpha_client.get(f"/app/calendar/?date={today}").content


# --- Booking detail: confirm, no-show and the corrections ----------------------------------------


def test_confirm_a_pending_booking_from_its_detail(shop, owner_client):
    booking = BookingFactory(
        service=shop["cut"], resource=shop["a"], start=_at(_day(), 10), status="pending"
    )
    page = owner_client.get(f"/app/bookings/{booking.reference}/")
    assert b"/confirm/" in page.content
    confirmed = owner_client.post(f"/app/bookings/{booking.reference}/confirm/", **HTMX)
    assert confirmed.status_code == 200
    assert b"Confirmed." in confirmed.content
    assert b"status-badge-confirmed" in confirmed.content
    assert b"/confirm/" not in confirmed.content
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.events.get().type == BookingEvent.Type.CONFIRMED
    again = owner_client.post(f"/app/bookings/{booking.reference}/confirm/", **HTMX)
    assert again.status_code == 409
    assert b"A confirmed booking cannot be confirmed." in again.content


def test_no_show_and_corrections_from_the_detail(shop, owner_client):
    yesterday = _at(_day(-1), 10)
    booking = BookingFactory(service=shop["cut"], resource=shop["a"], start=yesterday)
    page = owner_client.get(f"/app/bookings/{booking.reference}/").content.decode()
    assert "/no_show/" in page and "/complete/" in page

    marked = owner_client.post(f"/app/bookings/{booking.reference}/no_show/", follow=True)
    assert marked.redirect_chain == [(f"/app/bookings/{booking.reference}/", 302)]
    body = marked.content.decode()
    assert "Marked as no-show." in body and "status-badge-no_show" in body
    assert "/mark_completed/" in body and "/no_show/" not in body

    fixed = owner_client.post(f"/app/bookings/{booking.reference}/mark_completed/", **HTMX)
    assert fixed.status_code == 200
    assert b"Corrected to completed." in fixed.content
    assert b"status-badge-completed" in fixed.content and b"/mark_no_show/" in fixed.content
    back = owner_client.post(f"/app/bookings/{booking.reference}/mark_no_show/", **HTMX)
    assert b"Corrected to no-show." in back.content
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    history = [(e.type, e.before["status"]) for e in booking.events.order_by("pk")]
    assert history == [
        (BookingEvent.Type.NO_SHOW, "confirmed"),
        (BookingEvent.Type.CORRECTED, "no_show"),
        (BookingEvent.Type.CORRECTED, "completed"),
    ]
    # A correction that does not apply to the current status is refused, not applied.
    wrong = owner_client.post(f"/app/bookings/{booking.reference}/mark_no_show/", **HTMX)
    assert wrong.status_code == 409
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_no_show_before_the_start_is_refused(shop, owner_client):
    booking = BookingFactory(service=shop["cut"], resource=shop["a"], start=_at(_day(), 10))
    assert b"/no_show/" not in owner_client.get(f"/app/bookings/{booking.reference}/").content
    early = owner_client.post(f"/app/bookings/{booking.reference}/no_show/", **HTMX)
    assert early.status_code == 422 and b"not started yet" in early.content
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# --- Clients: reactivate, filters, search --------------------------------------------------------


def test_reactivate_a_client(shop, owner_client):
    bruno = Client.objects.create(name="Bruno", phone="+5511912340000", is_active=False)
    page = owner_client.get(f"/app/clients/{bruno.pk}/")
    assert f"/app/clients/{bruno.pk}/reactivate/".encode() in page.content
    response = owner_client.post(f"/app/clients/{bruno.pk}/reactivate/", follow=True)
    assert response.redirect_chain == [(f"/app/clients/{bruno.pk}/", 302)]
    assert b"Bruno reactivated." in response.content
    bruno.refresh_from_db()
    assert bruno.is_active
    assert b"Bruno" in owner_client.get("/app/clients/").content


def test_reactivating_a_client_whose_phone_is_taken_says_so(shop, owner_client):
    old = Client.objects.create(name="Old Ana", phone="+5511912345678", is_active=False)
    Client.objects.create(name="New Ana", phone="+5511912345678")
    response = owner_client.post(f"/app/clients/{old.pk}/reactivate/", follow=True)
    assert response.status_code == 200
    assert b"New Ana is active with the same phone number; deactivate them first." in (
        response.content
    )
    old.refresh_from_db()
    assert not old.is_active


def test_client_list_vip_filter_and_search_by_email(shop, owner_client):
    Client.objects.create(name="Vera Vip", phone="+5511911110001", is_vip=True)
    Client.objects.create(name="Otto Plain", phone="+5511911110002", email="otto@mail.test")
    everyone = owner_client.get("/app/clients/").content
    assert b"Vera Vip" in everyone and b"Otto Plain" in everyone
    vips = owner_client.get("/app/clients/?vip=yes", **HTMX).content
    assert b"Vera Vip" in vips and b"Otto Plain" not in vips
    by_email = owner_client.get("/app/clients/?q=OTTO@mail").content
    assert b"Otto Plain" in by_email and b"Vera Vip" not in by_email


def test_client_search_for_the_booking_form(shop, owner_client, alpha_client):
    ana = Client.objects.create(name="Ana Souza", phone="+5511912345678", email="ana@x.test")
    Client.objects.create(name="Ana Gone", phone="+5511912349999", is_active=False)
    Client.objects.create(name="Bruno", phone="+5511987650000")

    def found(client, q) -> str:
        response = client.get("/app/clients/search/", {"q": q}, **HTMX)
        assert response.status_code == 200
        return response.content.decode()

    by_name = found(owner_client, "ana")
    assert f'name="client" value="{ana.pk}"' in by_name
    assert "Ana Gone" not in by_name and "Bruno" not in by_name
    assert "Ana Souza" in found(owner_client, "9123-45")  # phone digits, however typed
    assert "Ana Souza" in found(owner_client, "ana@x")
    assert "Bruno" not in found(owner_client, "ana@x")
    assert "Nobody found for “zzz”" in found(owner_client, "zzz")
    assert "Ana Souza" not in found(owner_client, "a")  # too short to search

    # Staff find only clients they may see: Ana has no booking with Sam.
    sam = login_as(host_client("alpha.localhost"), shop["sam"], "alpha")
    assert "Ana Souza" not in found(sam, "ana")
    _book(shop, _at(_day(), 10), resource=shop["a"], client=ana)
    assert "Ana Souza" in found(sam, "ana")


# --- Bookings list: resource, service and date filters ------------------------------------------


def test_booking_list_filters_by_resource_service_and_local_dates(shop, owner_client):
    day = _day()
    beard = ServiceFactory(name="Beard", performers=[shop["a"], shop["b"]])
    on_a = BookingFactory(service=shop["cut"], resource=shop["a"], start=_at(day, 10))
    on_b = BookingFactory(service=shop["cut"], resource=shop["b"], start=_at(day, 10))
    beard_b = BookingFactory(service=beard, resource=shop["b"], start=_at(day, 12))
    # 23:30 in São Paulo is already the next day in UTC: it still belongs to `day`.
    late = BookingFactory(service=shop["cut"], resource=shop["a"], start=_at(day, 23, 30))
    next_day = BookingFactory(
        service=shop["cut"], resource=shop["a"], start=_at(day + dt.timedelta(days=1), 0, 30)
    )
    before = BookingFactory(
        service=shop["cut"], resource=shop["a"], start=_at(day - dt.timedelta(days=1), 10)
    )

    def listed(query: str) -> set[str]:
        page = owner_client.get(f"/app/bookings/?{query}").content.decode()
        everyone = [on_a, on_b, beard_b, late, next_day, before]
        return {b.reference for b in everyone if b.reference in page}

    assert listed(f"resource={shop['b'].pk}") == {on_b.reference, beard_b.reference}
    assert listed(f"service={beard.pk}") == {beard_b.reference}
    assert listed(f"resource={shop['b'].pk}&service={shop['cut'].pk}") == {on_b.reference}
    one_day = f"date_from={day}&date_to={day}"
    assert listed(one_day) == {on_a.reference, on_b.reference, beard_b.reference, late.reference}
    assert listed(f"date_from={day + dt.timedelta(days=1)}") == {next_day.reference}
    assert listed(f"date_to={day - dt.timedelta(days=1)}") == {before.reference}


def test_csv_export_defuses_formulas_in_client_names(shop, owner_client):
    evil = Client.objects.create(
        name='=HYPERLINK("http://evil.test","Click")', phone="+5511933330001", email="-x@e.test"
    )
    _book(shop, _at(_day(), 10), client=evil)
    export = owner_client.get("/app/bookings/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["client"] == '\'=HYPERLINK("http://evil.test","Click")'
    assert row["email"] == "'-x@e.test"
    assert row["phone"] == "+5511933330001"
    assert (row["service"], row["resource"]) == ("Cut", "Chair A")


# --- One state machine, confirmation without JavaScript, client and booking together -----------


@pytest.mark.parametrize(
    ("status", "offset", "buttons"),
    [
        ("pending", 3, ["/confirm/", "/cancel/", "/reschedule/"]),
        ("confirmed", 3, ["/cancel/", "/reschedule/"]),
        ("confirmed", -1, ["/complete/", "/no_show/", "/cancel/", "/reschedule/"]),
        ("completed", -1, ["/mark_no_show/"]),
        ("no_show", -1, ["/mark_completed/"]),
        ("cancelled", 3, []),
        ("expired", -1, []),
    ],
)
def test_detail_offers_what_the_state_machine_says(shop, owner_client, status, offset, buttons):
    booking = BookingFactory(
        service=shop["cut"], resource=shop["a"], start=_at(_day(offset), 10), status=status
    )
    page = owner_client.get(f"/app/bookings/{booking.reference}/").content.decode()
    every = ["/confirm/", "/complete/", "/no_show/", "/mark_completed/", "/mark_no_show/"]
    every += ["/cancel/", "/reschedule/", "/expire/"]
    offered = [url for url in every if f"/app/bookings/{booking.reference}{url}" in page]
    assert sorted(offered) == sorted(buttons)
    # The sweep's own action is not the staff's, even where the state machine allows it.
    expire = owner_client.post(f"/app/bookings/{booking.reference}/expire/")
    assert expire.status_code == 404


def test_cancel_without_javascript_asks_first(shop, owner_client):
    booking = _book(shop, _at(_day(), 10), n=7)
    url = f"/app/bookings/{booking.reference}/cancel/"
    asked = owner_client.post(url, {"reason": "Sick"})
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "Cancel this booking? The client is told it is cancelled." in body
    assert "Yes, cancel booking" in body and "No, keep it" in body
    assert 'name="confirmed" value="yes"' in body and 'name="reason" value="Sick"' in body
    booking.refresh_from_db()
    assert booking.status == "confirmed" and not booking.events.filter(type="cancelled").exists()

    done = owner_client.post(url, {"reason": "Sick", "confirmed": "yes"}, follow=True)
    assert done.redirect_chain == [(f"/app/bookings/{booking.reference}/", 302)]
    assert "Cancelled." in done.content.decode()
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancellation_reason == "Sick"
    # Already cancelled: no question, the refusal (as a message on the page).
    again = owner_client.post(url, follow=True).content.decode()
    assert "cannot change any more" in again and "Yes, cancel booking" not in again


def test_a_refused_time_for_a_new_client_saves_no_client(shop, owner_client):
    day = _day()
    _book(shop, _at(day, 11), resource=shop["a"], n=1)
    before = Client.objects.count()
    response = owner_client.post(
        "/app/bookings/new/",
        {
            "client_name": "Olga",
            "client_phone": "11 94444-1234",
            "service": shop["cut"].pk,
            "resource": shop["a"].pk,
            "date": day.isoformat(),
            "start": _at(day, 11).isoformat(),
        },
        **HTMX,
    )
    assert response.status_code == 409 and b"just taken" in response.content
    assert Client.objects.count() == before
    assert not Client.objects.filter(name="Olga").exists()


# --- Day calendar: overlapping items side by side, working time as the engine reads it ---------


def _drawn(page: str) -> dict[str, tuple[int, int]]:
    """Reference → (lane, lanes) of each booking drawn in the day grid."""
    import re

    found = re.findall(
        r'href="/app/bookings/([A-Z0-9]+)/" class="booking [^"]*" style="[^"]*'
        r"--lane: (\d+); --lanes: (\d+);",
        page,
    )
    return {ref: (int(lane), int(lanes)) for ref, lane, lanes in found}


def test_calendar_lays_overlapping_bookings_side_by_side_whatever_their_status(shop, owner_client):
    day = _day(-2)
    long = ServiceFactory(name="Cut and beard", duration_minutes=50, performers=[shop["a"]])
    # The demo's Thursday: a completed 09:00-09:30 and an exempt 09:00-09:50 (kept by 0006).
    done = BookingFactory(service=shop["cut"], resource=shop["a"], start=_at(day, 9))
    done.status = "completed"
    done.save()
    old = BookingFactory.build(service=long, resource=shop["a"], start=_at(day, 9))
    old.status, old.overlap_exempt = "completed", True
    old.client = Client.objects.create(name="Exempt", phone="+5511900001111")
    old.save()
    # A cancelled 14:00 beside the booking that took its time; a lone one at 16:00.
    gone = BookingFactory(
        service=shop["cut"], resource=shop["a"], start=_at(day, 14), status="cancelled"
    )
    taken = BookingFactory(service=long, resource=shop["a"], start=_at(day, 14))
    lone = BookingFactory(service=shop["cut"], resource=shop["a"], start=_at(day, 16))

    page = owner_client.get(f"/app/calendar/?date={day}").content.decode()
    drawn = _drawn(page)
    assert drawn == {
        done.reference: (1, 2),
        old.reference: (0, 2),  # the longer one first, on the left
        taken.reference: (0, 2),
        gone.reference: (1, 2),
        lone.reference: (0, 1),
    }
    assert "status-cancelled" in page and "· cancelled" in page and "· completed" in page
    week = owner_client.get(f"/app/calendar/?date={day}&view=week").content.decode()
    assert all(b.reference in week for b in (done, old, gone, taken, lone))


def test_lanes_are_reused_once_free():
    from bookings.views.calendar import Placed, lanes_assign

    def item(pk, top, height):
        return Placed(Booking(pk=pk), top, height)

    # 1 and 2 overlap; 3 starts when 1 ends (lane 0 again) but still overlaps 2: one group.
    items = lanes_assign([item(1, 0, 40), item(2, 10, 60), item(3, 40, 20), item(4, 100, 20)])
    assert [(i.booking.pk, i.lane, i.lanes) for i in items] == [
        (1, 0, 2),
        (2, 1, 2),
        (3, 0, 2),
        (4, 0, 1),
    ]


def test_calendar_shades_time_off_and_own_hours_as_closed(shop, owner_client):
    from scheduling.models import TimeOff

    day = _day()
    # Chair B works 10-12 only, on every weekday; chair A is off 15:00-16:00 that day.
    WeeklyHours.objects.bulk_create(
        [
            WeeklyHours(resource=shop["b"], weekday=d, start=dt.time(10), end=dt.time(12))
            for d in range(7)
        ]
    )
    TimeOff.objects.create(resource=shop["a"], start=_at(day, 15), end=_at(day, 16))
    page = owner_client.get(f"/app/calendar/?date={day}").content.decode()

    def closed(resource, hhmm):
        import re

        cell = re.search(
            rf'<a class="cell( cell-closed)?" href="/app/bookings/new/\?resource={resource.pk}'
            rf"&date={day}&time={hhmm}\"",
            page,
        )
        assert cell, hhmm
        return bool(cell.group(1))

    assert not closed(shop["a"], "14:30") and closed(shop["a"], "15:00")
    assert closed(shop["a"], "15:30") and not closed(shop["a"], "16:00")
    assert closed(shop["b"], "09:30") and not closed(shop["b"], "10:00")
    assert not closed(shop["b"], "11:30") and closed(shop["b"], "12:00")


# --- Bookings list: today and upcoming first, past on its own tab --------------------------------


def test_booking_list_opens_on_today_and_upcoming_and_past_has_its_tab(shop, owner_client):
    def made(offset, hour, n):
        return BookingFactory(
            service=shop["cut"],
            resource=shop["a"],
            start=_at(_day(offset), hour),
            client=_client(n),
        ).reference

    later, soon, today_early = made(5, 10, 1), made(1, 10, 2), made(0, 0, 3)
    last_week, yesterday = made(-7, 10, 4), made(-1, 10, 5)

    def order(body: str, refs) -> list[str]:
        return sorted((r for r in refs if r in body), key=body.index)

    everyone = [later, soon, today_early, last_week, yesterday]
    page = owner_client.get("/app/bookings/").content.decode()
    assert order(page, everyone) == [today_early, soon, later]
    assert 'aria-current="page">Today and upcoming</a>' in page
    past = owner_client.get("/app/bookings/?when=past").content.decode()
    assert order(past, everyone) == [yesterday, last_week]
    # The tabs swap the page's filters and list (htmx) and keep the other filters.
    tab = owner_client.get(
        "/app/bookings/?when=all&status=confirmed", HTTP_HX_TARGET="bookings-page", **HTMX
    )
    body = tab.content.decode()
    assert body.lstrip().startswith('<div id="bookings-page">')
    assert order(body, everyone) == [later, soon, today_early, yesterday, last_week]
    assert "status=confirmed&amp;when=past" in body
    listed = owner_client.get("/app/bookings/?when=past&status=confirmed", **HTMX).content
    assert listed.lstrip().startswith(b'<div id="booking-list">')
    csv_rows = b"".join(owner_client.get("/app/bookings/export.csv?when=past").streaming_content)
    assert last_week.encode() in csv_rows and later.encode() not in csv_rows


def test_booking_detail_and_its_confirm_step_keep_their_query_count(shop, owner_client):
    booking = _book(shop, _at(_day(), 10), n=9)
    url = f"/app/bookings/{booking.reference}/"
    owner_client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as detail:
        assert owner_client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as step:
        assert owner_client.post(url + "cancel/").status_code == 200
    # A fixed number whatever the booking's history (measured: 12 each; 14 with G7's items
    # and the change form's services).
    assert len(detail.captured_queries) <= 14
    assert len(step.captured_queries) <= 14
