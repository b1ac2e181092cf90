class SchedulingError(Exception):
    """A refused change to scheduling data; `field` names the form field it belongs to."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
