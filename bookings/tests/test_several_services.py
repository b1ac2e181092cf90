"""Several services in one booking, staff changing a booking, and the business's questions.

Services and selectors first (fixed `now`, the week of Monday 2027-03-01, São Paulo time), then
the public pages, the staff pages, the messages, the .ics, the CSV and the API's shape.
"""

import csv
import datetime as dt
import io
import uuid
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import exports, services
from bookings.calendar_files import booking_ics
from bookings.errors import BookingError
from bookings.models import Booking, BookingEvent, BookingItem, Client
from bookings.selectors import slot_list_available
from bookings.tests.factories import BookingFactory, ClientFactory
from scheduling.models import BusinessSettings, Question, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
TUESDAY = dt.date(2027, 3, 2)
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.slot_interval = "America/Sao_Paulo", 15
    business.min_notice_minutes, business.max_advance_days = 60, 60
    business.cancellation_window_hours = 24
    business.requires_approval = False
    business.save()
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
    )
    ana = ResourceFactory(name="Ana", order=1)
    bia = ResourceFactory(name="Bia", order=2)  # cuts hair, does no beards
    cut = ServiceFactory(
        name="Cut",
        duration_minutes=30,
        price="40.00",
        buffer_before_minutes=5,
        buffer_after_minutes=10,
        performers=[ana, bia],
    )
    beard = ServiceFactory(
        name="Beard",
        duration_minutes=20,
        price="25.00",
        buffer_before_minutes=15,
        buffer_after_minutes=5,
        performers=[ana],
    )
    return SimpleNamespace(
        business=business, ana=ana, bia=bia, cut=cut, beard=beard, client=ClientFactory()
    )


def _book(shop, start, *, extra=(), resource=None, **kwargs) -> Booking:
    return services.booking_create(
        service=shop.cut,
        extra_services=list(extra),
        start=start,
        client=shop.client,
        resource=resource,
        now=NOW,
        business=shop.business,
        **kwargs,
    )


# --- Creating: items, duration, buffers, price, resource ---------------------------------------


def test_two_services_make_one_booking_with_two_items_summed(shop):
    booking = _book(shop, at(10), extra=[shop.beard])
    assert booking.resource == shop.ana  # Bia does no beards: "any" is Ana
    assert booking.end == at(10, 50)  # 30 + 20 minutes
    # The first service's buffer before, the last one's after.
    assert booking.occupied == DateTimeTZRange(at(9, 55), at(10, 55), "[)")
    assert booking.price == Decimal("65.00")
    assert booking.service == shop.cut  # the first item's service
    items = list(booking.items.values_list("name", "duration_minutes", "price", "position"))
    assert items == [("Cut", 30, Decimal("40.00"), 0), ("Beard", 20, Decimal("25.00"), 1)]
    assert booking.services_label == "Cut + Beard"


def test_one_service_gets_its_one_item(shop):
    booking = _book(shop, at(10))
    assert list(booking.items.values_list("service", flat=True)) == [shop.cut.pk]


def test_a_resource_that_does_not_perform_every_service_is_refused(shop):
    with pytest.raises(BookingError) as refused:
        _book(shop, at(10), extra=[shop.beard], resource=shop.bia)
    assert refused.value.code == "resource_unavailable"
    assert not Booking.objects.exists() and not BookingItem.objects.exists()


def test_the_same_service_twice_or_too_many_are_refused(shop):
    with pytest.raises(BookingError) as twice:
        _book(shop, at(10), extra=[shop.cut])
    assert twice.value.code == "invalid_services"
    many = [ServiceFactory(performers=[shop.ana]) for _ in range(services.MAX_SERVICES)]
    with pytest.raises(BookingError):
        _book(shop, at(10), extra=many)


def test_the_longer_booking_must_fit_the_hours(shop):
    with pytest.raises(BookingError) as late:
        _book(shop, at(17, 15), extra=[shop.beard], resource=shop.ana)  # would end 18:05
    assert late.value.code == "outside_hours"
    assert _book(shop, at(17, 15), resource=shop.ana).end == at(17, 45)  # alone it fits


