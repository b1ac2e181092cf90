"""Public pages, G0: the business's contact, the cancellation-window warning, past times."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import services
from bookings.models import Booking, Client
from bookings.templatetags.business_contact import contact_for
from bookings.tests import test_public
from bookings.tests.test_public import HTMX, _day, _details, _start
from conftest import login_as
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

shop = test_public.shop  # the fixture: a shop open 9-18 daily, Rafa and Bia doing a 30-min Cut


@pytest.fixture
def reachable(shop):
    shop["business"].contact_phone = "+551133334444"
    shop["business"].address = "Rua Augusta 1500, São Paulo"
    shop["business"].contact_email = "hello@alpha.example"
    shop["business"].save()
    return shop


def _details_url(shop, who="any"):
    return f"/book/{shop['cut'].pk}/{who}/details/"


def _q(start: dt.datetime) -> str:
    return start.isoformat().replace("+", "%2B")


# --- Contact ---------------------------------------------------------------------------------


def test_contact_is_national_with_e164_tel_and_whatsapp_links_and_a_map():
    business = BusinessSettings(
        phone_region="BR", contact_phone="+55 11 3333-4444", address="Rua Augusta 1500, SP"
    )
    contact = contact_for(business, name="Alpha")
    assert contact.name == "Alpha" and contact.reachable
    assert contact.phone == "(11) 3333-4444"
    assert contact.phone_uri == "tel:+551133334444"
    assert contact.whatsapp_url == "https://wa.me/551133334444"
    assert contact.map_url == ("https://www.openstreetmap.org/search?query=Rua+Augusta+1500%2C+SP")


def test_a_phone_of_another_country_is_international_and_a_garbled_one_is_shown_as_typed():
    abroad = contact_for(BusinessSettings(phone_region="BR", contact_phone="+351 912 345 678"))
    assert (
        abroad.phone == "+351 912 345 678" and abroad.whatsapp_url == "https://wa.me/351912345678"
    )
    garbled = contact_for(BusinessSettings(phone_region="BR", contact_phone="ring 123"))
    assert garbled.phone == "ring 123" and garbled.phone_uri == "tel:123"
    assert garbled.whatsapp_url == ""  # no country code we can trust: no WhatsApp link
    nothing = contact_for(BusinessSettings(phone_region="BR"), name="Alpha")
    assert not nothing.reachable and nothing.phone_uri == nothing.map_url == ""


def test_every_public_page_shows_the_contact_in_its_footer(reachable, alpha_client):
    booking = _book(reachable, _start(_day(3), 10))
    pages = [
        f"/book/{reachable['cut'].pk}/",
        f"/book/{reachable['cut'].pk}/any/",
        f"{_details_url(reachable)}?start={_q(_start(_day(3), 11))}",
        f"/booked/{booking.manage_token}/",
        f"/manage/{booking.manage_token}/",
        "/no-such-page/",
    ]
    for url in pages:  # the services page has it at the top instead
        body = alpha_client.get(url).content.decode()
        footer = body[body.index('<footer class="site-footer') :]
        assert "(11) 3333-4444" in footer and 'href="tel:+551133334444"' in footer, url
        assert 'href="https://wa.me/551133334444"' in footer
        assert "Rua Augusta 1500, São Paulo" in footer
        assert "openstreetmap.org/search?query=Rua+Augusta+1500" in footer
        assert 'href="mailto:hello@alpha.example"' in footer
    top = alpha_client.get("/").content.decode()
    hero = top[top.index('class="business-hero"') : top.index("</section>")]
    assert 'href="tel:+551133334444"' in hero and "openstreetmap.org" in hero
    assert top.count('href="tel:+551133334444"') == 1  # not twice on one page


def test_without_phone_or_address_there_is_no_contact_block(shop, alpha_client):
    body = alpha_client.get(f"/book/{shop['cut'].pk}/").content.decode()
    assert "<address" not in body and "wa.me" not in body and "tel:" not in body
    # The address alone is enough for a block, and it has no phone links.
    shop["business"].address = "Rua Augusta 1500"
    shop["business"].save()
    body = alpha_client.get(f"/book/{shop['cut'].pk}/").content.decode()
    assert "<address" in body and "Rua Augusta 1500" in body and "tel:" not in body


def test_the_honeypot_refusal_says_how_to_reach_the_business(reachable, alpha_client):
    data = _details(reachable, "any", _start(_day()), website="http://spam")
    response = alpha_client.post(_details_url(reachable), data, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="booking-details"')
    assert 'href="tel:+551133334444"' in body


# --- Cancellation window ---------------------------------------------------------------------

WARNING = "You won't be able to change or cancel this booking online"


@pytest.mark.parametrize(
    ("before", "warned"),
    [
        (dt.timedelta(hours=24), False),  # exactly the window: it can still be changed
        (dt.timedelta(hours=24) - dt.timedelta(minutes=1), True),
        (dt.timedelta(hours=30), False),
        (dt.timedelta(hours=2), True),
    ],
)
def test_the_details_step_warns_inside_the_cancellation_window(
    reachable, alpha_client, before, warned
):
    start = _start(_day(3), 10)
    with time_machine.travel(start - before, tick=False):
        response = alpha_client.get(f"{_details_url(reachable)}?start={_q(start)}")
    assert response.status_code == 200
    body = response.content.decode()
    assert (WARNING in body) is warned
    if warned:
        assert "less than 24 hours away" in body
        warning = body[body.index("window-warning") :]
        assert 'href="tel:+551133334444"' in warning[: warning.index("</div>")]
    # The manage page agrees: a booking made then can (not) be changed online.
    booking = _book(reachable, start)
    with time_machine.travel(start - before, tick=False):
        manage = alpha_client.get(f"/manage/{booking.manage_token}/").content.decode()
    assert ("can no longer be changed online" in manage) is warned


def test_the_warning_stays_when_htmx_re_renders_the_step(reachable, alpha_client):
    start = _start(_day(3), 10)
    with time_machine.travel(start - dt.timedelta(hours=3), tick=False):
        response = alpha_client.post(
            _details_url(reachable), _details(reachable, "any", start, name=""), **HTMX
        )
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="booking-details"') and WARNING in body


def test_no_warning_when_the_business_has_no_window(shop, alpha_client):
    shop["business"].cancellation_window_hours = 0
    shop["business"].save()
    start = timezone.now() + dt.timedelta(hours=2)
    body = alpha_client.get(f"{_details_url(shop)}?start={_q(start)}").content.decode()
    assert WARNING not in body


def _book(shop, start):
    client, _ = services.client_get_or_create(name="Paula", phone="+5511987654321", region="BR")
    return services.booking_create(
        service=shop["cut"],
        start=start,
        client=client,
        resource=shop["rafa"],
        override=True,
        actor=OwnerFactory(),
    )


def test_the_manage_page_gives_the_contact_once_the_window_has_closed(reachable, alpha_client):
    booking = _book(reachable, timezone.now() + dt.timedelta(hours=5))
    body = alpha_client.get(f"/manage/{booking.manage_token}/").content.decode()
    closed = body[body.index("can no longer be changed online") : body.index("</article>")]
    assert "(11) 3333-4444" in closed and 'href="tel:+551133334444"' in closed
    assert 'href="https://wa.me/551133334444"' in closed
    assert "Rua Augusta 1500" in closed and "openstreetmap.org/search?query=" in closed
    assert "Cancel my booking" not in body


# --- A past time -----------------------------------------------------------------------------


def test_a_past_time_in_the_url_says_it_has_passed_with_fresh_times(shop, alpha_client):
    past = _start(_day(-1), 10)
    response = alpha_client.get(f"{_details_url(shop)}?start={_q(past)}")
    assert response.status_code == 422
    body = response.content.decode()
    assert "That time has passed" in body and "too soon" not in body
    # Fresh times of the first day that has any (today's are gone by the evening), in the form.
    assert 'class="fresh-slots"' in body
    fresh = re.findall(r'type="radio" name="start" value="([^"]+)"', body)
    assert fresh and all(dt.datetime.fromisoformat(v) > timezone.now() for v in fresh)
    assert "Confirm booking" in body


@pytest.mark.parametrize("htmx", [False, True])
def test_posting_a_time_that_has_passed_meanwhile_keeps_the_details(shop, alpha_client, htmx):
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    response = alpha_client.post(
        _details_url(shop), _details(shop, "any", start), **(HTMX if htmx else {})
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="booking-details"') is htmx
    assert "That time has passed" in body and "too soon" not in body
    assert 'value="Paula"' in body and 'class="fresh-slots"' in body
    assert not Booking.objects.exists() and not Client.objects.filter(name="Paula").exists()


def test_a_too_soon_time_says_so_with_fresh_times_and_the_contact(reachable, alpha_client):
    soon = timezone.now() + dt.timedelta(minutes=10)
    response = alpha_client.get(f"{_details_url(reachable)}?start={_q(soon)}")
    assert response.status_code == 422
    body = response.content.decode()
    assert "too soon to book online" in body and "has passed" not in body
    panel = body[body.index('class="panel-error"') :]
    assert 'href="tel:+551133334444"' in panel[: panel.index("</div>")]


def test_picking_a_fresh_time_after_a_past_one_books_it(shop, alpha_client):
    past = _start(_day(-1), 10)
    body = alpha_client.get(f"{_details_url(shop)}?start={_q(past)}").content.decode()
    fresh = re.findall(r'type="radio" name="start" value="([^"]+)"', body)[-1]
    data = _details(shop, "any", past)
    data["start"] = [past.isoformat(), fresh]  # the hidden old time, then the chosen radio
    response = alpha_client.post(_details_url(shop), data)
    assert response.status_code == 302
    assert Booking.objects.get().start == dt.datetime.fromisoformat(fresh)


# --- No dead ends ----------------------------------------------------------------------------


def test_a_service_nobody_performs_is_not_listed_and_its_url_says_so(shop, alpha_client):
    retired = ResourceFactory(name="Gone", is_active=False)
    orphan = ServiceFactory(name="Beard art", performers=[retired])
    lonely = ServiceFactory(name="Nobody's")
    page = alpha_client.get("/").content.decode()
    assert "Cut" in page and "Beard art" not in page and "Nobody's" not in page
    for service in (orphan, lonely):
        for url in (f"/book/{service.pk}/", f"/book/{service.pk}/any/"):
            response = alpha_client.get(url)
            assert response.status_code == 404, url
            body = response.content.decode()
            assert "can't be booked online" in body and 'href="/"' in body
    details = alpha_client.post(
        f"/book/{orphan.pk}/any/details/", _details(shop, "any", _start(_day()))
    )
    assert details.status_code == 404 and not Booking.objects.exists()


def test_htmx_asking_for_a_hidden_service_goes_to_the_whole_page(shop, alpha_client):
    orphan = ServiceFactory(name="Beard art")
    response = alpha_client.get(f"/book/{orphan.pk}/any/?date={_day().isoformat()}", **HTMX)
    assert response["HX-Redirect"] == f"/book/{orphan.pk}/any/"


def test_the_who_step_lists_only_active_performers(shop, alpha_client):
    shop["cut"].resources.add(ResourceFactory(name="Former", is_active=False))
    body = alpha_client.get(f"/book/{shop['cut'].pk}/").content.decode()
    assert "Rafa" in body and "Bia" in body and "Former" not in body


@pytest.fixture
def unopened(alpha):
    """A business that signed up a minute ago: no hours, no services, nobody."""
    business = BusinessSettings.load()
    business.contact_phone, business.address = "+551133334444", "Rua Augusta 1500"
    business.save()
    return business


@pytest.mark.parametrize("htmx", [False, True])
def test_not_open_yet_tells_clients_how_to_reach_the_business(unopened, alpha_client, htmx):
    response = alpha_client.get("/", **(HTMX if htmx else {}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Online booking is not open yet" in body
    assert 'href="tel:+551133334444"' in body and "Rua Augusta 1500" in body
    assert "Your setup still needs" not in body and "/app/hours/" not in body


@pytest.mark.parametrize("htmx", [False, True])
def test_not_open_yet_tells_the_owner_what_is_missing(unopened, alpha_client, htmx):
    login_as(alpha_client, OwnerFactory(), "alpha")
    body = alpha_client.get("/", **(HTMX if htmx else {})).content.decode()
    assert "Online booking is not open yet" in body and "Your setup still needs" in body
    for url, label in [
        ("/app/hours/", "Set your opening hours"),
        ("/app/services/", "Add a service clients can book"),
        ("/app/resources/", "Add a professional who performs it"),
    ]:
        assert f'<a href="{url}">{label}</a>' in body
    # Done steps are not listed: the phone and address are in.
    assert "/app/settings/" not in body.split("Your setup still needs")[1]


def test_not_open_yet_hides_the_checklist_from_staff(unopened, alpha_client):
    login_as(alpha_client, UserFactory(), "alpha")
    body = alpha_client.get("/").content.decode()
    assert "Online booking is not open yet" in body and "Your setup still needs" not in body


def test_services_without_hours_are_not_open_yet(unopened, alpha_client):
    ServiceFactory(name="Cut", performers=[ResourceFactory()])
    body = alpha_client.get("/").content.decode()
    assert "Online booking is not open yet" in body and "Choose a" not in body
    WeeklyHours.objects.create(weekday=0, start=dt.time(9), end=dt.time(18))
    body = alpha_client.get("/").content.decode()
    assert "Online booking is not open yet" not in body and "Cut" in body


def test_the_services_page_has_a_fixed_query_count(
    shop, alpha_client, django_assert_max_num_queries
):
    alpha_client.get("/")  # the first request of a process also looks the tenant up
    for _n in range(5):
        ServiceFactory(performers=[shop["rafa"], ResourceFactory()])
        ServiceFactory()  # nobody performs it
    # Schema, settings, the setup status (hours, public services and who performs them) and
    # the bookable services.
    with django_assert_max_num_queries(7):
        body = alpha_client.get("/").content.decode()
    assert body.count('class="choice"') == 6
