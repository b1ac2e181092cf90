"""The SSRF guard: refused at save and at send, loopback only by setting."""

import ipaddress

import pytest

from webhooks import services
from webhooks.errors import WebhookError
from webhooks.models import Delivery, Endpoint
from webhooks.ssrf import address_allowed, url_check
from webhooks.tests.conftest import book

REFUSED = [
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "::ffff:127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.10",
    "169.254.169.254",  # AWS, GCP, Azure metadata
    "fd00:ec2::254",  # AWS metadata over IPv6
    "100.100.100.200",  # Alibaba metadata (carrier-grade NAT range)
    "fe80::1",
    "0.0.0.0",  # noqa: S104 - an address refused, not one we bind
    "224.0.0.1",
    "::ffff:10.0.0.1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_private_and_special_addresses_are_refused(address, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    assert not address_allowed(ipaddress.ip_address(address))
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(WebhookError) as refused:
        url_check(f"https://{host}/hook")
    assert refused.value.code == "url_refused" and refused.value.field == "url"


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    assert address_allowed(ipaddress.ip_address(address))


def test_the_setting_lets_loopback_through_and_nothing_else(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert address_allowed(ipaddress.ip_address("127.0.0.1"))
    assert address_allowed(ipaddress.ip_address("::1"))
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"))
    assert not address_allowed(ipaddress.ip_address("169.254.169.254"))


def test_names_are_judged_by_what_they_resolve_to(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(WebhookError, match="resolves to"):
        url_check("http://localhost:8000/hook")


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "https://user:pw@example.com/", "https://", "http://[::1/"]
)
def test_malformed_urls_are_refused(url):
    with pytest.raises(WebhookError):
        url_check(url)


@pytest.mark.django_db
def test_refused_at_save(alpha, hooks_on, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(WebhookError):
        services.endpoint_create(
            url="http://169.254.169.254/latest/", events=["booking.created"], created_by=None
        )
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_refused_at_send(shop, hooks_on, receiver, settings):
    """Saved while loopback was allowed (think: a DNS name that later points inside)."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    Endpoint.objects.create(url=receiver.url, events=["booking.created"])
    book(shop)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    delivery = Delivery.objects.get()
    assert services.delivery_send(delivery_id=delivery.pk) == Delivery.Status.QUEUED
    delivery.refresh_from_db()
    assert "private, local or reserved" in delivery.last_error
    assert receiver.received == []
