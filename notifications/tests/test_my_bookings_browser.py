"""'My bookings' at 375 px in Chromium: ask, the same answer, open the link, the list.

Screenshots go to artifacts/browser/ (git-ignored) as public-my-bookings-*.png.
"""

import datetime as dt
import re

from django.utils import timezone
from django_tenants.utils import schema_context

from bookings.tests.factories import BookingFactory, ClientFactory
from bookings.tests.test_browser import shop  # noqa: F401 (a fixture)
from bookings.views import my_bookings
from conftest import PHONE, screenshot_fits
from notifications.models import Kind, Message
from scheduling.models import Service


def test_my_bookings_at_375px(browser, shop, monkeypatch):  # noqa: F811
    base = shop
    # No worker here: the lookup it would do after the request runs in the request.
    monkeypatch.setattr(my_bookings, "enqueue_on_commit", lambda task, **kwargs: task(**kwargs))
    with schema_context("browser"):
        service = Service.objects.get(name="Corte")
        client = ClientFactory(
            name="Maria Aparecida dos Santos Oliveira", email="maria.aparecida@example.com"
        )
        BookingFactory(client=client, service=service, start=timezone.now() + dt.timedelta(days=2))
        BookingFactory(client=client, service=service, start=timezone.now() - dt.timedelta(days=30))
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(f"{base}/")
        page.get_by_role("link", name="My bookings").click()
        screenshot_fits(page, "public-my-bookings-ask")
        page.get_by_label("Your phone or e-mail").fill("maria.aparecida@example.com")
        page.get_by_role("button", name="Send me a link").click()
        assert "If we know you, a link is on its way" in page.content()
        screenshot_fits(page, "public-my-bookings-sent")
        with schema_context("browser"):
            body = Message.objects.get(kind=Kind.ACCESS_LINK).body
        link = re.search(r"https?://\S+/my-bookings/open/\S+/", body).group(0)
        page.goto(link)
        screenshot_fits(page, "public-my-bookings-open")
        page.get_by_role("button", name="Show my bookings").click()
        page.wait_for_url("**/my-bookings/list/")
        assert page.locator("article.my-booking").count() == 2
        screenshot_fits(page, "public-my-bookings-list")
        page.goto(link)
        page.get_by_role("button", name="Show my bookings").click()
        assert "already used" in page.content()
        screenshot_fits(page, "public-my-bookings-used")
    finally:
        page.close()
