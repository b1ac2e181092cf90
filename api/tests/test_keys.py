"""API keys: the settings page (owners and admins; the secret shown once, kept hashed; revoke)
and what a key must be to be let in: valid, active, of this business, its plan's module, its
rate limit, its scope."""

import hashlib

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from accounts.models import AuditEntry
from accounts.tests.factories import OwnerFactory
from api.models import ApiKey
from api.services import api_key_create, api_key_revoke
from api.tests.conftest import ApiClient, error_of
from billing.models import PlanOverride
from billing.services import subscription_start, subscription_suspend
from conftest import assert_no_english, login_as
from scheduling.models import BusinessSettings
from tenants.models import Plan

PAGE = "/app/settings/api/"


# --- The settings page ---------------------------------------------------------------------------


def test_owner_creates_a_key_and_sees_its_secret_once(alpha_client, owner):
    login_as(alpha_client, owner, "alpha")
    assert alpha_client.get(PAGE).status_code == 200
    response = alpha_client.post(PAGE, {"name": "Website widget", "scopes": ["read", "write"]})
    assert response.status_code == 302
    page = alpha_client.get(PAGE).content.decode()
    key = ApiKey.objects.get()
    assert key.name == "Website widget" and key.scopes == ["read", "write"]
    assert key.created_by == owner and key.prefix.startswith("agd_")
    token = page.split('id="new-key-value" type="text" readonly value="')[1].split('"')[0]
    assert token.startswith(key.prefix + "_")
    # Only a hash is stored; the page never shows the secret again.
    assert key.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiKey.objects.values().get())
    assert token not in alpha_client.get(PAGE).content.decode()
    assert key.prefix in alpha_client.get(PAGE).content.decode()
    # The key works, as its creator.
    assert ApiClient(token).get("/api/v1/categories").status_code == 200
    assert AuditEntry.objects.filter(action="api_key.created").exists()


def test_a_key_needs_a_name_and_a_scope(alpha_client, owner):
    login_as(alpha_client, owner, "alpha")
    response = alpha_client.post(PAGE, {"name": "", "scopes": []})
    assert response.status_code == 422
    assert not ApiKey.objects.exists()


def test_revoking_stops_the_key_at_once(alpha_client, owner, world):
    key, token = api_key_create(name="CRM", scopes=["read"], created_by=owner)
    api = ApiClient(token)
    assert api.get("/api/v1/services").status_code == 200
    login_as(alpha_client, owner, "alpha")
    assert alpha_client.post(f"{PAGE}{key.pk}/revoke/").status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == owner
    assert error_of(api.get("/api/v1/services"))["code"] == "unauthorized"
    assert "Revoked" in alpha_client.get(PAGE).content.decode()


def test_staff_cannot_open_the_page(alpha_client, staff):
    login_as(alpha_client, staff, "alpha")
    assert alpha_client.get(PAGE).status_code == 403
    assert alpha_client.post(PAGE, {"name": "x", "scopes": ["read"]}).status_code == 403
    assert not ApiKey.objects.exists()


def test_admins_manage_keys_too(alpha_client, admin):
    login_as(alpha_client, admin, "alpha")
    assert alpha_client.post(PAGE, {"name": "Zap", "scopes": ["read"]}).status_code == 302
    assert ApiKey.objects.get().created_by == admin


def test_the_page_in_portuguese(alpha_client, owner):
    BusinessSettings.objects.filter(pk=1).update(language="pt-br")
    owner.language = ""
    owner.save()
    api_key_create(name="Site", scopes=["read", "write"], created_by=owner)
    login_as(alpha_client, owner, "alpha")
    alpha_client.post(PAGE, {"name": "CRM", "scopes": ["read"]})
    html = alpha_client.get(PAGE).content.decode()
    assert "Chaves de API" in html or "chave de API" in html.lower()
    assert_no_english(html)
    html = alpha_client.post(PAGE, {"name": "", "scopes": []}).content.decode()
    assert_no_english(html)


