class SignupError(Exception):
    """A refused sign-up; `field` names the form field the message belongs to."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
