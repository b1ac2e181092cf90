"""Writes on businesses: sign-up (tenant, schema, domain, owner), its welcome e-mail, the
"find your business" e-mail, and activation."""

import re

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone as dj_timezone
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts import services as account_services
from accounts.models import User
from tenants.errors import SignupError
from tenants.models import Domain, Plan, Tenant, validate_timezone
from tenants.regions import COUNTRIES, country_for_timezone
from tenants.selectors import public_base_url, tenant_logins_for_email, tenant_primary_domain

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
            _(
                "Use 3 to 40 lowercase letters, digits or hyphens, "
                "starting and ending with a letter or digit."
            ),
            field="slug",
        )
    if "--" in slug:
        raise SignupError("slug_format", _("Two hyphens in a row are not allowed."), field="slug")
    if slug in RESERVED_SLUGS:
        raise SignupError(
            "slug_reserved",
            _("“%(slug)s” is reserved. Please choose another address.") % {"slug": slug},
            field="slug",
        )


def slug_is_taken(slug: str) -> bool:
    return Tenant.objects.filter(schema_name__iexact=slug).exists()


def slug_suggest(name: str) -> str:
    """A free address made of the business name: `Navalha de Ouro` → `navalha-de-ouro`.

    Accents are folded; `-2`, `-3`… are added when the plain one is taken or reserved. Empty
    when the name has too few letters or digits to make one.
    """
    base = re.sub(r"-{2,}", "-", slugify(name).replace("_", "-")).strip("-")[:40].strip("-")
    if len(base) < 3:
        return ""
    taken = set(
        Tenant.objects.filter(schema_name__startswith=base[:30]).values_list(
            "schema_name", flat=True
        )
    )
    candidate, n = base, 1
    while candidate in taken or candidate in RESERVED_SLUGS:
        n += 1
        suffix = f"-{n}"
        candidate = base[: 40 - len(suffix)].rstrip("-") + suffix
    return candidate


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
    phone: str = "",
    address: str = "",
    country: str = "",
    language: str = "",
    plan: Plan | None = None,
) -> tuple[Tenant, User]:
    """Create a business whole or not at all.

    PostgreSQL DDL is transactional, so the schema, its migrations, the tenant and domain rows
    and the owner all commit together; any failure rolls every one of them back.
    Tenant-schema apps add their defaults by reacting to django-tenants' `post_schema_sync`
    (the business's settings take `phone`, E.164, and `address` from the tenant). The owner's
    welcome e-mail goes after the commit.

    `country` (else the time zone's) sets the business's phone region and currency; `language`
    (else the country's, else the active one) the language of its pages, messages and e-mails.
    `plan` (else the default plan) is the one of its 14-day trial, started in this transaction.
    """
    from billing.services import subscription_start
    from billing.terms import default_plan

    slug_validate(slug)
    if slug_is_taken(slug):
        raise SignupError(
            "slug_taken", _("“%(slug)s” is already taken.") % {"slug": slug}, field="slug"
        )
    try:
        validate_timezone(timezone)
    except Exception as exc:
        raise SignupError("timezone", _("Choose a time zone from the list."), "timezone") from exc
    offered = COUNTRIES.get(country) or COUNTRIES[country_for_timezone(timezone)]
    language = _supported_language(language) or _supported_language(offered.language)
    language = language or _supported_language(translation.get_language()) or "en"

    tenant = Tenant(
        schema_name=slug,
        name=name.strip(),
        timezone=timezone,
        business_type=business_type,
        phone=phone,
        address=address.strip(),
        plan=plan or default_plan(),
    )
    try:
        with transaction.atomic():
            tenant.save(verbosity=0)
    except IntegrityError as exc:  # someone took the slug a moment ago
        raise SignupError(
            "slug_taken", _("“%(slug)s” is already taken.") % {"slug": slug}, field="slug"
        ) from exc
    Domain.objects.create(domain=tenant_domain_for(slug), tenant=tenant, is_primary=True)
    with schema_context(tenant.schema_name):
        _settings_for_country(country=offered.code, language=language)
        owner = account_services.user_create(
            email=owner_email,
            password=owner_password,
            full_name=owner_name,
            role=User.Role.OWNER,
        )
    subscription_start(tenant=tenant, plan=tenant.plan)
    _enqueue_on_commit(
        "welcome_mail_send",
        tenant_id=tenant.pk,
        owner_email=owner.email,
        owner_name=owner.get_short_name(),
        language=language,
    )
    return tenant, owner


def _supported_language(code: str | None) -> str:
    """`code` as one of settings.LANGUAGES (`pt-BR` → `pt-br`), else ""."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code.replace("_", "-").lower())
    except LookupError:
        return ""


def _settings_for_country(*, country: str, language: str) -> None:
    """The new business's settings (made by scheduling on schema creation, from the time zone)
    take the chosen country's phone region and currency, and the chosen language."""
    from scheduling.models import BusinessSettings

    BusinessSettings.objects.filter(pk=1).update(
        phone_region=country, currency=COUNTRIES[country].currency, language=language
    )


