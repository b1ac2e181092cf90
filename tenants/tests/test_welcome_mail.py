"""The welcome e-mail a new owner gets after sign-up."""

import pytest
from django.core import mail

from config.celery import app as celery_app
from tenants.tests.test_signup import VALID


@pytest.fixture(autouse=True)
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_welcome_mail_has_the_dashboard_and_booking_page_links(
    platform_client, django_capture_on_commit_callbacks
):
    # An English business (a Brazilian one's welcome is Portuguese: tenants/tests/test_i18n.py).
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post("/signup/", {**VALID, "language": "en"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carla@example.com"]
    assert "Corte Fino" in message.subject
    assert message.body.startswith("Hello Carla,")
    assert "http://corte-fino.localhost/\n" in message.body
    assert "http://corte-fino.localhost/app/\n" in message.body
    assert "http://corte-fino.localhost/accounts/login/ with carla@example.com" in message.body
    assert "http://localhost/login/" in message.body


def test_a_refused_signup_sends_nothing(platform_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post("/signup/", {**VALID, "slug": "alpha"})
    assert response.status_code == 422
    assert mail.outbox == []


def test_the_mail_is_sent_even_when_the_broker_is_down(
    platform_client, django_capture_on_commit_callbacks, monkeypatch
):
    from tenants import tasks

    def broker_down(**kwargs):
        raise ConnectionError("Redis is not answering")

    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(tasks.welcome_mail_send, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        platform_client.post("/signup/", VALID)
    assert [m.to for m in mail.outbox] == [["carla@example.com"]]
