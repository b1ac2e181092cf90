"""The client's side in Brazilian Portuguese: every public step, the refusals and error pages,
the language switch (a cookie, the same URLs), the .ics and the Content-Language header.

Each page of a pt-br business is checked with `assert_no_english` (English phrases sampled from
the catalogue itself) and a few exact Portuguese strings; an English business stays English.
"""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from bookings import services
from bookings.models import Booking
from bookings.tests import test_public
from bookings.tests.test_public import HTMX, _details
from conftest import assert_no_english, visible_text
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ServiceFactory

shop = test_public.shop  # the fixture: a shop open 9-18 daily, Rafa and Bia doing a 30-min Cut

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
# A Tuesday morning; the booked day is Friday 4 December 2026.
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
FRIDAY = dt.date(2026, 12, 4)
NBSP = "\xa0"
COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pt_shop(shop, frozen):
    business = shop["business"]
    business.language = "pt-br"
    business.contact_phone = "+551133334444"
    business.address = "Rua Augusta 1500, São Paulo"
    business.contact_email = "ola@alpha.example"
    business.save()
    return shop


@pytest.fixture
def en_shop(shop, frozen):
    return shop


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


def _q(start: dt.datetime) -> str:
    return start.isoformat().replace("+", "%2B")


def _page(client, url, *, status=200, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _portuguese(html: str, *expected: str) -> str:
    assert_no_english(html)
    text = visible_text(html)
    for phrase in expected:
        assert phrase in text, (phrase, text[:3000])
    return text


def _book(shop, start, **extra) -> Booking:
    return services.booking_create_with_client(
        client_name="Paula",
        client_phone="+5511987654321",
        client_email="",
        region="BR",
        whatsapp_consent=True,
        service=shop["cut"],
        start=start,
        resource=shop["rafa"],
        business=BusinessSettings.load(),
        **extra,
    )


# --- Every step of the booking flow ------------------------------------------------------------


def test_the_booking_flow_is_portuguese_from_start_to_confirmation(pt_shop, alpha_client):
    cut = pt_shop["cut"]
    home = _page(alpha_client, "/")
    assert '<html lang="pt-br"' in home
    _portuguese(home, "Qual serviço você quer?", "30 min", "Telefone")
    assert f"R${NBSP}45,00" in home  # (visible_text folds the no-break space)
    assert "Agendar online" in home  # the title

    who = _page(alpha_client, f"/book/{cut.pk}/")
    _portuguese(who, "Com quem você quer agendar?", "Qualquer profissional", "Rafa", "Bia")

    when = _page(alpha_client, f"/book/{cut.pk}/any/?date={FRIDAY.isoformat()}")
    text = _portuguese(when, "Escolha o dia e o horário", "sexta-feira, 4 de dezembro", "10:00")
    assert "sex." in text and "dez." in text  # the strip's weekday and month
    assert _portuguese(_page(alpha_client, f"/book/{cut.pk}/any/?date=2026-11-20"), "já passou")
    # htmx: the day's times alone, in Portuguese too.
    partial = _page(alpha_client, f"/book/{cut.pk}/any/?date={FRIDAY.isoformat()}", **HTMX)
    _portuguese(partial, "sexta-feira, 4 de dezembro")

    start = _at(FRIDAY, 10)
    url = f"/book/{cut.pk}/any/details/"
    details = _page(alpha_client, f"{url}?start={_q(start)}")
    _portuguese(
        details,
        "Seus dados",
        "Seu nome",
        "WhatsApp",
        "Com DDD (Brasil)",
        "Confirmar agendamento",
        "sexta-feira, 4 de dezembro, 10:00",
    )

    invalid = alpha_client.post(url, _details(pt_shop, "any", start, name="", phone="123"))
    assert invalid.status_code == 422
    _portuguese(invalid.content.decode(), "Este campo é obrigatório", "telefone válido")

    response = alpha_client.post(url, _details(pt_shop, "any", start))
    assert response.status_code == 302
    booked = _page(alpha_client, response["Location"])
    _portuguese(
        booked,
        "Agendamento confirmado!",
        "sexta-feira, 4 de dezembro de 2026, 10:00–10:30",
        "Cut com Rafa",
        "Adicionar à agenda",
        "Gerenciar agendamento",
    )


def test_a_pending_request_says_so_in_portuguese(pt_shop, alpha_client):
    pt_shop["business"].requires_approval = True
    pt_shop["business"].save()
    url = f"/book/{pt_shop['cut'].pk}/any/details/"
    response = alpha_client.post(url, _details(pt_shop, "any", _at(FRIDAY, 11)))
    booked = _page(alpha_client, response["Location"])
    _portuguese(booked, "Pedido recebido", "vai confirmar seu agendamento em breve")


def test_the_manage_page_reschedule_and_cancel_are_portuguese(pt_shop, alpha_client):
    booking = _book(pt_shop, _at(FRIDAY, 10))
    url = f"/manage/{booking.manage_token}/"
    manage = _page(alpha_client, url)
    _portuguese(
        manage,
        "Seu agendamento",
        "Remarcar para outro horário",
        "Você pode remarcar ou cancelar até quinta-feira, 3 de dezembro, 10:00.",
        "Cancelar agendamento",
        "Adicionar à agenda (.ics)",
        "Confirmado",
    )
    # A time that is not free: the refusal in Portuguese, with the day's other times.
    taken = alpha_client.post(url, {"action": "reschedule", "start": _at(FRIDAY, 20).isoformat()})
    assert taken.status_code == 422
    _portuguese(taken.content.decode(), "fora do horário de funcionamento")
    moved = alpha_client.post(url, {"action": "reschedule", "start": _at(FRIDAY, 11).isoformat()})
    _portuguese(moved.content.decode(), "Seu agendamento foi remarcado.", "11:00–11:30")
    cancelled = alpha_client.post(url, {"action": "cancel", "reason": ""})
    cancelled_page = cancelled.content.decode()
    _portuguese(cancelled_page, "Seu agendamento foi cancelado.", "Remover da sua agenda")


def test_the_manage_page_inside_the_window_is_portuguese(pt_shop, alpha_client):
    booking = _book(pt_shop, _at(dt.date(2026, 12, 1), 15))
    manage = _page(alpha_client, f"/manage/{booking.manage_token}/")
    _portuguese(manage, "já não pode ser alterado online", "24 horas antes do início")


def test_the_details_step_warns_inside_the_window_in_portuguese(pt_shop, alpha_client):
    start = _at(dt.date(2026, 12, 1), 15)
    details = _page(alpha_client, f"/book/{pt_shop['cut'].pk}/any/details/?start={_q(start)}")
    _portuguese(details, "Você não poderá remarcar nem cancelar este agendamento online")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (NOW + dt.timedelta(minutes=10), "muito próximo para agendar online"),
        (_at(FRIDAY + dt.timedelta(days=40), 10), "muito distante"),
        (_at(FRIDAY, 20), "fora do horário de funcionamento"),
    ],
)
def test_rule_refusals_are_portuguese_sentences(pt_shop, alpha_client, start, expected):
    url = f"/book/{pt_shop['cut'].pk}/{pt_shop['rafa'].pk}/details/"
    response = alpha_client.post(url, _details(pt_shop, "rafa", start))
    assert response.status_code == 422
    _portuguese(response.content.decode(), expected)


