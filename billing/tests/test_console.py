"""The operators' console: the businesses list with billing columns and figures, the actions
(each through the services, with the operator in the event), overrides, the platform overview."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from billing import console, services
from billing.models import Subscription
from bookings.tests.factories import BookingFactory
from tenants.models import Plan, Tenant
from tenants.tests.test_admin import admin_url, operator, operator_client  # noqa: F401

CHANGELIST = "tenants_tenant_changelist"


@pytest.fixture
def subscriptions(tenant_alpha, tenant_beta):
    starter = Plan.objects.get(code="starter")
    alpha = services.subscription_start(tenant=tenant_alpha, plan=starter)
    beta = services.subscription_start(tenant=tenant_beta, plan=Plan.objects.get(code="pro"))
    services.subscription_activate(subscription=beta)
    with schema_context("alpha"):
        BookingFactory()
        BookingFactory()
    return {"alpha": alpha, "beta": beta}


def test_the_list_shows_plan_status_period_and_figures(operator_client, subscriptions):  # noqa: F811
    page = operator_client.get(admin_url(CHANGELIST)).content.decode()
    assert "Starter" in page and "Trial" in page and "Active" in page
    assert "Platform overview" in page
    assert '<td class="field-bookings_period">2</td>' in page
    filtered = operator_client.get(admin_url(CHANGELIST) + "?subscription__status__exact=active")
    body = filtered.content.decode()
    assert "Beta Clinic" in body and "Alpha Barbers" not in body


def test_figures_cost_one_query_per_hundred_businesses(subscriptions):
    tenants = list(Tenant.objects.exclude(schema_name="public"))
    with CaptureQueriesContext(connection) as queries:
        figures = console.figures_for(tenants)
    assert len(queries) <= 3  # periods, existing schemas, one UNION ALL
    alpha = Tenant.objects.get(schema_name="alpha")
    assert figures[alpha.pk].bookings_period == 2


def test_actions_change_plan_suspend_with_reason_reactivate_extend(operator_client, subscriptions):  # noqa: F811
    alpha = subscriptions["alpha"].tenant
    url = admin_url(CHANGELIST)
    picked = {"_selected_action": [alpha.pk]}
    operator_client.post(url, {**picked, "action": "plan_enterprise"})
    sub = Subscription.objects.get(tenant=alpha)
    assert sub.plan.code == "enterprise"
    event = sub.events.first()
    assert (event.actor, event.actor_email) == ("operator", "root@agendo.test")

    asked = operator_client.post(url, {**picked, "action": "extend_trial"})
    assert asked.status_code == 302
    sub.refresh_from_db()
    assert (sub.trial_ends_at - sub.events.last().created_at).days >= 27

    form = operator_client.post(url, {**picked, "action": "suspend"})
    assert form.status_code == 200 and "Reason" in form.content.decode()
    operator_client.post(url, {**picked, "action": "suspend", "apply": "1", "reason": "chargeback"})
    sub.refresh_from_db()
    assert sub.status == "suspended" and sub.suspended_reason == "chargeback"

    operator_client.post(url, {**picked, "action": "reactivate"})
    sub.refresh_from_db()
    assert sub.status == "active"


def test_the_business_page_shows_the_subscription_and_overrides(operator_client, subscriptions):  # noqa: F811
    alpha = subscriptions["alpha"].tenant
    page = operator_client.get(admin_url("tenants_tenant_change", alpha.pk)).content.decode()
    assert "sign-up" in page  # the history
    assert "plan_overrides-TOTAL_FORMS" in page


def test_the_overview(operator_client, subscriptions):  # noqa: F811
    page = operator_client.get(admin_url("billing_overview")).content.decode()
    assert "Monthly recurring revenue" in page
    assert "BRL" in page and "99" in page  # beta pays for Pro
    overview = console.platform_overview()
    assert overview["bookings_period"] >= 2
    statuses = {value: count for value, _label, count in overview["per_status"]}
    assert statuses["trialing"] == 1 and statuses["active"] == 1


def test_staff_of_a_business_never_reach_the_console(alpha_client):
    assert alpha_client.get("/admin/").status_code == 404
