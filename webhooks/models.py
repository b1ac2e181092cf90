"""Outgoing webhooks: endpoints a business registers, the events it emits, one delivery per
event and endpoint. `Event` is also the outbox of the Redis event stream (`stream_state`)."""

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SCHEMA_VERSION = 1


class EventType(models.TextChoices):
    BOOKING_CREATED = "booking.created", _("Booking created")
    BOOKING_CONFIRMED = "booking.confirmed", _("Booking confirmed")
    BOOKING_RESCHEDULED = "booking.rescheduled", _("Booking rescheduled")
    BOOKING_CANCELLED = "booking.cancelled", _("Booking cancelled")
    BOOKING_COMPLETED = "booking.completed", _("Booking completed")
    BOOKING_NO_SHOW = "booking.no_show", _("Booking marked no-show")
    CLIENT_CREATED = "client.created", _("Client created")
    CLIENT_UPDATED = "client.updated", _("Client updated")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Endpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=120, blank=True)
    # Needed in clear to sign each payload (HMAC); shown to the owner once, at creation.
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    events = ArrayField(models.CharField(max_length=40, choices=EventType.choices), default=list)
    is_active = models.BooleanField(_("enabled"), default=True)
    # Set when deliveries kept failing for the whole retry window and we turned it off.
    disabled_reason = models.CharField(max_length=255, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    @property
    def secret_hint(self) -> str:
        return f"{self.secret[:10]}…"


class Event(models.Model):
    """One thing that happened, as sent: `body` is the exact JSON payload (id, version, type,
    occurred_at, business, data). Booking events wait here for the Redis stream."""

    class Stream(models.TextChoices):
        NONE = "", "—"
        PENDING = "pending", pgettext_lazy("stream", "Pending")
        PUBLISHED = "published", pgettext_lazy("stream", "Published")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=40)
    booking_reference = models.CharField(max_length=12, blank=True)
    occurred_at = models.DateTimeField()
    body = models.JSONField()
    stream_state = models.CharField(max_length=10, choices=Stream.choices, blank=True)
    stream_id = models.CharField(max_length=40, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=Q(stream_state="pending"),
                name="webhooks_event_unpublished",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"

    @property
    def public_id(self) -> str:
        return f"evt_{self.uid.hex}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
        SENDING = "sending", pgettext_lazy("delivery status", "Sending")
        DELIVERED = "delivered", pgettext_lazy("delivery status", "Delivered")
        FAILED = "failed", pgettext_lazy("delivery status", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("delivery status", "Cancelled")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # Retries stop here (24 h after the first try, or after a resend).
    give_up_at = models.DateTimeField()
    sending_since = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Exactly one delivery per event and endpoint: planning twice writes nothing new.
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="queued"), name="webhooks_due"
            ),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} {self.status}"
