"""The outbox of one business (tenant schema): messages to send, their templates and channels.

The truth about what must be sent lives here, in PostgreSQL (TRAPS #13): tasks only carry ids.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, BookingEvent, Client


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", _("E-mail")


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    APPROVAL_REQUEST = "approval_request", _("Request received")
    REMINDER = "reminder", _("Reminder")
    CANCELLATION = "cancellation", _("Cancellation")
    RESCHEDULE = "reschedule", _("Reschedule notice")
    FOLLOW_UP = "follow_up", _("Follow-up")
    STAFF_ALERT = "staff_alert", _("Staff alert")
    REPLY = "reply", _("Reply to the client")
    TEST = "test", _("Test message")
    DIRECT = "direct", _("Message from the business")
    BIRTHDAY = "birthday", _("Birthday message")
    WIN_BACK = "win_back", _("We miss you")
    ACCESS_LINK = "access_link", _("Link to the client's bookings")


class ChannelSettings(models.Model):
    """The business's one row: which channels send, and the WhatsApp Cloud API account."""

    whatsapp_enabled = models.BooleanField(default=True)
    whatsapp_phone_number_id = models.CharField(
        max_length=40, blank=True, help_text=_("Empty: the platform's own WhatsApp number.")
    )
    # Never shown back once saved (the settings form is write-only for it).
    whatsapp_access_token = models.CharField(max_length=512, blank=True)
    whatsapp_template_name = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Approved template used outside the 24-hour window (WhatsApp error 131047)."),
    )
    email_enabled = models.BooleanField(default=True)
    email_from = models.EmailField(blank=True, help_text=_("Empty: the platform's sender."))
    follow_up_hours = models.PositiveIntegerField(
        default=24, help_text=_("Hours after a completed booking to send a follow-up; 0: none.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel settings")
        verbose_name_plural = _("channel settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="channel_settings_singleton")]

    def __str__(self) -> str:
        return gettext("Channel settings")

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ChannelSettings":
        return cls.objects.get_or_create(pk=1)[0]


class MessageTemplate(models.Model):
    """The business's own wording of one kind of message on one channel (defaults otherwise)."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=5, default="pt-br")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "channel", "language"], name="template_one_per_kind_channel_lang"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.language}"


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("message status", "Queued")
        SENDING = "sending", pgettext_lazy("message status", "Sending")
        SENT = "sent", pgettext_lazy("message status", "Sent")
        DELIVERED = "delivered", pgettext_lazy("message status", "Delivered")
        READ = "read", pgettext_lazy("message status", "Read")
        FAILED = "failed", pgettext_lazy("message status", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("message status", "Cancelled")

    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What a staff alert is about: the booking change it tells of (part of its unique key).
    event = models.ForeignKey(
        BookingEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Minutes before the start for reminders; 0 for everything else. Part of the unique key.
    offset_minutes = models.PositiveIntegerField(default=0)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    send_after = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=128, blank=True)
    # WhatsApp: sent (or to be sent) as the approved template instead of free-form text.
    as_template = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)
    # Messages outside a booking that must go once (a birthday per year, a "we miss you" per
    # lapse): "birthday:2026:<client id>". Empty for the rest.
    dedupe_key = models.CharField(max_length=80, blank=True, default="", db_default="")
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-send_after", "-id"]
        constraints = [
            # One message per booking, kind, channel and offset: planning twice changes nothing.
            models.UniqueConstraint(
                fields=["booking", "kind", "channel", "offset_minutes"],
                condition=~Q(kind="staff_alert"),
                name="message_once_per_booking_kind_channel_offset",
            ),
            # A booking gets one staff alert per change and staff member (created, moved, moved
            # away from their resource, cancelled): keyed by the change, not by the booking.
            models.UniqueConstraint(
                fields=["event", "staff_user"],
                condition=Q(kind="staff_alert"),
                name="staff_alert_once_per_event_user",
            ),
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="message_once_per_dedupe_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "send_after"]),
            models.Index(fields=["provider_id"]),
            # Claiming due rows in order (services.message_ids_due, _claim_due): the next few
            # queued ones read straight off the index, never a sort of every queued row.
            models.Index(
                fields=["send_after", "id"],
                condition=Q(status="queued"),
                name="message_queued_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.status})"


class InboundMessage(models.Model):
    """A client's WhatsApp message to the business (webhook), kept once per provider id.

    Its time opens WhatsApp's 24-hour window for free-form text to that number.
    """

    class Action(models.TextChoices):
        NONE = "none", pgettext_lazy("client's reply did", "None")
        CONFIRMED = "confirmed", _("Confirmed a booking")
        CANCELLED = "cancelled", _("Cancelled a booking")
        REFUSED = "refused", _("Asked, but the rules refused")
        NO_BOOKING = "no_booking", _("Asked, but had no upcoming booking")

    provider_id = models.CharField(max_length=128, unique=True)
    from_phone = models.CharField(max_length=20, help_text="E.164")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    action = models.CharField(max_length=12, choices=Action.choices, default=Action.NONE)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["from_phone", "received_at"])]

    def __str__(self) -> str:
        return f"{self.from_phone}: {self.body[:40]}"
