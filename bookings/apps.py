from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        from tenants.signals import demo_tenant_seeded

        demo_tenant_seeded.connect(_demo_seed)
        # A booking saved or deleted changes its business's free slots (bookings.slot_cache).
        from bookings.models import Booking
        from scheduling.slot_version import watch

        watch(Booking)


def _demo_seed(sender, tenant, owner, staff, **kwargs):
    from bookings.demo import demo_seed

    demo_seed(tenant=tenant, owner=owner, staff=staff, language=kwargs.get("language"))
