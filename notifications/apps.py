from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from django.db.models.signals import post_save

        from bookings.models import BookingEvent
        from bookings.signals import client_erased, export_sections, public_contact_rules
        from notifications import receivers

        post_save.connect(_on_booking_event, sender=BookingEvent, dispatch_uid="outbox")
        # The public form asks which contact details are required; only we know the channels.
        public_contact_rules.connect(
            receivers.public_contact_rules, dispatch_uid="notifications-contact-rules"
        )
        # A client erased on request: their messages are redacted in the same transaction.
        client_erased.connect(receivers.client_erased, dispatch_uid="notifications-erase")
        # The owner's data export carries the messages log too.
        export_sections.connect(receivers.export_sections, dispatch_uid="notifications-export")


def _on_booking_event(sender, instance, created, raw=False, **kwargs):
    # Same transaction as the booking change: the messages commit with it or not at all.
    if created and not raw:
        from notifications.outbox import plan_for_event

        plan_for_event(instance)
