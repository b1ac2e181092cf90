"""The plan's limits on resources and active services, enforced by scheduling's services: new
ones, reactivated ones and the presets past a limit are refused (all of the presets or none),
shown as a 403 form error with the Billing link for owners."""

import pytest

from accounts.tests.factories import AdminFactory, OwnerFactory
from billing import services as billing
from billing.limits import PlanLimitError
from billing.models import PlanOverride
from conftest import login_as
from scheduling import services
from scheduling.models import BusinessSettings, Resource, Service, WeeklyHours
from scheduling.presets import PresetService
from scheduling.tests.factories import ResourceFactory, ServiceFactory
from tenants.models import Plan

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(alpha):
    return OwnerFactory(language="en")


@pytest.fixture
def owner_client(alpha_client, owner):
    return login_as(alpha_client, owner, "alpha")


@pytest.fixture
def free(tenant_alpha, alpha):
    """Alpha on Free: 2 resources, 5 active services."""
    return billing.subscription_start(tenant=tenant_alpha, plan=Plan.objects.get(code="free"))


def resource_post(name: str) -> dict:
    return {"name": name, "kind": "staff", "color": "#112233", "order": 0}


def service_post(name: str) -> dict:
    return {
        "name": name,
        "duration_minutes": 30,
        "price": "40.00",
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "is_public": "on",
        "color": "#0f766e",
        "order": 0,
    }


# --- Resources: services ------------------------------------------------------------------------


def test_resources_under_at_and_over_the_limit(owner, free):
    services.resource_create(name="One", actor=owner)  # 1 of 2
    services.resource_create(name="Two", actor=owner)  # 2 of 2: at the limit
    with pytest.raises(PlanLimitError) as refused:
        services.resource_create(name="Three", actor=owner)
    assert refused.value.code == "limit_resources" and refused.value.status == 403
    assert "Your plan (Free) has a limit of 2 for resources." in refused.value.message
    assert "Starter allows 5" in refused.value.message
    assert set(Resource.objects.values_list("name", flat=True)) == {"One", "Two"}
    # An inactive one takes no place, and creating one inactive is not counted.
    services.resource_create(name="Stored", is_active=False, actor=owner)
    assert Resource.objects.count() == 3


def test_reactivating_a_resource_past_the_limit_is_refused(owner, free):
    ResourceFactory.create_batch(2)
    away = ResourceFactory(name="Away", is_active=False)
    with pytest.raises(PlanLimitError):
        services.resource_set_active(resource=away, active=True, actor=owner)
    with pytest.raises(PlanLimitError):  # the same through a change of the resource
        services.resource_update(resource=away, is_active=True, actor=owner)
    away.refresh_from_db()
    assert not away.is_active
    # Editing an active one (or an inactive one that stays so) is never refused.
    services.resource_update(resource=away, name="Away still", actor=owner)
    services.resource_update(resource=Resource.objects.first(), order=3, actor=owner)
    # Deactivating one makes room for it.
    services.resource_set_active(resource=Resource.objects.first(), active=False, actor=owner)
    services.resource_set_active(resource=away, active=True, actor=owner)
    assert Resource.objects.filter(is_active=True).count() == 2


# --- Services: services -------------------------------------------------------------------------


def test_active_services_under_at_and_over_the_limit(owner, free):
    ServiceFactory.create_batch(4)
    services.service_create(name="Fifth", duration_minutes=30, price="10", actor=owner)  # 5 of 5
    with pytest.raises(PlanLimitError) as refused:
        services.service_create(name="Sixth", duration_minutes=30, price="10", actor=owner)
    assert refused.value.code == "limit_services"
    assert "limit of 5 for active services" in refused.value.message
    assert "Starter allows 20" in refused.value.message
    assert not Service.objects.filter(name="Sixth").exists()
    services.service_create(
        name="Draft", duration_minutes=30, price="10", is_active=False, actor=owner
    )
    assert Service.objects.filter(name="Draft", is_active=False).exists()


