from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from accounts.models import AUDIT_ACTIONS

        # The history page names each audit action from this table; ours join it.
        AUDIT_ACTIONS.update(
            {
                "feed.created": _("Calendar feed created"),
                "feed.regenerated": _("Calendar feed address replaced"),
                "feed.revoked": _("Calendar feed turned off"),
            }
        )
