"""The report pages: who sees what, the plan's gate, the range form, CSVs equal to the tables,
query counts pinned, Portuguese."""

import csv
import io

import pytest
import time_machine

from accounts.tests.factories import OwnerFactory
from billing.models import PlanOverride
from conftest import assert_no_english, host_client, login_as
from reports.tests import world
from scheduling.models import BusinessSettings

WEEK = {"preset": "custom", "date_from": "2026-03-02", "date_to": "2026-03-08"}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def w(alpha):
    made = world.build()
    made["owner"] = OwnerFactory(email="owner@example.com")
    return made


def _client(user):
    return login_as(host_client("alpha.localhost"), user, "alpha")


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_owner_sees_the_week(w, django_assert_max_num_queries):
    client = _client(w["owner"])
    client.get("/app/")  # the business's plan terms are cached after its first page
    with django_assert_max_num_queries(12):
        response = client.get("/app/reports/", WEEK)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and "<title" in html
    for name in ("bookings-by-day", "revenue-by-day", "utilisation", "top-services", "busy-hours"):
        assert f"table={name}" in html
    assert "Chair B" in html  # every resource


def test_each_csv_is_its_table(w):
    client = _client(w["owner"])
    rows = _csv(client.get("/app/reports/", {**WEEK, "format": "csv", "table": "bookings-by-day"}))
    assert rows[0][0] == "Day" and rows[0][-1] == "Total"
    assert rows[1][0] == "2026-03-02" and rows[1][-1] == "2"
    assert len(rows) == 1 + 7
    utilisation = _csv(
        client.get("/app/reports/", {**WEEK, "format": "csv", "table": "utilisation"})
    )
    assert utilisation[1:] == [["Chair A", "110", "2160", "5.1"], ["Chair B", "30", "2400", "1.2"]]
    revenue = _csv(
        client.get("/app/reports/", {**WEEK, "format": "csv", "table": "revenue-by-day"})
    )
    assert revenue[5] == ["2026-03-06", "50.00", "50.00"]
    page = client.get("/app/reports/", WEEK).content.decode()
    # The page's table says the same, formatted for people.
    assert "2,160" in page and "5.1 %" in page
    assert (
        client.get("/app/reports/", {**WEEK, "format": "csv", "table": "nope"}).status_code == 404
    )


def test_a_csv_cell_is_never_a_formula(w):
    w["a"].name = '=HYPERLINK("http://evil")'
    w["a"].save()
    rows = _csv(
        _client(w["owner"]).get("/app/reports/", {**WEEK, "format": "csv", "table": "utilisation"})
    )
    assert rows[1][0].startswith("'=")


def test_staff_see_their_own_resource_only(w, django_assert_max_num_queries):
    client = _client(w["sam"])
    client.get("/app/")
    with django_assert_max_num_queries(13):  # and their resource's id
        response = client.get("/app/reports/", WEEK)
    assert response.status_code == 200
    rows = _csv(client.get("/app/reports/", {**WEEK, "format": "csv", "table": "utilisation"}))
    assert [r[0] for r in rows[1:]] == ["Chair A"]
    days = _csv(client.get("/app/reports/", {**WEEK, "format": "csv", "table": "bookings-by-day"}))
    assert sum(int(r[-1]) for r in days[1:]) == 3
    with time_machine.travel("2026-07-01 12:00 -03:00", tick=False):
        clients = client.get("/app/reports/clients/")
    assert clients.status_code == 200
    html = clients.content.decode()
    assert "Client 4" in html and "Client 3" not in html  # client 3 only booked chair B
    assert "/win-back/" not in html  # "we miss you" is the managers' to send


def test_presets_and_bad_ranges(w):
    client = _client(w["owner"])
    with time_machine.travel("2026-03-04 15:00 -03:00", tick=False):
        page = client.get("/app/reports/", {"preset": "this_week"}).content.decode()
        assert "2 Mar 2026" in page and "8 Mar 2026" in page
        assert client.get("/app/reports/", {"preset": "last_month"}).status_code == 200
        assert client.get("/app/reports/").status_code == 200  # this month
    too_long = client.get(
        "/app/reports/", {"preset": "custom", "date_from": "2024-01-01", "date_to": "2026-01-01"}
    )
    assert too_long.status_code == 400
    assert "at most 366 days" in too_long.content.decode()
    for bad in ({"date_from": "2026-02-30"}, {"date_from": "x\x00"}, {"preset": "forever"},
                {"date_from": "2026-03-08", "date_to": "2026-03-01"}):  # fmt: skip
        assert client.get("/app/reports/", {"preset": "custom", **bad}).status_code == 400
    empty = client.get("/app/reports/", {"preset": "custom", "date_from": "2025-01-01",
                                         "date_to": "2025-01-31"})  # fmt: skip
    assert empty.status_code == 200 and "Nothing in this period." in empty.content.decode()


def test_client_analytics_page(w, django_assert_max_num_queries):
    client = _client(w["owner"])
    client.get("/app/")
    with time_machine.travel("2026-07-01 12:00 -03:00", tick=False):
        with django_assert_max_num_queries(10):
            response = client.get("/app/reports/clients/")
        html = response.content.decode()
        assert response.status_code == 200
        # Four months after the week, all four are lapsing, each with the win-back button.
        assert html.count('action="/app/clients/') == 4
        assert "/win-back/" in html
        rows = _csv(
            client.get("/app/reports/clients/", {"format": "csv", "table": "lapsing-clients"})
        )
        assert rows[1][0] == "Client 4"
        cohorts = _csv(client.get("/app/reports/clients/", {"format": "csv", "table": "cohorts"}))
        assert cohorts[-6][:3] == ["2026-02", "1", "100.0"]


def test_without_the_reports_module_an_upsell_page(w, tenant_alpha):
    PlanOverride.objects.create(tenant=tenant_alpha, key="module_reports", enabled=False)
    client = _client(w["owner"])
    for url in ("/app/reports/", "/app/reports/clients/"):
        response = client.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert "does not include" in html and "/app/billing/" in html


def test_anonymous_visitors_are_sent_to_log_in(w):
    response = host_client("alpha.localhost").get("/app/reports/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_pages_in_portuguese(w):
    BusinessSettings.objects.filter(pk=1).update(language="pt-br")
    client = _client(w["owner"])
    for url, query in (("/app/reports/", WEEK), ("/app/reports/clients/", {})):
        response = client.get(url, query, HTTP_ACCEPT_LANGUAGE="pt-br")
        assert response.status_code == 200
        assert_no_english(response.content.decode(), allowed=("CSV",))
