"""The host picks the tenant: unknown hosts, closed businesses, and isolation between tenants."""

from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import PASSWORD, OwnerFactory, UserFactory
from conftest import host_client, login_as


def test_unknown_host_gets_a_friendly_404(db):
    response = host_client("nobody.localhost").get("/")
    assert response.status_code == 404
    assert b"There is no booking page at this address" in response.content
    assert b"nobody.localhost" in response.content


def test_platform_and_tenant_hosts_serve_their_own_home(platform_client, alpha_client):
    assert b"Create your booking page" in platform_client.get("/").content
    page = alpha_client.get("/")
    assert page.status_code == 200
    assert b"Alpha Barbers" in page.content


def test_platform_host_answers_before_any_domain_row_exists(db):
    from tenants.models import Domain

    Domain.objects.filter(domain="localhost").delete()
    assert host_client("localhost").get("/").status_code == 200


def test_inactive_tenant_shows_closed_page(tenant_alpha, alpha_client):
    tenant_alpha.is_active = False
    tenant_alpha.save()
    for path in ("/", "/app/", "/accounts/login/"):
        response = alpha_client.get(path)
        assert response.status_code == 503
        assert b"not taking bookings" in response.content
    assert alpha_client.get("/health/").status_code in (200, 503)


def test_tenant_pages_are_not_on_platform_and_platform_pages_not_on_tenants(
    platform_client, alpha_client
):
    assert platform_client.get("/app/").status_code == 404
    assert platform_client.get("/accounts/login-link/abc/").status_code == 404
    assert alpha_client.get("/signup/").status_code == 404


def test_rows_of_one_tenant_are_invisible_from_another(tenant_alpha, tenant_beta):
    with schema_context("alpha"):
        owner = OwnerFactory(email="alice@alpha.test")
        UserFactory(email="only-in-alpha@alpha.test")
    with schema_context("beta"):
        assert not User.objects.filter(email="only-in-alpha@alpha.test").exists()
        OwnerFactory(email="bob@beta.test")

    alpha = login_as(host_client("alpha.localhost"), owner, "alpha")
    team = alpha.get("/app/team/")
    assert b"only-in-alpha@alpha.test" in team.content
    assert b"bob@beta.test" not in team.content


def test_user_of_one_tenant_cannot_log_in_on_another(tenant_alpha, tenant_beta):
    with schema_context("alpha"):
        OwnerFactory(email="alice@alpha.test")
    beta = host_client("beta.localhost")
    response = beta.post("/accounts/login/", {"login": "alice@alpha.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in beta.session
    alpha = host_client("alpha.localhost")
    response = alpha.post("/accounts/login/", {"login": "alice@alpha.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/app/"


def test_session_cookie_replayed_on_another_host_is_no_session(tenant_alpha, tenant_beta):
    with schema_context("alpha"):
        OwnerFactory(email="alice@alpha.test")
    with schema_context("beta"):
        # Same primary key in beta: a session that only carried the id would log in as her.
        OwnerFactory(email="bob@beta.test")
    alpha = host_client("alpha.localhost")
    alpha.post("/accounts/login/", {"login": "alice@alpha.test", "password": PASSWORD})
    assert alpha.get("/app/").status_code == 200
    cookie = alpha.cookies["agendo_session"].value

    beta = host_client("beta.localhost")
    beta.cookies["agendo_session"] = cookie
    response = beta.get("/app/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_requests_of_two_tenants_interleaved_on_one_connection(tenant_alpha, tenant_beta):
    # TRAPS #15: the search_path is set per request, never left over from the previous one.
    with schema_context("alpha"):
        alice = OwnerFactory(email="alice@alpha.test")
    with schema_context("beta"):
        bob = OwnerFactory(email="bob@beta.test")
    alpha, beta = host_client("alpha.localhost"), host_client("beta.localhost")
    login_as(alpha, alice, "alpha")
    login_as(beta, bob, "beta")
    for _ in range(3):
        assert b"alice@alpha.test" in alpha.get("/app/team/").content
        page = beta.get("/app/team/")
        assert b"bob@beta.test" in page.content
        assert b"alice@alpha.test" not in page.content
