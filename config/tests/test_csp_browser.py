"""The Content-Security-Policy in a real browser: the booking flow (htmx swaps, the slot picker,
confirmation, cancel) and the staff pages with scripts run without the browser refusing a single
script, style or form."""

from django_tenants.utils import schema_context

from accounts.tests.factories import PASSWORD, OwnerFactory
from bookings.models import Client
from bookings.tests.factories import ClientFactory
from bookings.tests.test_browser import _flow, shop  # noqa: F401 (a fixture)


def _watch_refusals(page) -> list[str]:
    refused: list[str] = []

    def record(message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", record)
    return refused


def test_the_booking_flow_breaks_no_rule_of_the_csp(browser, shop):  # noqa: F811
    page = browser.new_page()
    refused = _watch_refusals(page)
    try:
        _flow(page, shop, "csp", javascript=True)
    finally:
        page.close()
    assert refused == []


def test_staff_pages_scripts_run_under_the_csp(browser, shop):  # noqa: F811
    with schema_context("browser"):
        OwnerFactory(email="csp-owner@browser.test")
        client = ClientFactory(name="Dora")
    page = browser.new_page()
    page.set_default_timeout(10_000)
    refused = _watch_refusals(page)
    try:
        page.goto(shop + "/accounts/login/?next=/app/")
        page.fill("input[name=login]", "csp-owner@browser.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/app/**")

        # The inline "Deactivate?" handler became data-confirm + static JS: still asked first.
        page.goto(f"{shop}/app/clients/{client.pk}/")
        questions: list[str] = []
        page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
        page.get_by_role("button", name="Deactivate").click()
        page.wait_for_timeout(300)
        assert questions == ["Deactivate Dora?"]
        with schema_context("browser"):
            assert Client.objects.get(pk=client.pk).is_active  # dismissed: nothing sent
        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            page.get_by_role("button", name="Deactivate").click()
        with schema_context("browser"):
            assert not Client.objects.get(pk=client.pk).is_active
    finally:
        page.close()
    assert refused == []
