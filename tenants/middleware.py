"""Chooses the tenant from the request's host: the one place where the schema is set."""

import time

from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.utils import translation
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.models import Domain, Tenant


def platform_tenant() -> Tenant:
    """The public schema's tenant row, or an unsaved stand-in before `seed_demo` made one."""
    tenant = Tenant.objects.filter(schema_name=get_public_schema_name()).first()
    return tenant or Tenant(schema_name=get_public_schema_name(), name="Agendo")


# hostname → (tenant, expiry): spares every request the domain query. A change to a tenant or
# domain clears it in this process (signals below); other processes see it within the TTL.
_cache: dict[str, tuple[Tenant, float]] = {}


def tenant_cache_clear(**kwargs) -> None:
    _cache.clear()


class TenantMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        cached = _cache.get(hostname)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            tenant = super().get_tenant(domain_model, hostname)
        except Domain.DoesNotExist:
            # The platform host answers even on a database that only has migrations.
            if hostname != settings.BASE_DOMAIN:
                raise
            tenant = platform_tenant()
        ttl = settings.TENANT_LOOKUP_CACHE_SECONDS
        if ttl:
            _cache[hostname] = (tenant, time.monotonic() + ttl)
        return tenant

    def no_tenant_found(self, request, hostname):
        self.setup_url_routing(request, force_public=True)
        # Answered before the language is chosen (config.i18n): the browser's, as on the platform.
        with translation.override(translation.get_language_from_request(request)):
            return render(request, "errors/unknown_host.html", {"hostname": hostname}, status=404)

    def process_request(self, request):
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        if not tenant.is_active:
            language = _closed_page_language(request, tenant)
            connection.set_schema_to_public()
            with translation.override(language):
                response = render(
                    request, "errors/tenant_closed.html", {"business": tenant}, status=503
                )
            response["Retry-After"] = "86400"
            response["Content-Language"] = language
            return response
        return None


def _closed_page_language(request, tenant: Tenant) -> str:
    """A closed business's notice, as its pages would speak (config.i18n, before it runs): the
    visitor's choice, else the business's language."""
    from config.i18n import supported
    from scheduling.models import BusinessSettings

    chosen = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen:
        return chosen
    with schema_context(tenant.schema_name):
        business = BusinessSettings.objects.filter(pk=1).values_list("language", flat=True)
        return supported(business.first()) or settings.LANGUAGE_CODE
