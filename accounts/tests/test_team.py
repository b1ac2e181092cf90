"""The Team screen: invitations, roles, deactivation and the last-owner rule."""

import re

import pytest

from accounts import services
from accounts.errors import AccountError
from accounts.models import User
from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from conftest import login_as

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(alpha):
    return OwnerFactory(email="olivia@example.com")


@pytest.fixture
def owner_client(owner, alpha_client):
    return login_as(alpha_client, owner, "alpha")


def _invite_link(mail) -> str:
    match = re.search(r"http://alpha\.localhost(/accounts/invite/\S+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_team_page_full_and_htmx_partial(owner_client, owner):
    full = owner_client.get("/app/team/")
    assert full.status_code == 200
    assert b"<html" in full.content
    assert b"olivia@example.com" in full.content
    partial = owner_client.get("/app/team/", **HTMX)
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert partial.content.lstrip().startswith(b'<div id="team-panel">')


def test_invite_then_accept_sets_password_once(
    owner_client, alpha_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/app/team/invite/",
            {"full_name": "Nina New", "email": "Nina@Example.com", "role": "staff"},
            **HTMX,
        )
    assert response.status_code == 200
    assert b"Invitation sent to nina@example.com" in response.content
    invitee = User.objects.get(email="nina@example.com")
    assert not invitee.has_usable_password()
    assert len(mailoutbox) == 1
    assert "Alpha Barbers" in mailoutbox[0].subject
    link = _invite_link(mailoutbox[0])

    owner_client.post("/accounts/logout/")
    page = alpha_client.get(link)
    assert page.status_code == 200
    assert b"nina@example.com" in page.content
    short = alpha_client.post(link, {"password1": "abc", "password2": "abc"})
    assert short.status_code == 422
    response = alpha_client.post(
        link, {"password1": "a-Long-passphrase-9", "password2": "a-Long-passphrase-9"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert alpha_client.get("/app/").status_code == 200
    invitee.refresh_from_db()
    assert invitee.check_password("a-Long-passphrase-9")
    assert invitee.emailaddress_set.get().verified

    # The link is spent: the token hashes the password it was made with.
    alpha_client.post("/accounts/logout/")
    again = alpha_client.get(link)
    assert again.status_code == 404
    assert b"can&#x27;t be used" in again.content or b"can't be used" in again.content


def test_invite_validation_errors_are_422_partials(owner_client):
    response = owner_client.post(
        "/app/team/invite/", {"full_name": "", "email": "olivia@example.com", "role": "x"}, **HTMX
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "This field is required." in body
    assert "already uses this e-mail" in body
    assert "Select a valid choice" in body
    assert User.objects.count() == 1


def test_invite_link_of_one_tenant_is_useless_on_another(
    owner, mailoutbox, django_capture_on_commit_callbacks, beta_client
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_invite(
            email="nina@example.com",
            full_name="Nina",
            role="staff",
            invited_by=owner,
            base_url="http://alpha.localhost/",
            business_name="Alpha",
        )
    assert beta_client.get(_invite_link(mailoutbox[0])).status_code == 404


def test_change_role_with_htmx(owner_client):
    member = UserFactory()
    response = owner_client.post(f"/app/team/{member.pk}/role/", {"role": "admin"}, **HTMX)
    assert response.status_code == 200
    assert b"is now admin" in response.content
    member.refresh_from_db()
    assert member.role == User.Role.ADMIN


def test_last_owner_can_be_neither_demoted_nor_deactivated(owner_client, owner):
    response = owner_client.post(f"/app/team/{owner.pk}/role/", {"role": "admin"}, **HTMX)
    assert response.status_code == 409
    assert b"last active owner" in response.content
    owner.refresh_from_db()
    assert owner.role == User.Role.OWNER

    with pytest.raises(AccountError) as exc:
        services.user_set_active(actor=None, user=owner, active=False)
    assert exc.value.code == "last_owner"

    # With a second owner, the first may step down.
    OwnerFactory()
    response = owner_client.post(f"/app/team/{owner.pk}/role/", {"role": "admin"}, **HTMX)
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.role == User.Role.ADMIN


def test_inactive_owner_does_not_count_as_another_owner(owner):
    OwnerFactory(is_active=False)
    with pytest.raises(AccountError):
        services.user_change_role(actor=owner, user=owner, role="staff")


def test_admin_cannot_touch_owners_or_make_owners_403(alpha, alpha_client):
    OwnerFactory()
    other_owner = OwnerFactory()
    admin = AdminFactory()
    member = UserFactory()
    login_as(alpha_client, admin, "alpha")
    response = alpha_client.post(f"/app/team/{other_owner.pk}/deactivate/", **HTMX)
    assert response.status_code == 403
    assert b"Only an owner" in response.content
    response = alpha_client.post(f"/app/team/{member.pk}/role/", {"role": "owner"}, **HTMX)
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.role == User.Role.STAFF


def test_deactivate_logs_the_member_out_and_reactivate_restores(owner_client, alpha, alpha_client):
    from django.test import Client

    member = UserFactory()
    member_client = login_as(Client(HTTP_HOST="alpha.localhost"), member, "alpha")
    # usersessions records the session on the member's first request.
    assert member_client.get("/app/").status_code == 200

    response = owner_client.post(f"/app/team/{member.pk}/deactivate/")
    assert response.status_code == 302  # without htmx: back to the page with a message
    member.refresh_from_db()
    assert not member.is_active
    assert member_client.get("/app/").status_code == 302

    owner_client.post(f"/app/team/{member.pk}/reactivate/")
    member.refresh_from_db()
    assert member.is_active


def test_cannot_deactivate_yourself(owner_client, owner):
    OwnerFactory()
    response = owner_client.post(f"/app/team/{owner.pk}/deactivate/", **HTMX)
    assert response.status_code == 409
    assert b"your own account" in response.content


def test_resend_invitation(owner_client, owner, mailoutbox, django_capture_on_commit_callbacks):
    invitee = services.user_create(email="new@example.com", password=None, role="staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/app/team/{invitee.pk}/resend/", **HTMX)
    assert response.status_code == 200
    assert len(mailoutbox) == 1
    response = owner_client.post(f"/app/team/{owner.pk}/resend/", **HTMX)
    assert response.status_code == 409
    assert b"already set a password" in response.content
