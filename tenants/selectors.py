from django.db.models import QuerySet

from tenants.models import Tenant


def tenant_list_active() -> QuerySet[Tenant]:
    return Tenant.objects.filter(is_active=True).exclude(schema_name="public")


def tenant_primary_domain(tenant: Tenant) -> str:
    domain = tenant.get_primary_domain()
    if domain is None:
        raise ValueError(f"{tenant} has no primary domain")
    return domain.domain


def tenant_base_url(*, request, domain: str) -> str:
    """`scheme://domain[:port]` as seen by `request`, so links work in development ports too."""
    port = request.get_port()
    default_port = "443" if request.is_secure() else "80"
    host = f"{domain}:{port}" if port and port != default_port else domain
    return f"{request.scheme}://{host}"
