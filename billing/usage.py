"""What a business uses, counted from its own data for the current period — no counters that
drift. One query for all five figures, run in the business's schema."""

import datetime as dt

from django.db import connection

from accounts.models import User
from bookings.models import Booking
from notifications.models import Message
from scheduling.models import Resource, Service

SENT = ("sent", "delivered", "read")


def _sql() -> str:
    user, resource, service = User._meta.db_table, Resource._meta.db_table, Service._meta.db_table
    booking, message = Booking._meta.db_table, Message._meta.db_table
    return f"""
        SELECT
          (SELECT count(*) FROM {user} WHERE is_active),
          (SELECT count(*) FROM {resource} WHERE is_active),
          (SELECT count(*) FROM {service} WHERE is_active),
          (SELECT count(*) FROM {booking} WHERE created_at >= %(start)s AND created_at < %(end)s),
          (SELECT count(*) FROM {message}
            WHERE channel = 'whatsapp' AND status = ANY(%(sent)s)
              AND sent_at >= %(start)s AND sent_at < %(end)s)
    """  # noqa: S608 (table names from the models, values as parameters)


def usage(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """staff, resources, services (active now); bookings created and WhatsApp messages sent
    in [start, end). In the current schema: call it inside the business's schema_context."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), {"start": start, "end": end, "sent": list(SENT)})
        row = cursor.fetchone()
    return dict(zip(("staff", "resources", "services", "bookings", "whatsapp"), row, strict=True))


def count_of(key: str, start: dt.datetime | None = None, end: dt.datetime | None = None) -> int:
    """One figure (for a limit check under its lock)."""
    if key == "staff":
        return User.objects.filter(is_active=True).count()
    if key == "resources":
        return Resource.objects.filter(is_active=True).count()
    if key == "services":
        return Service.objects.filter(is_active=True).count()
    if key == "bookings":
        return Booking.objects.filter(created_at__gte=start, created_at__lt=end).count()
    if key == "whatsapp":
        return Message.objects.filter(
            channel="whatsapp", status__in=SENT, sent_at__gte=start, sent_at__lt=end
        ).count()
    raise ValueError(key)
