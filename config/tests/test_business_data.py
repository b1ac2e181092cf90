"""The business's data going out: the owner's zip of everything, and a client erased on request.

It lives here, not in bookings/tests, because it checks both apps: the zip holds the messages
and an erasure reaches them, while bookings itself never imports notifications.
"""

import csv
import datetime as dt
import io
import json
import zipfile
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from bookings import exports, services
from bookings.models import Booking, BookingEvent, Client, ClientInteraction
from bookings.tests.factories import BookingFactory
from conftest import login_as
from notifications.models import ChannelSettings, InboundMessage, Message
from scheduling.models import BusinessSettings, TimeOff, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory
from tenants.models import Tenant, WhatsAppContact

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
TOKEN = "EAAG-secret-access-token-123"


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.min_notice_minutes, business.max_advance_days = (
        "America/Sao_Paulo",
        0,
        400,
    )
    business.save()
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(8), end=dt.time(20)) for d in range(7)]
    )
    channels = ChannelSettings.load()
    channels.whatsapp_access_token, channels.whatsapp_phone_number_id = TOKEN, "10987"
    channels.save()
    chair = ResourceFactory(name="Chair A")
    cut = ServiceFactory(name="Cut", performers=[chair])
    TimeOff.objects.create(
        resource=chair,
        start=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
        end=dt.datetime(2031, 1, 2, 12, tzinfo=dt.UTC),
        reason="Holiday",
    )
    return {"business": business, "chair": chair, "cut": cut}


def _upcoming(days: int = 3, hour: int = 10) -> dt.datetime:
    day = timezone.localdate(timezone=TZ) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), TZ)


def _book(shop, client: Client, start: dt.datetime, **kwargs) -> Booking:
    return services.booking_create(
        service=shop["cut"], start=start, client=client, business=shop["business"], **kwargs
    )


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


# --- Export --------------------------------------------------------------------------------------


def test_owner_downloads_every_kind_of_data_as_one_zip_without_secrets(shop, alpha_client):
    owner = OwnerFactory(email="owner@alpha.test")
    ana = Client.objects.create(
        name="Ana Souza", phone="+5511988887777", email="ana@example.com", tags=["vip", "kids"]
    )
    evil = Client.objects.create(name='=HYPERLINK("http://x")', phone="+5511977776666")
    booking = _book(shop, ana, _upcoming(), client_notes="Short on the sides")
    _book(shop, evil, _upcoming(hour=11))
    services.client_interaction_add(
        client=ana, kind="call", body="Asked for Saturdays", author=owner
    )

    response = login_as(alpha_client, owner, "alpha").get("/app/settings/export.zip")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'attachment; filename="agendo-alpha-' in response["Content-Disposition"]
    archive = _zip(response)
    names = set(archive.namelist())
    assert {
        "clients.csv", "bookings.csv", "booking_events.csv", "client_interactions.csv",
        "messages.csv", "inbound_messages.csv", "message_templates.csv", "services.csv",
        "service_resources.csv", "resources.csv", "hours.csv", "time_off.csv", "team.csv",
        "payments.csv", "settings.json", "channels.json", "manifest.json",
    } <= names  # fmt: skip
    clients = {row["name"]: row for row in _csv(archive, "clients.csv")}
    assert clients["Ana Souza"]["phone"] == "+5511988887777"
    assert clients["Ana Souza"]["tags"] == "vip; kids"
    # Typed by a client, read in a spreadsheet: text, never a formula.
    assert '\'=HYPERLINK("http://x")' in clients
    bookings = {row["reference"]: row for row in _csv(archive, "bookings.csv")}
    assert bookings[booking.reference]["client_notes"] == "Short on the sides"
    assert bookings[booking.reference]["start"] == booking.start.astimezone(TZ).isoformat()
    events = _csv(archive, "booking_events.csv")
    assert {(e["booking_reference"], e["type"]) for e in events} >= {(booking.reference, "created")}
    assert _csv(archive, "client_interactions.csv")[0]["body"] == "Asked for Saturdays"
    assert {m["recipient"] for m in _csv(archive, "messages.csv")} >= {"ana@example.com"}
    assert _csv(archive, "hours.csv")[0]["start"] == "08:00:00"
    assert _csv(archive, "time_off.csv")[0]["reason"] == "Holiday"
    assert _csv(archive, "team.csv")[0]["email"] == "owner@alpha.test"
    assert json.loads(archive.read("settings.json"))["timezone"] == "America/Sao_Paulo"
    channels = json.loads(archive.read("channels.json"))
    assert channels["whatsapp_phone_number_id"] == "10987"
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["files"]["clients.csv"] == 2
    # Secrets never leave: the channel's token, password hashes; and the bookings' own table
    # holds no manage link (messages carry the links they were sent with).
    everything = b"".join(archive.read(name) for name in names)
    assert TOKEN.encode() not in everything
    assert owner.password.encode() not in everything
    assert booking.manage_token.encode() not in archive.read("bookings.csv")


