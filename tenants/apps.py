from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Businesses"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from tenants.middleware import tenant_cache_clear
        from tenants.models import Domain, Tenant

        for model in (Tenant, Domain):
            post_save.connect(tenant_cache_clear, sender=model)
            post_delete.connect(tenant_cache_clear, sender=model)
