"""The body of a calendar feed (icalendar): one VEVENT per booking, in the business's time zone.

What calendar apps need to keep a subscription right: a UID per booking that never changes (the
same one as the booking's own .ics, bookings/calendar_files.py); STATUS:CANCELLED (and a title
that says so) for cancelled and expired bookings; start and end with the business's TZID and its
VTIMEZONE; and a body that stays byte-for-byte the same until a booking in it changes (DTSTAMP is
the booking's last change, not the time of the request). Words are in the reader's language.
Nothing is in it that the member does not see in the dashboard (client's name, service, status,
reference), and no contact details: the feed ends up on a calendar provider's servers.
"""

import datetime as dt
import functools
import hashlib
import zoneinfo
from collections.abc import Iterable

from django.core.cache.backends.base import BaseCache
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone
from icalendar.parser import Contentline
from icalendar.prop import vText

from bookings.models import Booking
from feeds.selectors import FeedEntry

PRODID = "-//Agendo//Calendar feed//EN"
# Hints for how often to poll (Apple and Outlook read them; Google polls on its own schedule).
REFRESH = dt.timedelta(hours=1)

# Part of every event's cache key: change it when _event writes something different.
EVENT_FORMAT = "event-2"
EVENT_CACHE_SECONDS = 7 * 24 * 60 * 60

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


def booking_uid(booking: Booking | FeedEntry) -> str:
    """The booking's identity in every calendar: its .ics file and every feed that shows it."""
    return f"{booking.reference}-{booking.pk}@agendo"


def feed_ics(
    *,
    entries: Iterable[FeedEntry],
    title: str,
    timezone: str,
    language: str,
    detail_url: str,
    cache: BaseCache | None = None,
) -> bytes:
    """`detail_url` is the booking's dashboard page with "{reference}" in place of its reference
    (only a signed-in member can open it). With a `cache`, each event's text is kept under a
    digest of what it is made of: after one booking changes, a feed of hundreds rebuilds one
    event and reads the others back in one round trip."""
    entries = list(entries)
    zone = zoneinfo.ZoneInfo(timezone)
    with translation.override(language or None):
        words = _status_words()
    context = "|".join([EVENT_FORMAT, timezone, language, detail_url])
    keys = {entry.pk: _event_key(entry, context) for entry in entries}
    known = cache.get_many(list(keys.values())) if cache is not None and entries else {}
    events, fresh = [], {}
    for entry in entries:
        text = known.get(keys[entry.pk])
        if text is None:
            text = _event_text(entry, zone=zone, words=words, detail_url=detail_url)
            fresh[keys[entry.pk]] = text
        events.append(text)
    if cache is not None and fresh:
        cache.set_many(fresh, EVENT_CACHE_SECONDS)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # No METHOD: without one, an event's DTSTAMP is when its information last changed (RFC 5545
    # 3.8.7.2), which is what we write; with METHOD it would have to be the time of the request.
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    if entries:
        calendar.add_component(_vtimezone(timezone))
    # The events, each icalendar's own text, go in before the calendar's last line.
    shell = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    return shell.removesuffix(end) + b"".join(events) + end


def _event_key(entry: FeedEntry, context: str) -> str:
    made_of = "|".join(
        [
            context,
            str(entry.pk),
            entry.reference,
            entry.status,
            entry.start.isoformat(),
            entry.end.isoformat(),
            entry.updated_at.isoformat(),
            entry.service,
            entry.resource,
            entry.client,
        ]
    )
    return "feeds:event:" + hashlib.sha256(made_of.encode()).hexdigest()[:40]


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


def _event(entry: FeedEntry, *, zone: zoneinfo.ZoneInfo, words: dict, detail_url: str) -> Event:
    status, pattern = words.get(entry.status, (entry.status, "%(booking)s"))
    what = f"{entry.service} · {entry.client}"
    url = detail_url.replace("{reference}", entry.reference)
    ical_status = ICAL_STATUS.get(entry.status, "CONFIRMED")
    event = Event()
    event.add("uid", booking_uid(entry))
    event.add("dtstamp", entry.updated_at)
    event.add("last-modified", entry.updated_at)
    event.add("dtstart", entry.start.astimezone(zone))
    event.add("dtend", entry.end.astimezone(zone))
    event.add("summary", pattern % {"status": status, "booking": what})
    event.add("description", f"{entry.resource} · {entry.reference} · {status}\n{url}")
    event.add("url", url)
    event.add("status", ical_status)
    if ical_status == "CANCELLED":
        event.add("transp", "TRANSPARENT")  # frees the time in the member's calendar
    return event


def _event_text(
    entry: FeedEntry, *, zone: zoneinfo.ZoneInfo, words: dict, detail_url: str
) -> bytes:
    """The same VEVENT as `_event(...).to_ical()`, byte for byte (icalendar's property order,
    escaping and line folding), written directly: a first read of a feed of hundreds of
    bookings builds every event, and icalendar's objects cost about a millisecond each."""
    status, pattern = words.get(entry.status, (entry.status, "%(booking)s"))
    url = detail_url.replace("{reference}", entry.reference)
    ical_status = ICAL_STATUS.get(entry.status, "CONFIRMED")
    tzid = f";TZID={zone.key}"
    lines = [
        (
            "SUMMARY",
            _text(pattern % {"status": status, "booking": f"{entry.service} · {entry.client}"}),
        ),
        ("DTSTART" + tzid, _local(entry.start, zone)),
        ("DTEND" + tzid, _local(entry.end, zone)),
        ("DTSTAMP", _utc(entry.updated_at)),
        ("UID", _text(booking_uid(entry))),
        ("DESCRIPTION", _text(f"{entry.resource} · {entry.reference} · {status}\n{url}")),
        ("LAST-MODIFIED", _utc(entry.updated_at)),
        ("STATUS", ical_status),
    ]
    if ical_status == "CANCELLED":
        lines.append(("TRANSP", "TRANSPARENT"))  # frees the time in the member's calendar
    lines.append(("URL", url))
    body = b"".join(Contentline(f"{name}:{value}").to_ical() + b"\r\n" for name, value in lines)
    return b"BEGIN:VEVENT\r\n" + body + b"END:VEVENT\r\n"


def _text(value: str) -> str:
    return vText(value).to_ical().decode()


def _local(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
