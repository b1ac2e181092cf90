"""The one user model: operators in the public schema, a business's team in its own schema."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


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
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        STAFF = "staff", "Staff"

    class Alerts(models.TextChoices):
        """Which staff alerts (new, moved, cancelled bookings) this member receives by e-mail."""

        OWN = "own", "Own bookings"
        UNOWNED = "unowned", "Own + resources without login"
        NONE = "none", "None"

    email = models.EmailField("e-mail", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(
        default=True, help_text="Inactive users cannot log in; their history stays."
    )
    # Django admin access; only operators (public schema) have it.
    is_staff = models.BooleanField("operator", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Empty until the member (or a manager) chooses: then the role decides (`alerts_effective`).
    alerts = models.CharField(
        "staff alerts", max_length=10, choices=Alerts.choices, blank=True, default=""
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
    def change_rows(self) -> list[tuple[str, str | None, str]]:
        """(what, before, after) rows to show; before is None for a creation or deletion."""
        is_diff = self.action.endswith((".updated", ".set"))
        rows = []
        for field, value in self.changes.items():
            label = field.replace("_", " ").capitalize()
            if is_diff and isinstance(value, list) and len(value) == 2:
                rows.append((label, _readable(value[0]), _readable(value[1])))
            else:
                rows.append((label, None, _readable(value)))
        return rows


def _readable(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_readable(v)}" for k, v in value.items())
    return str(value)
