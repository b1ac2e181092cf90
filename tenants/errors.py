from accounts.errors import AgendoError


class SignupError(AgendoError):
    """A refused sign-up; `field` names the form field the message belongs to."""
