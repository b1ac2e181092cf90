"""/app/billing/: owners see their plan, usage against limits and the plans, and change plan."""

import pytest

from accounts.tests.factories import OwnerFactory, UserFactory
from billing import services
from conftest import assert_no_english, login_as
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ResourceFactory
from tenants.models import Plan


@pytest.fixture
def owner_client(alpha, tenant_alpha, alpha_client):
    services.subscription_start(tenant=tenant_alpha, plan=Plan.objects.get(code="starter"))
    owner = OwnerFactory(email="owner@alpha.test")
    return login_as(alpha_client, owner, "alpha")


def test_the_owner_sees_plan_trial_usage_and_plans(owner_client, django_assert_max_num_queries):
    ResourceFactory()
    with django_assert_max_num_queries(14):
        page = owner_client.get("/app/billing/").content.decode()
    assert "Starter plan" in page and "Trial" in page
    assert "Your free trial ends in 14 days" in page
    assert "1 of 5" in page  # resources
    assert "1 of 3" in page  # staff: the owner
    for name in ("Free", "Pro", "Enterprise"):
        assert f"Choose {name}" in page
    assert "R$99.00 / month" in page
    assert "No payment provider is connected yet" in page


def test_staff_may_not_see_billing(alpha, tenant_alpha, alpha_client):
    services.subscription_start(tenant=tenant_alpha)
    member = UserFactory()
    assert login_as(alpha_client, member, "alpha").get("/app/billing/").status_code == 403


def test_an_upgrade_applies_and_a_downgrade_too_small_is_refused(owner_client, tenant_alpha):
    response = owner_client.post("/app/billing/plan/", {"plan": "pro"})
    assert response.status_code == 302
    tenant_alpha.subscription.refresh_from_db()
    assert tenant_alpha.subscription.plan.code == "pro"
    for _ in range(3):
        ResourceFactory()
    refused = owner_client.post("/app/billing/plan/", {"plan": "free"})
    assert refused.status_code == 409
    body = refused.content.decode()
    assert "Free is too small" in body and "resources: 3, the plan allows 2 — remove 1" in body
    assert owner_client.post("/app/billing/plan/", {"plan": "gold"}).status_code == 404


def test_the_billing_page_in_portuguese(owner_client):
    business = BusinessSettings.load()
    business.language = "pt-br"
    business.save()
    page = owner_client.get("/app/billing/").content.decode()
    assert "Plano Starter" in page and "R$\xa099,00 / mês" in page
    assert_no_english(page)
