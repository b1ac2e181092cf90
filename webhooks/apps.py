from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        from django.db.models.signals import post_save

        from bookings.models import BookingEvent, Client
        from bookings.signals import client_erased
        from webhooks import receivers

        # Same transaction as the change: the event, its deliveries and its stream row commit
        # with it or not at all (bookings never imports webhooks).
        post_save.connect(receivers.booking_event_saved, sender=BookingEvent, dispatch_uid="hooks")
        post_save.connect(receivers.client_saved, sender=Client, dispatch_uid="hooks-client")
        client_erased.connect(receivers.client_erased, dispatch_uid="hooks-erase")
        _audit_words()


def _audit_words() -> None:
    """The history page's names for the audit entries of endpoints."""
    from django.utils.translation import gettext_lazy as _

    from accounts.models import AUDIT_ACTIONS, AUDIT_FIELDS

    AUDIT_ACTIONS.update(
        {
            "webhook.created": _("Webhook endpoint added"),
            "webhook.updated": _("Webhook endpoint changed"),
            "webhook.deleted": _("Webhook endpoint deleted"),
        }
    )
    AUDIT_FIELDS.setdefault("url", _("Address"))
    AUDIT_FIELDS.setdefault("events", _("Events"))
