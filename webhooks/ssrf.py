"""The SSRF guard: a business's webhook URL must reach the public internet, never us.

A URL is refused when its host resolves to any address that is not globally routable: loopback,
private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with the cloud metadata
service at 169.254.169.254, fe80::/10), carrier-grade NAT (100.64/10, where Alibaba's metadata
lives), unspecified, multicast or reserved; IPv4 inside IPv6 (::ffff:127.0.0.1) is judged as the
IPv4 it carries. Checked when the URL is saved and again at every send, and the send connects to
the very address that was checked (no second lookup a rebinding DNS server could answer
differently). Redirects are never followed. WEBHOOKS_ALLOW_LOOPBACK (tests, local development)
lets loopback addresses through, and nothing else.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from webhooks.errors import WebhookError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def address_allowed(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))
    return address.is_global and not address.is_multicast


def _refused(message: str) -> WebhookError:
    return WebhookError("url_refused", message, field="url")


def url_parts(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or WebhookError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refused(_("This is not a valid URL.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refused(_("The URL must start with https:// or http:// and name a host."))
    if parts.username or parts.password:
        raise _refused(_("The URL must not carry a user name or password."))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (a literal address is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _refused(_("The host %(host)s could not be found.") % {"host": host}) from exc
    addresses = []
    for *_rest, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def url_check(url: str) -> tuple[str, str, int, IPAddress]:
    """(scheme, host, port, address to connect to) for a URL we may call; else WebhookError.

    Every address of the host must be allowed: one private answer among public ones is refused.
    """
    scheme, host, port = url_parts(url)
    addresses = resolve(host, port)
    if not addresses:
        raise _refused(_("The host %(host)s could not be found.") % {"host": host})
    for address in addresses:
        if not address_allowed(address):
            raise _refused(
                _(
                    "The host %(host)s resolves to %(address)s, a private, local or reserved "
                    "address: webhooks only go to public internet addresses."
                )
                % {"host": host, "address": address}
            )
    return scheme, host, port, addresses[0]
