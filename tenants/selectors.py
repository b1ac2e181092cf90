from django.db.models import QuerySet

from tenants.models import Tenant


def tenant_list_active() -> QuerySet[Tenant]:
    return Tenant.objects.filter(is_active=True).exclude(schema_name="public")


def tenant_primary_domain(tenant: Tenant) -> str:
    domain = tenant.get_primary_domain()
    if domain is None:
        raise ValueError(f"{tenant} has no primary domain")
    return domain.domain


def domain_for_schema(schema_name: str) -> str:
    """The primary domain of the business whose schema this is (`<slug>.BASE_DOMAIN` if none)."""
    from django.conf import settings

    from tenants.models import Domain

    domain = (
        Domain.objects.filter(tenant__schema_name=schema_name, is_primary=True)
        .values_list("domain", flat=True)
        .first()
    )
    return domain or f"{schema_name}.{settings.BASE_DOMAIN}"


def tenant_base_url(*, request, domain: str) -> str:
    """`scheme://domain[:port]`, with the port the visitor used (e.g. :8000 in development)."""
    _, _, port = request.get_host().partition(":")
    return f"{request.scheme}://{domain}:{port}" if port else f"{request.scheme}://{domain}"
