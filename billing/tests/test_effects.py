"""What a subscription's state does to the dashboard: past due warns, suspended and cancelled
make it read-only (looking works, changing does not, the billing page still does)."""

import pytest

from accounts.tests.factories import OwnerFactory, UserFactory
from billing import services
from billing.context_processors import _banner
from bookings.models import Client
from conftest import login_as
from tenants.models import Plan


@pytest.fixture
def sub(alpha, tenant_alpha):
    return services.subscription_start(tenant=tenant_alpha, plan=Plan.objects.get(code="starter"))


@pytest.fixture
def owner_client(sub, alpha_client):
    return login_as(alpha_client, OwnerFactory(email="o@alpha.test"), "alpha")


def test_a_suspended_dashboard_is_read_only_but_billing_works(sub, owner_client):
    services.subscription_suspend(subscription=sub, reason="unpaid")
    assert owner_client.get("/app/clients/").status_code == 200
    refused = owner_client.post("/app/clients/new/", {"name": "Ana", "phone": "11987654321"})
    assert refused.status_code == 403
    assert "read-only" in refused.content.decode()
    assert not Client.objects.exists()
    # The owner can still act where it matters.
    assert owner_client.post("/app/billing/plan/", {"plan": "pro"}).status_code == 302


def test_reactivation_restores_everything(sub, owner_client):
    services.subscription_suspend(subscription=sub, reason="unpaid")
    services.subscription_reactivate(subscription=sub)
    response = owner_client.post("/app/clients/new/", {"name": "Ana", "phone": "11987654321"})
    assert response.status_code in (200, 302)
    assert Client.objects.filter(name="Ana").exists()


class _Request:
    def __init__(self, user, path="/app/"):
        self.user, self.path = user, path


def test_the_banner_says_what_the_state_means_to_each_member(sub):
    owner, staff = OwnerFactory(), UserFactory()
    assert _banner(_Request(owner)) is None  # a trial with room: nothing to say
    services.subscription_activate(subscription=sub)
    sub = services.subscription_change(
        subscription=sub, status="past_due", reason="payment.failed", actor="billing"
    )
    warning = _banner(_Request(owner))
    assert warning["level"] == "warning" and "did not go through" in warning["text"]
    assert _banner(_Request(staff)) is None  # staff are not bothered with payments
    services.subscription_suspend(subscription=sub, reason="unpaid")
    assert "read-only" in _banner(_Request(staff))["text"]
    assert _banner(_Request(staff))["link"] is False


def test_the_owner_is_warned_at_80_and_100_percent_of_the_bookings(sub):
    from billing.models import PlanOverride
    from bookings.tests.factories import BookingFactory

    PlanOverride.objects.create(tenant=sub.tenant, key="max_bookings", limit=5)
    owner = OwnerFactory()
    for _ in range(3):
        BookingFactory()
    assert _banner(_Request(owner)) is None  # 3 of 5
    BookingFactory()
    assert _banner(_Request(owner))["level"] == "warning"  # 4 of 5: 80 %
    BookingFactory()
    full = _banner(_Request(owner))
    assert full["level"] == "error" and "You can still book by hand" in full["text"]
    assert _banner(_Request(owner, "/app/clients/")) is None  # counted on the dashboard only


def test_the_banner_and_the_billing_link_on_the_staff_pages(sub, owner_client):
    services.subscription_suspend(subscription=sub, reason="unpaid")
    page = owner_client.get("/app/clients/").content.decode()
    assert "billing-banner" in page and "read-only" in page
    assert 'href="/app/billing/"' in page
