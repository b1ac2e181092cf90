"""The outbox: every booking change writes the messages it implies, in its own transaction."""

import datetime as dt
import zoneinfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import services
from bookings.errors import BookingError
from bookings.models import Client
from notifications.models import Channel, ChannelSettings, Kind, Message
from notifications.rendering import unknown_placeholders
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.templatetags.agendo_format import format_day
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)  # Monday
START = dt.datetime(2027, 3, 4, 10, tzinfo=TZ)  # Thursday 10:00 local


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.language = "America/Sao_Paulo", "pt-br"
    business.slot_interval, business.min_notice_minutes, business.max_advance_days = 30, 0, 60
    business.reminder_offsets = [1440, 120]
    business.display_name = "Alpha Barbers"
    business.save()
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
    )
    barber = UserFactory(email="rafa@alpha.test")
    chair = ResourceFactory(name="Rafa", user=barber)
    cut = ServiceFactory(name="Corte", duration_minutes=30, performers=[chair])
    client = Client.objects.create(
        name="Ana Souza", phone="+5511912345678", email="ana@example.com", whatsapp_consent=True
    )
    return {"business": business, "chair": chair, "cut": cut, "client": client}


def _book(shop, start=START, client=None, **kwargs):
    return services.booking_create(
        service=shop["cut"],
        start=start,
        client=client or shop["client"],
        resource=shop["chair"],
        now=NOW,
        **kwargs,
    )


def _rows(booking):
    """The client's messages of a booking (staff alerts are about it too, but not to the client)."""
    messages = Message.objects.filter(booking=booking).exclude(kind=Kind.STAFF_ALERT)
    return {(m.kind, m.channel, m.offset_minutes): m for m in messages}


def test_confirmed_booking_queues_confirmation_reminders_and_staff_alert(shop):
    booking = _book(shop)
    rows = _rows(booking)
    assert set(rows) == {
        (Kind.CONFIRMATION, Channel.WHATSAPP, 0),
        (Kind.REMINDER, Channel.WHATSAPP, 1440),
        (Kind.REMINDER, Channel.WHATSAPP, 120),
    }
    assert rows[(Kind.REMINDER, Channel.WHATSAPP, 1440)].send_after == START - dt.timedelta(days=1)
    assert rows[(Kind.REMINDER, Channel.WHATSAPP, 120)].send_after == START - dt.timedelta(hours=2)
    confirmation = rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)]
    assert confirmation.recipient == "+5511912345678"
    assert confirmation.status == Message.Status.QUEUED
    body = confirmation.body
    assert body.startswith("Olá, Ana!") and "Rafa" in body
    assert "quinta-feira, 4 de março às 10:00" in body
    assert f"http://alpha.localhost/manage/{booking.manage_token}/" in body
    alert = Message.objects.get(kind=Kind.STAFF_ALERT)
    assert (alert.channel, alert.recipient) == (Channel.EMAIL, "rafa@alpha.test")
    assert alert.booking == booking and alert.client is None


def test_client_without_whatsapp_consent_gets_email_and_without_either_nothing(shop):
    by_mail = Client.objects.create(name="Bea", phone="+5511911112222", email="bea@example.com")
    booking = _book(shop, client=by_mail)
    assert {channel for _, channel, _ in _rows(booking)} == {Channel.EMAIL}
    subject = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION).subject
    assert subject == "Agendado: Corte em quinta-feira, 4 de março às 10:00"

    silent = Client.objects.create(name="Caio", phone="+5511933334444")
    other = _book(shop, start=START + dt.timedelta(hours=2), client=silent)
    assert _rows(other) == {}


def test_channels_switched_off_are_not_used(shop):
    channels = ChannelSettings.load()
    channels.whatsapp_enabled = False
    channels.save()
    booking = _book(shop)
    assert {channel for _, channel, _ in _rows(booking)} == {Channel.EMAIL}


