"""Sign-up on the platform host: one business whole, or nothing at all."""

import time

import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from accounts import services as account_services
from accounts.models import User
from conftest import host_client
from tenants.forms import signup_stamp
from tenants.models import Domain, Tenant

VALID = {
    "name": "Corte Fino",
    "slug": "corte-fino",
    "business_type": "barber",
    "timezone": "America/Sao_Paulo",
    "owner_name": "Carla Dias",
    "owner_email": "Carla@Example.com",
    "owner_password": "navalha-afiada-42",
    "phone": "(11) 91234-5678",
    "address": "Rua Augusta, 1500 - São Paulo",
    # Shown a minute ago: a person's pace (a form posted at once is refused).
    "shown_at": signup_stamp(shown_at=time.time() - 60),
}


def _nothing_left_of(slug: str) -> bool:
    connection.set_schema_to_public()
    return (
        not Tenant.objects.filter(schema_name=slug).exists()
        and not Domain.objects.filter(domain__startswith=f"{slug}.").exists()
        and not schema_exists(slug)
    )


def test_signup_page_renders(platform_client):
    response = platform_client.get("/signup/")
    assert response.status_code == 200
    assert b'name="slug"' in response.content
    assert b"America/Sao_Paulo" in response.content


def test_signup_creates_business_and_logs_owner_in_on_its_host(platform_client):
    response = platform_client.post("/signup/", VALID)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("http://corte-fino.localhost/accounts/login-link/")

    tenant = Tenant.objects.get(schema_name="corte-fino")
    assert tenant.name == "Corte Fino"
    assert tenant.timezone == "America/Sao_Paulo"
    assert tenant.business_type == "barber"
    assert tenant.plan is not None and tenant.plan.is_default
    assert tenant.get_primary_domain().domain == "corte-fino.localhost"
    assert schema_exists("corte-fino")
    with schema_context("corte-fino"):
        owner = User.objects.get()
        assert owner.email == "carla@example.com"
        assert owner.role == User.Role.OWNER
        assert owner.check_password(VALID["owner_password"])
    with schema_context("public"):
        assert not User.objects.filter(email="carla@example.com").exists()

    tenant_client = host_client("corte-fino.localhost")
    landed = tenant_client.get(location.removeprefix("http://corte-fino.localhost"))
    assert landed.status_code == 302
    assert landed["Location"] == "/app/setup/presets/"  # typical services and hours first
    dashboard = tenant_client.get("/app/")
    assert dashboard.status_code == 200
    assert b"Corte Fino" in dashboard.content


def test_signup_link_keeps_the_port_of_the_request(db):
    client = host_client("localhost:8000")
    response = client.post("/signup/", {**VALID, "slug": "porto"})
    assert response["Location"].startswith("http://porto.localhost:8000/accounts/login-link/")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "ab", "Use 3 to 40 lowercase letters"),
        ("slug", "a" * 41, "Ensure this value has at most 40 characters"),
        ("slug", "bad_slug", "Use 3 to 40 lowercase letters"),
        ("slug", "-start", "Use 3 to 40 lowercase letters"),
        ("slug", "end-", "Use 3 to 40 lowercase letters"),
        ("slug", "with space", "Use 3 to 40 lowercase letters"),
        ("slug", "two--hyphens", "Two hyphens in a row"),
        ("slug", "admin", "is reserved"),
        ("slug", "www", "is reserved"),
        ("slug", "public", "is reserved"),
        ("slug", "demo", "is reserved"),  # seed_demo's business: it writes demo data there
        ("slug", "alpha", "is already taken"),
        ("owner_password", "12345678", "entirely numeric"),
        ("owner_password", "short", "too short"),
        ("owner_password", "password123", "too common"),
        ("timezone", "Mars/Olympus", "Choose a time zone from the list"),
        ("owner_email", "not-an-email", "Enter a valid email address"),
        ("name", "", "This field is required"),
    ],
)
def test_signup_validation_errors(platform_client, field, value, message):
    tenants_before = Tenant.objects.count()
    response = platform_client.post("/signup/", {**VALID, field: value})
    assert response.status_code == 422
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Tenant.objects.count() == tenants_before


def test_uppercase_slug_is_lowercased(platform_client):
    response = platform_client.post("/signup/", {**VALID, "slug": "Corte-Fino"})
    assert response.status_code == 302
    assert Tenant.objects.filter(schema_name="corte-fino").exists()


def test_signup_failing_half_way_leaves_nothing_behind(platform_client, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("disk full while creating the owner")

    # Fails after the schema, its migrations, the tenant row and the domain exist.
    monkeypatch.setattr(account_services, "user_create", explode)
    with pytest.raises(RuntimeError):
        platform_client.post("/signup/", VALID)
    assert _nothing_left_of("corte-fino")


def test_service_refuses_taken_slug_even_without_the_form(db):
    from tenants.errors import SignupError
    from tenants.services import tenant_signup

    fields = {k: v for k, v in VALID.items() if k not in ("slug", "shown_at")}
    with pytest.raises(SignupError) as exc:
        tenant_signup(**fields, slug="beta")
    assert exc.value.code == "slug_taken"
    with pytest.raises(SignupError) as exc:
        tenant_signup(**{**fields, "timezone": "Nowhere/Here"}, slug="fresh-one")
    assert exc.value.code == "timezone"
    assert _nothing_left_of("fresh-one")
