"""The schema and the docs page: public, served from our own static files (no CDN), and Swagger
UI really runs under the Content-Security-Policy in a browser."""

import re

from django.contrib.staticfiles import finders

from api.tests.conftest import ApiClient
from bookings.tests.test_browser import shop  # noqa: F401 (a fixture)


def test_the_schema_lists_every_operation(world):
    schema = ApiClient(None).get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {
        "/api/v1/services",
        "/api/v1/resources",
        "/api/v1/categories",
        "/api/v1/availability",
        "/api/v1/bookings",
        "/api/v1/bookings/{reference}",
        "/api/v1/bookings/{reference}/reschedule",
        "/api/v1/bookings/{reference}/cancel",
        "/api/v1/bookings/{reference}/confirm",
        "/api/v1/bookings/{reference}/complete",
        "/api/v1/bookings/{reference}/no-show",
        "/api/v1/clients",
        "/api/v1/clients/{client_id}",
    } <= paths
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["scheme"] == "bearer"
    refusal = schema["paths"]["/api/v1/bookings"]["post"]["responses"]["409"]
    assert refusal["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_the_docs_page_uses_only_our_files(world):
    response = ApiClient(None).get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert "<script>" not in html  # no inline script: the settings are JSON
    policy = response["Content-Security-Policy"]
    assert "unsafe-eval" not in policy and "cdn" not in policy


def test_swagger_ui_runs_under_the_csp(browser, shop):  # noqa: F811
    page = browser.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        page.goto(shop + "/api/v1/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/bookings" in p for p in paths)
    finally:
        page.close()
    assert refused == []
