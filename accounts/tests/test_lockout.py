"""Login lockouts: per (account, address) with a ceiling per address, 429 + Retry-After on login
and password reset, client addresses taken through TRUSTED_PROXY_COUNT proxies."""

import re

import pytest

from accounts.tests.factories import PASSWORD, OwnerFactory
from conftest import host_client

EMAIL = "olivia@example.com"


def _client(ip: str, **extra):
    return host_client("alpha.localhost", REMOTE_ADDR=ip, **extra)


def _login(client, password: str, email: str = EMAIL, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(alpha):
    """The issue's scenario: 12 wrong passwords from one address, then the right one elsewhere."""
    OwnerFactory(email=EMAIL)
    attacker = _client("198.51.100.66")
    statuses = [_login(attacker, f"guess-{n}").status_code for n in range(12)]
    assert statuses[:5] == [200] * 5  # the form again, "not correct"
    assert set(statuses[5:]) == {429}

    owner = _client("203.0.113.10")
    response = _login(owner, PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in owner.session

    # The attacker's address stays locked for this account, even with the right password.
    response = _login(attacker, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session


def test_a_locked_login_answers_429_with_retry_after_and_the_form(alpha):
    OwnerFactory(email=EMAIL)
    client = _client("198.51.100.7")
    for n in range(5):
        _login(client, f"wrong-{n}")
    response = _login(client, "wrong-again")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 300
    page = response.content.decode()
    assert "Too many failed login attempts" in page
    assert re.search(r"You can try again in \d+ minutes?, from this device", page)
    assert 'name="password"' in page  # still our login page, not a bare error


def test_one_address_guessing_many_accounts_hits_its_ceiling(alpha):
    for n in range(11):
        OwnerFactory(email=f"member{n}@example.com")
    client = _client("198.51.100.8")
    statuses = [
        _login(client, "wrong", email=f"member{n}@example.com").status_code for n in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert 0 < int(_login(client, "x", email="member0@example.com")["Retry-After"]) <= 3600
    # Members on other addresses still log in.
    assert _login(_client("203.0.113.11"), PASSWORD, email="member3@example.com").status_code == 302


def test_password_reset_flood_answers_429_with_retry_after(alpha, mailoutbox):
    OwnerFactory(email=EMAIL)
    client = _client("198.51.100.9")
    statuses = [
        client.post("/accounts/password/reset/", {"email": EMAIL}).status_code for _ in range(6)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    response = client.post("/accounts/password/reset/", {"email": EMAIL})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many attempts" in response.content.decode()
    assert len(mailoutbox) == 5


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_behind_a_proxy_the_forwarded_address_is_the_one_locked(alpha, one_proxy):
    OwnerFactory(email=EMAIL)
    proxy = "10.0.0.2"  # every request reaches us from the proxy
    attacker = _client(proxy, HTTP_X_FORWARDED_FOR="198.51.100.66")
    for n in range(6):
        _login(attacker, f"guess-{n}")
    assert _login(attacker, PASSWORD).status_code == 429

    owner = _client(proxy, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert _login(owner, PASSWORD).status_code == 302


def test_a_request_that_skipped_the_proxy_is_not_a_500(alpha, one_proxy):
    OwnerFactory(email=EMAIL)
    assert _login(_client("198.51.100.5"), PASSWORD).status_code == 302  # no X-Forwarded-For
