"""Who may open the dashboard: login, roles, closed sign-up, rate-limited login."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, AdminFactory, OwnerFactory, UserFactory
from conftest import host_client, login_as


def test_anonymous_dashboard_redirects_to_login(alpha_client):
    response = alpha_client.get("/app/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/app/"


@pytest.mark.parametrize(
    ("factory", "team_status"), [(OwnerFactory, 200), (AdminFactory, 200), (UserFactory, 403)]
)
def test_roles_on_dashboard_and_team(alpha, alpha_client, factory, team_status):
    login_as(alpha_client, factory(), "alpha")
    assert alpha_client.get("/app/").status_code == 200
    response = alpha_client.get(reverse("accounts:team"))
    assert response.status_code == team_status
    if team_status == 403:
        assert b"have access to this page" in response.content


def test_staff_cannot_post_team_changes(alpha, alpha_client):
    owner = OwnerFactory()
    login_as(alpha_client, UserFactory(), "alpha")
    response = alpha_client.post(reverse("accounts:team_role", args=[owner.pk]), {"role": "staff"})
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.role == User.Role.OWNER


def test_signup_is_closed_on_tenant_hosts(alpha, alpha_client):
    before = User.objects.count()
    response = alpha_client.post(
        "/accounts/signup/",
        {
            "email": "intruder@example.com",
            "password1": "Sup3r-secret!",
            "password2": "Sup3r-secret!",
        },
    )
    assert response.status_code == 200
    assert b"Accounts are by invitation" in response.content
    assert User.objects.count() == before


def test_login_and_logout(alpha, alpha_client):
    OwnerFactory(email="olivia@example.com")
    response = alpha_client.post(
        "/accounts/login/", {"login": "OLIVIA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert alpha_client.get("/app/").status_code == 200
    alpha_client.post("/accounts/logout/")
    assert alpha_client.get("/app/").status_code == 302


def test_deactivated_user_cannot_log_in(alpha, alpha_client):
    UserFactory(email="gone@example.com", is_active=False)
    response = alpha_client.post(
        "/accounts/login/", {"login": "gone@example.com", "password": PASSWORD}
    )
    assert "_auth_user_id" not in alpha_client.session
    assert response.status_code in (200, 302)
    assert alpha_client.get("/app/").status_code == 302


def test_failed_logins_are_rate_limited_with_a_clear_message(alpha, alpha_client):
    OwnerFactory(email="olivia@example.com")
    for _ in range(5):
        response = alpha_client.post(
            "/accounts/login/", {"login": "olivia@example.com", "password": "wrong-password"}
        )
        assert b"not correct" in response.content
    response = alpha_client.post(
        "/accounts/login/", {"login": "olivia@example.com", "password": PASSWORD}
    )
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in alpha_client.session


def test_rate_limit_of_one_tenant_does_not_block_another(alpha, alpha_client, beta_client):
    OwnerFactory(email="olivia@example.com")
    for _ in range(6):
        beta_client.post("/accounts/login/", {"login": "olivia@example.com", "password": "nope"})
    response = alpha_client.post(
        "/accounts/login/", {"login": "olivia@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_password_reset_mail_links_to_the_tenant_host(alpha, alpha_client, mailoutbox):
    OwnerFactory(email="olivia@example.com")
    alpha_client.post("/accounts/password/reset/", {"email": "olivia@example.com"})
    assert len(mailoutbox) == 1
    assert "http://alpha.localhost/accounts/password/reset/key/" in mailoutbox[0].body


def test_user_sessions_page_lists_sessions(alpha, alpha_client):
    OwnerFactory(email="olivia@example.com")
    alpha_client.post("/accounts/login/", {"login": "olivia@example.com", "password": PASSWORD})
    response = alpha_client.get("/accounts/sessions/")
    assert response.status_code == 200
    assert b"Sessions" in response.content


def test_ending_other_sessions_logs_out_the_other_device(alpha, alpha_client):
    OwnerFactory(email="olivia@example.com")
    phone = host_client("alpha.localhost")
    for device in (alpha_client, phone):
        device.post("/accounts/login/", {"login": "olivia@example.com", "password": PASSWORD})
        assert device.get("/app/").status_code == 200
    page = alpha_client.get("/accounts/sessions/").content.decode()
    assert page.count("127.0.0.1") >= 2  # both devices are listed

    response = alpha_client.post("/accounts/sessions/")
    assert response.status_code == 302
    assert alpha_client.get("/app/").status_code == 200  # this one stays in
    gone = phone.get("/app/")
    assert gone.status_code == 302 and "/accounts/login/" in gone["Location"]