def _enqueue_on_commit(task_name: str, **kwargs) -> None:
    """Run a tenants task on a worker after the commit; in this process if the broker is down."""
    from config.celery import enqueue_on_commit
    from tenants import tasks

    enqueue_on_commit(getattr(tasks, task_name), **kwargs)


def welcome_mail_send(
    *, tenant_id: int, owner_email: str, owner_name: str = "", language: str = ""
) -> None:
    """The new owner's welcome, in the business's language (`language`, else the one of its
    settings): where their dashboard and their booking page are."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return
    language = _supported_language(language) or _business_language(tenant) or "en"
    with translation.override(language):
        _welcome_mail_send(tenant, owner_email=owner_email, owner_name=owner_name)


def _business_language(tenant: Tenant) -> str:
    from scheduling.models import BusinessSettings

    with schema_context(tenant.schema_name):
        business = BusinessSettings.objects.filter(pk=1).only("language").first()
    return _supported_language(business.language if business else "")


def _trial_facts(tenant: Tenant) -> dict:
    """The trial's plan, length and end date (in the business's time zone and the active
    language), for the welcome; empty when the business has no trial."""
    from billing.models import Subscription
    from scheduling.templatetags.agendo_format import format_day

    subscription = (
        Subscription.objects.select_related("plan")
        .filter(tenant_id=tenant.pk, status=Subscription.Status.TRIALING)
        .first()
    )
    if subscription is None or subscription.trial_ends_at is None:
        return {}
    with dj_timezone.override(tenant.timezone):
        trial_end = format_day(subscription.trial_ends_at, "weekday_year")
    days = (subscription.trial_ends_at - subscription.current_period_start).days
    return {"plan_name": subscription.plan.name, "trial_end": trial_end, "trial_days": days}


def _welcome_mail_send(tenant: Tenant, *, owner_email: str, owner_name: str) -> None:
    base = public_base_url(domain=tenant_primary_domain(tenant))
    context = {
        **_trial_facts(tenant),
        "billing_url": f"{base}/app/billing/",
        "owner_name": owner_name,
        "business_name": tenant.name,
        "booking_url": f"{base}/",
        "dashboard_url": f"{base}/app/",
        "login_url": f"{base}/accounts/login/",
        "email": owner_email,
        "find_url": f"{public_base_url(domain=settings.BASE_DOMAIN)}/login/",
    }
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Welcome! %(business)s is ready") % {
        "business": tenant.name
    }
    body = render_to_string("tenants/email/welcome.txt", context)
    send_mail(subject, body, None, [owner_email])


def login_links_request(*, email: str) -> None:
    """Someone asked which businesses `email` can log in to: answer by e-mail, after commit, in
    the language of the page they asked on.

    The lookup runs on a worker, so the page answers as fast for an unknown e-mail as for a
    known one and says nothing about which it was.
    """
    _enqueue_on_commit(
        "login_links_send",
        email=email.strip().lower(),
        language=_supported_language(translation.get_language()),
    )


def login_links_send(*, email: str, language: str = "") -> int:
    """E-mail `email` a link to the login page of every active business where it has an active
    account, in `language`; nothing when there is none. Returns how many businesses were listed."""
    logins = tenant_logins_for_email(email=email)
    if not logins:
        return 0
    with translation.override(_supported_language(language) or settings.LANGUAGE_CODE):
        _login_links_mail(email=email, logins=logins)
    return len(logins)


def _login_links_mail(*, email: str, logins) -> None:
    context = {"email": email, "logins": logins}
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Your businesses on Agendo")
    body = render_to_string("tenants/email/login_links.txt", context)
    send_mail(subject, body, None, [email])


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
        raise ValueError(_("This WhatsApp number is already connected to another business."))
    WhatsAppNumber.objects.update_or_create(
        tenant=tenant, defaults={"phone_number_id": phone_number_id}
    )


def whatsapp_contacts_touch(*, tenant: Tenant, phone_number_id: str, phones, at) -> None:
    """Remember that this business just wrote to `phones` from `phone_number_id`: one
    INSERT ... ON CONFLICT DO UPDATE, so two sends at once cannot collide."""
    from tenants.models import WhatsAppContact

    WhatsAppContact.objects.bulk_create(
        [
            WhatsAppContact(
                phone_number_id=phone_number_id, phone=phone, tenant=tenant, last_sent_at=at
            )
            for phone in sorted(set(phones))  # once each, in one order: no deadlock between two
        ],
        update_conflicts=True,
        unique_fields=["phone_number_id", "phone"],
        update_fields=["tenant", "last_sent_at"],
    )
