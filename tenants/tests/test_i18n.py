"""The platform in the browser's language; sign-up's country and language; the platform's
e-mails in the business's language (welcome) or the asker's (find your business)."""

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory
from config.celery import app as celery_app
from conftest import assert_no_english, visible_text
from scheduling.models import BusinessSettings
from tenants.models import Tenant
from tenants.tests.test_admin import admin_url
from tenants.tests.test_admin import operator as operator
from tenants.tests.test_admin import operator_client as operator_client
from tenants.tests.test_signup import VALID

PT = {"HTTP_ACCEPT_LANGUAGE": "pt-BR,pt;q=0.9,en;q=0.5"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.8"}


@pytest.fixture(autouse=True)
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _settings(slug: str) -> BusinessSettings:
    with schema_context(slug):
        return BusinessSettings.load()


# --- Platform pages follow Accept-Language -------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/signup/", "/login/"])
def test_platform_pages_are_portuguese_for_a_portuguese_browser(platform_client, path):
    response = platform_client.get(path, **PT)
    assert response.status_code == 200
    assert response["Content-Language"] == "pt-br"
    assert "Accept-Language" in response["Vary"]
    html = response.content.decode()
    assert '<html lang="pt-br"' in html or 'lang="pt-br"' in html
    assert_no_english(html)


def test_the_portuguese_pages_say_it_in_portuguese(platform_client):
    assert "Crie sua página de agendamento" in visible_text(
        platform_client.get("/signup/", **PT).content.decode()
    )
    assert "Entrar" in visible_text(platform_client.get("/", **PT).content.decode())
    assert "Enviar os links" in visible_text(platform_client.get("/login/", **PT).content.decode())


@pytest.mark.parametrize("path", ["/", "/signup/", "/login/"])
def test_platform_pages_stay_english_for_an_english_browser(platform_client, path):
    response = platform_client.get(path, **EN)
    assert response["Content-Language"] == "en"
    text = visible_text(response.content.decode())
    assert "Log in" in text or "Create your booking page" in text


def test_the_language_cookie_wins_over_the_browser(platform_client):
    platform_client.cookies["agendo_language"] = "en"
    response = platform_client.get("/signup/", **PT)
    assert response["Content-Language"] == "en"
    assert "Create your booking page" in response.content.decode()


def test_a_portuguese_signup_error_is_portuguese(platform_client):
    response = platform_client.post("/signup/", {**VALID, "phone": "12345"}, **PT)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Digite um número de telefone válido (Brasil: por exemplo," in visible_text(html)
    assert_no_english(html)


# --- Country and language at sign-up -------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "country", "language"),
    [
        ("pt-BR,pt;q=0.9", "BR", "pt-br"),
        ("pt-PT,pt;q=0.9", "PT", "pt-br"),
        ("en-GB,en;q=0.9", "GB", "en"),
        ("en-US,en;q=0.9", "US", "en"),
        ("en-IE", "IE", "en"),
        ("es-ES,es;q=0.9,en;q=0.5", "ES", "en"),  # we do not speak Spanish: the page's language
        ("pt", "BR", "pt-br"),
        ("", "BR", "pt-br"),
    ],
)
def test_the_form_preselects_the_browser_country_and_its_language(
    platform_client, accept, country, language
):
    response = platform_client.get("/signup/", HTTP_ACCEPT_LANGUAGE=accept)
    form = response.context["form"]
    assert form["country"].value() == country
    assert form["language"].value() == language
    html = response.content.decode()
    assert f'<option value="{country}" selected>' in html
    assert 'name="language"' in html and 'data-languages="' in html


def test_the_country_list_is_in_the_page_language(platform_client):
    text = visible_text(platform_client.get("/signup/", **PT).content.decode())
    for name in ("Brasil", "Portugal", "Estados Unidos", "Reino Unido", "Irlanda", "Espanha"):
        assert name in text


def test_a_brazil_signup_makes_a_brazilian_business(platform_client):
    data = {**VALID, "country": "BR", "language": "pt-br", "timezone": ""}
    data["phone"] = "(81) 99876-5432"
    response = platform_client.post("/signup/", data, **PT)
    assert response.status_code == 302, response.content.decode()[:2000]
    tenant = Tenant.objects.get(schema_name="corte-fino")
    assert tenant.timezone == "America/Sao_Paulo"
    assert tenant.phone == "+5581998765432"
    business = _settings("corte-fino")
    assert (business.timezone, business.currency, business.phone_region, business.language) == (
        "America/Sao_Paulo",
        "BRL",
        "BR",
        "pt-br",
    )
    assert business.contact_phone == "+5581998765432"


def test_a_portugal_signup_makes_a_portuguese_business(platform_client):
    data = {**VALID, "slug": "barbearia-lx", "country": "PT", "language": "", "timezone": ""}
    data["phone"] = "912 345 678"
    response = platform_client.post("/signup/", data, **PT)
    assert response.status_code == 302, response.content.decode()[:2000]
    tenant = Tenant.objects.get(schema_name="barbearia-lx")
    assert tenant.timezone == "Europe/Lisbon"
    assert tenant.phone == "+351912345678"
    business = _settings("barbearia-lx")
    assert (business.timezone, business.currency, business.phone_region, business.language) == (
        "Europe/Lisbon",
        "EUR",
        "PT",
        "pt-br",
    )


@pytest.mark.parametrize(
    ("country", "zone", "currency", "phone", "e164"),
    [
        ("US", "America/New_York", "USD", "(212) 555-0123", "+12125550123"),
        ("GB", "Europe/London", "GBP", "07400 123456", "+447400123456"),
        ("IE", "Europe/Dublin", "EUR", "085 123 4567", "+353851234567"),
        ("ES", "Europe/Madrid", "EUR", "612 34 56 78", "+34612345678"),
    ],
)
def test_each_country_gives_its_zone_currency_and_phone_region(
    platform_client, country, zone, currency, phone, e164
):
    data = {**VALID, "country": country, "language": "", "timezone": "", "phone": phone}
    response = platform_client.post("/signup/", data, **EN)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Tenant.objects.get(schema_name="corte-fino").phone == e164
    business = _settings("corte-fino")
    assert (business.timezone, business.currency, business.phone_region, business.language) == (
        zone,
        currency,
        country,
        "en",
    )


def test_a_chosen_time_zone_and_language_win_over_the_country_defaults(platform_client):
    data = {**VALID, "country": "BR", "language": "en", "timezone": "America/Manaus"}
    data["phone"] = "(92) 99876-5432"
    assert platform_client.post("/signup/", data, **PT).status_code == 302
    business = _settings("corte-fino")
    assert (business.timezone, business.currency, business.language) == (
        "America/Manaus",
        "BRL",
        "en",
    )
    assert Tenant.objects.get(schema_name="corte-fino").phone == "+5592998765432"


def test_the_phone_is_read_in_the_chosen_country_not_the_time_zone_one(platform_client):
    data = {**VALID, "country": "US", "language": "en", "timezone": "America/Sao_Paulo"}
    data["phone"] = "(212) 555-0123"
    assert platform_client.post("/signup/", data, **EN).status_code == 302
    assert Tenant.objects.get(schema_name="corte-fino").phone == "+12125550123"
    assert _settings("corte-fino").phone_region == "US"


def test_an_unknown_country_is_refused(platform_client):
    response = platform_client.post("/signup/", {**VALID, "country": "XX"}, **EN)
    assert response.status_code == 422
    assert "Choose a country from the list." in response.content.decode()
    assert not Tenant.objects.filter(schema_name="corte-fino").exists()


# --- E-mails -------------------------------------------------------------------------------------


def test_the_welcome_mail_of_a_portuguese_business_is_portuguese(
    platform_client, django_capture_on_commit_callbacks
):
    data = {**VALID, "country": "BR", "language": "pt-br"}
    with django_capture_on_commit_callbacks(execute=True):
        assert platform_client.post("/signup/", data, **EN).status_code == 302
    [message] = mail.outbox
    assert "Corte Fino" in message.subject and "Welcome" not in message.subject
    assert message.body.startswith("Olá, Carla,")
    assert "Sua página de agendamento" in message.body
    assert "http://corte-fino.localhost/app/\n" in message.body


def test_the_welcome_mail_of_an_english_business_is_english_even_from_a_portuguese_page(
    platform_client, django_capture_on_commit_callbacks
):
    data = {**VALID, "country": "BR", "language": "en"}
    with django_capture_on_commit_callbacks(execute=True):
        assert platform_client.post("/signup/", data, **PT).status_code == 302
    [message] = mail.outbox
    assert message.subject.endswith("Welcome! Corte Fino is ready")
    assert message.body.startswith("Hello Carla,")


def test_the_login_help_mail_is_in_the_language_of_the_page(
    platform_client, tenant_alpha, django_capture_on_commit_callbacks
):
    with schema_context("alpha"):
        OwnerFactory(email="dona@alpha.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post("/login/", {"email": "dona@alpha.test"}, **PT)
    assert "Se este e-mail tiver uma conta" in response.content.decode()
    [message] = mail.outbox
    assert message.subject.endswith("Suas empresas no Agendo")
    assert message.body.startswith("Olá,")
    assert "Alpha Barbers:\nhttp://alpha.localhost/accounts/login/" in message.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        platform_client.post("/login/", {"email": "dona@alpha.test"}, **EN)
    [message] = mail.outbox
    assert message.subject.endswith("Your businesses on Agendo")


# --- The operators' admin follows the browser too ------------------------------------------------


@pytest.fixture
def operator_pt(operator_client):
    operator_client.defaults.update(PT)
    return operator_client


def test_the_admin_staff_page_is_portuguese_for_a_portuguese_browser(operator_pt, tenant_alpha):
    with schema_context("alpha"):
        OwnerFactory(email="dona@alpha.test")
    tenant = Tenant.objects.get(schema_name="alpha")
    response = operator_pt.get(admin_url("tenants_tenant_staff", tenant.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Contas da equipe de Alpha Barbers" in html
    assert "Criar e convidar" in html and "Operações do Agendo" in html
    assert_no_english(html)
    change = operator_pt.get(admin_url("tenants_tenant_change", tenant.pk)).content.decode()
    assert "Gerenciar as contas da equipe desta empresa" in change


def test_admin_notes_are_portuguese(operator_pt, tenant_alpha):
    with schema_context("alpha"):
        member = OwnerFactory(email="dona@alpha.test")
        OwnerFactory(email="outra@alpha.test")
    tenant = Tenant.objects.get(schema_name="alpha")
    url = admin_url("tenants_tenant_staff_action", tenant.pk, member.pk, "deactivate")
    response = operator_pt.post(url, follow=True)
    assert "Conta de dona@alpha.test desativada." in response.content.decode()
    response = operator_pt.post(
        admin_url("tenants_tenant_changelist"),
        {"action": "activate", "_selected_action": [tenant.pk]},
        follow=True,
    )
    assert "1 empresa ativada." in response.content.decode()


def test_the_admin_stays_english_for_an_english_browser(operator_client, tenant_alpha):
    tenant = Tenant.objects.get(schema_name="alpha")
    response = operator_client.get(admin_url("tenants_tenant_staff", tenant.pk), **EN)
    assert "Staff accounts of Alpha Barbers" in response.content.decode()


# --- Pages answered before the language middleware -----------------------------------------------


def test_a_closed_portuguese_business_says_so_in_portuguese(tenant_alpha, alpha_client):
    with schema_context("alpha"):
        BusinessSettings.objects.filter(pk=1).update(language="pt-br")
    tenant_alpha.is_active = False
    tenant_alpha.save()
    try:
        response = alpha_client.get("/", **EN)
        assert response.status_code == 503
        assert response["Content-Language"] == "pt-br"
        assert_no_english(response.content.decode())
        alpha_client.cookies["agendo_language"] = "en"  # a visitor who switched
        assert b"not taking bookings" in alpha_client.get("/").content
    finally:
        with schema_context("alpha"):
            BusinessSettings.objects.filter(pk=1).update(language="en")


def test_a_closed_english_business_says_so_in_english(tenant_alpha, alpha_client):
    tenant_alpha.is_active = False
    tenant_alpha.save()
    response = alpha_client.get("/", **PT)
    assert b"not taking bookings" in response.content


def test_an_unknown_host_answers_in_the_browser_language(db):
    from conftest import host_client

    response = host_client("nobody.localhost").get("/", **PT)
    assert response.status_code == 404
    assert_no_english(response.content.decode())
    english = host_client("nobody.localhost").get("/", **EN)
    assert english.status_code == 404
