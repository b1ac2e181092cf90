from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = gettext_lazy("JSON API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.models import AUDIT_ACTIONS, AUDIT_FIELDS

        # The history page names each audit action (and changed field) from these tables.
        AUDIT_ACTIONS.update(
            {
                "api_key.created": gettext_lazy("API key created"),
                "api_key.revoked": gettext_lazy("API key revoked"),
            }
        )
        AUDIT_FIELDS.setdefault("scopes", gettext_lazy("Scopes"))
