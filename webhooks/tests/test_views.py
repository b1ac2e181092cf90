"""The settings page: endpoints, the secret shown once, the delivery log and resend, roles, plan."""

import pytest

from accounts.tests.factories import AdminFactory, UserFactory
from conftest import assert_no_english, host_client, login_as, visible_text
from scheduling.models import BusinessSettings
from webhooks.models import Delivery, Endpoint
from webhooks.tests.conftest import book

pytestmark = pytest.mark.django_db
LIST = "/app/settings/webhooks/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner_client(shop):
    return login_as(host_client("alpha.localhost"), shop["owner"], "alpha")


def _create(client, url="https://93.184.215.14/agendo", **extra):
    data = {"url": url, "description": "CRM", "events": ["booking.created", "client.created"]}
    return client.post(LIST, data, **extra)


def test_adding_an_endpoint_shows_its_secret_once(owner_client, hooks_on):
    response = _create(owner_client)
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response.url == f"{LIST}{endpoint.pk}/"
    assert endpoint.events == ["booking.created", "client.created"]
    first = owner_client.get(response.url).content.decode()
    assert endpoint.secret in first and "shown only this once" in first
    again = owner_client.get(response.url).content.decode()
    assert endpoint.secret not in again and endpoint.secret_hint in again


def test_htmx_create_redirects_the_client_and_errors_come_back_as_422(owner_client, hooks_on):
    response = _create(owner_client, **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"].startswith(LIST)
    bad = owner_client.post(LIST, {"url": "https://93.184.215.14/", "events": []}, **HTMX)
    assert bad.status_code == 422 and 'id="endpoint-form"' in bad.content.decode()
    assert "<html" not in bad.content.decode()  # only the partial
    assert "Choose at least one event." in bad.content.decode()


def test_a_private_address_is_refused_on_the_form(owner_client, hooks_on, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    response = _create(owner_client, url="http://10.0.0.5/hook")
    assert response.status_code == 422
    assert "private, local or reserved" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_without_the_module_the_page_names_the_plan_that_has_it(owner_client):
    html = owner_client.get(LIST).content.decode()
    text = visible_text(html)
    assert "does not include this" in text and "Enterprise" in text
    assert 'id="endpoint-form"' not in html
    response = _create(owner_client)
    assert response.status_code == 403 and not Endpoint.objects.exists()


def test_the_delivery_log_shows_status_code_excerpt_and_resends(
    owner_client, shop, hooks_on, loopback, receiver
):
    from webhooks import services

    endpoint = Endpoint.objects.create(url=receiver.url, events=["booking.created"])
    booking = book(shop)
    receiver.status, receiver.answer = 500, "boom: database locked"
    delivery = Delivery.objects.get()
    services.delivery_send(delivery_id=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED)

    page = owner_client.get(f"{LIST}{endpoint.pk}/").content.decode()
    assert booking.reference in page and "boom: database locked" in page
    assert "<code>500</code>" in page and "Failed" in page
    partial = owner_client.get(f"{LIST}{endpoint.pk}/?status=failed", **HTMX).content.decode()
    assert 'id="delivery-log"' in partial and "<html" not in partial
    assert booking.reference in partial

    response = owner_client.post(f"/app/settings/webhooks/deliveries/{delivery.pk}/resend/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 0


def test_disable_enable_and_delete(owner_client, hooks_on):
    endpoint = Endpoint.objects.create(url="https://93.184.215.14/a", events=["booking.created"])
    owner_client.post(f"{LIST}{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    owner_client.post(f"{LIST}{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.is_active
    owner_client.post(f"{LIST}{endpoint.pk}/delete/")
    assert not Endpoint.objects.exists()


def test_editing_an_endpoint(owner_client, hooks_on):
    endpoint = Endpoint.objects.create(url="https://93.184.215.14/a", events=["booking.created"])
    data = {"url": "https://93.184.215.15/x", "events": ["booking.cancelled"]}
    response = owner_client.post(f"{LIST}{endpoint.pk}/", data)
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == ("https://93.184.215.15/x", ["booking.cancelled"])


def test_admins_may_staff_may_not(shop, hooks_on):
    admin = login_as(host_client("alpha.localhost"), AdminFactory(), "alpha")
    assert admin.get(LIST).status_code == 200
    staff = login_as(host_client("alpha.localhost"), UserFactory(), "alpha")
    assert staff.get(LIST).status_code == 403
    assert host_client("alpha.localhost").get(LIST).status_code == 302


def test_another_business_cannot_see_an_endpoint(shop, hooks_on, tenant_beta):
    from django_tenants.utils import schema_context

    endpoint = Endpoint.objects.create(url="https://93.184.215.14/a", events=["booking.created"])
    with schema_context("beta"):
        from accounts.tests.factories import OwnerFactory

        other = login_as(host_client("beta.localhost"), OwnerFactory(), "beta")
    assert other.get(f"{LIST}{endpoint.pk}/").status_code == 404


def test_the_pages_in_portuguese(owner_client, shop, hooks_on, loopback, receiver):
    from webhooks import services

    BusinessSettings.objects.filter(pk=1).update(language="pt-br")
    endpoint = Endpoint.objects.create(url=receiver.url, events=["booking.created"])
    book(shop)
    services.delivery_send(delivery_id=Delivery.objects.get().pk)
    listing = owner_client.get(LIST).content.decode()
    assert_no_english(listing)
    assert "Adicionar" in visible_text(listing)
    detail = owner_client.get(f"{LIST}{endpoint.pk}/").content.decode()
    assert_no_english(detail)
    bad = owner_client.post(LIST, {"url": "ftp://x", "events": []}).content.decode()
    assert_no_english(bad)


def test_the_plan_message_in_portuguese(owner_client):
    BusinessSettings.objects.filter(pk=1).update(language="pt-br")
    assert_no_english(owner_client.get(LIST).content.decode())
