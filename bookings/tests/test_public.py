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


def _offered(html: str) -> str:
    """The page without its language switch, whose `next` repeats the address asked for."""
    return re.sub(r'(?s)<form[^>]*class="language-switch".*?</form>', "", html)


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
    # The price in the business's currency and the page's language (BRL, English; pt-BR's
    # "R$ 45,00" is in test_public_i18n).
    assert "Cut" in page and "30 min" in page and "R$45.00" in page
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
    assert "2099" not in _offered(far)


@pytest.fixture
def far_shop(shop):
    shop["business"].max_advance_days = 60
    shop["business"].save()
    return shop


def _get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


def test_day_strip_pages_reach_the_maximum_advance(far_shop, alpha_client):
    url = f"/book/{far_shop['cut'].pk}/any/"
    first = _get(alpha_client, url)
    # 60 days ahead: today + 60 makes 61 days, pages of 14 from today (the last one of 5 days).
    assert f'href="{url}?from={_day(14).isoformat()}"' in first
    assert f'hx-get="{url}?from={_day(14).isoformat()}"' in first
    assert "Earlier" not in first and f"?date={_day(14).isoformat()}" not in first
    second = _get(alpha_client, f"{url}?from={_day(14).isoformat()}")
    assert f"?date={_day(14).isoformat()}" in second and f"?date={_day(27).isoformat()}" in second
    assert f"?date={_day(13).isoformat()}" not in second
    assert f"?date={_day(28).isoformat()}" not in second
    assert f'href="{url}?from={_day(0).isoformat()}"' in second  # earlier
    assert f'href="{url}?from={_day(28).isoformat()}"' in second  # later
    # The first open day of the page is chosen, with its slots.
    assert (
        'aria-current="date"' in second
        and _start(_day(14), 9).astimezone(dt.UTC).isoformat().translate(QUOTE) in second
    )
    last = _get(alpha_client, f"{url}?from={_day(56).isoformat()}")
    assert f'id="day-{_day(60).isoformat()}"' in last
    assert f'id="day-{_day(61).isoformat()}"' not in last
    assert "Later" not in last and "You can book up to 60 days ahead" in last
    # The short last page keeps the strip's shape (no jump): blank cells fill it to 14.
    assert last.count('class="day is-blank"') == 14 - 5


def test_a_date_within_the_advance_shows_its_day_and_page(far_shop, alpha_client):
    day = _day(45)
    body = _get(alpha_client, f"/book/{far_shop['cut'].pk}/any/?date={day.isoformat()}")
    assert f'id="day-{day.isoformat()}"' in body
    assert re.search(rf'id="day-{day.isoformat()}"[^>]*aria-current="date"', body)
    assert day.strftime("%A") in body
    assert _start(day, 11).astimezone(dt.UTC).isoformat().translate(QUOTE) in body
    # The page holding day 45 is days 42..55.
    assert f'id="day-{_day(42).isoformat()}"' in body and f'id="day-{_day(55).isoformat()}"' in body
    assert f'id="day-{_day(41).isoformat()}"' not in body
    assert f'id="day-{_day(56).isoformat()}"' not in body
    partial = _get(alpha_client, f"/book/{far_shop['cut'].pk}/any/?date={day.isoformat()}", **HTMX)
    assert partial.lstrip().startswith('<div id="slots"') and "<html" not in partial
    assert f'id="day-{_day(42).isoformat()}"' in partial


@pytest.mark.parametrize("htmx", [False, True])
def test_a_date_past_the_advance_clamps_and_says_why(far_shop, alpha_client, htmx):
    url = f"/book/{far_shop['cut'].pk}/any/"
    body = _get(alpha_client, f"{url}?date={_day(75).isoformat()}", **(HTMX if htmx else {}))
    assert "We take bookings up to 60 days ahead" in body
    assert f'id="day-{_day(60).isoformat()}"' in body
    assert _day(75).isoformat() not in _offered(body)
    # The last day still open is chosen: the nearest to what was asked (day 60 is open only
    # up to this time of day, so it may have no slot left).
    chosen = re.search(r'id="day-([0-9-]+)"[^>]*aria-current="date"', body).group(1)
    assert chosen in (_day(59).isoformat(), _day(60).isoformat())
    past = _get(alpha_client, f"{url}?date={_day(-3).isoformat()}")
    assert "That day has passed" in past and f'id="day-{_day(0).isoformat()}"' in past
    # Nonsense never breaks the page.
    for junk in ("2030-02-30", "banana", "99999-01-01"):
        assert "We take bookings" not in _get(alpha_client, f"{url}?date={junk}&from={junk}")


