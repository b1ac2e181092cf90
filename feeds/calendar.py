"""The body of a calendar feed (icalendar): one VEVENT per booking, in the business's time zone.

What calendar apps need to keep a subscription right: a UID per booking that never changes (the
same one as the booking's own .ics, bookings/calendar_files.py), STATUS:CANCELLED for cancelled
and expired bookings (Google hides them, Apple strikes them through), start and end with the
business's TZID and its VTIMEZONE, and a body that is byte-for-byte the same until something in
it changes (DTSTAMP is the booking's last change, not the time of the request), so its hash is an
honest ETag. Words are in the reader's language; nothing is in it that the member does not see in
the dashboard (the client's name, the service, the status, the reference), and no contact
details: the feed ends up on a calendar provider's servers.
"""

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone

from bookings.models import Booking

PRODID = "-//Agendo//Calendar feed//EN"
# Hints for how often to poll (Apple and Outlook read them; Google polls on its own schedule).
REFRESH = dt.timedelta(hours=1)

ICAL_STATUS = {
    Booking.Status.PENDING: "TENTATIVE",
    Booking.Status.CONFIRMED: "CONFIRMED",
    Booking.Status.COMPLETED: "CONFIRMED",
    Booking.Status.NO_SHOW: "CONFIRMED",
    Booking.Status.CANCELLED: "CANCELLED",
    Booking.Status.EXPIRED: "CANCELLED",
}
# Statuses said in the title too, because not every app shows STATUS.
SAY_STATUS = {
    Booking.Status.PENDING,
    Booking.Status.CANCELLED,
    Booking.Status.EXPIRED,
    Booking.Status.NO_SHOW,
}


def booking_uid(booking: Booking) -> str:
    """The booking's identity in every calendar: its .ics file and every feed that shows it."""
    return f"{booking.reference}-{booking.pk}@agendo"


def feed_ics(
    *,
    bookings: Iterable[Booking],
    title: str,
    timezone: str,
    language: str,
    detail_url: str,
) -> bytes:
    """`detail_url` is the booking's dashboard page with "{reference}" in place of its reference
    (only a signed-in member can open it)."""
    zone = zoneinfo.ZoneInfo(timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    with translation.override(language or None):
        words = _status_words()
    for booking in bookings:
        calendar.add_component(_event(booking, zone=zone, words=words, detail_url=detail_url))
    if calendar.subcomponents:
        calendar.subcomponents.insert(0, _vtimezone(timezone))
    return calendar.to_ical()


@functools.lru_cache(maxsize=32)
def _vtimezone(name: str) -> Timezone:
    """The zone's VTIMEZONE (icalendar's default span of years), built once per process."""
    return Timezone.from_tzinfo(zoneinfo.ZoneInfo(name))


def _status_words() -> dict[str, tuple[str, str]]:
    """Per status, in the active language: its label and the title's pattern (looked up once
    per feed, not per booking)."""
    plain = "%(booking)s"
    return {
        code: (str(label), _("%(status)s: %(booking)s") if code in SAY_STATUS else plain)
        for code, label in Booking.Status.choices
    }


def _event(booking: Booking, *, zone: zoneinfo.ZoneInfo, words: dict, detail_url: str) -> Event:
    status, pattern = words.get(booking.status, (booking.status, "%(booking)s"))
    booking_words = f"{booking.service.name} · {booking.client.name}"
    url = detail_url.replace("{reference}", booking.reference)
    ical_status = ICAL_STATUS.get(booking.status, "CONFIRMED")
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", booking.updated_at)
    event.add("last-modified", booking.updated_at)
    event.add("dtstart", booking.start.astimezone(zone))
    event.add("dtend", booking.end.astimezone(zone))
    event.add("summary", pattern % {"status": status, "booking": booking_words})
    event.add("description", f"{booking.resource.name} · {booking.reference} · {status}\n{url}")
    event.add("url", url)
    event.add("status", ical_status)
    if ical_status == "CANCELLED":
        event.add("transp", "TRANSPARENT")  # frees the time in the member's calendar
    return event
