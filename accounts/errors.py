class AccountError(Exception):
    """A refused change to an account; `message` is shown to the person who asked."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
