"""Refusals every app raises: one base class that carries its code, message, field and status.

`accounts` is the bottom of the dependency graph, so every app can subclass `AgendoError`.
A view turns any of them into a response the same way: `exc.message` for the person, the
form field `exc.field` when there is one, and `exc.status` as the HTTP status.
"""

from typing import ClassVar


class AgendoError(Exception):
    """A refused change: `code` for machines, `message` for people, `status` for HTTP.

    The status comes from the class's `statuses` table by code (409 for a conflict with the
    current state, such as a time taken meanwhile; 403 for a refusal of rights), else
    `default_status` (422: the input cannot be accepted as it is).
    """

    default_status: ClassVar[int] = 422
    statuses: ClassVar[dict[str, int]] = {}

    def __init__(
        self, code: str, message: str, field: str | None = None, *, status: int | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status or self.statuses.get(code, self.default_status)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class AccountError(AgendoError):
    """A refused change to an account; `message` is shown to the person who asked."""

    statuses: ClassVar[dict[str, int]] = {
        "forbidden": 403,
        "email_taken": 409,
        "already_accepted": 409,
        "inactive": 409,
        "last_owner": 409,
        "self": 409,
        "used": 409,
    }
