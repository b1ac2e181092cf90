"""The reports page in Chromium at 375 px and 1280 px: the charts are drawn, scale to the screen
and nothing scrolls sideways, the tables open under them. Screenshots: artifacts/browser/reports-*.
"""

import pytest
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory
from conftest import PHONE, empty_schema, ensure_test_tenants, log_in, screenshot_fits
from reports.tests import world
from scheduling import services as scheduling_services

OWNER = "reports.owner@browser-barbers.example"
WEEK = "/app/reports/?preset=custom&date_from=2026-03-02&date_to=2026-03-08"


@pytest.fixture
def business(public_rows_restored, transactional_db, live_server):
    ensure_test_tenants()
    with schema_context("browser"):
        empty_schema("browser")
        scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo", display_name="Browser Barbers", language="en"
        )
        world.build()
        OwnerFactory(email=OWNER, full_name="Olivia Owner")
    port = live_server.url.rsplit(":", 1)[1]
    yield f"http://browser.localhost:{port}"
    with schema_context("browser"):
        empty_schema("browser")


def test_the_reports_page_on_a_phone_and_a_desktop(browser, business):
    for name, viewport, mobile in (
        ("375", PHONE, True),
        ("1280", {"width": 1280, "height": 900}, False),
    ):
        context = browser.new_context(viewport=viewport, is_mobile=mobile)
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            log_in(page, business, OWNER)
            page.goto(business + WEEK)
            charts = page.locator("svg.chart")
            assert charts.count() >= 6
            widths = charts.evaluate_all(
                "(svgs) => svgs.map((s) => s.getBoundingClientRect().width)"
            )
            assert all(0 < w <= viewport["width"] for w in widths), widths
            # Bar charts stop at 34rem (544 px) on a wide screen instead of stretching.
            bars = page.locator("svg.chart-bars").evaluate_all(
                "(svgs) => svgs.map((s) => s.getBoundingClientRect().width)"
            )
            assert bars and all(w <= 544.5 for w in bars), bars
            assert page.get_by_role("img", name="Bookings by day and status").is_visible()
            # The widest table (24 hours) opens inside its own scroll box, not the page's.
            page.locator("#figure-busy-hours summary").click()
            assert page.locator("#figure-busy-hours table").is_visible()
            screenshot_fits(page, f"reports-{name}", width=viewport["width"])
            page.goto(business + "/app/reports/clients/")
            assert page.get_by_role("heading", name="Visit frequency").is_visible()
            screenshot_fits(page, f"reports-clients-{name}", width=viewport["width"])
        finally:
            context.close()