def test_pending_booking_gets_approval_request_then_confirmation_and_reminders(shop):
    shop["business"].requires_approval = True
    shop["business"].save()
    booking = _book(shop, source="public")
    assert set(_rows(booking)) == {(Kind.APPROVAL_REQUEST, Channel.WHATSAPP, 0)}
    services.booking_confirm(booking=booking, actor=OwnerFactory(), now=NOW)
    assert set(_rows(booking)) == {
        (Kind.APPROVAL_REQUEST, Channel.WHATSAPP, 0),
        (Kind.CONFIRMATION, Channel.WHATSAPP, 0),
        (Kind.REMINDER, Channel.WHATSAPP, 1440),
        (Kind.REMINDER, Channel.WHATSAPP, 120),
    }


def test_reschedule_sends_a_notice_and_moves_or_cancels_reminders(shop):
    booking = _book(shop)
    sent = _rows(booking)[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)]
    sent.status = Message.Status.SENT
    sent.save()
    # Moved to five hours from now (the outbox plans against the real clock): the 24 h
    # reminder's time has passed, the 2 h one moves.
    new_start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=5)
    services.booking_reschedule(
        booking=booking, start=new_start, override=True, actor=OwnerFactory(), now=NOW
    )
    rows = _rows(booking)
    assert rows[(Kind.RESCHEDULE, Channel.WHATSAPP, 0)].status == Message.Status.QUEUED
    assert rows[(Kind.REMINDER, Channel.WHATSAPP, 1440)].status == Message.Status.CANCELLED
    two_hours = rows[(Kind.REMINDER, Channel.WHATSAPP, 120)]
    assert two_hours.status == Message.Status.QUEUED
    assert two_hours.send_after == new_start - dt.timedelta(hours=2)
    local = new_start.astimezone(TZ)
    assert f"{format_day(local.date(), 'weekday', 'pt-br')} às {local:%H:%M}" in two_hours.body
    assert rows[(Kind.CONFIRMATION, Channel.WHATSAPP, 0)].status == Message.Status.SENT


def test_cancel_cancels_queued_reminders_and_tells_the_client(shop):
    booking = _book(shop)
    services.booking_cancel(booking=booking, by_client=True, now=NOW)
    rows = _rows(booking)
    assert rows[(Kind.REMINDER, Channel.WHATSAPP, 1440)].status == Message.Status.CANCELLED
    assert rows[(Kind.REMINDER, Channel.WHATSAPP, 120)].status == Message.Status.CANCELLED
    assert rows[(Kind.CANCELLATION, Channel.WHATSAPP, 0)].status == Message.Status.QUEUED
    assert Message.objects.filter(kind=Kind.STAFF_ALERT).count() == 2


def test_completed_plans_a_follow_up_and_no_show_cancels_reminders(shop):
    done = _book(shop)
    services.booking_complete(booking=done, actor=OwnerFactory(), now=START + dt.timedelta(hours=1))
    follow_up = _rows(done)[(Kind.FOLLOW_UP, Channel.WHATSAPP, 0)]
    assert follow_up.send_after == done.end + dt.timedelta(hours=24)
    assert "Obrigado pela visita, Ana!" in follow_up.body

    missed = _book(shop, start=START + dt.timedelta(hours=3))
    services.booking_mark_no_show(
        booking=missed, actor=OwnerFactory(), now=START + dt.timedelta(hours=4)
    )
    statuses = {m.status for m in Message.objects.filter(booking=missed, kind=Kind.REMINDER)}
    assert statuses == {Message.Status.CANCELLED}


def test_the_unique_key_makes_duplicates_impossible(shop):
    booking = _book(shop)
    confirmation = Message.objects.get(booking=booking, kind=Kind.CONFIRMATION)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            booking=booking,
            kind=Kind.CONFIRMATION,
            channel=Channel.WHATSAPP,
            offset_minutes=0,
            recipient="+5511912345678",
            body="again",
            send_after=NOW,
        )
    from notifications.outbox import plan_for_event

    plan_for_event(booking.events.get(), now=NOW)  # planning twice changes nothing
    assert Message.objects.filter(booking=booking).count() == 4  # with the staff alert
    assert Message.objects.get(pk=confirmation.pk).body == confirmation.body


