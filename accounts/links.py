"""Absolute links to this business's host for e-mails (password resets, invitations).

Built from the business's primary domain and the configured PUBLIC_SCHEME and PUBLIC_PORT, never
from the request's Host header: its port (and, on a wildcard ALLOWED_HOSTS entry, its name) is
whatever the sender typed, and a reset link pointing at an attacker's port leaks the reset key.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


def site_base_url(request) -> str:
    """`PUBLIC_SCHEME://<primary domain>[:PUBLIC_PORT]` of the host this request is for."""
    tenant = getattr(request, "tenant", None)
    domain = None
    if tenant is not None and tenant.schema_name != settings.PUBLIC_SCHEMA_NAME:
        primary = tenant.get_primary_domain()
        domain = primary.domain if primary is not None else None
    if domain is None:
        domain = settings.BASE_DOMAIN
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{domain}{port}"


def site_url(request, url_or_path: str) -> str:
    """The path (and query) of `url_or_path` on `site_base_url(request)`."""
    parts = urlsplit(url_or_path)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return site_base_url(request) + path


@dataclass(frozen=True)
class ConfiguredSite:
    """What allauth's e-mails call `current_site`: the business's name and configured address."""

    name: str
    domain: str


def configured_site(request) -> ConfiguredSite:
    tenant = getattr(request, "tenant", None)
    base = site_base_url(request)
    domain = base.split("://", 1)[1]
    name = getattr(tenant, "name", None) if tenant is not None else None
    if not name or tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
        name = "Agendo"
    return ConfiguredSite(name=name, domain=domain)
