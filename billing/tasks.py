"""Billing's background work: the sweep (beat) and the owners' e-mails."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from billing import services
from billing.models import Subscription
from tenants.selectors import public_base_url, tenant_primary_domain

SUBJECTS = {
    "trial_ending": lambda: _("Your trial of Agendo ends in 3 days"),
    "trial_over": lambda: _("Your trial has ended: bookings keep working for now"),
    "payment_failed": lambda: _("Your payment did not go through"),
}


@shared_task
def subscriptions_sweep() -> dict[str, int]:
    return services.subscriptions_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def owner_mail_send(*, tenant_id: int, kind: str) -> int:
    """Tell the business's owners, in the business's language; how many were written to."""
    from accounts.models import User
    from scheduling.models import BusinessSettings

    subscription = Subscription.objects.select_related("tenant", "plan").filter(tenant_id=tenant_id)
    subscription = subscription.first()
    if subscription is None or kind not in SUBJECTS:
        return 0
    tenant = subscription.tenant
    with schema_context(tenant.schema_name):
        owners = list(
            User.objects.filter(role=User.Role.OWNER, is_active=True).values_list(
                "email", flat=True
            )
        )
        business = BusinessSettings.objects.filter(pk=1).only("language").first()
    base = public_base_url(domain=tenant_primary_domain(tenant))
    with translation.override(business.language if business else "en"):
        context = {
            "business_name": tenant.name,
            "subscription": subscription,
            "billing_url": f"{base}/app/billing/",
            "grace_days": settings.BILLING_GRACE_DAYS,
        }
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + SUBJECTS[kind]()
        body = render_to_string(f"billing/email/{kind}.txt", context)
    if owners:
        send_mail(subject, body, None, owners)
    return len(owners)
