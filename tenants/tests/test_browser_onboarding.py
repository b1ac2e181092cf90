"""A new barbershop in a real browser at 375 px, all within one test: its owner signs up (the
address suggested as the name is typed), accepts the presets, follows the dashboard's setup
checklist to the end, and a client books it on its new booking page.

Screenshots go to artifacts/browser/onboarding-*.png (git-ignored).
"""

import time

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from bookings.models import Booking
from config.celery import app as celery_app
from conftest import PHONE, ensure_test_tenants, screenshot_fits
from scheduling.models import BusinessSettings, Resource, Service
from tenants.models import Tenant

SLUG = "navalha-de-ouro"


def _drop_schema() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{SLUG}" CASCADE')


@pytest.fixture
def platform(public_rows_restored, transactional_db, live_server):
    ensure_test_tenants()
    _drop_schema()
    celery_app.conf.task_always_eager = True  # the welcome e-mail, sent in-process
    try:
        yield live_server.url.replace("127.0.0.1", "localhost")
    finally:
        celery_app.conf.task_always_eager = False
        connection.set_schema_to_public()
        _drop_schema()


def _shot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top, not mid-page
    screenshot_fits(page, f"onboarding-{name}")


def test_a_new_barbershop_signs_up_sets_up_and_is_booked_on_a_phone(browser, platform):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(platform + "/")
    _shot(page, "0-landing")
    page.get_by_role("link", name="Log in").first.click()
    page.wait_for_selector("text=Send me the links")
    _shot(page, "0-login")

    page.goto(platform + "/signup/")
    shown_at = time.monotonic()
    page.get_by_label("Business name").press_sequentially("Navalha de Ouro")
    slug = page.get_by_label("Your booking page address")
    assert slug.input_value() == SLUG  # suggested while typing, accents folded
    page.get_by_label("Type of business").select_option("barber")
    page.locator("#id_country").select_option("BR")  # the browser says en-US: the US was chosen
    assert page.locator("#id_language").input_value() == "pt-br"  # it follows the country
    page.locator("#id_language").select_option("en")  # the rest of this test reads English
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
    # A person takes longer than SIGNUP_MIN_FILL_SECONDS to fill the form; a script is refused.
    page.wait_for_timeout(
        max(0.0, settings.SIGNUP_MIN_FILL_SECONDS + 0.5 - (time.monotonic() - shown_at)) * 1000
    )
    page.get_by_role("button", name="Create my booking page").click()

    page.wait_for_url(f"**/{SLUG}.localhost:*/app/setup/presets/")
    business_url = page.url.split("/app/")[0]
    _shot(page, "3-presets")
    with schema_context(SLUG):
        assert not Service.objects.exists()  # nothing until the owner says so
    page.get_by_role("button", name="Accept and create").click()
    page.wait_for_url("**/app/")
    page.wait_for_selector("text=Get ready for your first booking")
    # Details (phone and address at sign-up), hours, a service, the owner performing it.
    assert "4 of 5 done" in page.inner_text("#setup-checklist")
    _shot(page, "4-checklist")

    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    page.wait_for_selector("text=Link copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"http://{SLUG}.localhost:")
    _shot(page, "5-checklist-shared")
    page.goto(business_url + "/app/")
    assert page.locator(".setup-checklist").count() == 0  # all done: the checklist goes
    context.close()

    # A client books the new barbershop on a phone.
    with schema_context(SLUG):
        service = Service.objects.order_by("order", "name").first()
        barber = Resource.objects.get()
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(business_url + "/")
    assert page.locator("h1").first.inner_text() == "Navalha de Ouro"
    _shot(page, "6-client-services")
    page.get_by_role("link", name=service.name).first.click()
    if page.locator(".slot-link").count() == 0 and "Who would you like?" in page.content():
        page.get_by_role("link", name=barber.name).first.click()
    page.wait_for_selector(".slot-link")
    _shot(page, "7-client-times")
    page.locator(".slot-link").first.click()
    page.get_by_label("Your name").fill("João Cliente")
    page.get_by_label("WhatsApp phone").fill("(11) 98765-4321")
    _shot(page, "8-client-details")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_selector(".reference")
    reference = page.locator(".reference").inner_text()
    _shot(page, "9-client-booked")
    context.close()

    tenant = Tenant.objects.get(schema_name=SLUG)
    assert tenant.phone == "+5511912345678"
    with schema_context(SLUG):
        assert BusinessSettings.load().booking_page_shared_at is not None
        booking = Booking.objects.get(reference=reference)
        assert (booking.service, booking.resource) == (service, barber)
        assert booking.client.phone == "+5511987654321"
