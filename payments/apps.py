from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = gettext_lazy("Payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from bookings.signals import export_sections
        from payments import receivers

        # The owner's data export carries the ledger too.
        export_sections.connect(receivers.export_sections, dispatch_uid="payments-export")
