from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self):
        from django_tenants.signals import post_schema_sync

        from scheduling import receivers
        from tenants.signals import demo_tenant_seeded

        post_schema_sync.connect(receivers.settings_create_for_new_tenant)
        # Cached free slots (bookings.slot_cache) follow every change of what makes them, and the
        # cached list of services every change of a category's name or order.
        from scheduling import slot_version
        from scheduling.models import (
            BusinessSettings,
            Resource,
            Service,
            ServiceCategory,
            TimeOff,
            WeeklyHours,
        )

        watched = (WeeklyHours, TimeOff, Service, ServiceCategory, Resource, BusinessSettings)
        slot_version.watch(*watched)
        slot_version.watch_members(Service.resources.through)
        demo_tenant_seeded.connect(receivers.demo_scheduling_seed)