def test_a_taken_time_is_a_409_with_fresh_times_in_portuguese(pt_shop, alpha_client):
    start = _at(FRIDAY, 10)
    _book(pt_shop, start)
    url = f"/book/{pt_shop['cut'].pk}/{pt_shop['rafa'].pk}/details/"
    response = alpha_client.post(url, _details(pt_shop, "rafa", start), **HTMX)
    assert response.status_code == 409
    _portuguese(
        response.content.decode(),
        "esse horário acabou de ser reservado",
        "Ainda livres em sexta-feira, 4 de dezembro",
        "seus dados foram mantidos",
    )


def test_a_past_day_and_a_far_day_say_why_in_portuguese(pt_shop, alpha_client):
    url = f"/book/{pt_shop['cut'].pk}/any/"
    far = _page(alpha_client, f"{url}?date=2027-06-01")
    _portuguese(far, "Aceitamos agendamentos com até 30 dias de antecedência, até")
    last = _page(alpha_client, f"{url}?from=2026-12-29")
    _portuguese(last, "Agende com até 30 dias de antecedência")


@pytest.mark.parametrize("htmx", [False, True])
def test_the_honeypot_refusal_is_portuguese(pt_shop, alpha_client, htmx):
    url = f"/book/{pt_shop['cut'].pk}/any/details/"
    data = _details(pt_shop, "any", _at(FRIDAY, 10), website="spam.biz")
    response = alpha_client.post(url, data, **(HTMX if htmx else {}))
    assert response.status_code == 400
    _portuguese(response.content.decode(), "Não foi possível fazer este agendamento")


