"""Scheduling data of one business (tenant schema): rules, resources, services, hours, time off."""

import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import FileExtensionValidator, MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

SLOT_INTERVALS = (5, 10, 15, 20, 30, 60)
COLOR_RE = r"^#[0-9a-fA-F]{6}$"
color_validator = RegexValidator(COLOR_RE, "Use a colour like #0f766e.")


def validate_timezone(value: str) -> None:
    from django.core.exceptions import ValidationError

    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone.", code="invalid_timezone")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


# Upper bounds of the rules: far beyond what a business needs, well inside what date arithmetic
# can do (an advance of millions of days would overflow the calendar and break the booking page).
MAX_NOTICE_MINUTES = 60 * 24 * 90
MAX_ADVANCE_DAYS = 730
MAX_CANCELLATION_WINDOW_HOURS = 24 * 90


def _at_most(limit: int, words: str) -> MaxValueValidator:
    return MaxValueValidator(limit, message=f"At most {words}.")


class BusinessSettings(models.Model):
    """The business's one row of rules, labels and branding (created with its schema)."""

    class Language(models.TextChoices):
        EN = "en", "English"
        PT_BR = "pt-br", "Português (Brasil)"

    # Rules
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    phone_region = models.CharField(
        "default phone region",
        max_length=2,
        default="BR",
        help_text="Two-letter country code used for phone numbers written without +.",
    )
    currency = models.CharField(max_length=3, default="BRL", help_text="ISO code, e.g. BRL, EUR.")
    # Sign-up sets it from the country chosen (tenants.regions); a bare row speaks English.
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    slot_interval = models.PositiveSmallIntegerField(
        "slot interval (minutes)",
        default=15,
        choices=[(m, f"{m} minutes") for m in SLOT_INTERVALS],
    )
    min_notice_minutes = models.PositiveIntegerField(
        "minimum notice (minutes)",
        default=60,
        help_text="How soon before a slot it can be booked.",
        validators=[_at_most(MAX_NOTICE_MINUTES, "90 days (129,600 minutes)")],
    )
    max_advance_days = models.PositiveIntegerField(
        "maximum advance (days)",
        default=60,
        help_text="How far ahead clients may book.",
        validators=[_at_most(MAX_ADVANCE_DAYS, "two years (730 days)")],
    )
    cancellation_window_hours = models.PositiveIntegerField(
        "cancellation window (hours)",
        default=24,
        help_text="Clients may cancel or reschedule until this many hours before the start.",
        validators=[_at_most(MAX_CANCELLATION_WINDOW_HOURS, "90 days (2,160 hours)")],
    )
    requires_approval = models.BooleanField(
        "public bookings need approval",
        default=False,
        help_text="If on, public bookings stay pending until the team confirms them.",
    )
    # Set by the owner on the Team page: members without an authenticator app set one up before
    # the dashboard opens (accounts.middleware).
    require_two_factor = models.BooleanField(
        "require two-factor authentication for the team", default=False
    )
    reminder_offsets = ArrayField(
        models.PositiveIntegerField(),
        default=list,
        blank=True,
        help_text="Minutes before the start at which reminders go out, e.g. 1440 and 120.",
    )
    # White-label labels
    label_resource = models.CharField(max_length=40, default="professional")
    label_resource_plural = models.CharField(max_length=40, default="professionals")
    label_service = models.CharField(max_length=40, default="service")
    label_service_plural = models.CharField(max_length=40, default="services")
    label_client = models.CharField(max_length=40, default="client")
    label_client_plural = models.CharField(max_length=40, default="clients")
    # Branding
    display_name = models.CharField(max_length=100, blank=True)
    logo = models.FileField(
        upload_to="logos/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "webp", "svg"])],
    )
    primary_color = models.CharField(max_length=7, default="#0f766e", validators=[color_validator])
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    address = models.CharField(max_length=255, blank=True)
    # Onboarding: when the owner accepted or skipped the presets offered after sign-up, and when
    # they shared (or copied) the booking page's link. The setup checklist reads both.
    presets_decided_at = models.DateTimeField(null=True, blank=True)
    booking_page_shared_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "business settings"
        verbose_name_plural = "business settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="business_settings_singleton"),
            models.CheckConstraint(
                condition=Q(slot_interval__in=SLOT_INTERVALS), name="settings_slot_interval_allowed"
            ),
            models.CheckConstraint(
                condition=Q(max_advance_days__gte=1), name="settings_max_advance_positive"
            ),
            models.CheckConstraint(
                condition=Q(primary_color__regex=COLOR_RE), name="settings_primary_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or "Business settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "BusinessSettings":
        return cls.objects.get_or_create(pk=1)[0]


class ResourceCategory(models.Model):
    name = models.CharField(max_length=80, unique=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "resource categories"

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """Who or what is booked: a staff member, a piece of equipment or a space."""

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff member"
        EQUIPMENT = "equipment", "Equipment"
        SPACE = "space", "Space"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STAFF)
    category = models.ForeignKey(
        ResourceCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resource",
        help_text="The team member whose calendar this is (they see its bookings).",
    )
    description = models.TextField(blank=True)
    color = models.CharField(max_length=7, default="#0f766e", validators=[color_validator])
    attributes = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["staff", "equipment", "space"]), name="resource_kind_valid"
            ),
            models.CheckConstraint(condition=Q(color__regex=COLOR_RE), name="resource_color_hex"),
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField("duration (minutes)", default=30)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    buffer_before_minutes = models.PositiveIntegerField("buffer before (minutes)", default=0)
    buffer_after_minutes = models.PositiveIntegerField("buffer after (minutes)", default=0)
    resources = models.ManyToManyField(Resource, blank=True, related_name="services")
    is_public = models.BooleanField("bookable online", default=True)
    is_active = models.BooleanField(default=True)
    color = models.CharField(max_length=7, default="#0f766e", validators=[color_validator])
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="service_duration_positive"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="service_price_non_negative"),
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__gte=0) & Q(buffer_after_minutes__gte=0),
                name="service_buffers_non_negative",
            ),
            models.CheckConstraint(condition=Q(color__regex=COLOR_RE), name="service_color_hex"),
        ]

    def __str__(self) -> str:
        return self.name


class WeeklyHours(models.Model):
    """One working interval on one weekday, for the business (no resource) or one resource."""

    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["resource_id", "weekday", "start"]
        verbose_name_plural = "weekly hours"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="hours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class TimeOff(models.Model):
    """A closed period: of one resource, or of the whole business when `resource` is empty."""

    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="timeoff_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.reason or f"Closed {self.start:%Y-%m-%d}"
