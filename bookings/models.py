"""Clients and bookings of one business (tenant schema). The database forbids double bookings."""

import secrets

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scheduling.models import Resource, Service

# Unambiguous characters for references read out over the phone (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 6


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def new_manage_token() -> str:
    return secrets.token_urlsafe(32)


class Source(models.TextChoices):
    PUBLIC = "public", _("Booking page")
    STAFF = "staff", pgettext_lazy("source", "Staff")
    WHATSAPP = "whatsapp", "WhatsApp"
    IMPORT = "import", pgettext_lazy("source", "Import")


class Client(models.Model):
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +5511912345678.")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    notes = models.TextField(pgettext_lazy("client", "notes"), blank=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    is_vip = models.BooleanField("VIP", default=False)
    is_active = models.BooleanField(_("active"), default=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.STAFF
    )
    whatsapp_consent = models.BooleanField(_("WhatsApp consent"), default=False)
    whatsapp_consent_at = models.DateTimeField(null=True, blank=True)
    # Staff see the clients they entered even before any booking links one to their resource.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The business's own client fields (scheduling.Question, target "client"): {"<id>": value}.
    custom_fields = models.JSONField(_("custom fields"), default=dict, db_default={}, blank=True)
    # Set by `client_erase`: the personal fields were anonymised on the client's request.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(is_active=True) & ~Q(phone=""),
                name="client_phone_unique_active",
                violation_error_message=_("Another active client already has this phone number."),
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"),
                name="client_phone_e164",
                violation_error_message=_("Please enter a valid phone number, with the area code."),
            ),
        ]
        indexes = [models.Index(fields=["email"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class ClientInteraction(models.Model):
    class Kind(models.TextChoices):
        NOTE = "note", pgettext_lazy("interaction", "Note")
        CALL = "call", pgettext_lazy("interaction", "Call")
        MESSAGE = "message", pgettext_lazy("interaction", "Message")
        VISIT = "visit", pgettext_lazy("interaction", "Visit")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.client}"


# Statuses that hold the resource. A completed booking occupied its resource; so did a no-show
# (the time was kept for the client, and the staff correction completed <-> no_show must never
# be refused for an overlap). Cancelled and expired bookings free their time.
OCCUPYING_STATUSES = ("pending", "confirmed", "completed", "no_show")
# The rows the no-overlap constraint covers; `booking_busy_intervals` reads the same ones.
OCCUPYING = Q(status__in=OCCUPYING_STATUSES, overlap_exempt=False)


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("booking status", "Pending")
        CONFIRMED = "confirmed", pgettext_lazy("booking status", "Confirmed")
        CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")
        EXPIRED = "expired", pgettext_lazy("booking status", "Expired")
        COMPLETED = "completed", pgettext_lazy("booking status", "Completed")
        NO_SHOW = "no_show", pgettext_lazy("booking status", "No-show")

    # Can still change (move, cancel, confirm): what clients and reminders deal with.
    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED)
    # Hold the resource (see the module's OCCUPYING_STATUSES): the no-overlap constraint counts
    # these, and so does every reading of busy time.
    OCCUPYING_STATUSES = OCCUPYING_STATUSES

    reference = models.CharField(max_length=12, unique=True, default=new_reference)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # [start − buffer before, end + buffer after): what the resource is busy for.
    occupied = DateTimeRangeField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.STAFF
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    client_notes = models.TextField(_("client's notes"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_by_client = models.BooleanField(default=False)
    manage_token = models.CharField(max_length=64, unique=True, default=new_manage_token)
    # The public form's one-time key: a double-click or a resubmit finds this booking again.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Answers to the business's booking questions, as asked: [{"question": id, "label", "value"}].
    answers = models.JSONField(_("answers"), default=list, db_default=[], blank=True)
    # Where the client came from (the booking page's link for Instagram, Google, the own site).
    utm_source = models.CharField(max_length=100, blank=True, default="", db_default="")
    utm_medium = models.CharField(max_length=100, blank=True, default="", db_default="")
    utm_campaign = models.CharField(max_length=100, blank=True, default="", db_default="")
    # Set only by migration 0006 on past completed/no-show bookings that already overlapped
    # another booking of their resource when those statuses began to count: they are kept as
    # recorded, outside the no-overlap rule. Nothing else ever sets it.
    overlap_exempt = models.BooleanField(
        default=False,
        db_default=False,  # rows written by other means (raw SQL, imports) are not exempt
        editable=False,
        help_text="Overlapped another booking before completed and no-show ones counted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            # TRAPS #2: the guarantee. Two occupying bookings (pending, confirmed, completed,
            # no-show) of one resource never overlap, whatever code inserts them; `[)` bounds
            # let back-to-back bookings through.
            ExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    ("resource", RangeOperators.EQUAL),
                    ("occupied", RangeOperators.OVERLAPS),
                ],
                condition=OCCUPYING,
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_end_after_start"),
            models.CheckConstraint(
                condition=Q(occupied__startswith__lte=F("start"))
                & Q(occupied__endswith__gte=F("end")),
                name="booking_occupied_covers_booking",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="booking_price_non_negative"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "confirmed",
                        "cancelled",
                        "expired",
                        "completed",
                        "no_show",
                    ]
                ),
                name="booking_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["start"]),
            models.Index(fields=["resource", "start"]),
            models.Index(fields=["status", "start"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.service} · {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_occupying(self) -> bool:
        return self.status in self.OCCUPYING_STATUSES and not self.overlap_exempt

    @property
    def service_names(self) -> list[str]:
        """The booked services' names in order (the items; a row without items: its service).

        One query per call unless `items` is prefetched (lists prefetch it).
        """
        return [item.name for item in self.items.all()] or [self.service.name]

    @property
    def service_ids(self) -> list[int]:
        """The booked services' ids in order, as `/book/<ids>/` takes them ("book again")."""
        return [item.service_id for item in self.items.all()] or [self.service_id]

    @property
    def services_label(self) -> str:
        """ "Haircut + Beard trim": what messages, the .ics and the pages call the booking.

        Lists read it from their query (bookings.selectors.with_services_label), without items.
        """
        return self.__dict__.get("items_label") or " + ".join(self.service_names)


class BookingItem(models.Model):
    """One service of a booking (haircut + beard): durations add up, the price is their sum.

    `Booking.service` stays the first item's service; the items are the whole list, with the
    name, duration and price as booked (later changes to the service do not rewrite them).
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="items")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="booking_items")
    name = models.CharField(_("name"), max_length=100)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["booking", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "service"], name="booking_item_service_once"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="booking_item_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="booking_item_price_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.name}"


class ClientAccessLink(models.Model):
    """A one-time link to a client's own bookings ("My bookings"), sent to their phone or e-mail.

    Only the token's SHA-256 is kept; a link opens once and before `expires_at`.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="access_links")
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "created_at"])]

    def __str__(self) -> str:
        return f"{self.client_id} · {self.created_at:%Y-%m-%d %H:%M}"


class BookingEvent(models.Model):
    """Every change of a booking: the audit trail, and what notifications react to."""

    class Type(models.TextChoices):
        CREATED = "created", pgettext_lazy("booking event", "Created")
        CONFIRMED = "confirmed", pgettext_lazy("booking event", "Confirmed")
        RESCHEDULED = "rescheduled", pgettext_lazy("booking event", "Rescheduled")
        CANCELLED = "cancelled", pgettext_lazy("booking event", "Cancelled")
        EXPIRED = "expired", pgettext_lazy("booking event", "Expired")
        COMPLETED = "completed", pgettext_lazy("booking event", "Completed")
        NO_SHOW = "no_show", pgettext_lazy("booking event", "Marked no-show")
        CORRECTED = "corrected", pgettext_lazy("booking event", "Status corrected")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("booking event", "Client confirmed attendance")
        UPDATED = "updated", pgettext_lazy("booking event", "Updated")

    # Who acted, when no user did (`actor_label`), as staff read it; unknown labels as stored.
    ACTOR_LABELS = {
        "client": pgettext_lazy("actor", "client"),
        "system": pgettext_lazy("actor", "system"),
        "staff": pgettext_lazy("actor", "staff"),
        "public": pgettext_lazy("actor", "booking page"),
        "whatsapp": "WhatsApp",
        "import": pgettext_lazy("actor", "import"),
        "automatic": pgettext_lazy("actor", "automatic"),
    }

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=12, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Who acted when there is no user: "client", "system", "whatsapp".
    actor_label = models.CharField(max_length=20, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    override = models.BooleanField(
        default=False, help_text="Staff booked outside hours, notice or advance on purpose."
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["booking", "created_at"])]

    def __str__(self) -> str:
        return f"{self.booking.reference} {self.type}"

    def get_actor_label_display(self) -> str:
        """Who acted when no user did, in the reader's language ("system" when unrecorded)."""
        label = self.actor_label or "system"
        return str(self.ACTOR_LABELS.get(label, label))
