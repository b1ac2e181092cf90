"""Sign-up asks the business's phone and address, and suggests its address from the name."""

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from scheduling.models import BusinessSettings
from tenants.models import Tenant
from tenants.services import slug_suggest
from tenants.tests.test_signup import VALID


def test_phone_is_read_in_the_time_zone_country_and_kept_as_e164(platform_client):
    response = platform_client.post("/signup/", VALID)
    assert response.status_code == 302
    tenant = Tenant.objects.get(schema_name="corte-fino")
    assert tenant.phone == "+5511912345678"
    assert tenant.address == "Rua Augusta, 1500 - São Paulo"


def test_the_new_business_settings_show_the_phone_and_address(platform_client):
    platform_client.post("/signup/", VALID)
    with schema_context("corte-fino"):
        business = BusinessSettings.load()
        assert business.contact_phone == "+5511912345678"
        assert business.address == "Rua Augusta, 1500 - São Paulo"
        assert business.phone_region == "BR"


def test_a_lisbon_business_phone_is_portuguese(platform_client):
    data = {**VALID, "slug": "barbearia-lx", "timezone": "Europe/Lisbon", "phone": "912 345 678"}
    assert platform_client.post("/signup/", data).status_code == 302
    assert Tenant.objects.get(schema_name="barbearia-lx").phone == "+351912345678"


def test_a_foreign_number_with_its_country_code_is_accepted(platform_client):
    data = {**VALID, "phone": "+351 912 345 678"}
    assert platform_client.post("/signup/", data).status_code == 302
    assert Tenant.objects.get(schema_name="corte-fino").phone == "+351912345678"


@pytest.mark.parametrize("phone", ["12345", "(11) 1234", "not a phone"])
def test_a_bad_phone_is_refused_with_an_example_of_the_country(platform_client, phone):
    response = platform_client.post("/signup/", {**VALID, "phone": phone})
    assert response.status_code == 422
    text = response.content.decode()
    assert "Enter a valid phone number in Brazil, such as" in text
    assert not Tenant.objects.filter(schema_name="corte-fino").exists()


def test_the_phone_is_required_and_the_address_is_not(platform_client):
    response = platform_client.post("/signup/", {**VALID, "phone": ""})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    response = platform_client.post("/signup/", {**VALID, "address": ""})
    assert response.status_code == 302
    assert Tenant.objects.get(schema_name="corte-fino").address == ""


def test_the_form_asks_phone_and_address_and_suggests_the_address_as_the_name_is_typed(
    platform_client,
):
    page = platform_client.get("/signup/").content.decode()
    assert 'name="phone"' in page and 'type="tel"' in page
    assert 'name="address"' in page
    assert 'normalize("NFKD")' in page  # the live suggestion folds accents too


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Navalha de Ouro", "navalha-de-ouro"),
        ("Salão da Conceição", "salao-da-conceicao"),
        ("  Ótica & Cia.  ", "otica-cia"),
        ("Dr. João_Paulo -- Fisio", "dr-joao-paulo-fisio"),
        ("Barbearia " + "Muito " * 10 + "Longa", "barbearia-muito-muito-muito-muito-muito"),
        ("Alpha", "alpha-2"),  # taken by a test business
        ("Admin", "admin-2"),  # reserved
        ("Jo", ""),  # too short to make an address of
        ("狐", ""),
    ],
)
def test_slug_suggest(db, name, slug):
    assert slug_suggest(name) == slug


def test_taken_suggestions_count_up(platform_client):
    data = {**VALID, "name": "Navalha de Ouro", "slug": ""}
    assert platform_client.post("/signup/", data).status_code == 302
    assert (
        platform_client.post("/signup/", {**data, "owner_email": "b@example.com"}).status_code
        == 302
    )
    assert slug_suggest("Navalha de Ouro") == "navalha-de-ouro-3"
    names = set(Tenant.objects.filter(name="Navalha de Ouro").values_list("schema_name", flat=True))
    assert names == {"navalha-de-ouro", "navalha-de-ouro-2"}


def test_without_javascript_a_blank_address_is_made_from_the_name(platform_client):
    response = platform_client.post("/signup/", {**VALID, "name": "Navalha de Ouro", "slug": ""})
    assert response.status_code == 302
    assert response["Location"].startswith("http://navalha-de-ouro.localhost/accounts/login-link/")


def test_a_name_too_short_for_an_address_asks_for_one(platform_client):
    response = platform_client.post("/signup/", {**VALID, "name": "Jo", "slug": ""})
    assert response.status_code == 422
    assert "Choose an address" in response.content.decode()


def test_the_owner_may_still_choose_another_address(platform_client):
    data = {**VALID, "name": "Navalha de Ouro", "slug": "navalha"}
    assert platform_client.post("/signup/", data).status_code == 302
    assert Tenant.objects.filter(schema_name="navalha", name="Navalha de Ouro").exists()


@pytest.mark.parametrize(
    ("next_path", "lands_on"),
    [
        ("/app/setup/presets/", "/app/setup/presets/"),
        ("https://evil.example/", "/app/"),
        ("//evil.example/", "/app/"),
        ("/\\evil.example", "/app/"),
        ("http://alpha.localhost/app/hours/", "/app/"),  # a path, not a URL
    ],
)
def test_login_link_goes_on_only_to_a_path_on_its_own_host(alpha, next_path, lands_on):
    from accounts.services import login_link_token
    from accounts.tests.factories import OwnerFactory

    token = login_link_token(user=OwnerFactory())
    landed = host_client("alpha.localhost").get(
        f"/accounts/login-link/{token}/", {"next": next_path}
    )
    assert landed.status_code == 302
    assert landed["Location"] == lands_on


def test_a_taken_address_comes_back_with_a_free_one(platform_client):
    response = platform_client.post("/signup/", {**VALID, "slug": "alpha"})
    assert response.status_code == 422
    assert "“alpha” is already taken. “alpha-2” is free." in response.content.decode()
