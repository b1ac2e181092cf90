"""The feeds page in a real browser at 375 px: create, copy, replace and turn off an address.

Debian's Chromium driven by Playwright; screenshots go to artifacts/browser/ (git-ignored).
"""

from urllib.parse import urlsplit

import pytest
from django_tenants.utils import schema_context
from icalendar import Calendar
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, OwnerFactory, UserFactory
from conftest import (
    PHONE,
    empty_schema,
    ensure_test_tenants,
    host_client,
    htmx_settled,
    screenshot_fits,
)
from feeds.models import FeedToken
from feeds.tests.factories import booking_in
from scheduling import services as scheduling_services
from scheduling.tests.factories import ResourceFactory, ServiceFactory


@pytest.fixture
def shop(public_rows_restored, transactional_db, live_server):
    ensure_test_tenants()
    with schema_context("browser"):
        empty_schema("browser")
        scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo", display_name="Browser Barbers", language="en"
        )
        owner = OwnerFactory(email="owner@browser.test", full_name="Marta Souza")
        UserFactory(full_name="Rafa Lima")
        chair = ResourceFactory(name="Marta's chair", user=owner)
        booking_in(2, resource=chair, service=ServiceFactory(name="Haircut", performers=[chair]))
    port = live_server.url.rsplit(":", 1)[1]
    yield f"http://browser.localhost:{port}"
    with schema_context("browser"):
        empty_schema("browser")


def test_the_owner_creates_copies_replaces_and_turns_off_a_feed_on_a_phone(browser, shop):
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=shop)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm
    page.goto(shop + "/accounts/login/?next=/app/feeds/")
    page.fill("input[name=login]", "owner@browser.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/feeds/")
    screenshot_fits(page, "feeds-empty-375")

    mine = page.locator("#member-" + str(_owner_pk()))
    mine.get_by_role("button", name="Create the feed address").click()
    htmx_settled(page)
    address = mine.locator("input[readonly]")
    expect(address).to_have_value(f"{shop}/feeds/{_token()}.ics")
    first = address.input_value()
    screenshot_fits(page, "feeds-created-375")

    mine.get_by_role("button", name="Copy").click()
    expect(mine.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == first

    served = _calendar_app_get(first)  # no session: the token is the key
    assert served.status_code == 200
    events = Calendar.from_ical(served.content).walk("VEVENT")
    assert [str(e["summary"]).split(" · ")[0] for e in events] == ["Haircut"]

    mine.get_by_role("button", name="New address").click()
    htmx_settled(page)
    expect(address).not_to_have_value(first)
    assert _calendar_app_get(first).status_code == 404
    assert _calendar_app_get(address.input_value()).status_code == 200

    mine.get_by_role("button", name="Turn off").click()
    htmx_settled(page)
    expect(mine.get_by_role("button", name="Create the feed address")).to_be_visible()
    with schema_context("browser"):
        assert not FeedToken.objects.exists()
    context.close()


def _calendar_app_get(url: str):
    # Playwright's own requests cannot resolve *.localhost (TRAPS #5): Django's client, by host.
    return host_client("browser.localhost").get(urlsplit(url).path)


def _owner_pk() -> int:
    from accounts.models import User

    with schema_context("browser"):
        return User.objects.get(email="owner@browser.test").pk


def _token() -> str:
    with schema_context("browser"):
        return FeedToken.objects.get().token
