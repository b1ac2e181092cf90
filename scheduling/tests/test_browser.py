"""Setting up a new business in a real browser at 375 px: presets, then the week's hours.

Debian's Chromium driven by Playwright; screenshots go to artifacts/browser/ (git-ignored).
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.tests.factories import PASSWORD, OwnerFactory
from conftest import ensure_test_tenants
from scheduling import services as scheduling_services
from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
from scheduling.presets import preset_for
from tenants.models import Tenant

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
KEEP = {"django_migrations", "django_content_type", "auth_permission"}
PHONE = {"width": 375, "height": 812}
WIDER_THAN_SCREEN = """[...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5)
    .map((e) => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)"""

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: browser tests cannot run")
    pytest.skip("Chromium is not installed (make test installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def _empty_schema(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        tables = [name for (name,) in cursor.fetchall() if name not in KEEP]
        names = ", ".join(f'"{schema}"."{name}"' for name in tables)
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def new_barbershop(public_rows_restored, transactional_db, live_server):
    """A business just signed up: no services, no hours, nobody to book; its owner."""
    ensure_test_tenants()
    Tenant.objects.filter(schema_name="browser").update(business_type="barber")
    with schema_context("browser"):
        _empty_schema("browser")
        scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo", display_name="Browser Barbers"
        )
        OwnerFactory(email="owner@browser.test", full_name="Marta Souza")
    port = live_server.url.rsplit(":", 1)[1]
    yield f"http://browser.localhost:{port}"
    with schema_context("browser"):
        _empty_schema("browser")


def _shot(page, name: str) -> None:
    """Screenshot, and check that nothing is wider than the phone's screen."""
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-settling')")
    page.screenshot(path=SHOTS / f"setup-{name}-375.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDER_THAN_SCREEN) if width > PHONE["width"] else []
    assert width <= PHONE["width"], f"{name}: {width}px wide on a 375px screen: {wide}"


def test_a_new_owner_accepts_presets_and_edits_the_week_on_a_phone(browser, new_barbershop):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(new_barbershop + "/accounts/login/?next=/app/setup/presets/")
    page.fill("input[name=login]", "owner@browser.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/setup/presets/")
    _shot(page, "presets")

    # Another type shows its own suggestions (htmx on change), and back.
    with schema_context("browser"):
        language = BusinessSettings.load().language
    for business_type in ("clinic", "barber"):
        first = preset_for(business_type, language=language).services[0].name
        with page.expect_response(lambda r, t=business_type: f"type={t}" in r.url):
            page.select_option("#id_type", business_type)
        page.wait_for_function(
            f"document.querySelector('[name=service-0-name]').value === '{first}'"
        )
    with schema_context("browser"):
        assert not Service.objects.exists()  # looking creates nothing

    page.uncheck("[name=service-4-include]")  # no eyebrows here
    page.fill("[name=service-1-price]", "32.00")
    _shot(page, "presets-edited")
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
    _shot(page, "hours")
    # Monday gets a later afternoon; copy it to the weekdays, then close Wednesday; save.
    page.fill("#d0-e1", "20:00")
    page.get_by_role("button", name="Copy Monday to all weekdays").click()
    page.wait_for_function("document.querySelector('#d4-e1').value === '20:00'")
    page.uncheck("[name=day-2-open]")
    _shot(page, "hours-copied")
    page.get_by_role("button", name="Save hours").last.click()
    page.wait_for_function("document.body.innerText.includes('Hours saved.')")
    with schema_context("browser"):
        days = set(WeeklyHours.objects.filter(resource=None).values_list("weekday", flat=True))
        assert days == {0, 1, 3, 4, 5}
        assert WeeklyHours.objects.filter(weekday=4, end="20:00").exists()

    # A bad range is refused next to its day.
    page.fill("#d1-s0", "12:30")
    page.get_by_role("button", name="Save hours").last.click()
    page.wait_for_selector("#day-1 .field-error")
    _shot(page, "hours-error")

    with schema_context("browser"):
        TimeOff.objects.create(
            resource=Resource.objects.get(),
            start=dt.datetime(2027, 1, 4, 12, tzinfo=dt.UTC),
            end=dt.datetime(2027, 1, 18, 21, tzinfo=dt.UTC),
            reason="Férias de janeiro com a família no litoral",
        )
    for name in ("settings", "time-off", "resources", "services", "resources/new", "categories"):
        page.goto(f"{new_barbershop}/app/{name}/")
        _shot(page, name.replace("/", "-"))
    page.set_viewport_size({"width": 1280, "height": 900})
    for name in ("hours", "settings"):
        page.goto(f"{new_barbershop}/app/{name}/")
        page.screenshot(path=SHOTS / f"setup-{name}-1280.png", full_page=True)
    context.close()
