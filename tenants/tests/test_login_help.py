"""/login/ on the platform host: an e-mail gets the login pages of its businesses, and the page
never tells whether it has any."""

import re

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory, UserFactory
from config.celery import app as celery_app
from tenants.models import Tenant

ANSWER = "If this e-mail has an account, we sent it a message with links"


@pytest.fixture(autouse=True)
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _ask(client, email, capture, **extra):
    with capture(execute=True):
        return client.post("/login/", {"email": email}, **extra)


def _screen(response) -> str:
    """The page as a person sees it (CSRF tokens differ on every answer)."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "", response.content.decode())


def test_the_landing_page_links_to_log_in(platform_client):
    page = platform_client.get("/").content.decode()
    assert 'href="/login/"' in page and "Log in" in page
    assert platform_client.get("/login/").status_code == 200


def test_an_account_in_two_businesses_gets_both_login_pages(
    platform_client, django_capture_on_commit_callbacks
):
    with schema_context("alpha"):
        OwnerFactory(email="rita@example.com")
    with schema_context("beta"):
        UserFactory(email="Rita@Example.com")
    response = _ask(platform_client, " RITA@example.com ", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert ANSWER in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rita@example.com"]
    assert "Alpha Barbers:\nhttp://alpha.localhost/accounts/login/" in message.body
    assert "Beta Clinic:\nhttp://beta.localhost/accounts/login/" in message.body
    assert "Browser Barbers" not in message.body


def test_an_unknown_email_gets_the_same_page_and_no_mail(
    platform_client, django_capture_on_commit_callbacks
):
    with schema_context("alpha"):
        OwnerFactory(email="rita@example.com")
    known = _ask(platform_client, "rita@example.com", django_capture_on_commit_callbacks)
    unknown = _ask(platform_client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert unknown.status_code == known.status_code == 200
    assert _screen(unknown) == _screen(known)
    assert [m.to for m in mail.outbox] == [["rita@example.com"]]


def test_inactive_accounts_and_businesses_are_left_out(
    platform_client, django_capture_on_commit_callbacks
):
    with schema_context("alpha"):
        OwnerFactory(email="gone@example.com", is_active=False)
        OwnerFactory(email="closed@example.com")
    Tenant.objects.filter(schema_name="alpha").update(is_active=False)
    _ask(platform_client, "gone@example.com", django_capture_on_commit_callbacks)
    _ask(platform_client, "closed@example.com", django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_malformed_email_is_refused_with_422(platform_client):
    response = platform_client.post("/login/", {"email": "not-an-email"})
    assert response.status_code == 422
    assert "Enter a valid email address" in response.content.decode()


def test_one_email_may_ask_three_times_an_hour(platform_client, django_capture_on_commit_callbacks):
    with schema_context("alpha"):
        OwnerFactory(email="rita@example.com")
    for n in range(3):
        ip = {"REMOTE_ADDR": f"10.0.0.{n}"}
        assert (
            _ask(
                platform_client, "rita@example.com", django_capture_on_commit_callbacks, **ip
            ).status_code
            == 200
        )
    refused = _ask(
        platform_client,
        "rita@example.com",
        django_capture_on_commit_callbacks,
        REMOTE_ADDR="10.0.0.9",
    )
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many requests" in refused.content.decode()
    assert len(mail.outbox) == 3
    other = _ask(platform_client, "else@example.com", django_capture_on_commit_callbacks)
    assert other.status_code == 200


def test_one_address_may_ask_ten_times_an_hour(platform_client, django_capture_on_commit_callbacks):
    for n in range(10):
        response = _ask(platform_client, f"p{n}@example.com", django_capture_on_commit_callbacks)
        assert response.status_code == 200
    refused = _ask(platform_client, "p10@example.com", django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert "Retry-After" in refused
    elsewhere = _ask(
        platform_client,
        "p11@example.com",
        django_capture_on_commit_callbacks,
        REMOTE_ADDR="10.9.9.9",
    )
    assert elsewhere.status_code == 200


def test_the_lookup_runs_after_the_answer_on_a_worker(
    platform_client, django_capture_on_commit_callbacks, monkeypatch
):
    """Nothing is looked up while the page answers, so known and unknown e-mails take as long."""
    from tenants import services

    def fail(**kwargs):
        raise AssertionError("looked up during the request")

    monkeypatch.setattr(services, "tenant_logins_for_email", fail)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = platform_client.post("/login/", {"email": "rita@example.com"})
    assert response.status_code == 200
    assert len(callbacks) == 1  # the task, sent once the request's transaction commits


def test_a_business_login_page_leads_to_a_new_password_and_to_the_other_businesses(
    alpha_client,
):
    page = alpha_client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/">Forgot your password?</a>' in page
    assert 'href="//localhost:80/login/"' not in page
    assert 'href="//localhost/login/">Find your business</a>' in page
    assert alpha_client.get("/accounts/password/reset/").status_code == 200
