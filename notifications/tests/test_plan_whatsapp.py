"""WhatsApp follows the plan: without the module, or with this period's messages used up, a
client's message goes by e-mail instead (or not at all without one), and the log says why."""

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import OwnerFactory
from billing import services as billing_services
from billing.models import PlanOverride
from bookings.models import Client
from conftest import assert_no_english, login_as, visible_text
from notifications import services
from notifications.models import Channel, Kind, Message
from notifications.tests.test_outbox import NOW, _book
from notifications.tests.test_outbox import shop as shop
from notifications.tests.test_sending import fake_whatsapp as fake_whatsapp
from tenants.models import Plan

Status = Message.Status


@pytest.fixture
def on_plan(tenant_alpha):
    """Put alpha on a trial of the plan with this code (its period covers now)."""

    def start(code: str):
        return billing_services.subscription_start(
            tenant=tenant_alpha, plan=Plan.objects.get(code=code)
        )

    return start


def _english(shop) -> None:
    shop["business"].language = "en"
    shop["business"].save()


def _client_rows(booking) -> dict:
    messages = Message.objects.filter(booking=booking).exclude(kind=Kind.STAFF_ALERT)
    return {(m.kind, m.channel, m.offset_minutes): m for m in messages}


def _sent_whatsapp(shop, count: int) -> None:
    """`count` WhatsApp messages sent this period (another booking's)."""
    other = Client.objects.create(name="Caio", phone="+5511955554444")
    booking = _book(shop, start=NOW + timezone.timedelta(days=5), client=other)
    Message.objects.filter(booking=booking).delete()
    Message.objects.bulk_create(
        [
            Message(
                booking=booking,
                client=other,
                channel=Channel.WHATSAPP,
                kind=Kind.REMINDER,
                offset_minutes=i + 1,
                recipient=other.phone,
                body="x",
                status=Status.SENT,
                send_after=timezone.now(),
                sent_at=timezone.now(),
            )
            for i in range(count)
        ]
    )


# --- Planning ------------------------------------------------------------------------------------


def test_free_plan_confirms_by_email_and_the_log_says_why(shop, on_plan, alpha_client):
    _english(shop)
    on_plan("free")
    booking = _book(shop)
    rows = _client_rows(booking)
    email = rows[(Kind.CONFIRMATION, Channel.EMAIL, 0)]
    assert (email.status, email.recipient) == (Status.QUEUED, "ana@example.com")
    kept = rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)]
    assert kept.status == Status.CANCELLED and kept.last_error == "plan:no_whatsapp:email"
    # The reminders too: every client message by e-mail, none queued on WhatsApp.
    assert rows[(Kind.REMINDER, Channel.EMAIL, 1440)].status == Status.QUEUED
    queued = [key for key, m in rows.items() if m.status == Status.QUEUED]
    assert all(channel == Channel.EMAIL for _kind, channel, _offset in queued)

    assert services.message_send(message_id=email.pk) == Status.SENT
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]

    client = login_as(alpha_client, OwnerFactory(), "alpha")
    reason = "Sent by e-mail: the plan has no WhatsApp messages"
    assert reason in visible_text(client.get("/app/messages/").content.decode())
    for message in (kept, email):
        html = client.get(f"/app/messages/{message.pk}/").content.decode()
        assert reason in visible_text(html)
        assert 'href="/app/billing/"' in html


def test_without_an_email_the_message_is_not_sent_and_the_log_says_why(shop, on_plan):
    on_plan("free")
    phone_only = Client.objects.create(name="Duda", phone="+5511933332222", whatsapp_consent=True)
    booking = _book(shop, client=phone_only)
    rows = _client_rows(booking)
    assert {channel for _kind, channel, _offset in rows} == {Channel.WHATSAPP}
    assert {m.status for m in rows.values()} == {Status.CANCELLED}
    assert rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)].last_error == "plan:no_whatsapp:none"


def test_starter_with_its_whatsapp_used_up_sends_by_email(shop, on_plan, tenant_alpha):
    _english(shop)
    on_plan("starter")
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_whatsapp", limit=2)
    _sent_whatsapp(shop, 2)
    rows = _client_rows(_book(shop))
    assert rows[(Kind.CONFIRMATION, Channel.EMAIL, 0)].status == Status.QUEUED
    kept = rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)]
    assert kept.last_error == "plan:whatsapp_used_up:email"


def test_starter_with_a_zero_override_sends_by_email(shop, on_plan, tenant_alpha):
    on_plan("starter")
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_whatsapp", limit=0)
    rows = _client_rows(_book(shop))
    assert rows[(Kind.CONFIRMATION, Channel.EMAIL, 0)].status == Status.QUEUED
    assert rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)].status == Status.CANCELLED


