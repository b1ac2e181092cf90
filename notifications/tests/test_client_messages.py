"""Messages to one client outside a booking: a member's own (item 11), birthdays, "we miss you".

Channel choice (WhatsApp text inside the 24-hour window, the approved template outside it, else
e-mail), consent, the plan, once per year / per 30 days, and the pages that send them.
"""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings.models import ClientInteraction
from bookings.tests.factories import ClientFactory
from conftest import login_as
from notifications import services
from notifications.errors import NotificationError
from notifications.models import Channel, ChannelSettings, InboundMessage, Kind, Message
from notifications.tests.test_plan_whatsapp import on_plan as on_plan
from scheduling.models import BusinessSettings

HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2027, 3, 2, 15, tzinfo=dt.UTC)  # 12:00 in São Paulo


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.language, business.phone_region = "America/Sao_Paulo", "en", "BR"
    business.display_name = "Alpha Barbers"
    business.birthday_messages = True
    business.save()
    channels = ChannelSettings.load()
    channels.whatsapp_enabled = channels.email_enabled = True
    channels.whatsapp_template_name = ""
    channels.save()
    return {"business": business, "channels": channels}


@pytest.fixture
def queued(monkeypatch):
    """Messages handed to a worker after commit (no worker runs here)."""
    ids: list[int] = []
    monkeypatch.setattr(services, "enqueue_when_due", lambda message: ids.append(message.pk))
    return ids


def _client(**fields):
    values = {"name": "Ana Lima", "email": "ana@example.com", "whatsapp_consent": True}
    return ClientFactory(**{**values, **fields})


def _wrote(client, when):
    InboundMessage.objects.create(
        provider_id=f"wamid.{client.pk}.{when:%s}",
        from_phone=client.phone,
        client=client,
        body="hi",
        received_at=when,
    )


# --- Channel choice ------------------------------------------------------------------------------


def test_whatsapp_text_inside_the_window(shop, queued):
    client = _client()
    _wrote(client, NOW - dt.timedelta(hours=23))
    message = services.client_message_send(
        client=client, channel=Channel.WHATSAPP, body=" Your jacket is here ", actor=None, now=NOW
    )
    assert (message.kind, message.channel, message.recipient) == (
        Kind.DIRECT,
        Channel.WHATSAPP,
        client.phone,
    )
    assert message.body == "Your jacket is here" and not message.as_template
    assert queued == [message.pk]
    note = ClientInteraction.objects.get(client=client)
    assert note.kind == ClientInteraction.Kind.MESSAGE and "Your jacket is here" in note.body


def test_outside_the_window_the_approved_template_or_refused(shop, queued):
    client = _client()
    _wrote(client, NOW - dt.timedelta(hours=25))
    with pytest.raises(NotificationError) as refused:
        services.client_message_send(
            client=client, channel=Channel.WHATSAPP, body="Hello", actor=None, now=NOW
        )
    assert refused.value.code == "no_channel" and "24 hours" in refused.value.message
    shop["channels"].whatsapp_template_name = "agendo_notice"
    shop["channels"].save()
    message = services.client_message_send(
        client=client, channel=Channel.WHATSAPP, body="Hello", actor=None, now=NOW
    )
    assert message.as_template and message.channel == Channel.WHATSAPP


def test_email_with_the_business_subject(shop, queued):
    client = _client(whatsapp_consent=False)
    message = services.client_message_send(
        client=client, channel=Channel.EMAIL, body="See you", actor=None, now=NOW
    )
    assert (message.channel, message.recipient) == (Channel.EMAIL, "ana@example.com")
    assert message.subject == "A message from Alpha Barbers"


def test_no_whatsapp_without_consent_nor_when_the_plan_has_none(shop, queued, on_plan):
    client = _client(whatsapp_consent=False)
    _wrote(client, NOW - dt.timedelta(hours=1))
    routes = services.client_routes(client=client, now=NOW)
    assert "not agreed" in routes[Channel.WHATSAPP].refused
    with pytest.raises(NotificationError):
        services.client_message_send(
            client=client, channel=Channel.WHATSAPP, body="Hi", actor=None, now=NOW
        )
    client.whatsapp_consent = True
    client.save()
    on_plan("free")
    routes = services.client_routes(client=client, now=timezone.now())
    assert "plan" in routes[Channel.WHATSAPP].refused
    assert Message.objects.count() == 0


