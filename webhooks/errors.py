from typing import ClassVar

from accounts.errors import AgendoError


class WebhookError(AgendoError):
    """A refused change to webhook endpoints or deliveries; `field` names the form field."""

    statuses: ClassVar[dict[str, int]] = {"not_resendable": 409, "module_webhooks": 403}
