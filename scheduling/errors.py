from accounts.errors import AgendoError


class SchedulingError(AgendoError):
    """A refused change to scheduling data; `field` names the form field it belongs to."""
