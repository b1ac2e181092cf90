"""Public pages of G0 at 375 px in Chromium: the window warning, the closed manage page, contact.

Screenshots go to artifacts/browser/ (git-ignored) as public-g0-*.png.
"""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory
from bookings import services
from bookings.tests.test_browser import shop  # noqa: F401 (a fixture)
from conftest import PHONE, screenshot_fits
from scheduling.models import BusinessSettings, Service


@pytest.fixture
def reachable_shop(shop):  # noqa: F811
    with schema_context("browser"):
        business = BusinessSettings.load()
        business.cancellation_window_hours = 24
        business.address = "Rua Augusta 1500, Consolação, São Paulo - SP"
        business.contact_email = "contato@browser-barbers.example"
        business.save()
    return shop


def _shot(page, name: str) -> None:
    screenshot_fits(page, f"public-g0-{name}")


def test_window_warning_and_closed_manage_page_at_375px(browser, reachable_shop):
    base = reachable_shop
    start = (timezone.now() + dt.timedelta(hours=3)).replace(microsecond=0)
    with schema_context("browser"):
        service = Service.objects.get(name="Corte")
        client, _ = services.client_get_or_create(name="Paula", phone="+5511987654321", region="BR")
        booking = services.booking_create(
            service=service,
            start=start,
            client=client,
            resource=service.resources.first(),
            override=True,
            actor=OwnerFactory(),
        )
    page = browser.new_page(viewport=PHONE)
    try:
        later = start + dt.timedelta(hours=1)
        page.goto(
            f"{base}/book/{service.pk}/any/details/?start={later.isoformat()}".replace("+", "%2B")
        )
        warning = page.locator(".window-warning")
        assert "won't be able to change or cancel this booking online" in warning.inner_text()
        assert warning.locator('a[href="tel:+551133334444"]').inner_text() == "(11) 3333-4444"
        _shot(page, "details-window-warning")

        page.goto(f"{base}/manage/{booking.manage_token}/")
        closed = page.locator("article.notice")
        assert "can no longer be changed online" in closed.inner_text()
        assert closed.locator('a[href="https://wa.me/551133334444"]').count() == 1
        assert closed.locator('a[href^="https://www.openstreetmap.org/search?query="]').count() == 1
        _shot(page, "manage-window-closed")

        page.goto(f"{base}/")
        assert page.locator(".business-hero address").count() == 1
        _shot(page, "services-contact")
    finally:
        page.close()


def test_not_open_yet_for_the_owner_at_375px(browser, shop):  # noqa: F811
    from django.conf import settings
    from django.test import Client as DjangoClient

    from scheduling.models import WeeklyHours

    with schema_context("browser"):
        WeeklyHours.objects.all().delete()  # a business that has not set its hours yet
        owner = OwnerFactory()
        django_client = DjangoClient()
        django_client.force_login(owner)
        session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport=PHONE)
    host = shop.split("//")[1].split(":")[0]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"}]
    )
    page = context.new_page()
    try:
        page.goto(f"{shop}/")
        assert "Online booking is not open yet" in page.locator(".not-open").inner_text()
        hours = page.locator(".setup-missing").get_by_role("link", name="Set your opening hours")
        _shot(page, "not-open-owner")
        hours.click()
        assert page.url.endswith("/app/hours/")
    finally:
        context.close()