def test_starter_under_its_limit_and_enterprise_send_whatsapp_as_before(
    shop, on_plan, tenant_alpha, fake_whatsapp
):
    on_plan("starter")
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_whatsapp", limit=3)
    _sent_whatsapp(shop, 2)
    rows = _client_rows(_book(shop))
    confirmation = rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)]
    assert confirmation.status == Status.QUEUED
    assert not any(channel == Channel.EMAIL for _kind, channel, _offset in rows)
    assert services.message_send(message_id=confirmation.pk) == Status.SENT

    PlanOverride.objects.all().delete()
    subscription = tenant_alpha.subscription
    billing_services.subscription_change_plan(
        subscription=subscription, plan=Plan.objects.get(code="enterprise")
    )
    other = Client.objects.create(name="Eva", phone="+5511944443333", whatsapp_consent=True)
    rows = _client_rows(_book(shop, start=NOW + timezone.timedelta(days=6), client=other))
    confirmation = rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)]
    assert confirmation.status == Status.QUEUED and confirmation.last_error == ""
    assert services.message_send(message_id=confirmation.pk) == Status.SENT
    assert len(fake_whatsapp.sent) == 2


# --- Sending: the limit re-checked ---------------------------------------------------------------


def test_the_limit_reached_between_planning_and_sending_sends_by_email(
    shop, on_plan, tenant_alpha, fake_whatsapp
):
    on_plan("starter")
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_whatsapp", limit=2)
    confirmation = _client_rows(_book(shop))[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)]
    assert confirmation.status == Status.QUEUED  # none sent yet when it was planned
    _sent_whatsapp(shop, 2)  # meanwhile the period's WhatsApp messages ran out

    assert services.message_send(message_id=confirmation.pk) == Status.CANCELLED
    assert fake_whatsapp.sent == []
    confirmation.refresh_from_db()
    assert confirmation.status == Status.CANCELLED
    assert confirmation.last_error == "plan:whatsapp_used_up:email"
    email = Message.objects.get(
        booking=confirmation.booking, kind=Kind.CONFIRMATION, channel=Channel.EMAIL
    )
    assert email.status == Status.QUEUED
    assert services.message_send(message_id=email.pk) == Status.SENT
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_messages_being_sent_count_against_the_limit(shop, on_plan, tenant_alpha, fake_whatsapp):
    on_plan("starter")
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_whatsapp", limit=1)
    rows = _client_rows(_book(shop))
    Message.objects.filter(pk=rows[(Kind.REMINDER, Channel.WHATSAPP, 1440)].pk).update(
        status=Status.SENDING, sending_since=timezone.now()
    )  # another worker is sending the period's only one
    confirmation = rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)]
    assert services.message_send(message_id=confirmation.pk) == Status.CANCELLED
    assert fake_whatsapp.sent == []


def test_an_upgrade_replans_on_whatsapp_and_cancels_the_queued_email(shop, on_plan, tenant_alpha):
    from bookings import services as booking_services

    on_plan("free")
    booking = _book(shop)
    assert _client_rows(booking)[(Kind.REMINDER, Channel.EMAIL, 1440)].status == Status.QUEUED
    billing_services.subscription_change_plan(
        subscription=tenant_alpha.subscription, plan=Plan.objects.get(code="pro")
    )
    booking_services.booking_reschedule(
        booking=booking, start=booking.start + timezone.timedelta(hours=1), now=NOW
    )
    rows = _client_rows(booking)
    assert rows[(Kind.REMINDER, Channel.WHATSAPP, 1440)].status == Status.QUEUED
    assert rows[(Kind.REMINDER, Channel.WHATSAPP, 1440)].last_error == ""
    assert rows[(Kind.REMINDER, Channel.EMAIL, 1440)].status == Status.CANCELLED


# --- In Portuguese -------------------------------------------------------------------------------


def test_the_reason_reads_in_portuguese(shop, on_plan, alpha_client):
    on_plan("free")
    booking = _book(shop)
    email = _client_rows(booking)[(Kind.CONFIRMATION, Channel.EMAIL, 0)]
    client = login_as(alpha_client, OwnerFactory(), "alpha")
    for path in ("/app/messages/", f"/app/messages/{email.pk}/"):
        html = client.get(path).content.decode()
        assert_no_english(html)
        assert "Enviada por e-mail: o plano não inclui mensagens por WhatsApp" in visible_text(html)
