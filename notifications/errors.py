class NotificationError(Exception):
    """A refused change to messages, templates or channels; `field` names the form field."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