def test_reactivating_a_service_past_the_limit_is_refused(owner, free):
    ServiceFactory.create_batch(5)
    old = ServiceFactory(name="Old", is_active=False)
    with pytest.raises(PlanLimitError):
        services.service_set_active(service=old, active=True, actor=owner)
    with pytest.raises(PlanLimitError):
        services.service_update(service=old, is_active=True, actor=owner)
    old.refresh_from_db()
    assert not old.is_active
    services.service_set_active(service=Service.objects.exclude(pk=old.pk).first(), active=False)
    services.service_set_active(service=old, active=True, actor=owner)
    assert Service.objects.filter(is_active=True).count() == 5


def test_an_override_lifts_a_limit(owner, free, tenant_alpha):
    PlanOverride.objects.create(tenant=tenant_alpha, key="max_services", limit=None)
    ServiceFactory.create_batch(5)
    services.service_create(name="Sixth", duration_minutes=30, price="10", actor=owner)
    assert Service.objects.filter(is_active=True).count() == 6


# --- Presets -------------------------------------------------------------------------------------


@pytest.fixture
def undecided(alpha):
    business = BusinessSettings.load()
    business.presets_decided_at = None
    business.save()
    return business


def five_services() -> list[PresetService]:
    return [PresetService(name=f"Service {n}", duration_minutes=30, price="10") for n in range(5)]


def test_presets_past_a_limit_are_refused_whole(owner, free, undecided):
    ServiceFactory(name="Already here")  # 1 + 5 new would be 6 of 5
    with pytest.raises(PlanLimitError) as refused:
        services.presets_apply(
            business_type="barber", owner=owner, services=five_services(), hours=True
        )
    assert refused.value.code == "limit_services"
    assert not Resource.objects.exists()
    assert list(Service.objects.values_list("name", flat=True)) == ["Already here"]
    assert not WeeklyHours.objects.exists()
    assert BusinessSettings.load().presets_decided_at is None  # still on offer

    # A service already there by name is not created again, so not counted: four new fit.
    chosen = [PresetService(name="Already here", duration_minutes=30, price="10")]
    chosen += five_services()[:4]
    result = services.presets_apply(
        business_type="barber", owner=owner, services=chosen, hours=True
    )
    assert len(result.services) == 4 and Service.objects.count() == 5


def test_presets_count_the_new_resource_but_not_the_owners_own(owner, free, undecided):
    ResourceFactory.create_batch(2)  # 2 of 2 resources
    with pytest.raises(PlanLimitError) as refused:
        services.presets_apply(business_type="barber", owner=owner, services=[], hours=False)
    assert refused.value.code == "limit_resources"
    assert Resource.objects.count() == 2
    # The owner already a resource: no new one, so nothing past the limit.
    Resource.objects.filter(pk=Resource.objects.first().pk).update(user=owner)
    result = services.presets_apply(
        business_type="barber", owner=owner, services=five_services()[:1], hours=False
    )
    assert result.resource.user == owner and Resource.objects.count() == 2


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_presets_page_refuses_past_a_limit_with_403(owner_client, free, undecided, headers):
    ServiceFactory.create_batch(3)
    page = owner_client.get("/app/setup/presets/?type=barber").content.decode()
    rows = sum(1 for n in range(20) if f'name="service-{n}-name"' in page)
    assert rows >= 3  # 3 + 3 or more would pass 5
    data = {
        "business_type": "barber",
        "resource_name": "Marta",
        "hours": "on",
        "service-TOTAL_FORMS": str(rows),
        "service-INITIAL_FORMS": str(rows),
    }
    for n in range(rows):
        data |= {
            f"service-{n}-include": "on",
            f"service-{n}-name": f"Preset {n}",
            f"service-{n}-duration_minutes": "30",
            f"service-{n}-price": "10",
        }
    response = owner_client.post("/app/setup/presets/", data, **headers)
    assert response.status_code == 403
    body = response.content.decode()
    assert "limit of 5 for active services" in body and 'href="/app/billing/"' in body
    assert Service.objects.count() == 3 and not Resource.objects.exists()
    assert BusinessSettings.load().presets_decided_at is None


# --- Views ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_new_resource_past_the_limit_is_a_403_form_error(owner_client, free, headers):
    ResourceFactory.create_batch(2)
    response = owner_client.post("/app/resources/new/", resource_post("Third"), **headers)
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="form-errors"' in body
    assert "Your plan (Free) has a limit of 2 for resources." in body
    assert 'href="/app/billing/"' in body
    assert not Resource.objects.filter(name="Third").exists()


