"""Signals the bookings app sends; apps that depend on it (notifications) answer in `ready()`."""

from django.dispatch import Signal

# Sent (sender=None) when the public details form is built, inside the business's schema. Each
# receiver returns a dict of contact rules for the form, e.g. {"email_required": True} when the
# business can only reach its clients by e-mail; None or {} when it has nothing to add.
public_contact_rules = Signal()

# Sent (sender=None) by `client_erase` inside its transaction, after the client's own fields were
# anonymised. Arguments: client, phone and email (the values just erased), erased_at. Receivers
# redact what they keep about that person (messages, inbound messages, routing rows).
client_erased = Signal()

# Sent (sender=None) by the owner's data export, inside the business's schema. Each receiver
# returns a list of `bookings.exports.CsvTable` / `JsonDocument` to add to the zip.
export_sections = Signal()

# Sent (sender=None) by `client_access.access_link_request` inside its transaction: a client asked
# for their one-time "My bookings" link. Arguments: client, url, now. The receiver that sends it
# (notifications: the client's own WhatsApp or e-mail) returns the channel, or "" when none can.
client_access_link_send = Signal()
