"""Billing's background work: the sweep (beat) and the owners' e-mails."""

from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _

from billing import services
from billing.models import Subscription
from tenants.mail import owners_mail

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
    subscription = (
        Subscription.objects.select_related("tenant", "plan").filter(tenant_id=tenant_id).first()
    )
    if subscription is None or kind not in SUBJECTS:
        return 0
    return owners_mail(
        subscription.tenant,
        subject=SUBJECTS[kind],
        template=f"billing/email/{kind}.txt",
        context={
            "subscription": subscription,
            "billing_path": "/app/billing/",
            "grace_days": settings.BILLING_GRACE_DAYS,
        },
    )