# --- We miss you ---------------------------------------------------------------------------------


def test_win_back_once_per_30_days_whatsapp_else_email(shop, queued):
    client = _client()
    _wrote(client, NOW - dt.timedelta(hours=2))
    message = services.client_win_back_send(client=client, actor=None, now=NOW)
    assert (message.kind, message.channel) == (Kind.WIN_BACK, Channel.WHATSAPP)
    assert "We miss you at Alpha Barbers" in message.body and "http" in message.body
    with pytest.raises(NotificationError) as again:
        services.client_win_back_send(client=client, actor=None, now=NOW + dt.timedelta(days=29))
    assert again.value.code == "already_sent" and again.value.status == 409
    later = services.client_win_back_send(
        client=client, actor=None, now=NOW + dt.timedelta(days=31)
    )
    # Outside the window and no approved template: by e-mail.
    assert (later.channel, later.subject) == (Channel.EMAIL, "We miss you at Alpha Barbers")


def test_win_back_refused_when_nothing_can_reach_the_client(shop, queued):
    client = _client(email="", whatsapp_consent=False)
    with pytest.raises(NotificationError) as refused:
        services.client_win_back_send(client=client, actor=None, now=NOW)
    assert refused.value.code == "no_channel" and "e-mail" in refused.value.message
    assert not Message.objects.exists()


def test_win_back_view_htmx_partial_and_redirect(shop, queued, alpha_client):
    client = _client(email="")  # WhatsApp only, and no window nor template: refused
    owner = login_as(alpha_client, OwnerFactory(), "alpha")
    url = f"/app/clients/{client.pk}/win-back/"
    refused = owner.post(url, **HTMX)
    assert refused.status_code == 422
    assert 'id="win-back-' in refused.content.decode() and "24 hours" in refused.content.decode()
    client.email = "ana@example.com"
    client.save()
    sent = owner.post(url, **HTMX)
    assert sent.status_code == 200 and "Sent" in sent.content.decode()
    again = owner.post(url, {"next": "/app/clients/?active=yes"})
    assert again.status_code == 302 and again["Location"] == "/app/clients/?active=yes"
    elsewhere = owner.post(url, {"next": "https://evil.example/"})
    assert elsewhere["Location"] == f"/app/clients/{client.pk}/"
    assert Message.objects.filter(kind=Kind.WIN_BACK).count() == 1


def test_win_back_view_is_for_owners_and_admins(shop, alpha_client):
    client = _client()
    staff = login_as(alpha_client, UserFactory(), "alpha")
    assert staff.post(f"/app/clients/{client.pk}/win-back/").status_code == 403
    assert not Message.objects.exists()


# --- Birthdays -----------------------------------------------------------------------------------


def test_birthdays_once_a_year_from_the_local_morning(shop, queued):
    ana = _client(birth_date=dt.date(1990, 3, 2))
    _client(name="Bia", birth_date=dt.date(1990, 3, 3), email="bia@example.com")
    _client(name="Gone", birth_date=dt.date(1985, 3, 2), is_active=False, phone="")
    _client(name="Silent", birth_date=dt.date(1985, 3, 2), email="", whatsapp_consent=False)
    early = dt.datetime(2027, 3, 2, 11, tzinfo=dt.UTC)  # 08:00 in São Paulo
    assert services.client_birthdays_send(now=early) == 0
    assert services.client_birthdays_send(now=NOW) == 1
    assert services.client_birthdays_send(now=NOW + dt.timedelta(hours=1)) == 0  # run twice
    message = Message.objects.get(kind=Kind.BIRTHDAY)
    assert message.client == ana and message.dedupe_key == f"birthday:2027:{ana.pk}"
    assert message.channel == Channel.EMAIL  # no WhatsApp window nor approved template
    assert message.subject == "Happy birthday, Ana!"
    next_year = NOW.replace(year=2028)
    assert services.client_birthdays_send(now=next_year) == 1