def test_a_refused_booking_writes_no_message(shop):
    _book(shop)
    with pytest.raises(BookingError):
        _book(shop, client=Client.objects.create(name="Late", phone="+5511955556666"))
    assert Message.objects.filter(kind=Kind.CONFIRMATION).count() == 1


def test_unknown_placeholders_are_found():
    assert unknown_placeholders("Hi {client_name} at {tiem} {business.__class__}") == [
        "business.__class__",
        "tiem",
    ]
    assert unknown_placeholders("{client_name} {service} {manage_url}") == []


def _follow_ups(booking):
    return list(Message.objects.filter(booking=booking, kind=Kind.FOLLOW_UP))


def test_correcting_completed_to_no_show_cancels_the_queued_follow_up(shop):
    booking = _book(shop)
    after = START + dt.timedelta(hours=1)
    services.booking_complete(booking=booking, actor=OwnerFactory(), now=after)
    (follow_up,) = _follow_ups(booking)
    assert follow_up.status == Message.Status.QUEUED
    services.booking_transition(
        booking=booking, action="mark_no_show", actor=OwnerFactory(), now=after
    )
    follow_up.refresh_from_db()
    assert follow_up.status == Message.Status.CANCELLED


def test_correcting_no_show_to_completed_plans_the_follow_up(shop):
    booking = _book(shop)
    after = START + dt.timedelta(hours=1)
    services.booking_mark_no_show(booking=booking, actor=OwnerFactory(), now=after)
    assert _follow_ups(booking) == []
    services.booking_transition(
        booking=booking, action="mark_completed", actor=OwnerFactory(), now=after
    )
    (follow_up,) = _follow_ups(booking)
    assert follow_up.status == Message.Status.QUEUED
    assert follow_up.send_after == booking.end + dt.timedelta(hours=24)
    assert "Obrigado pela visita, Ana!" in follow_up.body
    # Back to no-show and to completed again: the one follow-up is re-armed, not duplicated.
    services.booking_transition(booking=booking, action="mark_no_show", actor=None, now=after)
    assert _follow_ups(booking)[0].status == Message.Status.CANCELLED
    services.booking_transition(booking=booking, action="mark_completed", actor=None, now=after)
    assert [m.status for m in _follow_ups(booking)] == [Message.Status.QUEUED]


def test_a_follow_up_already_sent_is_not_sent_again_after_corrections(shop):
    booking = _book(shop)
    after = START + dt.timedelta(hours=1)
    services.booking_complete(booking=booking, actor=OwnerFactory(), now=after)
    Message.objects.filter(booking=booking, kind=Kind.FOLLOW_UP).update(
        status=Message.Status.SENT, provider_id="wamid.THANKS"
    )
    services.booking_transition(booking=booking, action="mark_no_show", actor=None, now=after)
    services.booking_transition(booking=booking, action="mark_completed", actor=None, now=after)
    (follow_up,) = _follow_ups(booking)
    assert (follow_up.status, follow_up.provider_id) == (Message.Status.SENT, "wamid.THANKS")


def _alerts(booking):
    return list(Message.objects.filter(booking=booking, kind=Kind.STAFF_ALERT).order_by("pk"))


def test_staff_alerts_say_what_happened_in_portuguese(shop):
    booking = _book(shop)
    services.booking_reschedule(
        booking=booking, start=START + dt.timedelta(days=1, hours=1), actor=OwnerFactory(), now=NOW
    )
    services.booking_cancel(booking=booking, by_client=True, now=NOW)
    created, moved, cancelled = _alerts(booking)
    assert created.subject == "Novo agendamento em quinta-feira, 4 de março às 10:00: Corte com Ana"
    assert created.body == (
        "Novo agendamento em quinta-feira, 4 de março às 10:00: Corte com Ana (Rafa), "
        "na Alpha Barbers."
    )
    assert moved.body.startswith(
        "Agendamento remarcado de quinta-feira, 4 de março às 10:00 para sexta-feira, "
        "5 de março às 11:00: Corte com Ana"
    )
    assert cancelled.body.startswith(
        "Agendamento de sexta-feira, 5 de março às 11:00 cancelado: Corte"
    )
    assert {m.recipient for m in (created, moved, cancelled)} == {"rafa@alpha.test"}
    assert [m.event.type for m in (created, moved, cancelled)] == [
        "created",
        "rescheduled",
        "cancelled",
    ]