def test_too_many_posts_are_a_portuguese_429(pt_shop, alpha_client):
    url = f"/book/{pt_shop['cut'].pk}/any/details/"
    for _ in range(10):
        alpha_client.post(url, _details(pt_shop, "any", _at(FRIDAY, 10), phone="1"))
    response = alpha_client.post(url, _details(pt_shop, "any", _at(FRIDAY, 10), phone="1"))
    assert response.status_code == 429
    _portuguese(response.content.decode(), "Muitas tentativas em pouco tempo", "segundos")
    partial = alpha_client.post(url, _details(pt_shop, "any", _at(FRIDAY, 10)), **HTMX)
    assert partial.status_code == 429
    _portuguese(partial.content.decode(), "Confirmar agendamento")


def test_a_time_that_does_not_exist_is_a_portuguese_400(pt_shop, alpha_client):
    url = f"/book/{pt_shop['cut'].pk}/any/details/?start=2026-02-30T10:00-03:00"
    _portuguese(_page(alpha_client, url, status=400), "Esse horário não existe")


def test_a_hidden_service_and_an_unknown_page_are_portuguese_404s(pt_shop, alpha_client):
    hidden = ServiceFactory(name="Secret", is_public=False, performers=[pt_shop["rafa"]])
    unavailable = _page(alpha_client, f"/book/{hidden.pk}/any/", status=404)
    _portuguese(unavailable, "Agendamento online indisponível", "Ver serviços disponíveis")
    missing = _page(alpha_client, "/no-such-page/", status=404)
    _portuguese(missing, "Não encontramos essa página", "Ir para a página inicial")


def test_not_open_yet_is_portuguese(alpha, alpha_client, frozen):
    business = BusinessSettings.load()
    business.language, business.contact_phone = "pt-br", "+551133334444"
    business.save()
    _portuguese(_page(alpha_client, "/"), "O agendamento online ainda não está aberto")


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ("429.html", {"wait_minutes": 5}, "pausamos isto por 5 minutos"),
        ("429.html", {}, "por alguns minutos"),
        ("403.html", {}, "Você não tem acesso a esta página"),
        ("500.html", {}, "Algo deu errado do nosso lado"),
        ("503.html", {}, "Voltamos em instantes"),
        ("errors/bad_request.html", {}, "Não conseguimos entender esse pedido"),
        ("errors/unknown_host.html", {"hostname": "x.example"}, "Não há página de agendamento"),
        ("errors/tenant_closed.html", {"business": {"name": "Alpha"}}, "não está aceitando"),
    ],
)
def test_error_pages_are_portuguese(template, context, expected):
    with translation.override("pt-br"):
        html = render_to_string(template, context)
    assert '<html lang="pt-br"' in html
    _portuguese(html, expected)


# --- An English business stays English ---------------------------------------------------------


def test_an_english_business_is_english(en_shop, alpha_client):
    cut = en_shop["cut"]
    home = _page(alpha_client, "/")
    assert '<html lang="en"' in home and "Choose a service" in home and "R$45.00" in home
    assert "Any professional" in _page(alpha_client, f"/book/{cut.pk}/")
    when = _page(alpha_client, f"/book/{cut.pk}/any/?date={FRIDAY.isoformat()}")
    assert "Friday 4 December" in when and "Choose a day and time" in when
    booking = _book(en_shop, _at(FRIDAY, 10))
    booked = _page(alpha_client, f"/booked/{booking.manage_token}/")
    assert "You're booked!" in booked and "Friday 4 December 2026, 10:00–10:30" in booked
    manage = _page(alpha_client, f"/manage/{booking.manage_token}/")
    assert "Cancel my booking" in manage and "Thursday 3 December, 10:00" in manage