def test_reschedule_strip_pages_too(far_shop, alpha_client):
    booking = _book(far_shop, _start(_day(3), 10))
    url = f"/manage/{booking.manage_token}/"
    first = _get(alpha_client, url)
    assert f'hx-get="{url}?from={_day(14).isoformat()}"' in first
    later = _get(alpha_client, f"{url}?from={_day(28).isoformat()}", **HTMX)
    assert later.lstrip().startswith('<div id="slots"')
    assert f'id="day-{_day(28).isoformat()}"' in later and "Move my booking" in later


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


def _take(shop, start):
    rival = Client.objects.create(name="Rival", phone="+5511900001111")
    services.booking_create(service=shop["cut"], start=start, client=rival, resource=shop["rafa"])


def _radio(start) -> str:
    return f'type="radio" name="start" value="{start.astimezone(dt.UTC).isoformat()}"'


@pytest.mark.parametrize("htmx", [False, True])
def test_slot_taken_meanwhile_is_a_409_with_fresh_slots(shop, alpha_client, htmx):
    start = _start(_day(), 14)
    _take(shop, start)
    url = f"/book/{shop['cut'].pk}/{shop['rafa'].pk}/details/"
    response = alpha_client.post(
        url, _details(shop, "rafa", start, name="Paula Taken"), **(HTMX if htmx else {})
    )
    assert response.status_code == 409
    body = response.content.decode()
    if htmx:  # only the details step, swapped in place
        assert body.lstrip().startswith('<div id="booking-details"') and "<html" not in body
    else:
        assert "<html" in body and 'id="booking-details"' in body
    assert "just taken" in body and "your details are kept" in body
    # Fresh times of that day are offered inside the form; the taken one is not; typed details stay.
    assert _radio(_start(_day(), 14, 30)) in body
    assert _radio(start) not in body
    assert 'value="Paula Taken"' in body
    assert Booking.objects.count() == 1


def test_picking_a_fresh_slot_after_a_409_books_it(shop, alpha_client):
    taken = _start(_day(), 14)
    _take(shop, taken)
    fresh = _start(_day(), 15)
    url = f"/book/{shop['cut'].pk}/{shop['rafa'].pk}/details/"
    # The form posts the taken start (hidden) and then the chosen radio: the last one counts.
    data = _details(shop, "rafa", taken)
    data["start"] = [taken.isoformat(), fresh.astimezone(dt.UTC).isoformat()]
    response = alpha_client.post(url, data, **HTMX)
    booking = Booking.objects.get(client__name="Paula")
    assert booking.start == fresh
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/booked/{booking.manage_token}/"


def test_details_form_is_posted_by_htmx_into_its_step(shop, alpha_client):
    start = _start(_day(), 10)
    page = alpha_client.get(f"/book/{shop['cut'].pk}/any/details/?start={start.isoformat()}")
    body = page.content.decode()
    # Enhanced with htmx, still a plain form without JavaScript.
    form = re.search(r"<form [^>]*class=\"details-form\"[^>]*>", body).group(0)
    action = f'"/book/{shop["cut"].pk}/any/details/"'
    assert 'method="post"' in form and f"action={action}" in form and f"hx-post={action}" in form
    assert 'hx-target="#booking-details"' in form and 'hx-swap="outerHTML"' in form
    assert '<div id="booking-details">' in body


def test_htmx_booking_goes_on_to_the_confirmation_page(shop, alpha_client):
    start = _start(_day(), 10)
    url = f"/book/{shop['cut'].pk}/any/details/"
    response = alpha_client.post(url, _details(shop, "any", start), **HTMX)
    booking = Booking.objects.get()
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == f"/booked/{booking.manage_token}/"
    assert "Location" not in response


