"""The public booking flow in a real browser: Debian's Chromium driven by Playwright.

Wide, at 375×812, and with JavaScript off. Screenshots go to artifacts/browser/ (git-ignored).
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from bookings.models import Booking
from conftest import ensure_test_tenants
from scheduling import services as scheduling_services
from scheduling.models import WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
KEEP = {"django_migrations", "django_content_type", "auth_permission"}

if not Path(CHROMIUM).exists():
    # `make test` installs Chromium; only a bare `pytest` on a machine without it gets here.
    if os.environ.get("CI"):
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: browser tests cannot run")
    pytest.skip("Chromium is not installed (make test installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread while the module's tests (and
    # their database flushes) run; our DB calls here stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def public_rows_restored(django_db_blocker):
    """Set up before the flush of `transactional_db`, so this teardown runs after it."""
    yield
    with django_db_blocker.unblock():
        ensure_test_tenants()


def _empty_schema(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        tables = [name for (name,) in cursor.fetchall() if name not in KEEP]
        names = ", ".join(f'"{schema}"."{name}"' for name in tables)
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def shop(public_rows_restored, transactional_db, live_server):
    ensure_test_tenants()
    with schema_context("browser"):
        _empty_schema("browser")
        business = scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo", display_name="Browser Barbers"
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
        _empty_schema("browser")


def _flow(page, base: str, name: str, *, javascript: bool) -> str:
    """Book the first free slot of tomorrow or later, then cancel it on the manage page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_default_timeout(10_000)
    page.goto(base + "/")
    assert page.locator("h1").first.inner_text() == "Browser Barbers"
    page.screenshot(path=SHOTS / f"{name}-1-services.png", full_page=True)
    page.get_by_role("link", name="Corte").click()
    page.get_by_role("link", name="Any professional").click()
    page.wait_for_selector(".slot-link")
    # The next open day other than today, so the slot is always in the future.
    if javascript:
        page.locator("a.day:not(.is-chosen)").first.click()
        page.wait_for_selector("a.day.is-chosen")
    else:
        page.locator("a.day:not(.is-chosen)").first.click()
    page.screenshot(path=SHOTS / f"{name}-2-times.png", full_page=True)
    chosen = page.locator(".slot-link").first
    time_label = chosen.inner_text()
    chosen.click()
    page.get_by_label("Your name").fill("Paula Browser")
    page.get_by_label("WhatsApp phone").fill("(11) 98765-4321")
    page.screenshot(path=SHOTS / f"{name}-3-details.png", full_page=True)
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_selector("text=You're booked!")
    reference = page.locator(".reference").inner_text()
    assert time_label in page.locator(".confirmation").inner_text()
    page.screenshot(path=SHOTS / f"{name}-4-booked.png", full_page=True)
    page.get_by_role("button", name="Manage booking").click()
    page.wait_for_selector("text=Your booking")
    page.get_by_role("button", name="Cancel my booking").click()
    page.wait_for_selector("text=Your booking is cancelled.")
    page.screenshot(path=SHOTS / f"{name}-5-cancelled.png", full_page=True)
    return reference


def _assert_cancelled(reference: str) -> None:
    with schema_context("browser"):
        booking = Booking.objects.get(reference=reference)
        assert booking.status == Booking.Status.CANCELLED
        assert booking.cancelled_by_client
        assert booking.client.phone == "+5511987654321"


def test_book_and_cancel_on_a_desktop(browser, shop):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    reference = _flow(context.new_page(), shop, "desktop", javascript=True)
    context.close()
    _assert_cancelled(reference)


def test_book_and_cancel_on_a_phone(browser, shop):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = context.new_page()
    reference = _flow(page, shop, "phone", javascript=True)
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
    _assert_cancelled(reference)


def test_book_and_cancel_without_javascript(browser, shop):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    reference = _flow(context.new_page(), shop, "nojs", javascript=False)
    context.close()
    _assert_cancelled(reference)
