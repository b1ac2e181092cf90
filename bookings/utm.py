"""Where a client came from: the booking page's link for Instagram, Google or the business's
own site carries `utm_source`, `utm_medium`, `utm_campaign`; they are remembered through the
booking steps (a cookie) and saved on the booking the public flow creates."""

from django.conf import settings
from django.core import signing

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
UTM_MAX_LENGTH = 100  # Booking.utm_*'s max_length
UTM_COOKIE = "agendo_utm"
UTM_COOKIE_AGE = 60 * 60 * 24 * 7
_SALT = "bookings.utm"


def utm_clean(value: str) -> str:
    """Printable text only (control characters become spaces), spaces squeezed, bounded."""
    text = "".join(ch if ch.isprintable() else " " for ch in value[: UTM_MAX_LENGTH * 4])
    return " ".join(text.split())[:UTM_MAX_LENGTH]


def utm_from_query(params) -> dict[str, str]:
    """The non-empty utm_* of a query string, cleaned."""
    found = {name: utm_clean(params.get(name, "")) for name in UTM_FIELDS}
    return {name: value for name, value in found.items() if value}


def utm_of(request) -> dict[str, str]:
    """The campaign of this visit: the address's own utm_*, else those remembered by the cookie
    (every field, empty when unknown: ready for `booking_create`)."""
    found = utm_from_query(request.GET)
    if not found:
        try:
            stored = signing.loads(
                request.COOKIES.get(UTM_COOKIE, ""), salt=_SALT, max_age=UTM_COOKIE_AGE
            )
        except signing.BadSignature:
            stored = {}
        if isinstance(stored, dict):
            found = {k: utm_clean(str(v)) for k, v in stored.items() if k in UTM_FIELDS}
    return {name: found.get(name, "") for name in UTM_FIELDS}


def utm_remember(request, response) -> None:
    """A visit that arrived with utm_* in its address keeps them for the next steps (replacing
    what an earlier link left). Also inside another site's frame over HTTPS (SameSite=None);
    browsers that refuse such cookies simply book without a source."""
    found = utm_from_query(request.GET)
    if not found:
        return
    secure = request.is_secure()
    response.set_cookie(
        UTM_COOKIE,
        signing.dumps(found, salt=_SALT, compress=True),
        max_age=UTM_COOKIE_AGE,
        httponly=True,
        secure=secure or settings.SESSION_COOKIE_SECURE,
        samesite="None" if secure else "Lax",
    )
