"""One-time login links that carry a new owner from sign-up to their business's host."""

import pytest
import time_machine
from django.test import override_settings
from django_tenants.utils import schema_context

from accounts.services import login_link_token
from accounts.tests.factories import OwnerFactory
from conftest import host_client


@pytest.fixture
def owner(alpha):
    return OwnerFactory(email="olivia@example.com")


def _token(owner) -> str:
    with schema_context("alpha"):
        return login_link_token(user=owner)


def test_login_link_logs_in_once(owner, alpha_client):
    url = f"/accounts/login-link/{_token(owner)}/"
    response = alpha_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert alpha_client.get("/app/").status_code == 200

    other = host_client("alpha.localhost")
    response = other.get(url, follow=True)
    assert b"already been used" in response.content
    assert other.get("/app/").status_code == 302


@override_settings(LOGIN_LINK_MAX_AGE=120)
def test_login_link_expires(owner, alpha_client):
    with time_machine.travel("2026-01-01 10:00:00Z", tick=False):
        token = _token(owner)
    with time_machine.travel("2026-01-01 10:02:30Z", tick=False):
        response = alpha_client.get(f"/accounts/login-link/{token}/", follow=True)
    assert b"expired" in response.content
    assert "_auth_user_id" not in alpha_client.session


def test_login_link_is_worthless_on_another_tenant(owner, beta):
    OwnerFactory(email="bob@example.com")  # a beta user, perhaps with the same id
    beta_client = host_client("beta.localhost")
    response = beta_client.get(f"/accounts/login-link/{_token(owner)}/", follow=True)
    assert b"not valid" in response.content
    assert "_auth_user_id" not in beta_client.session


def test_tampered_login_link_is_refused(owner, alpha_client):
    token = _token(owner)
    response = alpha_client.get(f"/accounts/login-link/{token[:-2]}xx/", follow=True)
    assert b"not valid" in response.content