def test_availability_of_two_services(shop):
    """Only resources that perform both, the whole time free with both buffers."""
    BookingFactory(service=shop.cut, resource=shop.ana, start=at(11, 15).astimezone(dt.UTC))
    free = slot_list_available(
        service=shop.cut,
        extra_services=[shop.beard],
        start_date=TUESDAY,
        end_date=TUESDAY,
        now=NOW,
        business=shop.business,
    ).for_day(TUESDAY)
    assert set(free) == {shop.ana.pk}
    starts = [s.astimezone(TZ).strftime("%H:%M") for s in free[shop.ana.pk]]
    # The booking holds 11:10–11:55; ours from 5 min before its start (the cut's buffer) to
    # 55 min after (50 minutes and the beard's 5): back to back on either side.
    assert "10:15" in starts and "10:30" not in starts and "11:45" not in starts
    assert "12:00" in starts
    # 17:15 + 50 minutes is past closing; 17:05 is off the grid; 17:00 ends 17:50 (+5 buffer).
    assert starts[-1] == "17:00"


# --- Changing a booking ----------------------------------------------------------------------


def test_adding_a_service_moves_the_end_and_writes_one_event(shop):
    booking = _book(shop, at(10), resource=shop.ana)
    staff = UserFactory()
    changed = services.booking_update(
        booking=booking, actor=staff, services=[shop.cut, shop.beard], now=NOW
    )
    assert changed.end == at(10, 50) and changed.price == Decimal("65.00")
    assert list(changed.items.values_list("name", flat=True)) == ["Cut", "Beard"]
    event = BookingEvent.objects.get(booking=booking, type=BookingEvent.Type.UPDATED)
    assert event.actor == staff
    assert event.before["services"] == ["Cut"] and event.after["services"] == ["Cut", "Beard"]
    assert event.before["price"] == "40.00" and event.after["price"] == "65.00"


def test_price_and_notes_change_without_telling_the_client(shop):
    booking = _book(shop, at(10), resource=shop.ana)
    services.booking_update(
        booking=booking,
        actor=UserFactory(),
        services=[shop.cut],  # unchanged
        price=Decimal("30.00"),
        client_notes="Short on the sides",
        internal_notes="Regular",
    )
    booking.refresh_from_db()
    assert (booking.price, booking.client_notes, booking.internal_notes) == (
        Decimal("30.00"),
        "Short on the sides",
        "Regular",
    )
    event = booking.events.get(type=BookingEvent.Type.UPDATED)
    assert set(event.before) == {"price", "client_notes", "internal_notes"}
    # Nothing changed: no event.
    services.booking_update(booking=booking, actor=None, price=Decimal("30.00"))
    assert booking.events.filter(type=BookingEvent.Type.UPDATED).count() == 1


def test_a_longer_booking_running_into_the_next_is_refused(shop):
    booking = _book(shop, at(10), resource=shop.ana)
    _book(shop, at(10, 45), resource=shop.ana)  # holds 10:40–11:25
    with pytest.raises(BookingError) as taken:
        services.booking_update(booking=booking, actor=None, services=[shop.cut, shop.beard])
    assert taken.value.code == "slot_taken"
    booking.refresh_from_db()
    assert booking.end == at(10, 30) and booking.items.count() == 1


def test_the_database_refuses_the_overlap_when_the_check_is_bypassed(shop, monkeypatch):
    """As if another writer took the time between the check and the save: the exclusion
    constraint refuses it, the change is `slot_taken` and nothing is half-written."""
    booking = _book(shop, at(10), resource=shop.ana)
    _book(shop, at(10, 45), resource=shop.ana)
    monkeypatch.setattr(services, "slot_refusal", lambda **kwargs: None)
    with pytest.raises(BookingError) as taken:
        services.booking_update(booking=booking, actor=None, services=[shop.cut, shop.beard])
    assert taken.value.code == "slot_taken"
    booking.refresh_from_db()
    assert booking.end == at(10, 30)
    assert list(booking.items.values_list("name", flat=True)) == ["Cut"]
    assert not booking.events.filter(type=BookingEvent.Type.UPDATED).exists()


