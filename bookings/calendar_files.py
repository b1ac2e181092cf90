"""The .ics "add to calendar" file of a booking (icalendar).

Its words (summary, description) are in the business's language, whoever asks: the file is the
same whether a client downloads it from the manage page or gets it with the confirmation e-mail.
"""

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vText

from bookings.models import Booking
from scheduling.models import BusinessSettings
from scheduling.templatetags.agendo_format import format_day


def booking_ics(
    booking: Booking,
    *,
    business_name: str,
    address: str,
    manage_url: str,
    business: BusinessSettings | None = None,
) -> bytes:
    business = business or BusinessSettings.load()
    with translation.override(business.language or None), timezone.override(business.timezone):
        start = timezone.localtime(booking.start)
        summary = _("%(service)s with %(resource)s · %(business)s") % {
            "service": booking.services_label,
            "resource": booking.resource.name,
            "business": business_name,
        }
        description = _(
            "%(day)s, %(start)s–%(end)s.\nReference %(reference)s.\nChange or cancel: %(url)s"
        ) % {
            "day": format_day(start, "weekday_year"),
            "start": f"{start:%H:%M}",
            "end": f"{timezone.localtime(booking.end):%H:%M}",
            "reference": booking.reference,
            "url": manage_url,
        }
    calendar = Calendar()
    calendar.add("prodid", "-//Agendo//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.reference}-{booking.pk}@agendo")
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", booking.start.astimezone(dt.UTC))
    event.add("dtend", booking.end.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("description", description)
    if address:
        event["location"] = vText(address)
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if not booking.is_active else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