def test_new_resource_under_the_limit_is_saved(owner_client, free):
    ResourceFactory()
    response = owner_client.post("/app/resources/new/", resource_post("Second"))
    assert response.status_code == 302
    assert Resource.objects.filter(name="Second", is_active=True).exists()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_reactivate_resource_past_the_limit_is_a_403_on_the_list(owner_client, free, headers):
    ResourceFactory.create_batch(2)
    away = ResourceFactory(name="Away", is_active=False)
    response = owner_client.post(f"/app/resources/{away.pk}/reactivate/", **headers)
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="panel-error"' in body and "limit of 2 for resources" in body
    assert 'href="/app/billing/"' in body
    if headers:
        assert body.lstrip().startswith('<div id="resource-list">')
    away.refresh_from_db()
    assert not away.is_active


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_new_service_past_the_limit_is_a_403_form_error(owner_client, free, headers):
    ServiceFactory.create_batch(5)
    response = owner_client.post("/app/services/new/", service_post("Sixth"), **headers)
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="form-errors"' in body and "limit of 5 for active services" in body
    assert 'href="/app/billing/"' in body
    assert not Service.objects.filter(name="Sixth").exists()


def test_new_service_at_the_limit_is_saved(owner_client, free):
    ServiceFactory.create_batch(4)
    response = owner_client.post("/app/services/new/", service_post("Fifth"))
    assert response.status_code == 302
    assert Service.objects.filter(is_active=True).count() == 5


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_reactivate_service_past_the_limit_is_a_403_on_the_list(owner_client, free, headers):
    ServiceFactory.create_batch(5)
    old = ServiceFactory(name="Old", is_active=False)
    response = owner_client.post(f"/app/services/{old.pk}/reactivate/", **headers)
    assert response.status_code == 403
    body = response.content.decode()
    assert 'class="panel-error"' in body and "limit of 5 for active services" in body
    if headers:
        assert body.lstrip().startswith('<div id="service-list">')
    old.refresh_from_db()
    assert not old.is_active


def test_admins_see_the_refusal_without_the_billing_link(alpha_client, free):
    login_as(alpha_client, AdminFactory(), "alpha")
    ResourceFactory.create_batch(2)
    response = alpha_client.post("/app/resources/new/", resource_post("Third"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "limit of 2 for resources" in body and 'href="/app/billing/"' not in body


def test_the_refusal_speaks_portuguese(owner, owner_client, free):
    owner.language = "pt-br"
    owner.save(update_fields=["language"])
    ServiceFactory.create_batch(5)
    response = owner_client.post("/app/services/new/", service_post("Sexto"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Seu plano (Free) tem limite de 5 para serviços ativos." in body
    assert "O Starter permite 20" in body
    assert "Veja os planos na página Assinatura" in body


# --- The other asks: settings' time zones, the settings menu, audit labels ----------------------


def test_the_settings_time_zone_has_no_blank_choice(owner_client):
    page = owner_client.get("/app/settings/").content.decode()
    select = page.split('name="timezone"')[1].split("</select>")[0]
    assert 'value=""' not in select and "main time zone" not in select
    assert 'value="America/Sao_Paulo"' in select


def test_the_settings_menu_links_api_keys_and_webhooks_for_managers(owner_client):
    page = owner_client.get("/app/settings/").content.decode()
    assert 'href="/app/settings/api/"' in page and 'href="/app/settings/webhooks/"' in page
    keys = owner_client.get("/app/settings/api/").content.decode()
    assert 'href="/app/settings/api/" aria-current="page"' in keys


def test_api_key_audit_actions_have_labels(owner, alpha):
    from accounts.models import AuditEntry
    from api import services as api_services

    key, _token = api_services.api_key_create(name="Zapier", scopes=["read"], created_by=owner)
    api_services.api_key_revoke(api_key=key, actor=owner)
    labels = {entry.action: entry.action_label for entry in AuditEntry.objects.all()}
    assert labels["api_key.created"] == "API key created"
    assert labels["api_key.revoked"] == "API key revoked"
