"""Reactions to the public schema's signals: a new business's settings, the demo's data."""

from django_tenants.utils import get_public_schema_name, schema_context

from scheduling import services


def settings_create_for_new_tenant(sender, tenant, **kwargs):
    if tenant.schema_name == get_public_schema_name():
        return
    with schema_context(tenant.schema_name):
        services.settings_create_defaults(
            timezone=getattr(tenant, "timezone", "UTC"),
            display_name=tenant.name,
            contact_phone=getattr(tenant, "phone", ""),
            address=getattr(tenant, "address", ""),
        )


def demo_scheduling_seed(sender, tenant, owner, staff, **kwargs):
    from scheduling.demo import demo_seed

    demo_seed(tenant=tenant, owner=owner, staff=staff, language=kwargs.get("language"))
