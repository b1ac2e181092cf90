"""The Content-Security-Policy in a real browser: the booking flow (htmx swaps, the slot picker,
confirmation, cancel) runs without the browser refusing a single script, style or form."""

from bookings.tests.test_browser import _flow, shop  # noqa: F401 (a fixture)


def test_the_booking_flow_breaks_no_rule_of_the_csp(browser, shop):  # noqa: F811
    page = browser.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    try:
        _flow(page, shop, "csp", javascript=True)
    finally:
        page.close()
    assert refused == []
