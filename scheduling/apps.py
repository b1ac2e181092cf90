from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self):
        from django_tenants.signals import post_schema_sync

        from scheduling import receivers
        from tenants.signals import demo_tenant_seeded

        post_schema_sync.connect(receivers.settings_create_for_new_tenant)
        demo_tenant_seeded.connect(receivers.demo_scheduling_seed)
