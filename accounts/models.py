"""The one user model: operators in the public schema, a business's team in its own schema."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if not extra["is_staff"] or not extra["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        STAFF = "staff", _("Staff")

    class Alerts(models.TextChoices):
        """Which staff alerts (new, moved, cancelled bookings) this member receives by e-mail."""

        OWN = "own", _("Own bookings")
        UNOWNED = "unowned", _("Own + resources without login")
        NONE = "none", pgettext_lazy("alerts", "None")

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive users cannot log in; their history stays.")
    )
    # Django admin access; only operators (public schema) have it.
    is_staff = models.BooleanField("operator", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Empty until the member (or a manager) chooses: then the role decides (`alerts_effective`).
    alerts = models.CharField(
        _("staff alerts"), max_length=10, choices=Alerts.choices, blank=True, default=""
    )
    # Empty: the business's language (config.i18n reads it for the staff pages).
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, blank=True, default=""
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "admin", "staff"]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(alerts__in=["", "own", "unowned", "none"]),
                name="user_alerts_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]

    @property
    def is_manager(self) -> bool:
        """Owners and admins manage the business: services, rules, team."""
        return self.role in (self.Role.OWNER, self.Role.ADMIN)

    @property
    def alerts_effective(self) -> str:
        """The member's choice; without one, owners and admins also hear of the bookings of
        resources nobody logs in as (equipment, a professional without an account)."""
        if self.alerts:
            return self.alerts
        return self.Alerts.UNOWNED if self.is_manager else self.Alerts.OWN

    @property
    def has_accepted_invite(self) -> bool:
        return self.has_usable_password()


class AuditEntry(models.Model):
    """Who changed what, when: a business's setup (services, resources, hours, rules…) in its
    schema, the platform's in the public one. Bookings keep their own trail (BookingEvent)."""

    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted when there is no user (a command, the system) or the user was deleted since.
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, help_text="e.g. service.updated, hours.set")
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(max_length=200, blank=True, help_text="Its name at the time.")
    # {field: [before, after]} for an update, {field: value} for a creation or deletion.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target_label}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language ("Service changed"); an unknown code as it is."""
        return str(AUDIT_ACTIONS.get(self.action, self.action))

    @property
    def target_text(self) -> str:
        """The stored label (English words the services wrote) in the reader's language."""
        label = self.target_label
        if self.target_type in AUDIT_TARGET_TEXTS:
            return str(AUDIT_TARGET_TEXTS[self.target_type](label))
        if self.target_type == "hours":
            if label == "Business hours":
                return str(_("Business hours"))
            if label.startswith("Hours of "):
                return str(_("Hours of %(name)s") % {"name": label.removeprefix("Hours of ")})
        if self.target_type == "presets":
            if label == "Ready setup":
                return str(_("Ready setup"))
            if label.startswith("Ready setup: "):
                kind = label.removeprefix("Ready setup: ")
                return str(_("Ready setup: %(type)s") % {"type": kind})
        return label

    @property
    def change_rows(self) -> list[tuple[str, str | None, str]]:
        """(what, before, after) rows to show; before is None for a creation or deletion."""
        is_diff = self.action.endswith((".updated", ".set", ".reset"))
        rows = []
        for field, value in self.changes.items():
            label = _field_label(field)
            if is_diff and isinstance(value, list) and len(value) == 2:
                rows.append((label, _readable(value[0]), _readable(value[1])))
            else:
                rows.append((label, None, _readable(value)))
        return rows


