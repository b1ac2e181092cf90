from typing import ClassVar

from accounts.errors import AgendoError


class FeedError(AgendoError):
    """A refused change to a calendar feed; `message` is shown to the person who asked."""

    statuses: ClassVar[dict[str, int]] = {"forbidden": 403}
