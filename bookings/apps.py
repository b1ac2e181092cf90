from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        from tenants.signals import demo_tenant_seeded

        demo_tenant_seeded.connect(_demo_seed)


def _demo_seed(sender, tenant, owner, staff, **kwargs):
    from bookings.demo import demo_seed

    demo_seed(tenant=tenant, owner=owner, staff=staff, language=kwargs.get("language"))