# What the history page calls each action and each changed field (stored as codes and names).
AUDIT_ACTIONS = {
    "service.created": _("Service created"),
    "service.updated": _("Service changed"),
    "resource.created": _("Resource created"),
    "resource.updated": _("Resource changed"),
    "category.created": _("Category created"),
    "category.updated": _("Category changed"),
    "category.deleted": _("Category deleted"),
    "service_category.created": _("Category of services created"),
    "service_category.updated": _("Category of services changed"),
    "service_category.deleted": _("Category of services deleted"),
    "hours.set": _("Hours changed"),
    "hours.reset": _("Own hours removed"),
    "time_off.created": _("Time off added"),
    "time_off.deleted": _("Time off removed"),
    "settings.updated": _("Settings changed"),
    "presets.accepted": _("Ready setup accepted"),
    "presets.skipped": _("Ready setup skipped"),
    "member.invited": _("Team member invited"),
    "member.invite_resent": _("Invitation sent again"),
    "member.updated": _("Team member changed"),
}
AUDIT_FIELDS = {
    "name": _("Name"),
    "kind": _("Kind"),
    "category": _("Category"),
    "user": _("Team member"),
    "description": _("Description"),
    "color": _("Colour"),
    "order": _("Order"),
    "attributes": _("Details"),
    "services": _("Services"),
    "resources": _("Who performs it"),
    "resource": _("Resource"),
    "duration_minutes": _("Duration (minutes)"),
    "price": _("Price"),
    "buffer_before_minutes": _("Buffer before (minutes)"),
    "buffer_after_minutes": _("Buffer after (minutes)"),
    "is_public": _("Bookable online"),
    "is_active": _("Active"),
    "start": _("From"),
    "end": _("Until"),
    "reason": _("Reason"),
    "who": _("Who"),
    "hours": _("Opening hours"),
    "own hours": _("Own hours"),
    "display_name": _("Name shown to clients"),
    "timezone": _("Time zone"),
    "language": _("Language"),
    "phone_region": _("Default phone region"),
    "currency": _("Currency"),
    "slot_interval": _("Slot interval (minutes)"),
    "min_notice_minutes": _("Minimum notice (minutes)"),
    "max_advance_days": _("Maximum advance (days)"),
    "cancellation_window_hours": _("Cancellation window (hours)"),
    "requires_approval": _("Public bookings need approval"),
    "require_two_factor": _("Two-factor authentication required"),
    "reminder_offsets": _("Reminders (minutes before)"),
    "label_resource": _("Resource (one)"),
    "label_resource_plural": _("Resources (many)"),
    "label_service": _("Service (one)"),
    "label_service_plural": _("Services (many)"),
    "label_client": _("Client (one)"),
    "label_client_plural": _("Clients (many)"),
    "logo": _("Logo"),
    "photo": _("Photo"),
    "embed_domains": _("Your websites"),
    "primary_color": _("Primary colour"),
    "contact_phone": _("Contact phone"),
    "contact_email": _("Contact e-mail"),
    "address": _("Address"),
    "auto_complete_after_minutes": _("Mark as completed after (minutes)"),
    "birthday_messages": _("Send birthday messages"),
    "email": _("E-mail"),
    "full_name": _("Full name"),
    "role": _("Role"),
}
# Values the services store as English words.
AUDIT_VALUES = {
    "closed": _("closed"),
    "The whole business": _("The whole business"),
    **{role.value: role.label for role in User.Role},
}
# How the history page names an entry's target, by its type, when the stored label is a code
# (e.g. a message template's "reminder:whatsapp"); apps add theirs in `ready()`.
AUDIT_TARGET_TEXTS: dict = {}
# The history page's filter: kind of change → the action prefixes it covers ("other": the rest).
AUDIT_KINDS = {
    "settings": (_("Rules and branding"), ("settings.", "presets.")),
    "services": (_("Services"), ("service.", "service_category.", "question.")),
    "resources": (_("Resources and categories"), ("resource.", "category.")),
    "hours": (_("Hours and time off"), ("hours.", "time_off.")),
    "team": (_("Team"), ("member.",)),
    "messages": (_("Messages and channels"), ("template.", "channels.")),
    "integrations": (_("API keys, webhooks and feeds"), ("api_key.", "webhook.", "feed.")),
}
WEEKDAY_NAMES = {
    "Monday": _("Monday"),
    "Tuesday": _("Tuesday"),
    "Wednesday": _("Wednesday"),
    "Thursday": _("Thursday"),
    "Friday": _("Friday"),
    "Saturday": _("Saturday"),
    "Sunday": _("Sunday"),
}


def _field_label(field: str) -> str:
    label = AUDIT_FIELDS.get(field) or WEEKDAY_NAMES.get(field)
    return str(label) if label else field.replace("_", " ").capitalize()


def _readable(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{_field_label(k)}: {_readable(v)}" for k, v in value.items())
    if isinstance(value, str) and value in AUDIT_VALUES:
        return str(AUDIT_VALUES[value])
    return str(value)
