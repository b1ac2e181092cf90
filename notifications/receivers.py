"""Notifications answering the bookings app's signals (bookings never imports notifications)."""

from notifications.models import ChannelSettings


def public_contact_rules(sender, **kwargs) -> dict:
    """E-mail is the only way to reach a client when WhatsApp is off and e-mail is on."""
    channels = ChannelSettings.load()
    return {"email_required": channels.email_enabled and not channels.whatsapp_enabled}
