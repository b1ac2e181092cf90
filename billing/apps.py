from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = gettext_lazy("Billing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing.models import PlanOverride, Subscription
        from tenants.models import Plan, Tenant

        # Any change to what a business may use: the cached terms are forgotten.
        for model in (Subscription, PlanOverride, Plan, Tenant):
            post_save.connect(_changed, sender=model, dispatch_uid=f"billing-terms-{model}")
            post_delete.connect(_changed, sender=model, dispatch_uid=f"billing-terms-d-{model}")


def _changed(sender, **kwargs) -> None:
    from billing.terms import terms_changed

    terms_changed()
