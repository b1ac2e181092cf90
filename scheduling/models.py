"""Scheduling data of one business (tenant schema): rules, resources, services, hours, time off."""

import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SLOT_INTERVALS = (5, 10, 15, 20, 30, 60)
COLOR_RE = r"^#[0-9a-fA-F]{6}$"
color_validator = RegexValidator(COLOR_RE, _("Use a colour like #0f766e."))


def validate_timezone(value: str) -> None:
    from django.core.exceptions import ValidationError

    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone."),
            code="invalid_timezone",
            params={"value": value},
        )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


# Upper bounds of the rules: far beyond what a business needs, well inside what date arithmetic
# can do (an advance of millions of days would overflow the calendar and break the booking page).
MAX_NOTICE_MINUTES = 60 * 24 * 90
MAX_ADVANCE_DAYS = 730
MAX_CANCELLATION_WINDOW_HOURS = 24 * 90


def _at_most(limit: int, message) -> MaxValueValidator:
    return MaxValueValidator(limit, message=message)


# The English words a business starts with (the model's defaults and the English presets): as
# long as the business keeps one, it is shown in the reader's language; words the owner typed
# are the business's own and shown as written.
LABEL_WORDS = {
    "professional": pgettext_lazy("what a business calls things", "professional"),
    "professionals": pgettext_lazy("what a business calls things", "professionals"),
    "service": pgettext_lazy("what a business calls things", "service"),
    "services": pgettext_lazy("what a business calls things", "services"),
    "client": pgettext_lazy("what a business calls things", "client"),
    "clients": pgettext_lazy("what a business calls things", "clients"),
    "patient": pgettext_lazy("what a business calls things", "patient"),
    "patients": pgettext_lazy("what a business calls things", "patients"),
    "tutor": pgettext_lazy("what a business calls things", "tutor"),
    "tutors": pgettext_lazy("what a business calls things", "tutors"),
    "lesson": pgettext_lazy("what a business calls things", "lesson"),
    "lessons": pgettext_lazy("what a business calls things", "lessons"),
    "student": pgettext_lazy("what a business calls things", "student"),
    "students": pgettext_lazy("what a business calls things", "students"),
    "space": pgettext_lazy("what a business calls things", "space"),
    "spaces": pgettext_lazy("what a business calls things", "spaces"),
    "rental": pgettext_lazy("what a business calls things", "rental"),
    "rentals": pgettext_lazy("what a business calls things", "rentals"),
}


def label_shown(word: str) -> str:
    """A business's word as its reader sees it: a default word translated, its own as typed."""
    word = "" if word is None else str(word)
    translated = LABEL_WORDS.get(word.strip().lower())
    return str(translated) if translated is not None else word


