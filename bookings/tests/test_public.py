"""The public booking page: every step full and htmx, refusals, idempotency, limits, manage link."""

import datetime as dt
import re
import uuid
import zoneinfo

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking, Client
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
QUOTE = str.maketrans({"+": "%2B", ":": "%3A"})  # how the slot links carry their start
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.slot_interval = "America/Sao_Paulo", 30
    business.min_notice_minutes, business.max_advance_days = 60, 30
    business.cancellation_window_hours = 24
    business.save()
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
    )
    rafa = ResourceFactory(name="Rafa", order=1)
    bia = ResourceFactory(name="Bia", order=2)
    cut = ServiceFactory(name="Cut", duration_minutes=30, price="45.00", performers=[rafa, bia])
    return {"business": business, "rafa": rafa, "bia": bia, "cut": cut}


def _day(offset=3) -> dt.date:
    return timezone.localdate(timezone=TZ) + dt.timedelta(days=offset)


def _start(day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


def _details(shop, who, start, **extra):
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


def test_services_page_lists_public_active_services_with_price(shop, alpha_client):
    ServiceFactory(name="Secret", is_public=False, performers=[shop["rafa"]])
    ServiceFactory(name="Retired", is_active=False, performers=[shop["rafa"]])
    page = alpha_client.get("/").content.decode()
    assert "Cut" in page and "30 min" in page and "BRL 45.00" in page
    assert "Secret" not in page and "Retired" not in page


def test_who_step_offers_any_and_each_performer(shop, alpha_client):
    page = alpha_client.get(f"/book/{shop['cut'].pk}/").content.decode()
    assert "Any professional" in page and "Rafa" in page and "Bia" in page
    solo = ServiceFactory(name="Solo", performers=[shop["bia"]])
    response = alpha_client.get(f"/book/{solo.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/book/{solo.pk}/{shop['bia'].pk}/"


def test_unknown_or_inactive_service_and_wrong_resource_are_404(shop, alpha_client):
    hidden = ServiceFactory(is_public=False, performers=[shop["rafa"]])
    assert alpha_client.get("/book/999999/").status_code == 404
    assert alpha_client.get(f"/book/{hidden.pk}/any/").status_code == 404
    other = ResourceFactory(name="Not doing cuts")
    assert alpha_client.get(f"/book/{shop['cut'].pk}/{other.pk}/").status_code == 404
    assert alpha_client.get(f"/book/{shop['cut'].pk}/banana/").status_code == 404


def test_day_strip_and_slots_full_and_htmx(shop, alpha_client):
    day = _day()
    url = f"/book/{shop['cut'].pk}/any/?date={day.isoformat()}"
    page = alpha_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'class="day-strip"' in body and "<html" in body
    assert _start(day, 9).astimezone(dt.UTC).isoformat().translate(QUOTE) in body
    partial = alpha_client.get(url, **HTMX)
    assert partial.content.lstrip().startswith(b'<div id="slots"')
    # Days past the maximum advance are not offered (30 days; the strip is 14 long anyway).
    far = alpha_client.get(f"/book/{shop['cut'].pk}/any/?date=2099-01-01").content.decode()
    assert "2099" not in far


def test_booking_flow_creates_booking_and_confirmation(shop, alpha_client):
    day = _day()
    start = _start(day, 10)
    form = alpha_client.get(f"/book/{shop['cut'].pk}/any/details/?start={start.isoformat()}")
    assert form.status_code == 200
    assert b'name="idem"' in form.content and b'name="website"' in form.content
    response = alpha_client.post(
        f"/book/{shop['cut'].pk}/any/details/", _details(shop, "any", start)
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert response["Location"] == f"/booked/{booking.manage_token}/"
    assert booking.source == "public" and booking.status == "confirmed"
    assert booking.resource == shop["rafa"]  # any: fewest bookings, then order
    assert booking.client.phone == "+5511987654321" and booking.client.whatsapp_consent
    confirmation = alpha_client.get(response["Location"]).content.decode()
    assert booking.reference in confirmation
    assert "Tuesday" in confirmation or day.strftime("%A") in confirmation
    assert "10:00" in confirmation  # shown in the business's time zone
    assert f"/manage/{booking.manage_token}/" in confirmation

    ics = alpha_client.get(f"/manage/{booking.manage_token}/calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    assert "BEGIN:VEVENT" in text and f"DTSTART:{start.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z" in text


def test_approval_makes_public_bookings_pending(shop, alpha_client):
    shop["business"].requires_approval = True
    shop["business"].save()
    start = _start(_day(), 11)
    alpha_client.post(f"/book/{shop['cut'].pk}/any/details/", _details(shop, "any", start))
    booking = Booking.objects.get()
    assert booking.status == "pending"
    assert b"Request received" in alpha_client.get(f"/booked/{booking.manage_token}/").content


def test_double_submit_makes_one_booking(shop, alpha_client):
    start = _start(_day(), 12)
    data = _details(shop, "any", start)
    url = f"/book/{shop['cut'].pk}/{shop['rafa'].pk}/details/"
    first = alpha_client.post(url, data)
    second = alpha_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1


def test_slot_taken_meanwhile_is_a_409_with_fresh_slots(shop, alpha_client):
    start = _start(_day(), 14)
    rival = Client.objects.create(name="Rival", phone="+5511900001111")
    services.booking_create(service=shop["cut"], start=start, client=rival, resource=shop["rafa"])
    url = f"/book/{shop['cut'].pk}/{shop['rafa'].pk}/details/"
    response = alpha_client.post(url, _details(shop, "rafa", start))
    assert response.status_code == 409
    body = response.content.decode()
    assert "just taken" in body
    assert _start(_day(), 14, 30).astimezone(dt.UTC).isoformat().translate(QUOTE) in body
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda: timezone.now() + dt.timedelta(minutes=10), "too soon"),
        (lambda: _start(_day(40), 10), "too far ahead"),
        (lambda: _start(_day(), 20), "outside the opening hours"),
        (lambda: _start(_day(), 10, 10), "outside the opening hours"),
    ],
)
def test_rule_refusals_are_sentences(shop, alpha_client, when, message):
    url = f"/book/{shop['cut'].pk}/{shop['rafa'].pk}/details/"
    response = alpha_client.post(url, _details(shop, "rafa", when()))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_invalid_details_are_422_with_field_errors(shop, alpha_client):
    url = f"/book/{shop['cut'].pk}/any/details/"
    response = alpha_client.post(url, _details(shop, "any", _start(_day()), name="", phone="123"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "This field is required." in body and "valid phone number" in body
    assert not Booking.objects.exists()


def test_missing_or_garbled_start_goes_back_to_the_times(shop, alpha_client):
    url = f"/book/{shop['cut'].pk}/any/details/"
    assert alpha_client.get(url + "?start=yesterday").status_code == 302
    assert alpha_client.post(url, {"name": "x"}).status_code == 302


def test_honeypot_refuses_bots(shop, alpha_client):
    url = f"/book/{shop['cut'].pk}/any/details/"
    response = alpha_client.post(url, _details(shop, "any", _start(_day()), website="spam.biz"))
    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_booking_posts_are_rate_limited_per_address(shop, alpha_client):
    url = f"/book/{shop['cut'].pk}/any/details/"
    for _ in range(10):
        alpha_client.post(url, _details(shop, "any", _start(_day()), phone="1"))
    response = alpha_client.post(url, _details(shop, "any", _start(_day()), phone="1"))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert b"Too many attempts" in response.content


def _book(shop, start):
    client, _ = services.client_get_or_create(name="Paula", phone="+5511987654321", region="BR")
    return services.booking_create(
        service=shop["cut"], start=start, client=client, resource=shop["rafa"]
    )


def test_manage_page_cancel_inside_the_window(shop, alpha_client):
    booking = _book(shop, _start(_day(3), 10))
    url = f"/manage/{booking.manage_token}/"
    page = alpha_client.get(url).content.decode()
    assert booking.reference in page and "Cancel my booking" in page
    response = alpha_client.post(url, {"action": "cancel", "reason": "Travelling"})
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_by_client
    assert booking.cancellation_reason == "Travelling"


def test_manage_page_reschedule_inside_the_window(shop, alpha_client):
    booking = _book(shop, _start(_day(3), 10))
    url = f"/manage/{booking.manage_token}/"
    partial = alpha_client.get(url + f"?date={_day(4).isoformat()}", **HTMX)
    assert partial.content.lstrip().startswith(b'<div id="slots"')
    new_start = _start(_day(4), 15)
    response = alpha_client.post(url, {"action": "reschedule", "start": new_start.isoformat()})
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.start == new_start
    assert b"has moved" in response.content


def test_manage_page_outside_the_window_says_why_and_refuses(shop, alpha_client):
    shop["business"].contact_phone = "+55 11 3333-4444"
    shop["business"].save()
    from accounts.tests.factories import OwnerFactory

    client, _ = services.client_get_or_create(name="Paula", phone="+5511987654321", region="BR")
    booking = services.booking_create(
        service=shop["cut"],
        start=timezone.now() + dt.timedelta(hours=5),
        client=client,
        resource=shop["rafa"],
        override=True,
        actor=OwnerFactory(),
    )
    url = f"/manage/{booking.manage_token}/"
    page = alpha_client.get(url).content.decode()
    assert "can no longer be changed online" in page and "+55 11 3333-4444" in page
    assert "Cancel my booking" not in page
    response = alpha_client.post(url, {"action": "cancel"})
    assert response.status_code == 409
    assert "too late" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_unknown_token_is_a_plain_404(shop, alpha_client):
    response = alpha_client.get("/manage/not-a-real-token/")
    assert response.status_code == 404
    assert b"We couldn" in response.content


def test_manage_tokens_are_long_and_random(shop):
    first = _book(shop, _start(_day(3), 10))
    second = _book(shop, _start(_day(3), 11))
    assert len(first.manage_token) >= 40 and first.manage_token != second.manage_token
    assert re.fullmatch(r"[A-Za-z0-9_-]+", first.manage_token)


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first request of a process also looks the tenant up
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_public_pages_have_a_fixed_query_count(shop, alpha_client):
    day = _day()
    urls = ["/", f"/book/{shop['cut'].pk}/", f"/book/{shop['cut'].pk}/any/?date={day.isoformat()}"]
    before = [_count(alpha_client, url) for url in urls]
    for hour in range(9, 17):
        _book(shop, _start(day, hour))
    for _n in range(5):
        ServiceFactory(performers=[shop["rafa"], shop["bia"], ResourceFactory()])
    after = [_count(alpha_client, url) for url in urls]
    assert after == before
    assert max(after) <= 10


def test_inactive_business_shows_closed_page(shop, tenant_alpha, alpha_client):
    tenant_alpha.is_active = False
    tenant_alpha.save()
    response = alpha_client.get(f"/book/{shop['cut'].pk}/any/")
    assert response.status_code == 503


@pytest.mark.parametrize("htmx", [False, True])
def test_every_step_answers_full_and_htmx_requests(shop, alpha_client, htmx):
    headers = HTMX if htmx else {}
    start = _start(_day(), 10)
    booking = _book(shop, _start(_day(2), 10))
    steps = [
        ("/", "Choose a"),
        (f"/book/{shop['cut'].pk}/", "Who would you like?"),
        (f"/book/{shop['cut'].pk}/any/", "slot-link"),
        (f"/book/{shop['cut'].pk}/any/details/?start={start.isoformat()}", "Your details"),
        (f"/booked/{booking.manage_token}/", booking.reference),
        (f"/manage/{booking.manage_token}/", "Move my booking"),
    ]
    for url, text in steps:
        response = alpha_client.get(url.replace("+", "%2B"), **headers)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
