"""Two-factor authentication in a real browser on a phone (375 px): the required set-up after
login, the recovery codes, and the next login with a code. Screenshots: artifacts/browser/."""

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django_tenants.utils import schema_context

from accounts.tests.factories import PASSWORD, UserFactory
from conftest import PHONE, empty_schema, ensure_test_tenants, log_in, screenshot_fits
from scheduling import services as scheduling_services


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.fixture
def team(public_rows_restored, transactional_db, live_server):
    ensure_test_tenants()
    with schema_context("browser"):
        empty_schema("browser")
        business = scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo", display_name="Browser Barbers", language="en"
        )
        business.require_two_factor = True
        business.save()
        UserFactory(email="sam@browser.test")
    port = live_server.url.rsplit(":", 1)[1]
    yield f"http://browser.localhost:{port}"
    with schema_context("browser"):
        empty_schema("browser")


def test_a_member_sets_up_two_factor_on_a_phone_and_logs_in_with_a_code(browser, team):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)

    log_in(page, team, "sam@browser.test", until_dashboard=False)
    page.wait_for_selector("text=Confirm your password")  # asked before adding an app
    screenshot_fits(page, "2fa-1-confirm")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_selector("text=Set up two-factor authentication")
    assert page.locator("text=requires it for everyone in the team").is_visible()
    qr = page.locator("img.totp-qr")
    assert qr.is_visible() and qr.bounding_box()["width"] <= PHONE["width"]
    screenshot_fits(page, "2fa-2-setup")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_selector("text=Incorrect code")
    page.get_by_label("Code from the app").fill(_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    page.wait_for_selector("text=Recovery codes")
    assert page.locator("ul.recovery-codes li").count() == 10
    screenshot_fits(page, "2fa-3-recovery-codes")
    page.goto(team + "/app/")
    assert page.url == team + "/app/"  # the dashboard opens now

    # Next login on this phone: password, then the app's code.
    context.clear_cookies()
    log_in(page, team, "sam@browser.test", until_dashboard=False)
    page.wait_for_selector("text=Enter your code")
    screenshot_fits(page, "2fa-4-code")
    page.get_by_label("Code").fill(_code(secret))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/app/")
    page.goto(team + "/accounts/2fa/")
    page.wait_for_selector("text=On: after your password")
    screenshot_fits(page, "2fa-5-manage")
    context.close()
