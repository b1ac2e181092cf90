"""The webhook and event-stream outbox: what a change implies, written in the change's transaction.

Guarantee: an `Event` row and one `Delivery` per matching, enabled endpoint commit with the booking
or client change that caused them, or not at all; nothing is sent from here. A booking event's row
is also `stream_state=pending` until the publisher has appended it to the Redis stream, so a Redis
outage delays the stream and loses nothing. Without the `webhooks` module no delivery is written
(the stream does not depend on the plan).
"""

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone

from billing.limits import module_enabled
from bookings.models import Booking, BookingEvent, Client
from webhooks.models import SCHEMA_VERSION, Delivery, Endpoint, Event, EventType
from webhooks.queueing import enqueue_delivery, enqueue_stream

log = logging.getLogger(__name__)

# Booking events as webhook types; a correction (completed ↔ no-show) reports where it landed.
BOOKING_TYPES = {
    BookingEvent.Type.CREATED: EventType.BOOKING_CREATED,
    BookingEvent.Type.CONFIRMED: EventType.BOOKING_CONFIRMED,
    BookingEvent.Type.RESCHEDULED: EventType.BOOKING_RESCHEDULED,
    BookingEvent.Type.CANCELLED: EventType.BOOKING_CANCELLED,
    BookingEvent.Type.COMPLETED: EventType.BOOKING_COMPLETED,
    BookingEvent.Type.NO_SHOW: EventType.BOOKING_NO_SHOW,
}
RETRY_WINDOW = dt.timedelta(hours=24)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def client_data(client: Client) -> dict:
    return {
        "id": client.pk,
        "name": client.name,
        "phone": client.phone,
        "email": client.email,
        "tags": list(client.tags or []),
        "is_vip": client.is_vip,
        "is_active": client.is_active,
        "source": client.source,
        "whatsapp_consent": client.whatsapp_consent,
        "created_at": _iso(client.created_at),
        "updated_at": _iso(client.updated_at),
    }


def booking_data(booking: Booking, event: BookingEvent, currency: str) -> dict:
    data = {
        "reference": booking.reference,
        "status": booking.status,
        "source": booking.source,
        "start": _iso(booking.start),
        "end": _iso(booking.end),
        "price": str(booking.price),
        "currency": currency,
        "service": {"id": booking.service_id, "name": booking.service.name},
        "resource": {"id": booking.resource_id, "name": booking.resource.name},
        "client": {
            "id": booking.client_id,
            "name": booking.client.name,
            "phone": booking.client.phone,
            "email": booking.client.email,
        },
        "cancellation_reason": booking.cancellation_reason,
        "change": {
            "type": event.type,
            "actor": event.actor_label or "system",
            "actor_user_id": event.actor_id,
            "before": event.before or {},
            "note": event.note,
        },
    }
    return data


def _body(event: Event, data: dict) -> dict:
    return {
        "id": event.public_id,
        "schema_version": SCHEMA_VERSION,
        "type": event.type,
        "occurred_at": _iso(event.occurred_at),
        "business": connection.schema_name,
        "data": data,
    }


def _plan_deliveries(event: Event, now: dt.datetime) -> list[Delivery]:
    if not module_enabled("webhooks"):
        return []
    endpoints = Endpoint.objects.filter(is_active=True, events__contains=[event.type])
    deliveries = [
        Delivery(
            endpoint=endpoint,
            event=event,
            next_attempt_at=now,
            give_up_at=now + RETRY_WINDOW,
        )
        for endpoint in endpoints
    ]
    if deliveries:
        # A new event: no delivery of it can exist yet (the unique constraint guards the rest).
        deliveries = Delivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: [enqueue_delivery(pk) for pk in ids])
    return deliveries


def _record(*, type_: str, occurred_at, data_of, reference: str = "", stream: bool) -> Event:
    event = Event(
        type=type_,
        booking_reference=reference,
        occurred_at=occurred_at,
        body={},
        stream_state=Event.Stream.PENDING if stream else Event.Stream.NONE,
    )
    event.body = _body(event, data_of())
    event.save()
    return event


def booking_event_planned(booking_event: BookingEvent, *, now: dt.datetime | None = None) -> None:
    """Every booking event goes to the stream; the six webhook types also to their endpoints."""
    from scheduling.models import BusinessSettings

    now = now or timezone.now()
    type_ = BOOKING_TYPES.get(booking_event.type)
    if booking_event.type == BookingEvent.Type.CORRECTED:
        corrected = (booking_event.after or {}).get("status")
        type_ = {
            Booking.Status.COMPLETED: EventType.BOOKING_COMPLETED,
            Booking.Status.NO_SHOW: EventType.BOOKING_NO_SHOW,
        }.get(corrected)
    booking = Booking.objects.select_related("service", "resource", "client").get(
        pk=booking_event.booking_id
    )
    currency = BusinessSettings.objects.filter(pk=1).values_list("currency", flat=True).first()
    event = _record(
        type_=str(type_ or f"booking.{booking_event.type}"),
        occurred_at=booking_event.created_at or now,
        data_of=lambda: booking_data(booking, booking_event, currency or ""),
        reference=booking.reference,
        stream=True,
    )
    transaction.on_commit(enqueue_stream)
    if type_ is not None:
        _plan_deliveries(event, now)


def client_change_planned(client: Client, *, created: bool, now=None) -> None:
    """client.created / client.updated, only when some endpoint wants it (no stream row)."""
    now = now or timezone.now()
    type_ = EventType.CLIENT_CREATED if created else EventType.CLIENT_UPDATED
    if not Endpoint.objects.filter(is_active=True, events__contains=[type_]).exists():
        return
    if not module_enabled("webhooks"):
        return
    event = _record(
        type_=str(type_),
        occurred_at=client.updated_at or now,
        data_of=lambda: client_data(client),
        stream=False,
    )
    _plan_deliveries(event, now)
