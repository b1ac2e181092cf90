"""Two-factor authentication (allauth.mfa): enrolment, login with a code or a recovery code, an
owner requiring it for the team, and operators needing it before the admin opens."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.tests.factories import PASSWORD, OwnerFactory, UserFactory
from conftest import host_client
from scheduling.models import BusinessSettings


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _password_login(client, email: str):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def _confirm_password(client):
    """allauth asks for the password again before an authenticator is added."""
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302


def _with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def test_an_owner_sets_up_an_app_and_then_logs_in_with_its_code(alpha):
    OwnerFactory(email="olivia@example.com")
    client = host_client("alpha.localhost")
    assert _password_login(client, "olivia@example.com").status_code == 302
    asked = client.get("/accounts/2fa/totp/activate/")
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    assert "Confirm your password" in client.get(asked["Location"]).content.decode()
    _confirm_password(client)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Set up two-factor authentication" in html and 'class="totp-qr"' in html
    assert "Staff login" not in html and "Today" in html  # inside our dashboard layout
    secret = re.search(r'id="authenticator_secret" type="text" value="([A-Z2-7]+)"', html)[1]

    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    done = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/2fa/recovery-codes/"  # the spare codes, shown next
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == 1

    client.post("/accounts/logout/")
    again = host_client("alpha.localhost")
    step = _password_login(again, "olivia@example.com")
    assert step.status_code == 302 and step["Location"] == "/accounts/2fa/authenticate/"
    assert again.get("/app/").status_code == 302  # not in yet
    code_page = again.get("/accounts/2fa/authenticate/").content.decode()
    assert "Enter your code" in code_page
    refused = again.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert refused.status_code == 200 and "_auth_user_id" not in again.session
    landed = again.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert landed.status_code == 302
    assert again.get("/app/").status_code == 200


def test_a_recovery_code_logs_in_once(alpha):
    owner = OwnerFactory(email="olivia@example.com")
    _with_totp(owner)
    spare = RecoveryCodes(Authenticator.objects.get(type="recovery_codes")).get_unused_codes()[0]

    client = host_client("alpha.localhost")
    _password_login(client, "olivia@example.com")
    assert client.post("/accounts/2fa/authenticate/", {"code": spare}).status_code == 302
    assert client.get("/app/").status_code == 200

    other = host_client("alpha.localhost")
    _password_login(other, "olivia@example.com")
    assert other.post("/accounts/2fa/authenticate/", {"code": spare}).status_code == 200
    assert "_auth_user_id" not in other.session  # used once already


def test_an_owner_requires_it_and_members_without_it_set_it_up_first(alpha):
    owner = OwnerFactory(email="olivia@example.com")
    UserFactory(email="sam@example.com")
    owner_client = host_client("alpha.localhost")
    _password_login(owner_client, "olivia@example.com")

    # Not before the owner has it: nobody locks themselves out by surprise.
    refused = owner_client.post("/app/settings/two-factor/", {"required": "on"}, follow=True)
    assert "Set up two-factor authentication for yourself first" in refused.content.decode()
    assert not BusinessSettings.load().require_two_factor

    secret = _with_totp(owner)
    team = owner_client.get("/app/team/").content.decode()
    assert 'name="required"' in team
    owner_client.post("/app/settings/two-factor/", {"required": "on"})
    assert BusinessSettings.load().require_two_factor
    assert owner_client.get("/app/").status_code == 200  # the owner has it

    sam = host_client("alpha.localhost")
    _password_login(sam, "sam@example.com")
    for path in ("/app/", "/app/bookings/", "/app/calendar/"):
        response = sam.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/totp/activate/?next=")
    htmx = sam.get("/app/bookings/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200  # htmx reads HX-Redirect and visits the whole page
    assert htmx["HX-Redirect"].startswith("/accounts/2fa/totp/activate/")
    _confirm_password(sam)
    page = sam.get("/accounts/2fa/totp/activate/").content.decode()
    assert "Alpha Barbers requires it for everyone in the team" in page
    member_secret = re.search(r'value="([A-Z2-7]{32})"', page)[1]
    sam.post("/accounts/2fa/totp/activate/", {"code": _code(member_secret)})
    assert sam.get("/app/").status_code == 200

    # Staff cannot change the requirement.
    assert sam.post("/app/settings/two-factor/", {}).status_code == 403
    assert secret  # the owner's app stays theirs
    owner_client.post("/app/settings/two-factor/", {})
    assert not BusinessSettings.load().require_two_factor


def test_without_the_requirement_members_are_not_asked(alpha):
    UserFactory(email="sam@example.com")
    client = host_client("alpha.localhost")
    _password_login(client, "sam@example.com")
    assert client.get("/app/").status_code == 200


@pytest.fixture
def operator(db):
    # Rolled back with the test's transaction (deleting would reach tenant-only tables).
    with schema_context("public"):
        return User.objects.create_superuser(email="ops@example.com", password=PASSWORD)


def test_the_admin_login_goes_through_allauth(operator, platform_client):
    response = platform_client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    # Django's own password form (no second factor) is not there to post to.
    posted = platform_client.post(
        "/admin/login/", {"username": "ops@example.com", "password": PASSWORD}
    )
    assert posted.status_code == 302 and "_auth_user_id" not in platform_client.session


def test_an_operator_sets_up_two_factor_before_the_admin_opens(operator, platform_client):
    login_page = platform_client.get("/accounts/login/?next=/admin/").content.decode()
    assert "Operator login" in login_page and "team dashboard" not in login_page
    assert _password_login(platform_client, "ops@example.com").status_code == 302
    response = platform_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/?next=%2Fadmin%2F"
    _confirm_password(platform_client)
    page = platform_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Operators need it before the admin opens" in html
    secret = re.search(r'value="([A-Z2-7]{32})"', html)[1]
    platform_client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert platform_client.get("/admin/").status_code == 200

    # Next time: password, then the code, then the admin.
    later = host_client("localhost")
    step = _password_login(later, "ops@example.com")
    assert step["Location"] == "/accounts/2fa/authenticate/"
    assert later.get("/admin/").status_code == 302
    later.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert later.get("/admin/").status_code == 200
