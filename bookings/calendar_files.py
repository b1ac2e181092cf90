"""The .ics "add to calendar" file of a booking (icalendar)."""

import datetime as dt

from icalendar import Calendar, Event, vText

from bookings.models import Booking


def booking_ics(booking: Booking, *, business_name: str, address: str, manage_url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Agendo//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.reference}-{booking.pk}@agendo")
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", booking.start.astimezone(dt.UTC))
    event.add("dtend", booking.end.astimezone(dt.UTC))
    event.add("summary", f"{booking.service.name} · {business_name}")
    event.add(
        "description",
        f"Reference {booking.reference} with {booking.resource.name}.\n"
        f"Change or cancel: {manage_url}",
    )
    if address:
        event["location"] = vText(address)
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if not booking.is_active else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
