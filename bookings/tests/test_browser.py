"""The public booking flow in a real browser: Debian's Chromium driven by Playwright.

Wide, at 375×812, and with JavaScript off. Screenshots go to artifacts/browser/ (git-ignored).
"""

import datetime as dt
import zoneinfo

import pytest
from django_tenants.utils import schema_context

from bookings.models import Booking
from conftest import SHOTS, empty_schema, ensure_test_tenants, htmx_settled
from scheduling import services as scheduling_services
from scheduling.models import WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory


@pytest.fixture
def shop(public_rows_restored, transactional_db, live_server):
    ensure_test_tenants()
    with schema_context("browser"):
        empty_schema("browser")
        business = scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo", display_name="Browser Barbers", language="en"
        )
        business.min_notice_minutes, business.slot_interval = 0, 30
        # Tomorrow's first slot may be under a day away: keep it cancellable at any hour.
        business.cancellation_window_hours = 2
        business.contact_phone = "+55 11 3333-4444"
        business.save()
        WeeklyHours.objects.bulk_create(
            [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
        )
        rafa = ResourceFactory(name="Rafa", order=1)
        bia = ResourceFactory(name="Bia", order=2)
        ServiceFactory(name="Corte", duration_minutes=30, price="45.00", performers=[rafa, bia])
    port = live_server.url.rsplit(":", 1)[1]
    yield f"http://browser.localhost:{port}"
    with schema_context("browser"):
        empty_schema("browser")


# Which days look chosen (white text) the moment htmx puts the new times in, before it settles.
WATCH_SWAP = """() => document.body.addEventListener('htmx:afterSwap', () => {
    window.chosenAtSwap = [...document.querySelectorAll('#slots a.day')]
        .filter((a) => getComputedStyle(a).color === 'rgb(255, 255, 255)').map((a) => a.id);
}, {once: true})"""


def _step(page, name: str, step: str, *, width: int | None) -> None:
    """Screenshot a step and, on a phone, check that nothing is wider than the screen."""
    page.screenshot(path=SHOTS / f"{name}-{step}.png", full_page=True)
    if width is not None:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{step}: {scroll_width}px wide on a {width}px screen"


def _flow(
    page, base: str, name: str, *, javascript: bool, width: int | None = None
) -> tuple[str, dt.date, str]:
    """Book the second free time of the next open day, then cancel it on the manage page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_default_timeout(10_000)
    page.goto(base + "/")
    assert page.locator("h1").first.inner_text() == "Browser Barbers"
    _step(page, name, "1-services", width=width)
    page.get_by_role("link", name="Corte").click()
    page.wait_for_selector("text=Who would you like?")
    _step(page, name, "2-who", width=width)
    page.get_by_role("link", name="Any professional").click()
    page.wait_for_selector(".slot-link")
    # The next open day after the chosen one (today, or tomorrow late at night): always ahead.
    day = page.locator('a.day:not([aria-current="date"])').first
    day_id = day.get_attribute("id")
    day_name = day.get_attribute("href").rsplit("=", 1)[1]
    if javascript:
        page.evaluate(WATCH_SWAP)
    day.click()
    # Only that day's own cell proves the answer arrived (some cell was chosen before the
    # click); then htmx must have settled, or the screenshot catches the swap half done.
    page.wait_for_selector(f'#{day_id}[aria-current="date"]')
    if javascript:
        htmx_settled(page)
        # The strip and the times change together: no moment shows the old day chosen.
        assert page.evaluate("window.chosenAtSwap") == [day_id]
        assert f"date={day_name}" in page.url  # the chosen day is in the address bar
    assert page.locator('a.day[aria-current="date"]').count() == 1
    heading = page.locator("#slots h2").inner_text()
    _step(page, name, "3-times", width=width)
    chosen = page.locator(".slot-link").nth(1)
    time_label = chosen.inner_text()
    chosen.click()
    summary = page.locator(".summary").inner_text()
    assert heading in summary and time_label in summary
    page.get_by_label("Your name").fill("Paula Browser")
    page.get_by_label("WhatsApp phone").fill("(11) 98765-4321")
    _step(page, name, "4-details", width=width)
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_selector("text=You're booked!")
    reference = page.locator(".reference").inner_text()
    # The time picked is the time booked: the confirmation says that day at that time.
    when = page.locator(".confirmation dd").nth(1).inner_text()
    assert when.startswith(f"{heading} ") and f", {time_label}–" in when, when
    _step(page, name, "5-booked", width=width)
    page.get_by_role("button", name="Manage booking").click()
    page.wait_for_selector("text=Your booking")
    _step(page, name, "6-manage", width=width)
    page.get_by_role("button", name="Cancel my booking").click()
    page.wait_for_selector("text=Your booking is cancelled.")
    _step(page, name, "7-cancelled", width=width)
    return reference, dt.date.fromisoformat(day_name), time_label


def _assert_cancelled(booked) -> None:
    reference, day, time_label = booked
    with schema_context("browser"):
        booking = Booking.objects.get(reference=reference)
        assert booking.status == Booking.Status.CANCELLED
        assert booking.cancelled_by_client
        assert booking.client.phone == "+5511987654321"
        local = booking.start.astimezone(zoneinfo.ZoneInfo("America/Sao_Paulo"))
        assert (local.date(), local.strftime("%H:%M")) == (day, time_label)


def test_book_and_cancel_on_a_desktop(browser, shop):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    booked = _flow(context.new_page(), shop, "desktop", javascript=True)
    context.close()
    _assert_cancelled(booked)


def test_book_and_cancel_on_a_phone(browser, shop):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    booked = _flow(context.new_page(), shop, "phone", javascript=True, width=375)
    context.close()
    _assert_cancelled(booked)


def test_book_and_cancel_without_javascript(browser, shop):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    booked = _flow(context.new_page(), shop, "nojs", javascript=False)
    context.close()
    _assert_cancelled(booked)
