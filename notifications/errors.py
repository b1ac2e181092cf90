from typing import ClassVar

from accounts.errors import AgendoError


class NotificationError(AgendoError):
    """A refused change to messages, templates or channels; `field` names the form field."""

    # A retry refused because the message or its booking moved on meanwhile.
    statuses: ClassVar[dict[str, int]] = {
        "not_failed": 409,
        "booking_inactive": 409,
        "already_sent": 409,  # a once-only message to a client ("we miss you") went already
    }