class BusinessSettings(models.Model):
    """The business's one row of rules, labels and branding (created with its schema)."""

    class Language(models.TextChoices):
        EN = "en", "English"
        PT_BR = "pt-br", "Português (Brasil)"

    # Rules
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    phone_region = models.CharField(
        _("default phone region"),
        max_length=2,
        default="BR",
        help_text=_("Two-letter country code used for phone numbers written without +."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="BRL", help_text=_("ISO code, e.g. BRL, EUR.")
    )
    # Sign-up sets it from the country chosen (tenants.regions); a bare row speaks English.
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=Language.choices,
        default=Language.EN,
        help_text=_(
            "The language of your booking page, of your clients' messages and e-mails, and of "
            "the team's dashboard (each member can choose another in their profile)."
        ),
    )
    slot_interval = models.PositiveSmallIntegerField(
        _("slot interval (minutes)"),
        default=15,
        choices=[(m, f"{m} min") for m in SLOT_INTERVALS],
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=60,
        help_text=_("How soon before a slot it can be booked."),
        validators=[_at_most(MAX_NOTICE_MINUTES, _("At most 90 days (129,600 minutes)."))],
    )
    max_advance_days = models.PositiveIntegerField(
        _("maximum advance (days)"),
        default=60,
        help_text=_("How far ahead clients may book."),
        validators=[_at_most(MAX_ADVANCE_DAYS, _("At most two years (730 days)."))],
    )
    cancellation_window_hours = models.PositiveIntegerField(
        _("cancellation window (hours)"),
        default=24,
        help_text=_("Clients may cancel or reschedule until this many hours before the start."),
        validators=[_at_most(MAX_CANCELLATION_WINDOW_HOURS, _("At most 90 days (2,160 hours)."))],
    )
    requires_approval = models.BooleanField(
        _("public bookings need approval"),
        default=False,
        help_text=_("If on, public bookings stay pending until the team confirms them."),
    )
    # Set by the owner on the Team page: members without an authenticator app set one up before
    # the dashboard opens (accounts.middleware).
    require_two_factor = models.BooleanField(
        _("require two-factor authentication for the team"), default=False
    )
    reminder_offsets = ArrayField(
        models.PositiveIntegerField(),
        default=list,
        blank=True,
        help_text=_("Minutes before the start at which reminders go out, e.g. 1440 and 120."),
    )
    # White-label labels
    label_resource = models.CharField(_("resource (one)"), max_length=40, default="professional")
    label_resource_plural = models.CharField(
        _("resources (many)"), max_length=40, default="professionals"
    )
    label_service = models.CharField(_("service (one)"), max_length=40, default="service")
    label_service_plural = models.CharField(_("services (many)"), max_length=40, default="services")
    label_client = models.CharField(_("client (one)"), max_length=40, default="client")
    label_client_plural = models.CharField(_("clients (many)"), max_length=40, default="clients")
    # Branding
    display_name = models.CharField(_("name shown to clients"), max_length=100, blank=True)
    # Raster images only, checked by content and resized where they are uploaded (no SVG).
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#0f766e", validators=[color_validator]
    )
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # Onboarding: when the owner accepted or skipped the presets offered after sign-up, and when
    # they shared (or copied) the booking page's link. The setup checklist reads both.
    presets_decided_at = models.DateTimeField(null=True, blank=True)
    # Everyday work (G7): a confirmed booking becomes completed this long after its end.
    auto_complete_after_minutes = models.PositiveIntegerField(
        _("mark as completed after (minutes)"),
        default=120,
        db_default=120,
        validators=[MaxValueValidator(60 * 24 * 14)],
        help_text=_("A confirmed booking becomes completed this long after it ends."),
    )
    # Sites allowed to show the booking page in a frame (CSP frame-ancestors), e.g. "example.com".
    embed_domains = ArrayField(
        models.CharField(max_length=253),
        default=list,
        db_default=[],
        blank=True,
        verbose_name=_("your websites"),
    )
    birthday_messages = models.BooleanField(
        _("send birthday messages"), default=False, db_default=False
    )
    booking_page_shared_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business settings")
        verbose_name_plural = _("business settings")
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
        return self.display_name or str(_("Business settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @property
    def labels(self) -> dict[str, str]:
        """What the business calls things, in the active language when they are the defaults."""
        return {
            "resource": label_shown(self.label_resource),
            "resources": label_shown(self.label_resource_plural),
            "service": label_shown(self.label_service),
            "services": label_shown(self.label_service_plural),
            "client": label_shown(self.label_client),
            "clients": label_shown(self.label_client_plural),
        }

    @classmethod
    def load(cls) -> "BusinessSettings":
        return cls.objects.get_or_create(pk=1)[0]


class ResourceCategory(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("resource category")
        verbose_name_plural = _("resource categories")

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """Who or what is booked: a staff member, a piece of equipment or a space."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff member")
        EQUIPMENT = "equipment", _("Equipment")
        SPACE = "space", _("Space")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STAFF)
    category = models.ForeignKey(
        ResourceCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        verbose_name=_("category"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resource",
        help_text=_("The team member whose calendar this is (they see its bookings)."),
    )
    description = models.TextField(_("description"), blank=True)
    color = models.CharField(
        _("colour"), max_length=7, default="#0f766e", validators=[color_validator]
    )
    attributes = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

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


class ServiceCategory(models.Model):
    """A heading that groups services on the booking page ("Hair", "Beard", "Treatments")."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        ServiceCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
        verbose_name=_("category"),
    )
    photo = models.ImageField(
        _("photo"), upload_to="services/", blank=True, default="", db_default=""
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    buffer_before_minutes = models.PositiveIntegerField(_("buffer before (minutes)"), default=0)
    buffer_after_minutes = models.PositiveIntegerField(_("buffer after (minutes)"), default=0)
    resources = models.ManyToManyField(Resource, blank=True, related_name="services")
    is_public = models.BooleanField(_("bookable online"), default=True)
    is_active = models.BooleanField(default=True)
    color = models.CharField(
        _("colour"), max_length=7, default="#0f766e", validators=[color_validator]
    )
    order = models.PositiveIntegerField(_("order"), default=0)

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
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason (optional)"), max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="timeoff_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.reason or f"{self.start:%Y-%m-%d}"


class Question(models.Model):
    """A question the business asks on the booking form, or a field it keeps on each client."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")
        YES_NO = "yes_no", _("Yes or no")

    class Target(models.TextChoices):
        BOOKING = "booking", _("Each booking")
        CLIENT = "client", _("The client (kept on their record)")

    label = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("hint"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, verbose_name=_("choices")
    )
    required = models.BooleanField(_("required"), default=False)
    target = models.CharField(
        _("asked for"), max_length=10, choices=Target.choices, default=Target.BOOKING
    )
    # None chosen: asked for every service.
    services = models.ManyToManyField(
        Service, blank=True, related_name="questions", verbose_name=_("only for")
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="choice") | Q(choices__len__gt=0),
                name="question_choice_has_choices",
            )
        ]

    def __str__(self) -> str:
        return self.label
