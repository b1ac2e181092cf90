"""Staff screens of messages: log, detail, retry, test send, channels, templates; roles; htmx."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from conftest import login_as
from notifications import actions
from notifications.defaults import DEFAULTS
from notifications.models import Channel, ChannelSettings, Kind, Message, MessageTemplate
from notifications.rendering import render
from notifications.services import channel_settings_save
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ResourceFactory, ServiceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
Status = Message.Status
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def shop(alpha):
    """English-speaking business in São Paulo; Sam works on chair A, nobody on chair B."""
    business = BusinessSettings.load()
    business.timezone, business.language, business.phone_region = "America/Sao_Paulo", "en", "BR"
    business.display_name = "Alpha Barbers"
    business.save()
    sam = UserFactory(email="sam@example.com")
    chair_a = ResourceFactory(name="Chair A", user=sam)
    chair_b = ResourceFactory(name="Chair B")
    cut = ServiceFactory(name="Cut", performers=[chair_a, chair_b])
    start = dt.datetime(2027, 3, 2, 13, tzinfo=dt.UTC)
    booking_a = BookingFactory(service=cut, resource=chair_a, start=start)
    booking_b = BookingFactory(service=cut, resource=chair_b, start=start)
    return {"business": business, "sam": sam, "a": booking_a, "b": booking_b}


def _message(booking: Booking | None = None, **fields) -> Message:
    values = {
        "channel": Channel.WHATSAPP,
        "kind": Kind.CONFIRMATION,
        "recipient": booking.client.phone if booking else "+5511900000001",
        "body": "Hello there",
        "send_after": timezone.now(),
        "client": booking.client if booking else None,
        **fields,
    }
    return Message.objects.create(booking=booking, **values)


@pytest.fixture
def owner_client(shop, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


@pytest.fixture
def staff_client(shop, alpha_client):
    return login_as(alpha_client, shop["sam"], "alpha")


@pytest.fixture
def enqueued(monkeypatch):
    """Ids handed to a worker (run the request in `django_capture_on_commit_callbacks`)."""
    ids: list[int] = []
    monkeypatch.setattr(actions, "enqueue", ids.append)
    return ids


# --- Pages, full and htmx ------------------------------------------------------------------------


def test_each_page_full_and_htmx(shop, owner_client):
    message = _message(shop["a"])
    pages = {
        "/app/messages/": "message-list",
        f"/app/messages/{message.pk}/": "message-detail",
        "/app/settings/channels/": "channel-settings",
        "/app/settings/templates/": "template-list",
        "/app/settings/templates/reminder/email/": "template-editor",
    }
    for url, partial in pages.items():
        full = owner_client.get(url)
        assert full.status_code == 200, url
        assert b"<html" in full.content and f'id="{partial}"'.encode() in full.content
        part = owner_client.get(url, **HTMX)
        assert part.status_code == 200, url
        assert part.content.lstrip().startswith(f'<div id="{partial}"'.encode()), url
        assert b"<html" not in part.content


def test_navigation_links_to_messages_and_settings_subnav(shop, alpha_client):
    login_as(alpha_client, shop["sam"], "alpha")
    assert 'href="/app/messages/"' in alpha_client.get("/app/").content.decode()
    login_as(alpha_client, OwnerFactory(), "alpha")
    settings_page = alpha_client.get("/app/settings/").content.decode()
    assert 'href="/app/settings/channels/"' in settings_page
    assert 'href="/app/settings/templates/"' in settings_page


def test_roles(shop, alpha_client):
    message = _message(shop["a"], status=Status.FAILED)
    manager_only_get = [
        "/app/settings/channels/",
        "/app/settings/templates/",
        "/app/settings/templates/confirmation/whatsapp/",
    ]
    manager_only_post = [
        f"/app/messages/{message.pk}/retry/",
        "/app/messages/test/",
        "/app/settings/channels/",
        "/app/settings/templates/confirmation/whatsapp/",
        "/app/settings/templates/confirmation/whatsapp/preview/",
        "/app/settings/templates/confirmation/whatsapp/reset/",
    ]
    assert alpha_client.get("/app/messages/").status_code == 302  # anonymous → login
    login_as(alpha_client, shop["sam"], "alpha")
    assert alpha_client.get("/app/messages/").status_code == 200
    assert alpha_client.get(f"/app/messages/{message.pk}/").status_code == 200
    assert b"Retry now" not in alpha_client.get(f"/app/messages/{message.pk}/").content
    for url in manager_only_get:
        assert alpha_client.get(url).status_code == 403, url
    for url in manager_only_post:
        assert alpha_client.post(url, {"body": "x", "channel": "email"}).status_code == 403, url
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert not Message.objects.filter(kind=Kind.TEST).exists()
    assert not MessageTemplate.objects.exists()

    login_as(alpha_client, AdminFactory(), "alpha")
    for url in manager_only_get:
        assert alpha_client.get(url).status_code == 200, url


# --- Messages log --------------------------------------------------------------------------------


def test_log_columns_filters_and_pagination(shop, owner_client):
    day = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    failed = _message(
        shop["a"], status=Status.FAILED, attempts=6, send_after=day, last_error="boom"
    )
    _message(shop["a"], kind=Kind.REMINDER, offset_minutes=120, send_after=day + dt.timedelta(1))
    _message(
        shop["b"],
        channel=Channel.EMAIL,
        recipient="bea@example.com",
        status=Status.SENT,
        send_after=day + dt.timedelta(2),
    )
    listing = owner_client.get("/app/messages/").content.decode()
    assert "3 messages" in listing
    assert f'href="/app/bookings/{shop["a"].reference}/"' in listing
    assert f'href="/app/messages/{failed.pk}/"' in listing
    assert "bea@example.com" in listing and "message-badge-failed" in listing

    def rows(query: str) -> str:
        response = owner_client.get(f"/app/messages/?{query}", **HTMX)
        assert response.status_code == 200
        return response.content.decode()

    assert "1 message<" in rows("status=failed")
    assert "bea@example.com" in rows("channel=email") and "1 message<" in rows("channel=email")
    assert "1 message<" in rows("kind=reminder")
    assert "2 messages" in rows("date_from=2027-03-02")
    assert "1 message<" in rows("date_from=2027-03-02&date_to=2027-03-02")
    assert "0 messages" in rows("kind=test")
    bad = owner_client.get("/app/messages/?date_from=2027-03-05&date_to=2027-03-01", **HTMX)
    assert bad.status_code == 422 and b"before the start date" in bad.content

    Message.objects.bulk_create(
        [
            Message(
                booking=shop["b"],
                channel=Channel.WHATSAPP,
                kind=Kind.REMINDER,
                offset_minutes=i,
                recipient="+5511900000002",
                body="x",
                send_after=day,
            )
            for i in range(1, 31)
        ]
    )
    page2 = owner_client.get("/app/messages/?channel=whatsapp&page=2", **HTMX)
    assert b"Page 2 of 2" in page2.content
    assert b"?channel=whatsapp&page=1" in page2.content  # filters kept across pages


def test_staff_see_only_their_own_resource_messages(shop, staff_client):
    mine = _message(shop["a"], recipient="+5511911110000")
    theirs = _message(shop["b"], recipient="+5511922220000")
    test = _message(None, kind=Kind.TEST, recipient="+5511933330000")
    listing = staff_client.get("/app/messages/").content.decode()
    # Phones in the national format of the business's country (Brazil).
    assert "(11) 91111-0000" in listing
    assert "(11) 92222-0000" not in listing and "(11) 93333-0000" not in listing
    assert staff_client.get(f"/app/messages/{mine.pk}/").status_code == 200
    assert staff_client.get(f"/app/messages/{theirs.pk}/").status_code == 404
    assert staff_client.get(f"/app/messages/{test.pk}/").status_code == 404
    assert staff_client.get("/app/messages/999999/").status_code == 404
    assert b"Send a test message" not in staff_client.get("/app/messages/").content


def test_detail_shows_timeline_and_failure(shop, owner_client):
    sent = _message(
        shop["a"],
        status=Status.DELIVERED,
        subject="Booked",
        attempts=1,
        provider_id="wamid.ABC123",
        sent_at=timezone.now(),
        delivered_at=timezone.now(),
    )
    page = owner_client.get(f"/app/messages/{sent.pk}/").content.decode()
    assert "wamid.ABC123" in page and "Hello there" in page and "Booked" in page
    assert "Retry now" not in page and 'role="alert"' not in page
    assert "hx-trigger" not in page.split('id="message-detail"')[1].split(">")[0]

    failed = _message(
        shop["a"],
        kind=Kind.REMINDER,
        offset_minutes=60,
        status=Status.FAILED,
        attempts=6,
        last_error="(#131047) Re-engagement message",
    )
    page = owner_client.get(f"/app/messages/{failed.pk}/").content.decode()
    assert "Not sent" in page and "(#131047) Re-engagement message" in page
    assert "Retry now" in page

    queued = _message(None, kind=Kind.TEST, status=Status.QUEUED)
    polling = owner_client.get(f"/app/messages/{queued.pk}/", **HTMX).content.decode()
    assert 'hx-trigger="every 3s"' in polling  # watched until the worker sends it


# --- Retry ---------------------------------------------------------------------------------------


def test_retry_puts_a_failed_message_back_in_the_queue(
    shop, owner_client, enqueued, django_capture_on_commit_callbacks
):
    failed = _message(
        shop["a"],
        status=Status.FAILED,
        attempts=6,
        last_error="timeout",
        send_after=timezone.now() - dt.timedelta(days=1),
    )
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/app/messages/{failed.pk}/retry/")
    assert response.status_code == 302
    assert response["Location"] == f"/app/messages/{failed.pk}/"
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED and failed.attempts == 0
    assert before <= failed.send_after <= timezone.now()
    assert failed.last_error == "timeout"  # until the next attempt replaces or clears it
    assert enqueued == [failed.pk]
    page = owner_client.get(f"/app/messages/{failed.pk}/").content.decode()
    assert "Queued again" in page and "Previous attempt failed" in page


def test_retry_refuses_what_is_not_failed(
    shop, owner_client, enqueued, django_capture_on_commit_callbacks
):
    sent = _message(shop["a"], status=Status.SENT, attempts=1)
    with django_capture_on_commit_callbacks() as callbacks:
        refused = owner_client.post(f"/app/messages/{sent.pk}/retry/", **HTMX)
    assert callbacks == []
    assert refused.status_code == 409
    assert refused.content.lstrip().startswith(b'<div id="message-detail"')
    assert b"Only failed messages can be retried; this one is Sent." in refused.content
    plain = owner_client.post(f"/app/messages/{sent.pk}/retry/", follow=True)
    assert plain.status_code == 200 and b"Only failed messages" in plain.content

    shop["a"].status = Booking.Status.CANCELLED
    shop["a"].save()
    reminder = _message(shop["a"], kind=Kind.REMINDER, offset_minutes=60, status=Status.FAILED)
    stale = owner_client.post(f"/app/messages/{reminder.pk}/retry/", **HTMX)
    assert stale.status_code == 409 and b"no longer applies" in stale.content
    sent.refresh_from_db()
    reminder.refresh_from_db()
    assert (sent.status, reminder.status) == (Status.SENT, Status.FAILED)
    assert enqueued == []
    assert owner_client.post("/app/messages/999999/retry/").status_code == 404


# --- Test send -----------------------------------------------------------------------------------


def test_test_send_queues_a_test_message_and_shows_it(
    shop, owner_client, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/app/messages/test/", {"channel": "whatsapp", "recipient": "(11) 91234-5678"}
        )
    message = Message.objects.get(kind=Kind.TEST)
    assert response.status_code == 302
    assert response["Location"] == f"/app/messages/{message.pk}/"
    assert (message.booking, message.channel, message.status) == (None, "whatsapp", "queued")
    assert message.recipient == "+5511912345678"
    assert message.send_after <= timezone.now()
    assert "Alpha Barbers" in message.body and message.subject == ""
    assert enqueued == [message.pk]
    page = owner_client.get(response["Location"]).content.decode()
    assert "Test message queued for +5511912345678" in page

    by_mail = owner_client.post(
        "/app/messages/test/", {"channel": "email", "recipient": "me@example.com"}, **HTMX
    )
    assert by_mail.status_code == 200 and by_mail["HX-Redirect"].startswith("/app/messages/")
    mail = Message.objects.get(kind=Kind.TEST, channel=Channel.EMAIL)
    assert mail.subject == "Test message from Alpha Barbers"


def test_test_send_validates_the_recipient(shop, owner_client, enqueued):
    bad_phone = owner_client.post(
        "/app/messages/test/", {"channel": "whatsapp", "recipient": "123"}, **HTMX
    )
    assert bad_phone.status_code == 422
    assert bad_phone.content.lstrip().startswith(b'<form id="test-send"')
    assert b"valid phone number" in bad_phone.content
    bad_mail = owner_client.post(
        "/app/messages/test/", {"channel": "email", "recipient": "not-an-address"}
    )
    assert bad_mail.status_code == 422
    assert b"valid e-mail address" in bad_mail.content and b"<html" in bad_mail.content
    assert not Message.objects.filter(kind=Kind.TEST).exists()
    assert enqueued == []


# --- Channel settings ----------------------------------------------------------------------------


CHANNELS = {
    "whatsapp_enabled": "on",
    "whatsapp_phone_number_id": "109876543210",
    "whatsapp_template_name": "booking_update",
    "email_enabled": "on",
    "email_from": "hello@alpha.test",
    "follow_up_hours": "24",
}


def test_channel_token_is_write_only(shop, owner_client):
    token = "EAAG-very-secret-token-123"
    saved = owner_client.post(
        "/app/settings/channels/", {**CHANNELS, "whatsapp_access_token": token}
    )
    assert saved.status_code == 302
    channels = ChannelSettings.load()
    assert channels.whatsapp_access_token == token
    assert channels.whatsapp_phone_number_id == "109876543210"
    page = owner_client.get("/app/settings/channels/").content.decode()
    assert token not in page and "A token is saved" in page and "Channels saved." in page

    # Left empty: the saved token stays; a failed save does not echo it either.
    kept = owner_client.post(
        "/app/settings/channels/", {**CHANNELS, "email_enabled": "", "follow_up_hours": "48"}
    )
    assert kept.status_code == 302
    channels = ChannelSettings.load()
    assert channels.whatsapp_access_token == token
    assert (channels.email_enabled, channels.follow_up_hours) == (False, 48)
    invalid = owner_client.post(
        "/app/settings/channels/",
        {**CHANNELS, "email_from": "nope", "whatsapp_access_token": "new-token-456"},
        **HTMX,
    )
    assert invalid.status_code == 422
    assert invalid.content.lstrip().startswith(b'<div id="channel-settings"')
    assert b"new-token-456" not in invalid.content and token.encode() not in invalid.content
    assert ChannelSettings.load().whatsapp_access_token == token

    removed = owner_client.post("/app/settings/channels/", {**CHANNELS, "remove_token": "on"})
    assert removed.status_code == 302
    assert ChannelSettings.load().whatsapp_access_token == ""
    assert "A token is saved" not in owner_client.get("/app/settings/channels/").content.decode()


def test_channel_number_of_another_business_is_refused(shop, owner_client, tenant_beta):
    with schema_context("beta"):
        theirs = ChannelSettings.load()
        theirs.whatsapp_phone_number_id = "555000111"
        channel_settings_save(channels=theirs, tenant=tenant_beta)
    response = owner_client.post(
        "/app/settings/channels/",
        {**CHANNELS, "whatsapp_phone_number_id": " 555000111 ", "whatsapp_access_token": "t"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_whatsapp_phone_number_id_error"' in html
    assert "already connected to another business" in html
    channels = ChannelSettings.load()  # nothing of the refused save stays
    assert (channels.whatsapp_phone_number_id, channels.whatsapp_access_token) == ("", "")


# --- Message templates ---------------------------------------------------------------------------


def test_template_list_shows_every_kind_and_channel(shop, owner_client):
    MessageTemplate.objects.create(kind=Kind.REMINDER, channel="whatsapp", language="en", body="x")
    MessageTemplate.objects.create(kind=Kind.FOLLOW_UP, channel="email", language="pt-br", body="y")
    page = owner_client.get("/app/settings/templates/").content.decode()
    for kind in DEFAULTS:
        for channel in Channel.values:
            assert f'href="/app/settings/templates/{kind}/{channel}/"' in page
    assert "/app/settings/templates/reply/" not in page
    assert "/app/settings/templates/test/" not in page
    assert page.count("Your wording") == 1  # the pt-br one is another language's
    assert page.count(">Default<") == 2 * len(DEFAULTS) - 1
    for url in ("reply/whatsapp", "test/email", "confirmation/sms", "nope/email"):
        assert owner_client.get(f"/app/settings/templates/{url}/").status_code == 404


def test_template_editor_saves_validates_and_resets(shop, owner_client):
    url = "/app/settings/templates/confirmation/email/"
    page = owner_client.get(url).content.decode()
    assert "Default wording" in page
    assert "Booked: {service} on {date} at {time}" in page  # prefilled subject
    assert "is booked for" in page  # and body
    assert "Reset to default" not in page

    unknown = owner_client.post(url, {"subject": "Hi", "body": "Hi {name} {client}"}, **HTMX)
    assert unknown.status_code == 422
    html = unknown.content.decode()
    assert unknown.content.lstrip().startswith(b'<div id="template-editor"')
    assert "Unknown placeholders {client}, {name}." in html and "Use only {client_name}" in html
    empty = owner_client.post(url, {"subject": "Hi", "body": "   "}, **HTMX)
    assert empty.status_code == 422 and b"cannot be empty" in empty.content
    braces = owner_client.post(url, {"subject": "Hi", "body": "Hi {client_name"}, **HTMX)
    assert braces.status_code == 422 and b"Braces are only for placeholders" in braces.content
    assert not MessageTemplate.objects.exists()

    saved = owner_client.post(
        url, {"subject": "See you, {client_name}", "body": "{client_name}: {date} {time}."}
    )
    assert saved.status_code == 302 and saved["Location"] == "/app/settings/templates/"
    row = MessageTemplate.objects.get()
    assert (row.kind, row.channel, row.language) == ("confirmation", "email", "en")
    values = {"client_name": "Ana", "date": "1 Mar", "time": "10:00"}
    assert render(kind="confirmation", channel="email", language="en", values=values) == (
        "See you, Ana",
        "Ana: 1 Mar 10:00.",
    )
    edited = owner_client.get(url).content.decode()
    assert "Your wording" in edited and "Reset to default" in edited
    assert "{client_name}: {date} {time}." in edited

    reset = owner_client.post(f"{url}reset/", **HTMX)
    assert reset.status_code == 200
    assert b"Back to the default wording." in reset.content and b"is booked for" in reset.content
    assert not MessageTemplate.objects.exists()


def test_whatsapp_template_has_no_subject(shop, owner_client):
    url = "/app/settings/templates/reminder/whatsapp/"
    assert b'name="subject"' not in owner_client.get(url).content
    assert owner_client.post(url, {"subject": "ignored", "body": "Hi {client_name}"}).status_code
    row = MessageTemplate.objects.get()
    assert (row.subject, row.body) == ("", "Hi {client_name}")


def test_template_preview_renders_sample_values(shop, owner_client):
    url = "/app/settings/templates/confirmation/email/preview/"
    text = {
        "subject": "{service} at {business}",
        "body": "Hi {client_name}, {service} with {resource} on {date} at {time}: {manage_url}",
    }
    live = owner_client.post(url, text, **HTMX)
    assert live.status_code == 200
    html = live.content.decode()
    assert html.lstrip().startswith('<div id="template-preview"')
    day = timezone.localdate(timezone=TZ) + dt.timedelta(days=7)
    assert "Haircut at Alpha Barbers" in html
    assert "Hi Alex, Haircut with Sam on " in html and " at 10:30: " in html
    assert "http://alpha.localhost/manage/SAMPLE-LINK/" in html
    assert f"on {day:%A} {day.day} {day:%B} at 10:30" in html  # "Friday 11 December"
    assert "{" not in html.split('<div class="message-body">')[1]

    wrong = owner_client.post(url, {"subject": "x", "body": "Hi {nome}"}, **HTMX)
    assert wrong.status_code == 200
    assert b"Unknown placeholder {nome}" in wrong.content and b"Hi {nome}" in wrong.content

    without_js = owner_client.post(url, text)
    assert without_js.status_code == 200
    assert b"<html" in without_js.content and b"Haircut at Alpha Barbers" in without_js.content
    assert not MessageTemplate.objects.exists()


# --- Query counts --------------------------------------------------------------------------------


def _bulk_messages(shop, count: int) -> None:
    day = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    Message.objects.bulk_create(
        [
            Message(
                booking=shop["a"] if i % 2 else shop["b"],
                client=shop["a"].client if i % 2 else shop["b"].client,
                channel=Channel.WHATSAPP,
                kind=Kind.REMINDER,
                offset_minutes=i,
                recipient="+5511900000003",
                body="x",
                status=Status.FAILED if i % 3 else Status.SENT,
                send_after=day + dt.timedelta(minutes=i),
            )
            for i in range(count)
        ]
    )


def _queries(client, url) -> int:
    client.get(url)  # the session's first visit records it (allauth usersessions): warm up
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_log_query_count_does_not_grow_with_rows(
    shop, alpha_client, who, django_assert_max_num_queries
):
    user = OwnerFactory() if who == "owner" else shop["sam"]
    login_as(alpha_client, user, "alpha")
    url = "/app/messages/?status=failed"
    _bulk_messages(shop, 10)
    few = _queries(alpha_client, url)
    Message.objects.all().delete()
    _bulk_messages(shop, 200)
    assert _queries(alpha_client, url) == few
    with django_assert_max_num_queries(8):
        alpha_client.get(url)


def test_booking_detail_lists_its_messages(shop, owner_client):
    booking = shop["a"]
    confirmation = _message(booking, status=Status.DELIVERED)
    _message(booking, kind=Kind.REMINDER, offset_minutes=120, status=Status.FAILED)
    _message(shop["b"], kind=Kind.CANCELLATION, recipient="+5511977770000")
    url = f"/app/bookings/{booking.reference}/"
    page = owner_client.get(url).content.decode()
    section = page.split("<h2>Messages</h2>")[1].split("<h2>History</h2>")[0]
    assert f'href="/app/messages/{confirmation.pk}/"' in section
    assert "Confirmation" in section and "Reminder" in section and "(120 min before)" in section
    assert "message-badge-delivered" in section and "message-badge-failed" in section
    assert "Cancellation" not in section and "+5511977770000" not in section

    few = _queries(owner_client, url)
    for offset in range(1, 21):
        _message(booking, kind=Kind.REMINDER, offset_minutes=offset * 1000)
    assert _queries(owner_client, url) == few


def test_log_shows_what_happened_latest_first_then_what_is_still_to_go_soonest_first(
    shop, owner_client
):
    now = timezone.now()
    hours = dt.timedelta(hours=1)
    # Queued long ago but sent an hour ago: it counts from when it was sent.
    sent = _message(
        shop["a"],
        status=Status.SENT,
        send_after=now - 50 * hours,
        sent_at=now - 1 * hours,
        recipient="+5511900000001",
    )
    failed = _message(
        shop["a"], kind=Kind.RESCHEDULE, status=Status.FAILED, send_after=now - 3 * hours
    )
    delivered = _message(
        shop["b"], status=Status.DELIVERED, send_after=now - 30 * hours, sent_at=now - 24 * hours
    )
    next_month = _message(
        shop["a"], kind=Kind.REMINDER, offset_minutes=1440, send_after=now + 720 * hours
    )
    tomorrow = _message(
        shop["a"], kind=Kind.REMINDER, offset_minutes=120, send_after=now + 20 * hours
    )
    from notifications.selectors import message_list

    owner = OwnerFactory()
    ordered = list(message_list(user=owner, now=now))
    assert ordered == [sent, failed, delivered, tomorrow, next_month]
    assert [m.upcoming for m in ordered] == [False, False, False, True, True]

    page = owner_client.get("/app/messages/", **HTMX).content.decode()
    positions = [page.index(f'href="/app/messages/{m.pk}/"') for m in ordered]
    assert positions == sorted(positions)
    divider = page.index("Still to go")
    assert positions[2] < divider < positions[3]
    # The date filter counts the sent message on the day it went, not the day it was queued.
    detail = owner_client.get(f"/app/messages/{sent.pk}/").content.decode()
    assert 'href="tel:+5511900000001"' in detail and "(11) 90000-0001" in detail
    sent_day = sent.sent_at.astimezone(TZ).date().isoformat()  # the business's day
    listed = owner_client.get(f"/app/messages/?date_from={sent_day}&date_to={sent_day}", **HTMX)
    assert f'href="/app/messages/{sent.pk}/"' in listed.content.decode()