def test_htmx_invalid_details_are_a_422_partial(shop, alpha_client):
    url = f"/book/{shop['cut'].pk}/any/details/"
    data = _details(shop, "any", _start(_day()), name="Paula", phone="123")
    response = alpha_client.post(url, data, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="booking-details"')
    assert "valid phone number" in body and 'value="Paula"' in body
    assert re.search(r'<input[^>]*name="phone"[^>]*autofocus', body)  # the field to fix
    assert not Booking.objects.exists()


def test_htmx_rate_limited_post_is_a_429_partial(shop, alpha_client):
    url = f"/book/{shop['cut'].pk}/any/details/"
    for _ in range(10):
        alpha_client.post(url, _details(shop, "any", _start(_day()), phone="1"), **HTMX)
    response = alpha_client.post(url, _details(shop, "any", _start(_day()), phone="1"), **HTMX)
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="booking-details"') and "Too many attempts" in body
    assert 'name="phone"' in body  # the form stays, to try again after the wait


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


def test_a_missing_start_goes_back_to_the_times_and_a_garbled_one_is_a_400(shop, alpha_client):
    url = f"/book/{shop['cut'].pk}/any/details/"
    assert alpha_client.get(url).status_code == 302
    assert alpha_client.post(url, {"name": "x"}).status_code == 302
    assert alpha_client.get(url + "?start=yesterday").status_code == 400


@pytest.mark.parametrize("htmx", [False, True])
def test_honeypot_refuses_bots_with_a_readable_page(shop, alpha_client, htmx):
    url = f"/book/{shop['cut'].pk}/any/details/"
    data = _details(shop, "any", _start(_day()), website="spam.biz")
    response = alpha_client.post(url, data, **(HTMX if htmx else {}))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    if htmx:  # swapped into the details step (htmx is told to swap 400s)
        assert body.lstrip().startswith('<section id="booking-details"') and "<html" not in body
    else:
        assert "<html" in body and "agendo.css" in body
    assert "We could not take this booking" in body and "nothing was booked" in body
    assert '<a href="/">Back to the booking page</a>' in body
    assert not Booking.objects.exists()


def test_booking_posts_are_rate_limited_per_address(shop, alpha_client):
    url = f"/book/{shop['cut'].pk}/any/details/"
    for _ in range(10):
        alpha_client.post(url, _details(shop, "any", _start(_day()), phone="1"))
    response = alpha_client.post(url, _details(shop, "any", _start(_day()), phone="1"))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert b"Too many attempts" in response.content


def _post_from(client, url, data, *, remote="10.0.0.5", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(url, data, **extra)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(shop, alpha_client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    url = f"/book/{shop['cut'].pk}/any/details/"
    data = _details(shop, "any", _start(_day()), phone="1")
    for n in range(10):
        _post_from(alpha_client, url, data, forwarded=f"203.0.113.{n}")
    # A forged header does not buy a fresh limit: the address is the connection's.
    assert _post_from(alpha_client, url, data, forwarded="198.51.100.99").status_code == 429
    assert _post_from(alpha_client, url, data, remote="10.0.0.6").status_code == 422


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(shop, alpha_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = f"/book/{shop['cut'].pk}/any/details/"
    data = _details(shop, "any", _start(_day()), phone="1")
    # Every request comes from the proxy (one REMOTE_ADDR); the proxy appends the client's.
    for n in range(10):
        _post_from(alpha_client, url, data, forwarded=f"1.1.1.{n}, 203.0.113.7")
    # The client's own entries (left of the proxy's) are forgeable and do not count.
    assert _post_from(alpha_client, url, data, forwarded="9.9.9.9, 203.0.113.7").status_code == 429
    assert _post_from(alpha_client, url, data, forwarded="203.0.113.8").status_code == 422


def test_client_ip_counts_trusted_proxies_from_the_right(settings):
    from django.test import RequestFactory

    from tenants.ratelimit import client_ip

    def ip(forwarded, remote="10.0.0.1"):
        return client_ip(
            RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        )

    settings.TRUSTED_PROXY_COUNT = 0
    assert ip("203.0.113.7") == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2  # e.g. a CDN, then the load balancer
    assert ip("6.6.6.6, 203.0.113.7, 198.51.100.1") == "203.0.113.7"
    assert ip(" 2001:DB8::1 ,198.51.100.1") == "2001:db8::1"
    # Fewer entries than proxies, or garbage: not from our proxies; the connection's address.
    assert ip("203.0.113.7") == "10.0.0.1"
    assert ip("") == "10.0.0.1"
    assert ip("not-an-ip, 198.51.100.1") == "10.0.0.1"


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
    after = response.content.decode()
    assert "Add to calendar" not in after and "Remove from your calendar" in after
    ics = alpha_client.get(f"{url}calendar.ics").content.decode()
    assert "STATUS:CANCELLED" in ics


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
    assert "can no longer be changed online" in page
    # The business's phone in its country's own format, dialled and messaged as E.164.
    assert "(11) 3333-4444" in page and 'href="tel:+551133334444"' in page
    assert 'href="https://wa.me/551133334444"' in page
    assert "Cancel my booking" not in page
    response = alpha_client.post(url, {"action": "cancel"})
    assert response.status_code == 409
    assert "too late" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def _reschedule(client, booking, start, *, htmx):
    return client.post(
        f"/manage/{booking.manage_token}/",
        {"action": "reschedule", "start": start.isoformat()},
        **(HTMX if htmx else {}),
    )


@pytest.mark.parametrize("htmx", [False, True])
def test_manage_page_reschedule_after_the_window_closed_is_refused(shop, alpha_client, htmx):
    start = _start(_day(3), 10)
    booking = _book(shop, start)
    # The page was opened in time; by the post, changes close 10 days ahead (the booking: 3).
    shop["business"].cancellation_window_hours = 240
    shop["business"].save()
    response = _reschedule(alpha_client, booking, _start(_day(4), 15), htmx=htmx)
    assert response.status_code == 409
    body = response.content.decode()
    assert "It is too late to change this booking online." in body
    assert "can no longer be changed online" in body and "Move my booking" not in body
    booking.refresh_from_db()
    assert booking.start == start and booking.status == "confirmed"
    assert not booking.events.filter(type="rescheduled").exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_manage_page_reschedule_to_a_time_taken_meanwhile_is_a_409_with_fresh_slots(
    shop, alpha_client, htmx
):
    start = _start(_day(3), 10)
    booking = _book(shop, start)
    taken = _start(_day(4), 15)
    _take(shop, taken)  # Rafa's 15:00 on day 4 goes while the page is open
    response = _reschedule(alpha_client, booking, taken, htmx=htmx)
    assert response.status_code == 409
    body = response.content.decode()
    assert "that time was just taken" in body
    # The day the client was looking at comes back with what is still free on it.
    assert re.search(rf'id="day-{_day(4).isoformat()}"[^>]*aria-current="date"', body)
    assert _radio(_start(_day(4), 14, 30)) in body and _radio(_start(_day(4), 15, 30)) in body
    assert _radio(taken) not in body and "Move my booking" in body
    booking.refresh_from_db()
    assert booking.start == start and booking.resource == shop["rafa"]
    assert not booking.events.filter(type="rescheduled").exists()


def test_manage_page_opens_on_the_bookings_own_day(shop, alpha_client):
    booking = _book(shop, _start(_day(3), 10))
    body = _get(alpha_client, f"/manage/{booking.manage_token}/")
    assert re.search(rf'id="day-{_day(3).isoformat()}"[^>]*aria-current="date"', body)
    assert _radio(_start(_day(3), 10, 30)) in body
    assert _radio(_start(_day(3), 10)) not in body  # its own time is not a move


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


def test_a_later_strip_page_costs_the_same_queries(
    far_shop, alpha_client, django_assert_max_num_queries
):
    url = f"/book/{far_shop['cut'].pk}/any/"
    first = _count(alpha_client, url)
    for days in (20, 47):
        for hour in range(9, 17):
            _book(far_shop, _start(_day(days), hour))
    for query in (f"?from={_day(28).isoformat()}", f"?date={_day(47).isoformat()}"):
        alpha_client.get(url + query)
        with django_assert_max_num_queries(first):
            assert alpha_client.get(url + query).status_code == 200
        with django_assert_max_num_queries(first):
            assert alpha_client.get(url + query, **HTMX).status_code == 200
    assert first <= 10


def _busy(shop) -> None:
    """Fill the next days for both performers and add services: what must not cost queries."""
    for days in (2, 4, 5):
        for hour in range(9, 17):
            _book(shop, _start(_day(days), hour))
            _take_bia(shop, _start(_day(days), hour))
    for _n in range(5):
        ServiceFactory(performers=[shop["rafa"], shop["bia"], ResourceFactory()])


def _take_bia(shop, start):
    rival, _ = Client.objects.get_or_create(name="Rival", phone="+5511900001111")
    services.booking_create(service=shop["cut"], start=start, client=rival, resource=shop["bia"])


# Per page, both before and after _busy(); each counts the schema switch and the business's
# settings. The details step reads the service, its performers and who sends messages; the
# confirmation one booking; the manage page also runs the engine twice (its strip, then the
# chosen day without the booking itself), four reads each. The details step also counts the
# period's bookings against the plan (billing: is online booking paused?); the plan's terms
# themselves come from the cache.
# Each page +1 for G7: the booking form's questions; the booking's items (its services).
PAGE_QUERY_LIMITS = {"details": 7, "booked": 4, "manage": 12, "manage-htmx": 12}


def test_details_confirmation_and_manage_pages_have_a_bounded_query_count(
    shop, alpha_client, django_assert_max_num_queries
):
    booking = _book(shop, _start(_day(3), 10))
    start = _start(_day(), 10).isoformat().replace("+", "%2B")
    pages = {
        "details": (f"/book/{shop['cut'].pk}/any/details/?start={start}", {}),
        "booked": (f"/booked/{booking.manage_token}/", {}),
        "manage": (f"/manage/{booking.manage_token}/", {}),
        "manage-htmx": (f"/manage/{booking.manage_token}/?date={_day(4).isoformat()}", HTMX),
    }
    for busy in (False, True):
        if busy:
            _busy(shop)
        for name, (url, headers) in pages.items():
            alpha_client.get(url, **headers)  # the first request of a process looks up the tenant
            with django_assert_max_num_queries(PAGE_QUERY_LIMITS[name]):
                response = alpha_client.get(url, **headers)
            assert response.status_code == 200, (name, busy)
    assert "Move my booking" in response.content.decode()  # the strip really was computed


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


def _channels(*, whatsapp: bool, email: bool) -> None:
    # Through the app registry: bookings (tests included) never imports notifications.
    from django.apps import apps

    channels = apps.get_model("notifications", "ChannelSettings").load()
    channels.whatsapp_enabled, channels.email_enabled = whatsapp, email
    channels.save()


def test_email_is_optional_while_whatsapp_sends(shop, alpha_client):
    _channels(whatsapp=True, email=True)
    start = _start(_day(), 10)
    url = f"/book/{shop['cut'].pk}/any/details/"
    page = alpha_client.get(f"{url}?start={start.isoformat()}").content.decode()
    assert "E-mail (optional)" in page and "we send confirmations by e-mail" not in page.lower()
    assert alpha_client.post(url, _details(shop, "any", start, email="")).status_code == 302


def test_email_is_required_when_the_business_sends_only_email(shop, alpha_client):
    _channels(whatsapp=False, email=True)
    start = _start(_day(), 10)
    url = f"/book/{shop['cut'].pk}/any/details/"
    page = alpha_client.get(f"{url}?start={start.isoformat()}").content.decode()
    assert "E-mail (required)" in page and "We send confirmations by e-mail" in page
    assert re.search(r'<input[^>]*name="email"[^>]*required', page)
    refused = alpha_client.post(url, _details(shop, "any", start, email=""), **HTMX)
    assert refused.status_code == 422
    assert "Please enter your e-mail: we send confirmations by e-mail." in refused.content.decode()
    assert not Booking.objects.exists()
    booked = alpha_client.post(url, _details(shop, "any", start, email="paula@example.com"))
    assert booked.status_code == 302
    assert Booking.objects.get().client.email == "paula@example.com"


def test_email_stays_optional_when_no_channel_sends(shop, alpha_client):
    _channels(whatsapp=False, email=False)
    start = _start(_day(), 10)
    url = f"/book/{shop['cut'].pk}/any/details/"
    assert alpha_client.post(url, _details(shop, "any", start, email="")).status_code == 302


def test_a_broken_contact_rules_receiver_does_not_stop_bookings(shop, alpha_client):
    from bookings.signals import public_contact_rules

    def broken(sender, **kwargs):
        raise RuntimeError("boom")

    def silent(sender, **kwargs):
        return None

    public_contact_rules.connect(broken, dispatch_uid="test-broken")
    public_contact_rules.connect(silent, dispatch_uid="test-silent")
    try:
        start = _start(_day(), 10)
        url = f"/book/{shop['cut'].pk}/any/details/"
        assert alpha_client.post(url, _details(shop, "any", start)).status_code == 302
    finally:
        public_contact_rules.disconnect(dispatch_uid="test-broken")
        public_contact_rules.disconnect(dispatch_uid="test-silent")


def test_bookings_never_imports_notifications():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "notifications" for name in names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
