"""Opaque, signed cursors for keyset pagination: the last row's sort key, never an offset.

A page continues after the last row the client saw, so rows inserted or removed meanwhile
never shift what comes next (no row twice, none skipped among those that existed).
"""

from django.core import signing
from django.utils.translation import gettext as _

from api.errors import ApiError

SALT = "api.cursor"


def cursor_make(kind: str, values: list) -> str:
    return signing.dumps([kind, *values], salt=SALT, compress=True)


def cursor_read(kind: str, token: str | None) -> list | None:
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        data = None
    if not isinstance(data, list) or not data or data[0] != kind:
        raise ApiError("validation", _("This cursor is not valid here."), "cursor")
    return data[1:]