def test_staff_alerts_in_english(shop):
    shop["business"].language = "en"
    shop["business"].save()
    booking = _book(shop)
    services.booking_reschedule(
        booking=booking, start=START + dt.timedelta(hours=2), actor=OwnerFactory(), now=NOW
    )
    services.booking_cancel(booking=booking, actor=OwnerFactory(), now=NOW)
    created, moved, cancelled = (m.body for m in _alerts(booking))
    assert (
        created
        == "New booking on Thursday 4 March at 10:00: Corte with Ana (Rafa), at Alpha Barbers."
    )
    assert moved.startswith(
        "Booking moved from Thursday 4 March at 10:00 to Thursday 4 March at 12:00:"
    )
    assert cancelled.startswith("Booking on Thursday 4 March at 12:00 cancelled:")


def test_a_move_to_another_resource_alerts_both_staff_members(shop):
    other_barber = UserFactory(email="leo@alpha.test")
    other_chair = ResourceFactory(name="Leo", user=other_barber)
    shop["cut"].resources.add(other_chair)
    booking = _book(shop)
    services.booking_reschedule(
        booking=booking,
        start=START + dt.timedelta(hours=1),
        resource=other_chair,
        actor=OwnerFactory(),
        now=NOW,
    )
    moved = [m for m in _alerts(booking) if m.event.type == "rescheduled"]
    assert sorted(m.recipient for m in moved) == ["leo@alpha.test", "rafa@alpha.test"]
    for alert in moved:
        assert alert.body.startswith(
            "Agendamento remarcado de quinta-feira, 4 de março às 10:00 (Rafa) para "
            "quinta-feira, 4 de março às 11:00 (Leo)"
        )
    # Planning the same change again writes nothing more (the alert's unique key).
    from notifications.outbox import plan_for_event

    plan_for_event(booking.events.get(type="rescheduled"), now=NOW)
    assert len(_alerts(booking)) == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            booking=booking,
            kind=Kind.STAFF_ALERT,
            event=moved[0].event,
            staff_user=moved[0].staff_user,
            channel=Channel.EMAIL,
            recipient="x@alpha.test",
            body="again",
            send_after=NOW,
        )


def test_the_previous_staff_member_sees_the_alert_in_their_message_log(shop):
    from notifications.selectors import message_list

    other_chair = ResourceFactory(name="Leo", user=UserFactory(email="leo@alpha.test"))
    shop["cut"].resources.add(other_chair)
    booking = _book(shop)
    services.booking_reschedule(
        booking=booking, start=START, resource=other_chair, actor=OwnerFactory(), now=NOW
    )
    rafa = shop["chair"].user
    visible = list(message_list(user=rafa))
    assert [m.kind for m in visible if m.booking_id == booking.pk] == [
        Kind.STAFF_ALERT,
        Kind.STAFF_ALERT,
    ]  # the new booking's alert and the one telling it moved away; no client message
    assert {m.staff_user for m in visible} == {rafa}


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_email_reminders_point_to_the_manage_link_not_to_replies(shop, language):
    shop["business"].language = language
    shop["business"].save()
    by_mail = Client.objects.create(name="Bea", phone="+5511911112222", email="bea@example.com")
    booking = _book(shop, client=by_mail)
    reminder = _rows(booking)[(Kind.REMINDER, Channel.EMAIL, 120)]
    manage_url = f"http://alpha.localhost/manage/{booking.manage_token}/"
    assert reminder.body.endswith(manage_url)
    for reply_hint in ("Reply 1", "Responda 1", " 2 "):
        assert reply_hint not in reminder.body
    assert reminder.subject.startswith(("Reminder:", "Lembrete:"))
    # On WhatsApp, where replies work, the reminder still asks for one.
    on_whatsapp = _rows(_book(shop, start=START + dt.timedelta(hours=2)))
    body = on_whatsapp[(Kind.REMINDER, Channel.WHATSAPP, 120)].body
    assert ("Reply 1 to confirm" if language == "en" else "Responda 1 para confirmar") in body


