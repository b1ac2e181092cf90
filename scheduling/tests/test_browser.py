"""Setting up a new business in a real browser at 375 px: presets, then the week's hours.

Debian's Chromium driven by Playwright; screenshots go to artifacts/browser/ (git-ignored).
"""

import datetime as dt

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, OwnerFactory
from conftest import PHONE, empty_schema, ensure_test_tenants, htmx_settled, screenshot_fits
from scheduling import services as scheduling_services
from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
from scheduling.presets import preset_for
from tenants.models import Tenant


@pytest.fixture
def new_barbershop(public_rows_restored, transactional_db, live_server):
    """A business just signed up: no services, no hours, nobody to book; its owner."""
    ensure_test_tenants()
    Tenant.objects.filter(schema_name="browser").update(business_type="barber")
    with schema_context("browser"):
        empty_schema("browser")
        scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo", display_name="Browser Barbers", language="en"
        )
        OwnerFactory(email="owner@browser.test", full_name="Marta Souza")
    port = live_server.url.rsplit(":", 1)[1]
    yield f"http://browser.localhost:{port}"
    with schema_context("browser"):
        empty_schema("browser")


def test_a_new_owner_accepts_presets_and_edits_the_week_on_a_phone(browser, new_barbershop):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(new_barbershop + "/accounts/login/?next=/app/setup/presets/")
    page.fill("input[name=login]", "owner@browser.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/setup/presets/")
    screenshot_fits(page, "setup-presets-375")

    # Another type shows its own suggestions (htmx on change), and back.
    with schema_context("browser"):
        language = BusinessSettings.load().language
    for business_type in ("clinic", "barber"):
        first = preset_for(business_type, language=language).services[0].name
        with page.expect_response(lambda r, t=business_type: f"type={t}" in r.url):
            page.select_option("#id_type", business_type)
        expect(page.locator("[name=service-0-name]")).to_have_value(first)
        # htmx wires the swapped-in form up as it settles: a change before then goes unheard.
        htmx_settled(page)
    with schema_context("browser"):
        assert not Service.objects.exists()  # looking creates nothing

    page.uncheck("[name=service-4-include]")  # no eyebrows here
    page.fill("[name=service-1-price]", "32.00")
    screenshot_fits(page, "setup-presets-edited-375")
    page.get_by_role("button", name="Accept and create").click()
    page.wait_for_url("**/app/")
    with schema_context("browser"):
        assert Service.objects.count() == 4
        beard = preset_for("barber", language=language).services[1].name
        assert Service.objects.get(name=beard).price == 32
        assert Resource.objects.get().user.email == "owner@browser.test"
        assert WeeklyHours.objects.filter(resource=None).count() == 11
        assert BusinessSettings.load().presets_decided_at is not None

    page.goto(new_barbershop + "/app/hours/")
    screenshot_fits(page, "setup-hours-375")
    # Monday gets a later afternoon; copy it to the weekdays, then close Wednesday; save.
    page.fill("#d0-e1", "20:00")
    page.get_by_role("button", name="Copy Monday to all weekdays").click()
    expect(page.locator("#d4-e1")).to_have_value("20:00")
    page.uncheck("[name=day-2-open]")
    screenshot_fits(page, "setup-hours-copied-375")
    page.get_by_role("button", name="Save hours").last.click()
    page.wait_for_selector("text=Hours saved.")
    with schema_context("browser"):
        days = set(WeeklyHours.objects.filter(resource=None).values_list("weekday", flat=True))
        assert days == {0, 1, 3, 4, 5}
        assert WeeklyHours.objects.filter(weekday=4, end="20:00").exists()

    # A bad range is refused next to its day.
    page.fill("#d1-s0", "12:30")
    page.get_by_role("button", name="Save hours").last.click()
    page.wait_for_selector("#day-1 .field-error")
    screenshot_fits(page, "setup-hours-error-375")

    with schema_context("browser"):
        TimeOff.objects.create(
            resource=Resource.objects.get(),
            start=dt.datetime(2027, 1, 4, 12, tzinfo=dt.UTC),
            end=dt.datetime(2027, 1, 18, 21, tzinfo=dt.UTC),
            reason="Férias de janeiro com a família no litoral",
        )
    for name in ("settings", "time-off", "resources", "services", "resources/new", "categories"):
        page.goto(f"{new_barbershop}/app/{name}/")
        screenshot_fits(page, f"setup-{name.replace('/', '-')}-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    for name in ("hours", "settings"):
        page.goto(f"{new_barbershop}/app/{name}/")
        screenshot_fits(page, f"setup-{name}-1280", width=None)
    context.close()
