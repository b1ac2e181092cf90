from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from django.db.models.signals import post_save

        from bookings.models import BookingEvent
        from bookings.signals import (
            client_access_link_send,
            client_erased,
            export_sections,
            public_contact_rules,
        )
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
        # A client asked for their "My bookings" link: only we know how to reach them.
        client_access_link_send.connect(
            receivers.client_access_link_send, dispatch_uid="notifications-access-link"
        )
        _audit_words()


def _audit_words() -> None:
    """The history page's names for the audit entries of templates and channels."""
    from django.utils.translation import gettext_lazy as _

    from accounts.models import AUDIT_ACTIONS, AUDIT_FIELDS, AUDIT_TARGET_TEXTS, AUDIT_VALUES
    from notifications.models import Channel, Kind

    AUDIT_ACTIONS.update(
        {
            "template.updated": _("Message template changed"),
            "template.reset": _("Message template back to the default"),
            "channels.updated": _("Channels changed"),
        }
    )
    AUDIT_FIELDS.update(
        {
            "subject": _("Subject"),
            "body": _("Text"),
            "whatsapp_enabled": _("Send WhatsApp messages"),
            "whatsapp_phone_number_id": _("WhatsApp phone-number id"),
            "whatsapp_access_token": _("WhatsApp access token"),
            "whatsapp_template_name": _("Approved template name"),
            "email_enabled": _("Send e-mails"),
            "email_from": _("Sender e-mail"),
            "follow_up_hours": _("Follow-up after (hours)"),
        }
    )
    AUDIT_VALUES.update(
        {"saved": _("saved"), "not saved": _("not saved"), "replaced": _("replaced")}
    )

    def template_text(label: str) -> str:
        kind, _sep, channel = label.partition(":")
        kinds, channels = dict(Kind.choices), dict(Channel.choices)
        return f"{kinds.get(kind, kind)} · {channels.get(channel, channel)}"

    AUDIT_TARGET_TEXTS["template"] = template_text
    AUDIT_TARGET_TEXTS["channelsettings"] = lambda label: _("Channels")


def _on_booking_event(sender, instance, created, raw=False, **kwargs):
    # Same transaction as the booking change: the messages commit with it or not at all.
    if created and not raw:
        from notifications.outbox import plan_for_event

        plan_for_event(instance)