def test_a_whatsapp_reminder_falling_back_to_email_gets_the_email_wording(shop):
    from notifications.outbox import email_fallback

    booking = _book(shop)
    reminder = _rows(booking)[(Kind.REMINDER, Channel.WHATSAPP, 120)]
    email = email_fallback(reminder, now=NOW)
    assert email.channel == Channel.EMAIL and "Responda 1" not in email.body
    assert "Altere ou cancele aqui" in email.body


def test_the_template_editor_shows_each_channels_default_reminder(shop):
    from notifications.selectors import template_wording

    email = template_wording(kind=Kind.REMINDER, channel=Channel.EMAIL, language="en")
    whatsapp = template_wording(kind=Kind.REMINDER, channel=Channel.WHATSAPP, language="en")
    assert "Reply 1" not in email.body and "{manage_url}" in email.body and email.subject
    assert "Reply 1 to confirm" in whatsapp.body and whatsapp.subject == ""


def _equipment_booking(shop):
    """A booking of a resource nobody logs in as (the shop's sterilizer)."""
    machine = ResourceFactory(name="Autoclave", kind="equipment", user=None)
    shop["cut"].resources.add(machine)
    return services.booking_create(
        service=shop["cut"], start=START, client=shop["client"], resource=machine, now=NOW
    )


def test_a_booking_of_equipment_alerts_the_owner_and_admins(shop):
    from accounts.tests.factories import AdminFactory

    OwnerFactory(email="dona@alpha.test")
    AdminFactory(email="gerente@alpha.test")
    OwnerFactory(email="gone@alpha.test", is_active=False)
    booking = _equipment_booking(shop)
    alerts = _alerts(booking)
    assert sorted(m.recipient for m in alerts) == ["dona@alpha.test", "gerente@alpha.test"]
    assert "Autoclave" in alerts[0].body
    # The barber whose chair it is not hears nothing of it.
    assert "rafa@alpha.test" not in {m.recipient for m in alerts}


def test_a_member_who_opted_out_gets_no_alert_and_staff_may_opt_in(shop):
    from accounts.models import User

    OwnerFactory(email="dona@alpha.test", alerts=User.Alerts.NONE)
    OwnerFactory(email="socio@alpha.test", alerts=User.Alerts.OWN)
    UserFactory(email="recepcao@alpha.test", alerts=User.Alerts.UNOWNED)
    booking = _equipment_booking(shop)
    assert [m.recipient for m in _alerts(booking)] == ["recepcao@alpha.test"]


def test_a_staff_members_own_booking_alerts_them_unless_they_chose_none(shop):
    from accounts.models import User

    OwnerFactory(email="dona@alpha.test")  # the chair has a login: the owner is not told
    booking = _book(shop)
    assert [m.recipient for m in _alerts(booking)] == ["rafa@alpha.test"]

    rafa = shop["chair"].user
    rafa.alerts = User.Alerts.NONE
    rafa.save()
    services.booking_cancel(booking=booking, by_client=True, now=NOW)
    assert [m.event.type for m in _alerts(booking)] == ["created"]


def test_a_move_from_equipment_to_a_barber_alerts_the_barber_and_the_owner(shop):
    OwnerFactory(email="dona@alpha.test")
    booking = _equipment_booking(shop)
    services.booking_reschedule(
        booking=booking, start=START, resource=shop["chair"], actor=None, now=NOW
    )
    moved = [m for m in _alerts(booking) if m.event.type == "rescheduled"]
    assert sorted(m.recipient for m in moved) == ["dona@alpha.test", "rafa@alpha.test"]
