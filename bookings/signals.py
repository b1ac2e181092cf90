"""Signals the bookings app sends; apps that depend on it (notifications) answer in `ready()`."""

from django.dispatch import Signal

# Sent (sender=None) when the public details form is built, inside the business's schema. Each
# receiver returns a dict of contact rules for the form, e.g. {"email_required": True} when the
# business can only reach its clients by e-mail; None or {} when it has nothing to add.
public_contact_rules = Signal()
