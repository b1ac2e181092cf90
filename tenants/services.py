"""Writes on businesses: sign-up (tenant, schema, domain, owner) and activation."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from accounts import services as account_services
from accounts.models import User
from tenants.errors import SignupError
from tenants.models import Domain, Plan, Tenant, validate_timezone

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    """
    www admin administrator api app apps static media mail email smtp imap pop ftp public
    assets cdn help support status docs blog dashboard account accounts login logout signup
    auth billing webhook webhooks health agendo root system test demo demo-admin postgres
    information-schema
    """.split()
)


def slug_validate(slug: str) -> None:
    if not SLUG_RE.match(slug):
        raise SignupError(
            "slug_format",
            "Use 3 to 40 lowercase letters, digits or hyphens, "
            "starting and ending with a letter or digit.",
            field="slug",
        )
    if "--" in slug:
        raise SignupError("slug_format", "Two hyphens in a row are not allowed.", field="slug")
    if slug in RESERVED_SLUGS:
        raise SignupError(
            "slug_reserved", f"“{slug}” is reserved. Please choose another address.", field="slug"
        )


def slug_is_taken(slug: str) -> bool:
    return Tenant.objects.filter(schema_name__iexact=slug).exists()


def tenant_domain_for(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


@transaction.atomic
def tenant_signup(
    *,
    name: str,
    slug: str,
    owner_email: str,
    owner_password: str,
    owner_name: str = "",
    timezone: str = "UTC",
    business_type: str = Tenant.BusinessType.OTHER,
) -> tuple[Tenant, User]:
    """Create a business whole or not at all.

    PostgreSQL DDL is transactional, so the schema, its migrations, the tenant and domain rows
    and the owner all commit together; any failure rolls every one of them back.
    Tenant-schema apps add their defaults by reacting to django-tenants' `post_schema_sync`.
    """
    slug_validate(slug)
    if slug_is_taken(slug):
        raise SignupError("slug_taken", f"“{slug}” is already taken.", field="slug")
    try:
        validate_timezone(timezone)
    except Exception as exc:
        raise SignupError("timezone", "Choose a time zone from the list.", "timezone") from exc

    tenant = Tenant(
        schema_name=slug,
        name=name.strip(),
        timezone=timezone,
        business_type=business_type,
        plan=Plan.objects.filter(is_default=True).first(),
    )
    try:
        with transaction.atomic():
            tenant.save(verbosity=0)
    except IntegrityError as exc:  # someone took the slug a moment ago
        raise SignupError("slug_taken", f"“{slug}” is already taken.", field="slug") from exc
    Domain.objects.create(domain=tenant_domain_for(slug), tenant=tenant, is_primary=True)
    with schema_context(tenant.schema_name):
        owner = account_services.user_create(
            email=owner_email,
            password=owner_password,
            full_name=owner_name,
            role=User.Role.OWNER,
        )
    return tenant, owner


@transaction.atomic
def tenant_set_active(*, tenant: Tenant, active: bool) -> Tenant:
    tenant.is_active = active
    tenant.save(update_fields=["is_active"])
    return tenant


def whatsapp_number_route(*, tenant: Tenant, phone_number_id: str) -> None:
    """Route webhook events of this phone-number id to the business (none when it is empty).

    Raises ValueError when another business already uses the number.
    """
    from tenants.models import WhatsAppNumber

    phone_number_id = phone_number_id.strip()
    if not phone_number_id:
        WhatsAppNumber.objects.filter(tenant=tenant).delete()
        return
    if (
        WhatsAppNumber.objects.filter(phone_number_id=phone_number_id)
        .exclude(tenant=tenant)
        .exists()
    ):
        raise ValueError("This WhatsApp number is already connected to another business.")
    WhatsAppNumber.objects.update_or_create(
        tenant=tenant, defaults={"phone_number_id": phone_number_id}
    )


def whatsapp_contact_touch(*, tenant: Tenant, phone_number_id: str, phone: str, at) -> None:
    """Remember that this business just wrote to `phone` from `phone_number_id`."""
    from tenants.models import WhatsAppContact

    # One INSERT ... ON CONFLICT DO UPDATE: one query, and two sends at once cannot collide.
    WhatsAppContact.objects.bulk_create(
        [
            WhatsAppContact(
                phone_number_id=phone_number_id, phone=phone, tenant=tenant, last_sent_at=at
            )
        ],
        update_conflicts=True,
        unique_fields=["phone_number_id", "phone"],
        update_fields=["tenant", "last_sent_at"],
    )
