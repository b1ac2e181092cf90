"""The scheduling screens in Brazilian Portuguese for a pt-BR business (settings, hours with an
error, time off, services, resources, categories, presets, history); in English for an English
business; and in the member's own language when they chose one, whatever the business speaks."""

import datetime as dt
import zoneinfo

import pytest

from accounts.tests.factories import OwnerFactory
from conftest import assert_no_english, login_as, visible_text
from scheduling import services
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ResourceFactory, ServiceFactory, TimeOffFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")


def _speaks(language: str) -> BusinessSettings:
    business = BusinessSettings.load()
    business.language = language
    business.presets_decided_at = None
    business.save()
    return business


@pytest.fixture
def shop(alpha):
    """A little business: a barber who cuts hair, time off, a category, a history."""
    owner = OwnerFactory(full_name="Marta Souza")
    rafa = ResourceFactory(name="Rafa")
    ServiceFactory(name="Corte", performers=[rafa])
    ServiceFactory(name="Barba")  # nobody performs it: a warning badge
    TimeOffFactory(
        resource=rafa,
        start=dt.datetime(2026, 12, 24, 8, tzinfo=TZ),
        end=dt.datetime(2026, 12, 26, 20, tzinfo=TZ),
        reason="Natal",
    )
    services.category_create(name="Barbeiros", actor=owner)
    services.hours_set_week(resource=None, week={0: [(dt.time(9), dt.time(18))]}, actor=owner)
    services.settings_update(business=BusinessSettings.load(), actor=owner, min_notice_minutes=90)
    return {"owner": owner, "rafa": rafa}


def _client(alpha_client, user):
    return login_as(alpha_client, user, "alpha")


def _pages(rafa) -> list[str]:
    return [
        "/app/settings/",
        "/app/hours/",
        f"/app/resources/{rafa.pk}/hours/",
        "/app/time-off/",
        "/app/services/",
        "/app/services/new/",
        "/app/resources/",
        f"/app/resources/{rafa.pk}/",
        "/app/resources/new/",
        "/app/categories/",
        "/app/settings/audit/",
        "/app/setup/presets/",
    ]


def test_every_scheduling_screen_of_a_pt_br_business_is_portuguese(shop, alpha_client):
    _speaks("pt-br")
    client = _client(alpha_client, shop["owner"])
    for url in _pages(shop["rafa"]):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="pt-br"' in html, url
        assert_no_english(html)


def test_portuguese_words_and_formats_on_the_screens(shop, alpha_client):
    _speaks("pt-br")
    client = _client(alpha_client, shop["owner"])
    settings = visible_text(client.get("/app/settings/").content.decode())
    assert "Configurações" in settings and "Regras de agendamento" in settings
    assert "Idioma da empresa" in settings and "1 dia antes" in settings
    assert "página de agendamento" in settings  # what the business's language sets
    hours = visible_text(client.get("/app/hours/").content.decode())
    assert "Horário semanal" in hours and "Segunda-feira" in hours and "Salvar horário" in hours
    # The default words ("professionals") are the business's, shown in its reader's language.
    resources = visible_text(client.get("/app/resources/").content.decode())
    assert "Profissionais" in resources and "Membro da equipe" in resources
    assert "Adicionar profissional" in resources
    time_off = visible_text(client.get("/app/time-off/").content.decode())
    assert "qui., 24 de dez. de 2026, 08:00" in time_off and "Folgas" in time_off
    service_list = visible_text(client.get("/app/services/").content.decode())
    assert "R$ 40,00" in service_list and "Não aparece on-line" in service_list
    history = visible_text(client.get("/app/settings/audit/").content.decode())
    assert "Horário de funcionamento" in history and "Horário alterado" in history
    assert "Segunda-feira" in history and "Antecedência mínima (minutos)" in history
    assert "Categoria criada" in history
    presets = visible_text(client.get("/app/setup/presets/?type=barber").content.decode())
    assert "Corte masculino" in presets and "Seu primeiro profissional" in presets


def test_the_hours_editor_says_what_is_wrong_in_portuguese(shop, alpha_client):
    _speaks("pt-br")
    client = _client(alpha_client, shop["owner"])
    data = {"save": "1", "day-0-open": "on", "day-0-start": ["12:00", "11:00"]}
    data["day-0-end"] = ["14:00", "13:00"]
    for headers in ({}, HTMX):
        response = client.post("/app/hours/", data, **headers)
        assert response.status_code == 422
        html = response.content.decode()
        assert "11:00–13:00 e 12:00–14:00 se sobrepõem." in html
        assert_no_english(html)
    closed_day = client.post("/app/hours/", {"save": "1", "day-2-open": "on"})
    assert "Informe o horário deste dia ou marque-o como fechado." in closed_day.content.decode()


def test_form_errors_and_messages_are_portuguese(shop, alpha_client):
    _speaks("pt-br")
    client = _client(alpha_client, shop["owner"])
    bad = client.post(
        "/app/services/new/", {"name": "Pezinho", "duration_minutes": "1500", "price": "-1"}
    )
    html = bad.content.decode()
    assert bad.status_code == 422
    assert "Um serviço pode durar no máximo 24 horas." in html
    assert_no_english(html)
    ok = client.post(
        "/app/time-off/",
        {"start": "2026-12-31T08:00", "end": "2026-12-31T20:00", "reason": "Réveillon"},
        follow=True,
    )
    assert "Folga adicionada." in ok.content.decode()
    settings = client.post("/app/settings/", {"currency": "R$1"}).content.decode()
    assert "Use um código de moeda de três letras" in settings


def test_an_english_business_keeps_english_screens(shop, alpha_client):
    _speaks("en")
    client = _client(alpha_client, shop["owner"])
    settings = visible_text(client.get("/app/settings/").content.decode())
    assert "Settings" in settings and "Booking rules" in settings
    assert "Language of the business" in settings and "1 day before" in settings
    hours = visible_text(client.get("/app/hours/").content.decode())
    assert "Weekly hours" in hours and "Monday" in hours
    time_off = visible_text(client.get("/app/time-off/").content.decode())
    assert "Thu 24 Dec 2026, 08:00" in time_off
    resources = visible_text(client.get("/app/resources/").content.decode())
    assert "Professionals" in resources and "New professional" in resources
    history = visible_text(client.get("/app/settings/audit/").content.decode())
    assert "Business hours" in history and "Hours changed" in history
    assert "Minimum notice (minutes)" in history


def test_a_member_reads_the_language_they_chose(shop, alpha_client):
    owner = shop["owner"]
    _speaks("pt-br")
    owner.language = "en"
    owner.save()
    client = _client(alpha_client, owner)
    english = client.get("/app/hours/").content.decode()
    assert '<html lang="en"' in english and "Weekly hours" in english

    _speaks("en")
    owner.language = "pt-br"
    owner.save()
    portuguese = client.get("/app/hours/").content.decode()
    assert '<html lang="pt-br"' in portuguese and "Horário semanal" in portuguese
    assert_no_english(portuguese)


def test_a_business_s_own_words_are_shown_as_written(shop, alpha_client):
    business = _speaks("pt-br")
    business.label_resource, business.label_resource_plural = "barbeiro", "barbeiros"
    business.save()
    client = _client(alpha_client, shop["owner"])
    resources = visible_text(client.get("/app/resources/").content.decode())
    assert "Barbeiros" in resources and "Adicionar barbeiro" in resources
    # The settings form offers the default words in the business's language, so saving it
    # unchanged keeps what its clients read.
    business.label_service_plural = "services"
    business.save()
    form = client.get("/app/settings/").content.decode()
    assert 'value="serviços"' in form
