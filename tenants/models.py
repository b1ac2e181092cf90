"""Public-schema models: the businesses (tenants), their domains and plans."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone.", code="invalid_timezone")


class Plan(models.Model):
    """What a business may use: limits (empty = unlimited) and modules. billing.terms reads
    them by name (`max_<limit>`, `module_<module>`); an operator overrides them per business."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    monthly_price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="BRL")
    max_staff = models.PositiveIntegerField(
        "staff accounts", null=True, blank=True, help_text="Empty means unlimited."
    )
    max_resources = models.PositiveIntegerField(
        "resources", null=True, blank=True, help_text="Empty means unlimited."
    )
    max_services = models.PositiveIntegerField(
        "active services", null=True, blank=True, help_text="Empty means unlimited."
    )
    max_bookings = models.PositiveIntegerField(
        "bookings per period",
        null=True,
        blank=True,
        help_text="Bookings created in one billing period. Empty means unlimited.",
    )
    max_whatsapp = models.PositiveIntegerField(
        "WhatsApp messages per period", null=True, blank=True, help_text="Empty means unlimited."
    )
    module_whatsapp = models.BooleanField("WhatsApp messages", default=False)
    module_reports = models.BooleanField("reports", default=False)
    module_api = models.BooleanField("JSON API", default=False)
    module_webhooks = models.BooleanField("webhooks", default=False)
    module_branding = models.BooleanField(
        "own branding", default=False, help_text="Own colours and logo, no “Powered by Agendo”."
    )
    is_public = models.BooleanField(
        default=True, help_text="Offered at sign-up and on the billing page."
    )
    is_default = models.BooleanField(default=False, help_text="Given to new sign-ups.")

    class Meta:
        ordering = ["monthly_price", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="plan_single_default",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_price__gte=0), name="plan_price_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tenant(TenantMixin):
    """A business. Its slug is its PostgreSQL schema name and its subdomain."""

    class BusinessType(models.TextChoices):
        BARBER = "barber", "Barbershop or salon"
        CLINIC = "clinic", "Clinic or therapist"
        TUTOR = "tutor", "Tutor or trainer"
        RENTAL = "rental", "Equipment or room rental"
        OTHER = "other", "Other service business"

    name = models.CharField(max_length=100)
    is_active = models.BooleanField(
        default=True, help_text="An inactive business's pages show a “closed” notice."
    )
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    business_type = models.CharField(
        max_length=20, choices=BusinessType.choices, default=BusinessType.OTHER
    )
    # Given at sign-up; copied into the business's own settings when its schema is created.
    phone = models.CharField(
        "phone (WhatsApp)", max_length=20, blank=True, help_text="E.164, e.g. +5511912345678."
    )
    address = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """A new business's schema is a clone of the migrated template (`tenants.schema_base`),
        not a run of every migration; without `TENANT_BASE_SCHEMA`, django-tenants' way."""
        from tenants.schema_base import base_schema_name, schema_clone

        if not (sync_schema and base_schema_name()) or self.schema_name == "public":
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        schema_clone(self.schema_name)
        return True

    @property
    def slug(self) -> str:
        return self.schema_name

    @property
    def is_public(self) -> bool:
        from django_tenants.utils import get_public_schema_name

        return self.schema_name == get_public_schema_name()


class Domain(DomainMixin):
    class Meta:
        ordering = ["-is_primary", "domain"]

    def __str__(self) -> str:
        return self.domain


class WhatsAppNumber(models.Model):
    """Which business owns a WhatsApp phone-number id: routes webhook events to its schema.

    Kept in step with each business's channel settings (`notifications` writes it on save).
    """

    phone_number_id = models.CharField(max_length=40, unique=True)
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="whatsapp_number")

    def __str__(self) -> str:
        return f"{self.phone_number_id} → {self.tenant}"


class WhatsAppContact(models.Model):
    """The business that last wrote to a client from a phone-number id.

    The platform's own number is shared by every business without one of its own: a client's
    reply to it goes to the business that last sent them a message from it.
    """

    phone_number_id = models.CharField(max_length=40)
    phone = models.CharField(max_length=20, help_text="The client's number, E.164.")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    last_sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone_number_id", "phone"], name="whatsapp_contact_once_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone} via {self.phone_number_id} → {self.tenant}"
