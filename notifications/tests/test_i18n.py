"""Client messages in the business's language, with its dates ("sexta-feira, 4 de dezembro" /
"Friday 4 December", times 24-hour); staff alerts in the member's own language; the staff's
message pages in Portuguese for a Portuguese business."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import OwnerFactory
from bookings.models import Client
from conftest import assert_no_english, login_as, visible_text
from notifications import services
from notifications.models import Channel, Kind, Message, MessageTemplate
from notifications.rendering import local_date_time
from notifications.tests.test_outbox import NOW, START, _book
from notifications.tests.test_outbox import shop as shop

HTMX = {"HTTP_HX_REQUEST": "true"}


def _english(shop) -> None:
    shop["business"].language = "en"
    shop["business"].save()


def _confirmation(booking, channel=Channel.WHATSAPP) -> Message:
    return Message.objects.get(booking=booking, kind=Kind.CONFIRMATION, channel=channel)


# --- Client messages -----------------------------------------------------------------------------


def test_a_portuguese_business_confirms_on_whatsapp_in_portuguese(shop):
    body = _confirmation(_book(shop)).body
    assert body.startswith("Olá, Ana! Seu horário de Corte com Rafa na Alpha Barbers")
    assert "quinta-feira, 4 de março às 10:00" in body
    assert "Thursday" not in body and "/2027" not in body


def test_an_english_business_confirms_on_whatsapp_in_english(shop):
    _english(shop)
    body = _confirmation(_book(shop)).body
    assert body.startswith("Hi Ana! Your Corte with Rafa at Alpha Barbers is booked for")
    assert "Thursday 4 March at 10:00" in body


def _by_mail(shop) -> Client:
    return Client.objects.create(name="Bea Lima", phone="+5511911112222", email="bea@example.com")


def test_a_portuguese_business_confirms_by_email_in_portuguese(shop):
    booking = _book(shop, client=_by_mail(shop))
    message = _confirmation(booking, Channel.EMAIL)
    assert services.message_send(message_id=message.pk, now=NOW) == Message.Status.SENT
    [sent] = mail.outbox
    assert sent.subject == "Agendado: Corte em quinta-feira, 4 de março às 10:00"
    assert sent.body.startswith("Olá, Bea! Seu horário de Corte com Rafa")
    assert "quinta-feira, 4 de março às 10:00" in sent.body
    [(name, _content, mimetype)] = sent.attachments
    assert name.endswith(".ics") and mimetype == "text/calendar"


def test_an_english_business_confirms_by_email_in_english(shop):
    _english(shop)
    booking = _book(shop, client=_by_mail(shop))
    message = _confirmation(booking, Channel.EMAIL)
    services.message_send(message_id=message.pk, now=NOW)
    [sent] = mail.outbox
    assert sent.subject == "Booked: Corte on Thursday 4 March at 10:00"
    assert sent.body.startswith("Hi Bea! Your Corte with Rafa at Alpha Barbers is booked")


def test_reminders_and_cancellations_write_the_day_in_the_business_language(shop):
    booking = _book(shop)
    reminder = Message.objects.filter(booking=booking, kind=Kind.REMINDER).first()
    assert "em quinta-feira, 4 de março às 10:00" in reminder.body
    from bookings import services as booking_services

    booking_services.booking_cancel(booking=booking, by_client=True, now=NOW)
    cancelled = Message.objects.get(booking=booking, kind=Kind.CANCELLATION)
    assert "em quinta-feira, 4 de março às 10:00 foi cancelado" in cancelled.body


def test_the_date_of_a_message_is_local_and_24_hour():
    class Business:
        timezone, language = "America/Sao_Paulo", "pt-br"

    late = dt.datetime(2026, 12, 5, 1, 30, tzinfo=dt.UTC)  # 22:30 on Friday in São Paulo
    assert local_date_time(late, Business) == ("sexta-feira, 4 de dezembro", "22:30")
    assert local_date_time(late, Business, "en") == ("Friday 4 December", "22:30")
    Business.language = "xx"  # an unknown language: the site's
    assert local_date_time(late, Business) == ("Friday 4 December", "22:30")


# --- Staff alerts: the member's language, else the business's ------------------------------------


def _alert(booking) -> Message:
    return Message.objects.get(booking=booking, kind=Kind.STAFF_ALERT)


def test_a_staff_alert_of_a_portuguese_business_is_portuguese(shop):
    alert = _alert(_book(shop))
    assert alert.subject == "Novo agendamento em quinta-feira, 4 de março às 10:00: Corte com Ana"


def test_a_member_who_reads_english_gets_english_alerts_from_a_portuguese_business(shop):
    barber = shop["chair"].user
    barber.language = "en"
    barber.save()
    alert = _alert(_book(shop))
    assert alert.subject == "New booking on Thursday 4 March at 10:00: Corte with Ana"
    assert alert.body.endswith("(Rafa), at Alpha Barbers.")


def test_a_member_who_reads_portuguese_gets_portuguese_alerts_from_an_english_business(shop):
    _english(shop)
    barber = shop["chair"].user
    barber.language = "pt-br"
    barber.save()
    later = START + dt.timedelta(hours=1)
    booking = _book(shop)
    from bookings import services as booking_services

    booking_services.booking_reschedule(
        booking=booking, start=later, override=True, actor=OwnerFactory(), now=NOW
    )
    moved = Message.objects.filter(kind=Kind.STAFF_ALERT).order_by("pk").last()
    assert moved.subject.startswith(
        "Agendamento remarcado de quinta-feira, 4 de março às 10:00 para quinta-feira, "
        "4 de março às 11:00"
    )
    # The client still hears in the business's language.
    notice = Message.objects.get(booking=booking, kind=Kind.RESCHEDULE)
    assert notice.body.startswith("Hi Ana, your Corte with Rafa")


# --- Staff pages in Portuguese -------------------------------------------------------------------


@pytest.fixture
def owner_pt(shop, alpha_client):
    """The owner of a Portuguese business, with a few messages in the log (one failed)."""
    booking = _book(shop)
    failed = _confirmation(booking)
    failed.status, failed.attempts, failed.last_error = Message.Status.FAILED, 3, "WhatsApp 500"
    failed.sent_at = timezone.now()
    failed.save()
    MessageTemplate.objects.create(
        kind=Kind.REMINDER, channel=Channel.EMAIL, language="pt-br", subject="Oi", body="Oi!"
    )
    client = login_as(alpha_client, OwnerFactory(), "alpha")
    client.failed = failed
    return client


def _pages(failed) -> list[str]:
    return [
        "/app/messages/",
        "/app/messages/?status=failed&channel=whatsapp",
        "/app/messages/?date_from=2027-99-01",  # a filter error
        f"/app/messages/{failed.pk}/",
        "/app/settings/channels/",
        "/app/settings/templates/",
        "/app/settings/templates/confirmation/whatsapp/",
        "/app/settings/templates/reminder/email/",
    ]


def test_the_message_pages_of_a_portuguese_business_are_portuguese(owner_pt):
    for path in _pages(owner_pt.failed):
        response = owner_pt.get(path)
        assert response.status_code in (200, 422), path
        assert response["Content-Language"] == "pt-br"
        assert_no_english(response.content.decode())


def test_the_message_pages_say_it_in_portuguese(owner_pt):
    text = visible_text(owner_pt.get("/app/messages/").content.decode())
    assert "Enviar uma mensagem de teste" in text and "Falhou" in text
    assert "Confirmação" in text and "Lembrete" in text
    detail = visible_text(owner_pt.get(f"/app/messages/{owner_pt.failed.pk}/").content.decode())
    assert "Não enviada depois de 3 tentativas." in detail
    assert "qui., 4 de mar." in detail  # the booking's day, short


def test_form_errors_and_flashes_are_portuguese(owner_pt, django_capture_on_commit_callbacks):
    response = owner_pt.post(
        "/app/settings/templates/confirmation/email/",
        {"subject": "", "body": "Olá {nome}"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "E-mails precisam de um assunto." in html
    assert "Variável desconhecida {nome}." in html
    assert_no_english(html)
    response = owner_pt.post("/app/messages/test/", {"channel": "email", "recipient": "nope"})
    assert "Digite um endereço de e-mail válido." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = owner_pt.post(
            "/app/messages/test/", {"channel": "email", "recipient": "a@example.com"}, follow=True
        )
    html = response.content.decode()
    assert "Mensagem de teste na fila para a@example.com." in html
    assert "Mensagem de teste da Alpha Barbers" in html  # the test's own text, as clients read it
    assert_no_english(html)
    refused = owner_pt.post(f"/app/messages/{owner_pt.failed.pk}/retry/", follow=True)
    assert_no_english(refused.content.decode())


def test_the_template_preview_shows_portuguese_samples(owner_pt):
    response = owner_pt.post(
        "/app/settings/templates/confirmation/whatsapp/preview/",
        {"body": "Olá {client_name}, {service} em {date} às {time}"},
        **HTMX,
    )
    html = response.content.decode()
    day = timezone.localdate() + dt.timedelta(days=7)
    from scheduling.templatetags.agendo_format import format_day

    assert f"Olá Ana, Corte em {format_day(day, 'weekday', 'pt-br')} às 10:30" in html


def test_a_member_who_reads_english_sees_the_pages_in_english(shop, alpha_client):
    owner = OwnerFactory()
    owner.language = "en"
    owner.save()
    client = login_as(alpha_client, owner, "alpha")
    response = client.get("/app/messages/")
    assert response["Content-Language"] == "en"
    assert "Send a test message" in response.content.decode()
