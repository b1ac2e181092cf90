from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from django.db.models.signals import post_save

        from bookings.models import BookingEvent

        post_save.connect(_on_booking_event, sender=BookingEvent, dispatch_uid="outbox")


def _on_booking_event(sender, instance, created, raw=False, **kwargs):
    # Same transaction as the booking change: the messages commit with it or not at all.
    if created and not raw:
        from notifications.outbox import plan_for_event

        plan_for_event(instance)