def test_birthdays_off_sends_nothing(shop, queued):
    _client(birth_date=dt.date(1990, 3, 2))
    shop["business"].birthday_messages = False
    shop["business"].save()
    assert services.client_birthdays_send(now=NOW) == 0


def test_born_on_29_february_celebrated_on_the_28th_in_other_years(shop, queued):
    leapling = _client(birth_date=dt.date(2000, 2, 29))
    feb28 = dt.datetime(2027, 2, 28, 15, tzinfo=dt.UTC)
    mar1 = dt.datetime(2027, 3, 1, 15, tzinfo=dt.UTC)
    assert services.client_birthdays_send(now=mar1) == 0
    assert services.client_birthdays_send(now=feb28) == 1
    leap28 = dt.datetime(2028, 2, 28, 15, tzinfo=dt.UTC)
    assert services.client_birthdays_send(now=leap28) == 0  # 2028 has a 29th
    assert services.client_birthdays_send(now=leap28 + dt.timedelta(days=1)) == 1
    assert set(Message.objects.values_list("client", flat=True)) == {leapling.pk}


def test_the_beat_runs_birthdays_hourly():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["birthdays"]
    assert entry["task"] == "notifications.tasks.birthdays_all" and entry["schedule"] == 3600.0


# --- A member's message page ---------------------------------------------------------------------


def test_message_page_sends_and_logs(shop, queued, alpha_client, django_assert_max_num_queries):
    client = _client(whatsapp_consent=False)
    page = login_as(alpha_client, OwnerFactory(), "alpha")
    url = f"/app/clients/{client.pk}/message/"
    page.get(url)
    with django_assert_max_num_queries(20):
        shown = page.get(url)
    html = shown.content.decode()
    assert shown.status_code == 200 and "not agreed to WhatsApp" in html
    assert page.get(url, **HTMX).content.decode().lstrip().startswith('<div id="client-message"')
    refused = page.post(url, {"channel": Channel.WHATSAPP, "body": "Hi"})
    assert refused.status_code == 422 and not Message.objects.exists()
    empty = page.post(url, {"channel": Channel.EMAIL, "body": "  "})
    assert empty.status_code == 422
    nul = page.post(url, {"channel": Channel.EMAIL, "body": "a\x00b"})
    assert nul.status_code == 400  # NUL bytes refused before any view
    sent = page.post(url, {"channel": Channel.EMAIL, "body": "Your jacket is here"})
    assert sent.status_code == 302 and sent["Location"] == f"/app/clients/{client.pk}/"
    message = Message.objects.get()
    assert (message.kind, message.channel, message.body) == (
        Kind.DIRECT,
        Channel.EMAIL,
        "Your jacket is here",
    )
    detail = page.get(f"/app/clients/{client.pk}/").content.decode()
    assert "Your jacket is here" in detail  # in the client's history
    log = page.get("/app/messages/").content.decode()
    assert "Message from the business" in log and "ana@example.com" in log


def test_staff_write_only_to_clients_they_see(shop, alpha_client):
    client = _client()
    staff = login_as(alpha_client, UserFactory(), "alpha")
    assert staff.get(f"/app/clients/{client.pk}/message/").status_code == 404


def test_a_members_message_in_the_log_and_its_page(shop, queued, alpha_client):
    from bookings.tests.factories import BookingFactory
    from scheduling.tests.factories import ResourceFactory, ServiceFactory

    sam = UserFactory(email="sam@example.com")
    chair = ResourceFactory(name="Chair A", user=sam)
    client = _client(whatsapp_consent=False)
    BookingFactory(client=client, resource=chair, service=ServiceFactory(performers=[chair]))
    staff = login_as(alpha_client, sam, "alpha")
    sent = staff.post(f"/app/clients/{client.pk}/message/", {"channel": "email", "body": "Hi!"})
    assert sent.status_code == 302
    message = Message.objects.get(kind=Kind.DIRECT)
    assert message.staff_user == sam
    assert staff.get(f"/app/messages/{message.pk}/").status_code == 200  # the sender sees it
    assert "ana@example.com" in staff.get("/app/messages/").content.decode()