def test_a_cancelled_booking_keeps_its_services(shop):
    booking = _book(shop, at(10), resource=shop.ana)
    services.booking_cancel(booking=booking, actor=None)
    with pytest.raises(BookingError) as refused:
        services.booking_update(booking=booking, actor=None, services=[shop.cut, shop.beard])
    assert refused.value.code == "invalid_transition"


def test_moving_a_booking_of_two_services_keeps_its_length(shop):
    booking = _book(shop, at(10), extra=[shop.beard])
    moved = services.booking_reschedule(booking=booking, start=at(14), now=NOW)
    assert moved.end == at(14, 50)


# --- What clients and staff read ---------------------------------------------------------------


def test_the_ics_names_every_service(shop):
    booking = _book(shop, at(10), extra=[shop.beard])
    ics = booking_ics(booking, business_name="Shop", address="", manage_url="https://x")
    assert b"Cut + Beard" in ics


def test_staff_change_form_on_the_detail_page(shop, alpha_client):
    booking = _book(shop, at(10), resource=shop.ana)
    alpha_client.force_login(OwnerFactory())
    url = f"/app/bookings/{booking.reference}/change/"
    data = {
        "services": [shop.cut.pk, shop.beard.pk],
        "price": "40.00",  # as it was: the new services' sum applies
        "client_notes": "",
        "internal_notes": "Beard added at the chair",
    }
    response = alpha_client.post(url, data, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cut + Beard" in page and "Beard added at the chair" in page
    booking.refresh_from_db()
    assert booking.price == Decimal("65.00") and booking.end == at(10, 50)

    # No service and a price that is no number: the form says why.
    response = alpha_client.post(url, {**data, "services": [], "price": "x"}, **HTMX)
    assert response.status_code == 422


def test_the_lists_and_the_calendar_name_every_service(shop, alpha_client):
    booking = _book(shop, at(10), extra=[shop.beard])
    alpha_client.force_login(OwnerFactory())
    day = booking.start.date().isoformat()
    for url in (
        "/app/bookings/?when=all",
        f"/app/calendar/?date={day}",
        f"/app/calendar/?date={day}&view=week",
        f"/app/clients/{shop.client.pk}/",
    ):
        page = alpha_client.get(url).content.decode()
        assert "Cut + Beard" in page, url
    # Filtered by its second service, it is still found.
    page = alpha_client.get(f"/app/bookings/?when=all&service={shop.beard.pk}").content.decode()
    assert booking.reference in page


def test_staff_book_two_services_from_the_new_booking_form(shop, alpha_client):
    alpha_client.force_login(OwnerFactory())
    day = timezone.localdate(timezone=TZ) + dt.timedelta(days=3)
    both = f"service={shop.cut.pk}&extra_services={shop.beard.pk}&date={day}"
    picker = alpha_client.get(f"/app/bookings/slots/?{both}").content.decode()
    expected = slot_list_available(
        service=shop.cut, extra_services=[shop.beard], start_date=day, end_date=day
    ).starts(day)
    alone = slot_list_available(service=shop.cut, start_date=day, end_date=day).starts(day)
    assert expected and len(expected) < len(alone)  # only Ana does beards; the end comes sooner
    for start in alone:
        assert (start.isoformat() in picker) == (start in expected), start

    start = dt.datetime.combine(day, dt.time(10), TZ)
    response = alpha_client.post(
        "/app/bookings/new/",
        {
            "client": shop.client.pk,
            "service": shop.cut.pk,
            # The main service ticked again counts once.
            "extra_services": [shop.beard.pk, shop.cut.pk],
            "date": day.isoformat(),
            "start": start.isoformat(),
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.services_label == "Cut + Beard" and booking.resource == shop.ana
    assert booking.price == Decimal("65.00") and booking.end == start + dt.timedelta(minutes=50)
    page = alpha_client.get("/app/bookings/new/").content.decode()
    assert 'name="extra_services"' in page


def test_staff_see_only_their_resources_bookings_to_change(shop, alpha_client):
    booking = _book(shop, at(10), resource=shop.bia)
    staff = UserFactory(role="staff")
    shop.ana.user = staff
    shop.ana.save()
    alpha_client.force_login(staff)
    url = f"/app/bookings/{booking.reference}/change/"
    response = alpha_client.post(url, {"services": [shop.cut.pk], "price": "1.00"})
    assert response.status_code == 404


# --- Questions ---------------------------------------------------------------------------------


@pytest.fixture
def asked(shop):
    allergies = Question.objects.create(label="Allergies?", required=True, order=1)
    plate = Question.objects.create(
        label="Car plate", target=Question.Target.CLIENT, required=False, order=2
    )
    size = Question.objects.create(
        label="Beard style", kind=Question.Kind.CHOICE, choices=["Short", "Full"], order=3
    )
    size.services.set([shop.beard])  # asked only with a beard
    return SimpleNamespace(allergies=allergies, plate=plate, size=size)


def _details(start, **extra):
    return {
        "name": "Paula",
        "phone": "(11) 98765-4321",
        "email": "",
        "notes": "",
        "consent": "on",
        "start": start.isoformat(),
        "idem": uuid.uuid4().hex,
        **extra,
    }


def _public_start() -> dt.datetime:
    day = timezone.localdate(timezone=TZ) + dt.timedelta(days=3)
    return dt.datetime.combine(day, dt.time(10), TZ)


def test_public_flow_of_two_services_with_questions(shop, asked, alpha_client):
    # The services form without JavaScript: the ticked services in the query string.
    start_page = alpha_client.get(f"/book/?service={shop.cut.pk}&service={shop.beard.pk}")
    combo = f"{shop.cut.pk},{shop.beard.pk}"
    assert start_page["Location"] == f"/book/{combo}/"
    # Only Ana does both: straight to her times; the summary adds them up.
    assert alpha_client.get(f"/book/{combo}/")["Location"] == f"/book/{combo}/{shop.ana.pk}/"
    when = alpha_client.get(f"/book/{combo}/{shop.ana.pk}/").content.decode()
    assert "Cut + Beard" in when and "50 min" in when and "R$65.00" in when
    assert f"/book/{combo}/{shop.ana.pk}/details/?start=" in when

    url = f"/book/{combo}/any/details/"
    start = _public_start()
    form = alpha_client.get(url, {"start": start.isoformat()}).content.decode()
    assert "Allergies?" in form and "Car plate" in form and "Beard style" in form

    # Required enforced, choices checked, text bounded: nothing booked.
    bad = _details(start, **{f"question_{asked.size.pk}": "Braided"})
    bad[f"question_{asked.plate.pk}"] = "x" * 501
    response = alpha_client.post(url, bad)
    assert response.status_code == 422
    assert not Booking.objects.exists()
    errors = response.context["form"].errors
    assert {f"question_{q.pk}" for q in (asked.allergies, asked.size, asked.plate)} <= set(errors)
    nul = _details(start, **{f"question_{asked.allergies.pk}": "nuts\x00"})
    assert alpha_client.post(url, nul).status_code in (400, 422)  # the NUL guard, or the form

    good = _details(
        start,
        **{
            f"question_{asked.allergies.pk}": "None",
            f"question_{asked.plate.pk}": "ABC-1234",
            f"question_{asked.size.pk}": "Short",
        },
    )
    response = alpha_client.post(url, good)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.services_label == "Cut + Beard" and booking.price == Decimal("65.00")
    assert booking.answers == [
        {"question": asked.allergies.pk, "label": "Allergies?", "value": "None"},
        {"question": asked.size.pk, "label": "Beard style", "value": "Short"},
    ]
    assert booking.client.custom_fields == {str(asked.plate.pk): "ABC-1234"}
    booked = alpha_client.get(response["Location"]).content.decode()
    assert "Cut + Beard" in booked

    # Staff read the answers on the booking and on the client; the CSV has a column each.
    alpha_client.force_login(OwnerFactory())
    detail = alpha_client.get(f"/app/bookings/{booking.reference}/").content.decode()
    assert "Allergies?" in detail and "Short" in detail
    client_page = alpha_client.get(f"/app/clients/{booking.client_id}/").content.decode()
    assert "Car plate" in client_page and "ABC-1234" in client_page
    export = alpha_client.get("/app/bookings/export.csv?when=all")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][-2:] == ["Allergies?", "Beard style"]
    assert rows[1][4] == "Cut + Beard" and rows[1][-2:] == ["None", "Short"]


def test_questions_of_other_services_are_not_asked(shop, asked, alpha_client):
    start = _public_start()
    form = alpha_client.get(
        f"/book/{shop.cut.pk}/any/details/", {"start": start.isoformat()}
    ).content.decode()
    assert "Allergies?" in form and "Beard style" not in form


def test_hidden_or_unknown_service_among_the_chosen_is_a_404(shop, alpha_client):
    hidden = ServiceFactory(is_public=False, performers=[shop.ana])
    assert alpha_client.get(f"/book/{shop.cut.pk},{hidden.pk}/any/").status_code == 404
    assert alpha_client.get(f"/book/{shop.cut.pk},{shop.cut.pk}/").status_code == 404
    many = ",".join(str(shop.cut.pk) for _ in range(6))
    assert alpha_client.get(f"/book/{many}/").status_code == 404  # the URL takes five
    six = "&".join(f"service={n}" for n in range(1, 7))
    assert alpha_client.get(f"/book/?{six}").status_code == 400
    assert alpha_client.get("/book/?service=x")["Location"] == "/"


def test_csv_of_the_command_and_the_api_list_services_and_answers(shop):
    question = Question.objects.create(label="Q")
    answers = [{"question": question.pk, "label": "Q", "value": "yes"}]
    booking = _book(shop, at(10), extra=[shop.beard], answers=answers)
    rows = list(
        exports.booking_csv_rows(
            Booking.objects.prefetch_related("items"), questions=exports.booking_questions()
        )
    )
    assert rows[0][-1] == "Q" and rows[1][4] == "Cut + Beard" and rows[1][-1] == "yes"

    from api.schemas import BookingOut

    out = BookingOut.from_orm(booking).dict()
    assert [s["name"] for s in out["services"]] == ["Cut", "Beard"]
    assert out["answers"] == [{"question": question.pk, "label": "Q", "value": "yes"}]


def test_client_custom_fields_keep_the_latest_answer(shop):
    kwargs = {"client_name": "Paula", "client_phone": "+5511987650000", "region": "BR"}
    services.booking_create_with_client(
        service=shop.cut, start=at(10), now=NOW, custom_fields={"7": "old"}, **kwargs
    )
    services.booking_create_with_client(
        service=shop.cut, start=at(14), now=NOW, custom_fields={"7": "new", "8": "x"}, **kwargs
    )
    client = Client.objects.get(phone="+5511987650000")
    assert client.custom_fields == {"7": "new", "8": "x"}


def test_moving_a_booking_of_two_services_offers_times_that_fit_both(shop, alpha_client):
    day = timezone.localdate(timezone=TZ) + dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(10), TZ)
    booking = services.booking_create(
        service=shop.cut, extra_services=[shop.beard], start=start, client=shop.client
    )
    services.booking_create(  # holds 14:55–15:40
        service=shop.cut, start=start.replace(hour=15), client=ClientFactory(), resource=shop.ana
    )
    alpha_client.force_login(OwnerFactory())
    url = f"/app/bookings/slots/?service={shop.cut.pk}&resource={shop.ana.pk}&date={day}"
    alone = alpha_client.get(url).content.decode()
    both = alpha_client.get(f"{url}&booking={booking.pk}", **HTMX).content.decode()
    # 14:15 and its 50 minutes (+5) would run into 14:55; the cut alone ends in time.
    offered = "> {}</label>".format
    assert offered("14:15") in alone and offered("14:15") not in both
    assert offered("14:00") in both
    assert offered("10:00") in both  # its own time stays free for itself