def test_export_is_for_owners_only(shop, alpha_client):
    assert alpha_client.get("/app/settings/export.zip").status_code == 302  # to the login
    for user in (AdminFactory(), UserFactory()):
        client = login_as(alpha_client, user, "alpha")
        assert client.get("/app/settings/export.zip").status_code == 403


def test_settings_page_offers_the_download_to_the_owner_only(shop, alpha_client):
    owner_page = login_as(alpha_client, OwnerFactory(), "alpha").get("/app/settings/")
    assert b'href="/app/settings/export.zip"' in owner_page.content
    admin_page = login_as(alpha_client, AdminFactory(), "alpha").get("/app/settings/")
    assert admin_page.status_code == 200
    assert b"export.zip" not in admin_page.content


def test_export_queries_do_not_grow_with_the_rows(shop):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exports.business_export_write(fileobj=io.BytesIO(), business=shop["business"])
        return len(captured)

    BookingFactory(service=shop["cut"], resource=shop["chair"], start=_upcoming(hour=9))
    few = queries()
    for i in range(30):
        BookingFactory(
            service=shop["cut"], resource=shop["chair"], start=_upcoming(days=5 + i, hour=9)
        )
    assert queries() == few
    assert few <= 20


def test_export_zip_is_streamed_from_a_file(shop, alpha_client, django_assert_max_num_queries):
    for i in range(5):
        BookingFactory(service=shop["cut"], resource=shop["chair"], start=_upcoming(days=5 + i))
    client = login_as(alpha_client, OwnerFactory(), "alpha")
    with django_assert_max_num_queries(30):
        response = client.get("/app/settings/export.zip")
    assert response.streaming
    assert len(_csv(_zip(response), "bookings.csv")) == 5


# --- Erasure -------------------------------------------------------------------------------------


@pytest.fixture
def ana(shop):
    """A client with a past visit, an upcoming booking, messages and a WhatsApp conversation."""
    client = Client.objects.create(
        name="Ana Souza",
        phone="+5511988887777",
        email="ana@example.com",
        notes="Allergic to lavender",
        tags=["vip"],
        is_vip=True,
        birth_date=dt.date(1990, 5, 17),
        whatsapp_consent=True,
        whatsapp_consent_at=timezone.now(),
    )
    past = BookingFactory(
        service=shop["cut"],
        resource=shop["chair"],
        client=client,
        start=timezone.now() - dt.timedelta(days=10),
        status=Booking.Status.COMPLETED,
        client_notes="First time",
        price="40.00",
    )
    upcoming = _book(shop, client, _upcoming(), client_notes="Bring my son")
    ClientInteraction.objects.create(client=client, kind="call", body="Prefers mornings")
    InboundMessage.objects.create(
        provider_id="wamid.1",
        from_phone=client.phone,
        client=client,
        body="Can I come at 10?",
        received_at=timezone.now(),
    )
    WhatsAppContact.objects.create(
        phone_number_id="10987",
        phone=client.phone,
        tenant=Tenant.objects.get(schema_name="alpha"),
        last_sent_at=timezone.now(),
    )
    return {"client": client, "past": past, "upcoming": upcoming}


