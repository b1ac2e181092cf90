"""A new owner in a real browser at 375 px: sign-up (address suggested as the name is typed),
the presets page, and the dashboard's setup checklist (copying the booking page's link).

Screenshots go to artifacts/browser/ (git-ignored). Debian's Chromium driven by Playwright.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from conftest import ensure_test_tenants
from scheduling.models import BusinessSettings
from tenants.models import Tenant

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
SLUG = "navalha-de-ouro"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: browser tests cannot run")
    pytest.skip("Chromium is not installed (make test installs it)", allow_module_level=True)


def _drop_schema() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{SLUG}" CASCADE')


@pytest.fixture
def platform(public_rows_restored, transactional_db, live_server):
    ensure_test_tenants()
    _drop_schema()
    celery_app.conf.task_always_eager = True  # the welcome e-mail, sent in-process
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield live_server.url.replace("127.0.0.1", "localhost")
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        celery_app.conf.task_always_eager = False
        connection.set_schema_to_public()
        _drop_schema()


def _shot(page, name: str, width: int = 375) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top, not mid-page
    page.screenshot(path=SHOTS / f"onboarding-{name}.png", full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: {scroll_width}px wide on a {width}px screen"


def test_a_new_owner_signs_up_and_follows_the_checklist_on_a_phone(platform):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
        page = context.new_page()
        page.set_default_timeout(15_000)

        page.goto(platform + "/")
        _shot(page, "0-landing")
        page.get_by_role("link", name="Log in").first.click()
        page.wait_for_selector("text=Send me the links")
        _shot(page, "0-login")

        page.goto(platform + "/signup/")
        page.get_by_label("Business name").press_sequentially("Navalha de Ouro")
        slug = page.get_by_label("Your booking page address")
        assert slug.input_value() == SLUG  # suggested while typing, accents folded
        page.get_by_label("Type of business").select_option("barber")
        page.get_by_label("Business phone (WhatsApp)").fill("12345")
        page.get_by_label("Street address").fill("Rua Augusta, 1500 - São Paulo")
        page.get_by_label("Your name").fill("Carla Dias")
        page.get_by_label("Your e-mail").fill("carla@example.com")
        page.get_by_label("Password", exact=True).fill("navalha-afiada-42")
        _shot(page, "1-signup")
        page.get_by_role("button", name="Create my booking page").click()
        page.wait_for_selector("text=Enter a valid phone number in Brazil")
        _shot(page, "2-signup-bad-phone")
        page.get_by_label("Business phone (WhatsApp)").fill("(11) 91234-5678")
        page.get_by_label("Password", exact=True).fill("navalha-afiada-42")
        page.get_by_role("button", name="Create my booking page").click()

        page.wait_for_url(f"**/{SLUG}.localhost:*/app/setup/presets/")
        _shot(page, "3-presets")

        page.goto(page.url.split("/app/")[0] + "/app/")
        page.wait_for_selector("text=Get ready for your first booking")
        assert "1 of 5 done" in page.inner_text("#setup-checklist")  # phone and address given
        assert page.get_by_role("button", name="Start from a template").is_visible()
        _shot(page, "4-checklist")

        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.get_by_role("button", name="Copy").click()
        page.wait_for_selector("text=Link copied")
        assert "2 of 5 done" in page.inner_text("#setup-checklist")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(f"http://{SLUG}.localhost:")
        _shot(page, "5-checklist-shared")
        context.close()
        browser.close()

    tenant = Tenant.objects.get(schema_name=SLUG)
    assert tenant.phone == "+5511912345678"
    with schema_context(SLUG):
        assert BusinessSettings.load().booking_page_shared_at is not None