# --- Who gets in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer agd_00000000_" + "x" * 43],
)
def test_no_valid_key_is_401(world, header):
    api = ApiClient(None)
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    error = error_of(api.get("/api/v1/services", **extra))
    assert error["code"] == "unauthorized"


def test_a_wrong_secret_with_a_real_prefix_is_401(owner_token, world):
    prefix = owner_token.rsplit("_", 1)[0] if owner_token.count("_") == 2 else owner_token[:12]
    forged = owner_token[:13] + ("A" if owner_token[13] != "A" else "B") + owner_token[14:]
    assert forged.startswith(prefix[:12])
    response = ApiClient(forged).get("/api/v1/services")
    assert response.status_code == 401


def test_a_key_of_a_deactivated_member_stops(owner, world):
    key, token = api_key_create(name="x", scopes=["read"], created_by=OwnerFactory())
    key.created_by.is_active = False
    key.created_by.save()
    assert ApiClient(token).get("/api/v1/services").status_code == 401


def test_a_key_of_another_business_is_refused(tenant_beta, world):
    with schema_context("beta"):
        beta_owner = OwnerFactory(email="owner@beta.test")
        _, beta_token = api_key_create(name="Beta", scopes=["read"], created_by=beta_owner)
        at_home = ApiClient(beta_token, host="beta.localhost").get("/api/v1/services")
        assert at_home.status_code == 200
    response = ApiClient(beta_token).get("/api/v1/services")  # alpha's host
    assert error_of(response)["code"] == "unauthorized"
    assert response.status_code == 401


def test_a_read_key_cannot_write(read_token, world):
    response = ApiClient(read_token).post_json("/api/v1/clients", {"name": "Ana", "phone": ""})
    assert response.status_code == 403
    assert error_of(response)["code"] == "scope"


def test_a_write_only_key_cannot_read(owner, world):
    _, token = api_key_create(name="Writer", scopes=["write"], created_by=owner)
    assert error_of(ApiClient(token).get("/api/v1/clients"))["code"] == "scope"


def test_last_used_is_recorded(owner, world):
    key, token = api_key_create(name="x", scopes=["read"], created_by=owner)
    assert key.last_used_at is None
    ApiClient(token).get("/api/v1/services")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_without_the_api_module_every_call_is_403(tenant_alpha, api):
    PlanOverride.objects.create(tenant=tenant_alpha, key="module_api", enabled=False)
    response = api.get("/api/v1/services")
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "module_api"
    assert "does not include" in error["message"]


def test_the_module_on_enterprise_lets_keys_in_again(tenant_alpha, api):
    subscription_start(tenant=tenant_alpha, plan=Plan.objects.get(code="free"))
    assert error_of(api.get("/api/v1/services"))["code"] == "module_api"
    PlanOverride.objects.create(tenant=tenant_alpha, key="module_api", enabled=True)
    assert api.get("/api/v1/services").status_code == 200


def test_a_paused_business_is_read_only(tenant_alpha, api, world):
    subscription = subscription_start(tenant=tenant_alpha, plan=Plan.objects.get(code="pro"))
    subscription_suspend(subscription=subscription, reason="unpaid")
    assert api.get("/api/v1/services").status_code == 200
    response = api.post_json("/api/v1/clients", {"name": "Ana"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "paused"


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_too_many_requests_is_429_with_retry_after(owner, world):
    _, token = api_key_create(name="Busy", scopes=["read"], created_by=owner)
    _, other = api_key_create(name="Calm", scopes=["read"], created_by=owner)
    api = ApiClient(token)
    assert [api.get("/api/v1/categories").status_code for _ in range(3)] == [200] * 3
    response = api.get("/api/v1/categories")
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Per key: another key of the same business still gets in.
    assert ApiClient(other).get("/api/v1/categories").status_code == 200


def test_revoke_twice_changes_nothing(owner):
    key, _ = api_key_create(name="x", scopes=["read"], created_by=owner)
    first = api_key_revoke(api_key=key, actor=owner).revoked_at
    assert api_key_revoke(api_key=key, actor=owner).revoked_at == first
    assert AuditEntry.objects.filter(action="api_key.revoked").count() == 1
