"""A client books once in Brazilian Portuguese at 375 px in Chromium, then uses the language
switch. Every step's page must hold no English phrase of the catalogue (`assert_no_english`).

Screenshots go to artifacts/browser/ (git-ignored) as ptbr-*.png.
"""

import datetime as dt
import re

import pytest
from django_tenants.utils import schema_context

from bookings.models import Booking
from bookings.tests.test_browser import shop  # noqa: F401 (a fixture)
from conftest import PHONE, assert_no_english, screenshot_fits
from scheduling.models import BusinessSettings

WEEKDAYS = ("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo")


@pytest.fixture
def pt_shop(shop):  # noqa: F811
    with schema_context("browser"):
        business = BusinessSettings.load()
        business.language = "pt-br"
        business.address = "Rua Augusta 1500, Consolação, São Paulo - SP"
        business.contact_email = "contato@browser-barbers.example"
        business.save()
    return shop


def _step(page, name: str) -> str:
    """Screenshot the step (nothing wider than the phone) and check it is all Portuguese."""
    screenshot_fits(page, f"ptbr-{name}")
    html = page.content()
    assert_no_english(html)
    assert '<html lang="pt-br"' in html
    return html


def test_a_client_books_in_portuguese_on_a_phone(browser, pt_shop):
    base = pt_shop
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(base + "/")
        assert page.locator("h1").first.inner_text() == "Browser Barbers"
        assert "Qual serviço você quer?" in page.locator("main h2").inner_text()
        assert "R$\xa045,00" in page.locator(".choice-side").inner_text()
        _step(page, "1-services")

        page.get_by_role("link", name="Corte").click()
        page.wait_for_selector("text=Com quem você quer agendar?")
        _step(page, "2-who")

        page.get_by_role("link", name="Qualquer profissional").click()
        page.wait_for_selector(".slot-link")
        day = page.locator('a.day:not([aria-current="date"])').first
        day_id = day.get_attribute("id")
        day.click()
        page.wait_for_selector(f'#{day_id}[aria-current="date"]')
        heading = page.locator("#slots h2").inner_text()
        assert heading.startswith(WEEKDAYS) and " de " in heading, heading
        _step(page, "3-times")

        chosen = page.locator(".slot-link").nth(1)
        time_label = chosen.inner_text()
        chosen.click()
        page.wait_for_selector("text=Seus dados")
        page.get_by_label("Seu nome").fill("Paula Navegador")
        page.get_by_label("WhatsApp", exact=True).fill("(11) 98765-4321")
        _step(page, "4-details")

        page.get_by_role("button", name="Confirmar agendamento").click()
        page.wait_for_selector("text=Agendamento confirmado!")
        reference = page.locator(".reference").inner_text()
        when = page.locator(".confirmation dd").nth(1).inner_text()
        assert when.startswith(f"{heading} de ") and f", {time_label}–" in when, when
        _step(page, "5-booked")

        # The visitor switches to English: the same page, in English; and back.
        booked_url = page.url
        page.get_by_role("button", name="English").click()
        page.wait_for_selector("text=You're booked!")
        assert page.url == booked_url
        assert page.locator("html").get_attribute("lang") == "en"
        screenshot_fits(page, "ptbr-5-booked-in-english")
        page.get_by_role("button", name="Português (Brasil)").click()
        page.wait_for_selector("text=Agendamento confirmado!")
        assert page.url == booked_url

        page.get_by_role("button", name="Gerenciar agendamento").click()
        page.wait_for_selector("text=Remarcar para outro horário")
        _step(page, "6-manage")

        page.get_by_role("button", name="Cancelar agendamento").click()
        page.wait_for_selector("text=Seu agendamento foi cancelado.")
        html = _step(page, "7-cancelled")
        assert re.search(r"Remover da sua agenda", html)
    finally:
        context.close()

    with schema_context("browser"):
        booking = Booking.objects.get(reference=reference)
        assert booking.status == Booking.Status.CANCELLED and booking.cancelled_by_client
        assert booking.client.phone == "+5511987654321"
        assert booking.start > dt.datetime.now(dt.UTC)
