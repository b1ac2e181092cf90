"""The staff day calendar in Chromium: overlapping bookings side by side, 375 px and 1280 px.

Screenshots go to artifacts/browser/ (git-ignored): calendar-375.png, calendar-1280.png.
"""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.tests.factories import PASSWORD, OwnerFactory
from bookings.tests.factories import BookingFactory, ClientFactory
from conftest import SHOTS, empty_schema, ensure_test_tenants
from scheduling import services as scheduling_services
from scheduling.models import WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def busy_day(public_rows_restored, transactional_db, live_server):
    """Three barbers; on Rafa a completed 09:00 beside an older overlapping one, and a
    cancelled 14:00 beside the booking that took its time."""
    ensure_test_tenants()
    with schema_context("browser"):
        empty_schema("browser")
        scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo", display_name="Browser Barbers", language="en"
        )
        WeeklyHours.objects.bulk_create(
            [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
        )
        rafa, bia, caio = (
            ResourceFactory(name=n, order=i) for i, n in enumerate("Rafa Bia Caio".split())
        )
        cut = ServiceFactory(name="Corte", duration_minutes=30, performers=[rafa, bia, caio])
        beard = ServiceFactory(name="Corte e barba", duration_minutes=50, performers=[rafa, bia])
        day = timezone.localdate(timezone=TZ) - dt.timedelta(days=1)

        def at(hour, minute=0):
            return dt.datetime.combine(day, dt.time(hour, minute), TZ)

        BookingFactory(
            service=cut,
            resource=rafa,
            start=at(9),
            status="completed",
            client=ClientFactory(name="Ana Souza"),
        )
        old = BookingFactory.build(
            service=beard, resource=rafa, start=at(9), client=ClientFactory(name="Bruno Lima")
        )
        old.status, old.overlap_exempt = "completed", True  # as migration 0006 keeps it
        old.save()
        BookingFactory(
            service=cut,
            resource=rafa,
            start=at(14),
            status="cancelled",
            client=ClientFactory(name="Carla Mendes"),
        )
        BookingFactory(
            service=beard,
            resource=rafa,
            start=at(14),
            status="completed",
            client=ClientFactory(name="Daniel Rocha"),
        )
        BookingFactory(
            service=cut,
            resource=bia,
            start=at(10),
            status="no_show",
            client=ClientFactory(name="Eduarda Alves"),
        )
        BookingFactory(
            service=cut,
            resource=caio,
            start=at(11),
            status="completed",
            client=ClientFactory(name="Felipe Costa"),
        )
        tomorrow = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(10), TZ)
        BookingFactory(
            service=cut, resource=bia, start=tomorrow, client=ClientFactory(name="Gabriela Dias")
        )
        OwnerFactory(email="owner@browser.test")
    port = live_server.url.rsplit(":", 1)[1]
    yield f"http://browser.localhost:{port}", day
    with schema_context("browser"):
        empty_schema("browser")


BOXES = """() => [...document.querySelectorAll('.day-column')].map((column) => ({
    name: column.getAttribute('aria-label'),
    boxes: [...column.querySelectorAll('a.booking')].map((a) => {
        const r = a.getBoundingClientRect();
        return {text: a.innerText, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    }),
}))"""


def _overlap(a, b) -> bool:
    return (
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and (a["top"] < b["bottom"] - 0.5 and b["top"] < a["bottom"] - 0.5)
    )


@pytest.mark.parametrize("width", [375, 1280])
def test_the_day_calendar_shows_every_booking_and_fits_the_screen(browser, busy_day, width):
    base, day = busy_day
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base + f"/accounts/login/?next=/app/calendar/%3Fdate%3D{day.isoformat()}")
    page.fill("input[name=login]", "owner@browser.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".day-grid")
    page.screenshot(path=SHOTS / f"calendar-{width}.png", full_page=True)

    # The page never scrolls sideways; the grid scrolls its columns inside itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    columns = page.evaluate(BOXES)
    names = [c["name"] for c in columns]
    assert names == ["Rafa", "Bia", "Caio"]
    drawn = [box["text"] for c in columns for box in c["boxes"]]
    assert len(drawn) == 6 and any("Carla Mendes" in text for text in drawn)
    for column in columns:  # no booking covers another
        boxes = column["boxes"]
        assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]), column[
            "name"
        ]

    # The time axis stays put while the columns scroll under it.
    axis_before = page.evaluate("document.querySelector('.day-hours').getBoundingClientRect().left")
    page.evaluate("document.querySelector('.day-grid').scrollLeft = 10000")
    scrolled = page.evaluate("document.querySelector('.day-grid').scrollLeft")
    axis_after = page.evaluate("document.querySelector('.day-hours').getBoundingClientRect().left")
    assert axis_after == axis_before
    if width == 375:
        assert scrolled > 0  # three columns do not fit a phone: they scroll
        page.screenshot(path=SHOTS / f"calendar-{width}-scrolled.png", full_page=True)
    context.close()


def test_bookings_list_and_the_cancel_question_on_a_phone_without_javascript(browser, busy_day):
    base, _day = busy_day
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base + "/accounts/login/?next=/app/bookings/")
    page.fill("input[name=login]", "owner@browser.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#booking-list")
    # Today and upcoming: only Gabriela's booking; yesterday's are on the Past tab.
    assert "Gabriela Dias" in page.inner_text("#booking-list")
    assert "Ana Souza" not in page.inner_text("#booking-list")
    page.screenshot(path=SHOTS / "bookings-upcoming-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name="Past").click()
    page.wait_for_selector("text=before today, latest first")
    assert "Ana Souza" in page.inner_text("#booking-list")
    page.screenshot(path=SHOTS / "bookings-past-375.png", full_page=True)

    page.get_by_role("link", name="Today and upcoming").click()
    page.locator("#booking-list tbody a").first.click()
    page.get_by_role("button", name="Cancel booking").click()
    page.wait_for_selector("text=Cancel this booking? The client is told it is cancelled.")
    page.screenshot(path=SHOTS / "booking-cancel-question-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Yes, cancel booking").click()
    page.wait_for_selector("text=Cancelled.")
    assert "Cancelled" in page.inner_text(".status-badge-cancelled")
    context.close()