# --- The language switch ---------------------------------------------------------------------


def _switch(client, language: str, next_url: str):
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url  # the same page, the same address
    assert response.cookies[COOKIE].value == language
    return response


def test_the_switch_shows_every_language_in_its_own_name_and_comes_back_here(pt_shop, alpha_client):
    url = f"/book/{pt_shop['cut'].pk}/any/?date={FRIDAY.isoformat()}"
    page = _page(alpha_client, url)
    form = re.search(r'(?s)<form action="/i18n/setlang/" method="post"[^>]*>.*?</form>', page)
    assert form, "the language switch"
    switch = form.group(0)
    assert 'name="csrfmiddlewaretoken"' in switch
    assert f'name="next" value="{url}"' in switch
    assert ">English</button>" in switch and ">Português (Brasil)</button>" in switch
    assert re.search(r'value="pt-br"[^>]*aria-pressed="true"', switch)


def test_switching_to_english_on_a_portuguese_business(pt_shop, alpha_client):
    url = f"/book/{pt_shop['cut'].pk}/any/?date={FRIDAY.isoformat()}"
    assert "sexta-feira, 4 de dezembro" in _page(alpha_client, url)
    _switch(alpha_client, "en", url)
    page = _page(alpha_client, url)
    assert '<html lang="en"' in page
    assert "Friday 4 December" in page and "Choose a day and time" in page
    assert "sexta-feira" not in page
    # Remembered: the next pages too, the manage page included.
    assert "Any professional" in _page(alpha_client, f"/book/{pt_shop['cut'].pk}/")
    booking = _book(pt_shop, _at(FRIDAY, 10))
    assert "Cancel my booking" in _page(alpha_client, f"/manage/{booking.manage_token}/")
    # And back.
    _switch(alpha_client, "pt-br", url)
    assert "sexta-feira, 4 de dezembro" in _page(alpha_client, url)


def test_switching_to_portuguese_on_an_english_business(en_shop, alpha_client):
    booking = _book(en_shop, _at(FRIDAY, 10))
    url = f"/booked/{booking.manage_token}/"
    assert "You're booked!" in _page(alpha_client, url)
    _switch(alpha_client, "pt-br", url)
    _portuguese(_page(alpha_client, url), "Agendamento confirmado!", "sexta-feira")


def test_a_language_we_do_not_have_changes_nothing(pt_shop, alpha_client):
    response = alpha_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302 and COOKIE not in response.cookies
    assert "Qual serviço você quer?" in _page(alpha_client, "/")


def test_the_switch_never_sends_a_visitor_off_the_site(pt_shop, alpha_client):
    response = alpha_client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]


# --- Headers and the .ics ------------------------------------------------------------------------


def test_the_content_language_header_follows_the_page(pt_shop, alpha_client):
    response = alpha_client.get("/")
    assert response["Content-Language"] == "pt-br"
    assert "Cookie" in response["Vary"]
    alpha_client.cookies[COOKIE] = "en"
    assert alpha_client.get("/")["Content-Language"] == "en"


def test_the_ics_is_in_the_business_language_whatever_the_visitor_chose(pt_shop, alpha_client):
    booking = _book(pt_shop, _at(FRIDAY, 10))
    alpha_client.cookies[COOKIE] = "en"  # the visitor reads English; the file is the business's
    ics = _page(alpha_client, f"/manage/{booking.manage_token}/calendar.ics")
    unfolded = ics.replace("\r\n ", "")
    assert "SUMMARY:Cut com Rafa · " in unfolded
    assert "sexta-feira\\, 4 de dezembro de 2026\\, 10:00–10:30" in unfolded
    assert f"Código {booking.reference}" in unfolded and "Para remarcar ou cancelar" in unfolded


def test_the_ics_of_an_english_business_is_english(en_shop, alpha_client):
    booking = _book(en_shop, _at(FRIDAY, 10))
    ics = _page(alpha_client, f"/manage/{booking.manage_token}/calendar.ics").replace("\r\n ", "")
    assert "SUMMARY:Cut with Rafa · " in ics
    assert "Friday 4 December 2026\\, 10:00–10:30" in ics and "Change or cancel" in ics
