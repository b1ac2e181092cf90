"""Subscriptions, in the public schema: one per business, its history, the billing provider's
events (each stored once) and an operator's overrides of the plan's limits and modules.

Every change of a subscription goes through billing.services.subscription_change, which writes
a SubscriptionEvent in the same transaction.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenants.models import Plan, Tenant

LIMITS = ("staff", "resources", "services", "bookings", "whatsapp")
MODULES = ("whatsapp", "reports", "api", "webhooks", "branding")


class Subscription(models.Model):
    class Status(models.TextChoices):
        TRIALING = "trialing", pgettext_lazy("subscription", "Trial")
        ACTIVE = "active", pgettext_lazy("subscription", "Active")
        PAST_DUE = "past_due", pgettext_lazy("subscription", "Payment overdue")
        SUSPENDED = "suspended", pgettext_lazy("subscription", "Suspended")
        CANCELLED = "cancelled", pgettext_lazy("subscription", "Cancelled")

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TRIALING)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    # past_due: when the grace runs out (beat suspends then).
    grace_ends_at = models.DateTimeField(null=True, blank=True)
    # cancelled at period end: the status stays until then, beat cancels.
    cancel_at_period_end = models.BooleanField(default=False)
    suspended_reason = models.CharField(max_length=255, blank=True)
    # The owner was told the trial ends soon (once per trial).
    trial_notice_sent_at = models.DateTimeField(null=True, blank=True)
    # An owner's plan change waiting for the billing provider or an operator to confirm.
    requested_plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.tenant} · {self.plan} · {self.get_status_display()}"

    @property
    def pauses_booking(self) -> bool:
        """Suspended or cancelled: online booking paused, the dashboard read-only."""
        return self.status in (self.Status.SUSPENDED, self.Status.CANCELLED)


class SubscriptionEvent(models.Model):
    class Actor(models.TextChoices):
        OWNER = "owner", _("Owner")
        OPERATOR = "operator", _("Operator")
        BILLING = "billing", _("Billing provider")
        BEAT = "beat", _("Schedule")
        SYSTEM = "system", _("Agendo")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    from_plan = models.CharField(max_length=40, blank=True)
    to_plan = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=255)
    actor = models.CharField(max_length=10, choices=Actor.choices)
    actor_email = models.CharField(max_length=254, blank=True)
    billing_event_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription event")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status} ({self.reason})"


class BillingEvent(models.Model):
    """A webhook event as received; its id is stored once, so a replay changes nothing."""

    event_id = models.CharField(max_length=120, unique=True)
    type = models.CharField(max_length=60)
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.SET_NULL)
    payload = models.JSONField()
    outcome = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("billing event")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class PlanOverride(models.Model):
    """An operator's exception for one business: a limit (empty value = unlimited) or a module."""

    KEYS = [(f"max_{k}", f"limit: {k}") for k in LIMITS] + [
        (f"module_{m}", f"module: {m}") for m in MODULES
    ]

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="plan_overrides")
    key = models.CharField(max_length=30, choices=KEYS)
    limit = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("For a limit: the number; empty means unlimited.")
    )
    enabled = models.BooleanField(default=True, help_text=_("For a module: on or off."))
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan override")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="plan_override_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.key}"
