from dataclasses import dataclass

from django.conf import settings
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


def public_base_url(*, domain: str) -> str:
    """`PUBLIC_SCHEME://domain[:PUBLIC_PORT]`, for links in e-mails sent outside any request."""
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{domain}{port}"


@dataclass(frozen=True)
class TenantLogin:
    name: str
    login_url: str


def tenant_logins_for_email(*, email: str) -> list[TenantLogin]:
    """Every active business where an active user has this e-mail, with its login page.

    Users live in each business's schema, so this visits every active one: for the platform's
    "find your business" e-mail, run by a worker.
    """
    from django_tenants.utils import schema_context

    from accounts.models import User
    from tenants.models import Domain

    tenants = list(tenant_list_active().order_by("name"))
    domains = dict(
        Domain.objects.filter(tenant__in=tenants, is_primary=True).values_list(
            "tenant_id", "domain"
        )
    )
    found = []
    for tenant in tenants:
        with schema_context(tenant.schema_name):
            if User.objects.filter(email__iexact=email, is_active=True).exists():
                domain = domains.get(tenant.pk) or f"{tenant.schema_name}.{settings.BASE_DOMAIN}"
                url = f"{public_base_url(domain=domain)}/accounts/login/"
                found.append(TenantLogin(name=tenant.name, login_url=url))
    return found


def tenant_for_whatsapp(*, phone_number_id: str, phone: str = "", schema: str = ""):
    """The business a WhatsApp webhook event belongs to, or None.

    In order: the schema our own send put in `biz_opaque_callback_data`; the business whose own
    phone-number id it is; for the platform's shared number, the business that last wrote to
    `phone` from it.
    """
    from tenants.models import WhatsAppContact, WhatsAppNumber

    tenants = Tenant.objects.exclude(schema_name="public")
    if schema:
        tenant = tenants.filter(schema_name=schema).first()
        if tenant is not None:
            return tenant
    number = WhatsAppNumber.objects.select_related("tenant").filter(phone_number_id=phone_number_id)
    if (found := number.first()) is not None:
        return found.tenant
    if phone:
        contact = WhatsAppContact.objects.select_related("tenant").filter(
            phone_number_id=phone_number_id, phone=phone
        )
        if (found := contact.first()) is not None:
            return found.tenant
    return None


def tenant_for_command(schema: str) -> Tenant:
    """The business whose schema is `schema`, or a CommandError naming the ones there are."""
    from django.core.management.base import CommandError
    from django_tenants.utils import get_public_schema_name, schema_context

    with schema_context(get_public_schema_name()):
        tenants = Tenant.objects.exclude(schema_name=get_public_schema_name())
        tenant = tenants.filter(schema_name=schema).first()
        if tenant is None:
            known = ", ".join(tenants.order_by("schema_name").values_list("schema_name", flat=True))
            raise CommandError(
                f"No business with schema {schema!r}. Known schemas: {known or 'none'}."
            )
    return tenant