def test_erasing_a_client_anonymises_them_and_keeps_their_bookings(shop, ana):
    admin = AdminFactory(full_name="Rita Admin")
    client = ana["client"]
    old_token = ana["past"].manage_token
    assert Message.objects.filter(client=client).exists()  # the confirmation of the booking

    services.client_erase(client=client, actor=admin)

    client.refresh_from_db()
    assert client.name == "Erased client"
    assert (client.phone, client.email, client.notes, client.tags) == ("", "", "", [])
    assert client.birth_date is None
    assert not client.whatsapp_consent and client.whatsapp_consent_at is None
    assert not client.is_active and not client.is_vip
    assert client.erased_at is not None
    # Bookings stay for the figures: the past visit as it was, the upcoming one cancelled.
    past, upcoming = (Booking.objects.get(pk=ana[k].pk) for k in ("past", "upcoming"))
    assert (past.status, str(past.price), past.client_id) == ("completed", "40.00", client.pk)
    assert upcoming.status == Booking.Status.CANCELLED
    assert upcoming.cancelled_by == admin
    assert (past.client_notes, upcoming.client_notes) == ("", "")
    assert past.manage_token != old_token
    # Who did it: an event on each booking and a line in the client's history.
    for booking in (past, upcoming):
        erased = booking.events.get(note=services.ERASED_NOTE)
        assert (erased.type, erased.actor) == (BookingEvent.Type.UPDATED, admin)
    interactions = list(client.interactions.order_by("pk"))
    assert interactions[0].body == ""
    assert interactions[-1].author == admin and "erased" in interactions[-1].body
    # The outbox forgets them: nothing addressed to them remains or will be sent.
    for message in Message.objects.filter(client=client):
        assert (message.recipient, message.body) == ("erased", "")
        assert message.status != Message.Status.QUEUED
    assert not Message.objects.filter(recipient__in=["+5511988887777", "ana@example.com"]).exists()
    inbound = InboundMessage.objects.get(provider_id="wamid.1")
    assert (inbound.from_phone, inbound.body) == ("", "")
    assert not WhatsAppContact.objects.filter(phone="+5511988887777").exists()


def test_erasing_twice_changes_nothing(shop, ana):
    admin = AdminFactory()
    services.client_erase(client=ana["client"], actor=admin)
    events = BookingEvent.objects.count()
    services.client_erase(client=ana["client"], actor=admin)
    assert BookingEvent.objects.count() == events


def test_a_manager_confirms_and_erases_from_the_client_page(shop, ana, alpha_client):
    client = ana["client"]
    web = login_as(alpha_client, AdminFactory(), "alpha")
    page = web.get(f"/app/clients/{client.pk}/")
    assert f'href="/app/clients/{client.pk}/erase/"'.encode() in page.content

    confirm = web.get(f"/app/clients/{client.pk}/erase/")
    assert confirm.status_code == 200
    assert b"1 upcoming booking will be cancelled" in confirm.content
    client.refresh_from_db()
    assert client.erased_at is None  # a GET erases nothing

    response = web.post(f"/app/clients/{client.pk}/erase/", follow=True)
    assert response.status_code == 200
    assert b"Erased client" in response.content
    assert b"Ana Souza" not in response.content
    assert b"/erase/" not in response.content  # no second button


def test_staff_cannot_erase_a_client(shop, ana, alpha_client):
    staff = UserFactory()
    shop["chair"].user = staff
    shop["chair"].save()
    web = login_as(alpha_client, staff, "alpha")
    page = web.get(f"/app/clients/{ana['client'].pk}/")
    assert page.status_code == 200
    assert b"/erase/" not in page.content
    assert web.post(f"/app/clients/{ana['client'].pk}/erase/").status_code == 403
    ana["client"].refresh_from_db()
    assert ana["client"].name == "Ana Souza"
