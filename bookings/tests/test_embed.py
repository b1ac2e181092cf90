"""The booking page on the business's own site: framing only from the listed domains and only
for the public booking pages, form posts inside a frame, and the campaign (UTM) of the link a
client came by saved on their booking."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from accounts.tests.factories import OwnerFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from bookings.tests.test_public import _details
from conftest import host_client, login_as
from scheduling.embed import embed_domain_normalize
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
HOST = "alpha.localhost"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("example.com", "example.com"),
        ("https://www.Example.com/booking?x=1#top", "www.example.com"),
        ("  shop.example.com.  ", "shop.example.com"),
        ("*.example.com", "*.example.com"),
        ("café.example", "xn--caf-dma.example"),
        ("localhost", None),
        ("192.168.0.1", None),
        ("example.com:8443", None),
        ("exa mple.com", None),
        ("-bad-.example", None),
        ("'none'", None),
        ("*", None),
        ("example.com; script-src *", None),
        ("a" * 64 + ".example", None),
    ],
)
def test_a_website_is_kept_as_its_host_name_or_refused(typed, kept):
    assert embed_domain_normalize(typed) == kept


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.slot_interval = "America/Sao_Paulo", 30
    business.min_notice_minutes, business.max_advance_days = 60, 30
    business.save()
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
    )
    rafa = ResourceFactory(name="Rafa")
    cut = ServiceFactory(name="Cut", duration_minutes=30, performers=[rafa])
    return {"business": business, "rafa": rafa, "cut": cut}


def _start(days=3, hour=10) -> dt.datetime:
    day = timezone.localdate(timezone=TZ) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), TZ)


def _frame_ancestors(response) -> str:
    csp = response["Content-Security-Policy"]
    return next(p.strip() for p in csp.split(";") if p.strip().startswith("frame-ancestors"))


def _settings_data(client, **extra) -> dict:
    form = client.get("/app/settings/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "logo"}
    return {**data, "embed_domains": "", **extra}


def test_the_websites_are_validated_and_saved_from_the_settings_page(shop, alpha_client):
    client = login_as(alpha_client, OwnerFactory(), "alpha")
    data = _settings_data(client, embed_domains="https://www.Example.com/book\nlocalhost")
    response = client.post("/app/settings/", data)
    assert response.status_code == 422
    assert "Not a website address: localhost" in response.content.decode()
    data["embed_domains"] = "https://www.Example.com/book, *.shop.example\nwww.example.com"
    assert client.post("/app/settings/", data).status_code == 302
    assert BusinessSettings.load().embed_domains == ["www.example.com", "*.shop.example"]
    page = client.get("/app/settings/").content.decode()
    # The snippets to copy: the frame with its sizing script, and links with their source.
    assert "data-agendo-embed" in page and "/static/js/embed.js" in page
    # Shown as text to copy (escaped once more than the code itself).
    frame = "&lt;iframe src=&quot;http://alpha.localhost/?utm_source=website&amp;amp;utm_medium"
    assert frame in page
    assert 'value="http://alpha.localhost/?utm_source=instagram&amp;utm_medium=social"' in page


def test_framing_is_refused_everywhere_while_no_website_is_listed(shop, alpha_client):
    response = alpha_client.get("/")
    assert _frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_only_the_public_booking_pages_may_be_framed_by_the_listed_websites(shop, alpha_client):
    business = shop["business"]
    business.embed_domains = ["www.example.com", "*.shop.example"]
    business.save()
    cut, rafa = shop["cut"], shop["rafa"]
    booking = BookingFactory(service=cut, resource=rafa, start=_start(5))
    allowed = "frame-ancestors https://www.example.com https://*.shop.example"
    for url in (
        "/",
        f"/book/{cut.pk}/{rafa.pk}/",
        f"/book/{cut.pk}/{rafa.pk}/details/?start={_start().isoformat().replace('+', '%2B')}",
        f"/booked/{booking.manage_token}/",
    ):
        response = alpha_client.get(url)
        assert response.status_code == 200, url
        assert _frame_ancestors(response) == allowed, url
        assert "X-Frame-Options" not in response, url
    # The confirmation opens the manage page as the whole page, out of the frame...
    confirmation = alpha_client.get(f"/booked/{booking.manage_token}/").content.decode()
    assert f'href="/manage/{booking.manage_token}/" role="button" target="_top"' in confirmation
    # ...which is never framed, as the login, the dashboard and another business's pages.
    owner_client = login_as(host_client(HOST), OwnerFactory(), "alpha")
    for client, url in (
        (alpha_client, f"/manage/{booking.manage_token}/"),
        (alpha_client, "/accounts/login/"),
        (owner_client, "/app/"),
        (owner_client, "/app/settings/"),
        (host_client("beta.localhost"), "/"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _frame_ancestors(response) == "frame-ancestors 'none'", url
        assert response["X-Frame-Options"] == "DENY", url


def test_a_booking_posted_inside_a_frame_needs_no_csrf_cookie_but_its_own_origin(shop):
    cut, rafa = shop["cut"], shop["rafa"]
    url = f"/book/{cut.pk}/{rafa.pk}/details/"
    # Inside another site's frame the browser sends none of our cookies: Origin says who posts.
    framed = host_client(HOST, enforce_csrf_checks=True)
    response = framed.post(url, _details(None, None, _start()), HTTP_ORIGIN=f"http://{HOST}")
    assert response.status_code == 302, response.content.decode()[:1000]
    assert Booking.objects.filter(client__name="Paula").count() == 1
    # Another site posting, or a post that says nothing of its origin and has no token: refused.
    for origin in ("https://evil.example", None):
        headers = {"HTTP_ORIGIN": origin} if origin else {}
        response = host_client(HOST, enforce_csrf_checks=True).post(
            url, _details(None, None, _start(hour=11)), **headers
        )
        assert response.status_code == 403, origin
    assert Booking.objects.count() == 1


def test_the_campaign_of_the_landing_link_is_saved_on_the_public_booking(shop, alpha_client):
    cut, rafa = shop["cut"], shop["rafa"]
    landing = alpha_client.get(
        "/",
        {
            "utm_source": "instagram\x07bio",
            "utm_medium": "social",
            "utm_campaign": "natal " + "x" * 300,
        },
    )
    assert landing.status_code == 200 and "agendo_utm" in landing.cookies
    # The steps after it carry no utm_*: the cookie remembers them.
    details = _details(None, None, _start())
    response = alpha_client.post(f"/book/{cut.pk}/{rafa.pk}/details/", details)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.utm_source == "instagram bio"  # control characters out
    assert booking.utm_medium == "social"
    assert booking.utm_campaign.startswith("natal xx") and len(booking.utm_campaign) == 100

    # Staff see it on the booking and in the CSV export.
    owner_client = login_as(host_client(HOST), OwnerFactory(), "alpha")
    page = owner_client.get(f"/app/bookings/{booking.reference}/").content.decode()
    assert "instagram bio · social · natal" in page
    export = owner_client.get("/app/bookings/export.csv")
    text = b"".join(export.streaming_content).decode() if export.streaming else export.content
    assert "utm_source" in text and "instagram bio" in text


def test_a_booking_without_a_campaign_link_has_none(shop, alpha_client):
    cut, rafa = shop["cut"], shop["rafa"]
    alpha_client.get("/")
    alpha_client.post(f"/book/{cut.pk}/{rafa.pk}/details/", _details(None, None, _start()))
    booking = Booking.objects.get()
    assert (booking.utm_source, booking.utm_medium, booking.utm_campaign) == ("", "", "")
