"""A client books two services with a question of the business at 375 px in Chromium.

Screenshots go to artifacts/browser/ (git-ignored) as services-*.png.
"""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from bookings.models import Booking
from bookings.tests.test_browser import shop  # noqa: F401 (a fixture)
from conftest import PHONE, screenshot_fits
from scheduling.models import Question, Resource
from scheduling.tests.factories import ServiceFactory


@pytest.fixture
def combo_shop(shop):  # noqa: F811
    with schema_context("browser"):
        rafa = Resource.objects.get(name="Rafa")
        beard = ServiceFactory(name="Barba", duration_minutes=20, price="25.00", performers=[rafa])
        Question.objects.create(label="Any allergies?", required=True)
        style = Question.objects.create(
            label="Beard style", kind=Question.Kind.CHOICE, choices=["Short", "Full"]
        )
        style.services.set([beard])
    return shop


def test_a_client_books_two_services_with_a_question_on_a_phone(browser, combo_shop):
    base = combo_shop
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(base + "/")
        page.get_by_role("checkbox", name="Add Corte").check()
        page.get_by_role("checkbox", name="Add Barba").check()
        # The total is said as the ticks change (service-picker.js).
        assert "50 min" in page.locator("#pick-total").inner_text()
        assert "70" in page.locator("#pick-total").inner_text()
        screenshot_fits(page, "services-1-ticked")

        page.get_by_role("button", name="Book the ticked services").click()
        # Only Rafa does both: straight to the times; the summary adds the two up (in the
        # order of the list).
        page.wait_for_selector(".slot-link")
        summary = page.locator(".summary").inner_text()
        assert "Barba + Corte" in summary and "50 min" in summary
        screenshot_fits(page, "services-2-times")

        page.locator(".slot-link").first.click()
        page.wait_for_selector("text=Any allergies?")
        assert page.get_by_label("Beard style").is_visible()
        page.get_by_label("Your name").fill("Paula Souza")
        page.get_by_label("WhatsApp phone").fill("(11) 98765-4321")
        page.get_by_role("button", name="Confirm booking").click()
        # The required question is enforced by the server: the form comes back with its error.
        page.wait_for_selector(".field-error")
        screenshot_fits(page, "services-3-question-required")

        page.get_by_label("Any allergies?").fill("Lavender")
        page.get_by_label("Beard style").select_option("Short")
        page.get_by_role("button", name="Confirm booking").click()
        page.wait_for_selector("text=You're booked!")
        assert "Barba + Corte" in page.locator(".facts").inner_text()
        screenshot_fits(page, "services-4-booked")
    finally:
        context.close()

    with schema_context("browser"):
        booking = Booking.objects.get()
        assert booking.services_label == "Barba + Corte"
        assert booking.end - booking.start == dt.timedelta(minutes=30 + 20)
        assert [a["value"] for a in booking.answers] == ["Lavender", "Short"]
