"""Every change of a subscription: one function writes it and its SubscriptionEvent together.

trialing ─┬─> active ⇄ past_due ─> suspended ─> active (reactivated)
          ├─> past_due (trial over, no payment: the grace starts)
          └─> suspended / cancelled                 cancelled ─> active (reactivated)

Nothing here deletes data; a paused business keeps its bookings, clients and reminders.
"""

import calendar
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import AgendoError
from billing import usage
from billing.limits import LIMIT_NAMES, forget_terms
from billing.models import LIMITS, Subscription, SubscriptionEvent
from billing.terms import default_plan
from tenants.models import Plan, Tenant

Status = Subscription.Status
Actor = SubscriptionEvent.Actor

# Where each status may go (staying is allowed too: a plan change, a new period end).
ALLOWED = {
    Status.TRIALING: {
        Status.TRIALING,
        Status.ACTIVE,
        Status.PAST_DUE,
        Status.SUSPENDED,
        Status.CANCELLED,
    },
    Status.ACTIVE: {Status.ACTIVE, Status.PAST_DUE, Status.SUSPENDED, Status.CANCELLED},
    Status.PAST_DUE: {Status.ACTIVE, Status.PAST_DUE, Status.SUSPENDED, Status.CANCELLED},
    Status.SUSPENDED: {Status.ACTIVE, Status.SUSPENDED, Status.CANCELLED},
    Status.CANCELLED: {Status.ACTIVE, Status.CANCELLED},
}


class BillingError(AgendoError):
    statuses = {"not_allowed": 409, "over_limits": 409}


def _month_after(moment: dt.datetime) -> dt.datetime:
    """The same day and time next month (the 31st becomes the month's last day)."""
    year, month = moment.year + moment.month // 12, moment.month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last))


@transaction.atomic
def subscription_start(
    *, tenant: Tenant, plan: Plan | None = None, now: dt.datetime | None = None, actor=Actor.OWNER
) -> Subscription:
    """A new business's trial on the plan chosen at sign-up (else the default plan)."""
    now = now or timezone.now()
    plan = plan or tenant.plan or default_plan()
    trial_end = now + dt.timedelta(days=settings.BILLING_TRIAL_DAYS)
    subscription = Subscription.objects.create(
        tenant=tenant,
        plan=plan,
        status=Status.TRIALING,
        trial_ends_at=trial_end,
        current_period_start=now,
        current_period_end=trial_end,
    )
    if tenant.plan_id != plan.pk:
        Tenant.objects.filter(pk=tenant.pk).update(plan=plan)
    SubscriptionEvent.objects.create(
        subscription=subscription,
        to_status=Status.TRIALING,
        to_plan=plan.code,
        reason="sign-up",
        actor=actor,
    )
    return subscription


@transaction.atomic
def subscription_change(
    *,
    subscription: Subscription,
    reason: str,
    actor: str,
    status: str | None = None,
    plan: Plan | None = None,
    actor_email: str = "",
    billing_event_id: str = "",
    now: dt.datetime | None = None,
    **fields,
) -> Subscription:
    """The one way a subscription changes: status and/or plan and period fields, checked against
    ALLOWED, with its event. Returns the row as saved (locked while it changes)."""
    now = now or timezone.now()
    sub = Subscription.objects.select_for_update().select_related("plan").get(pk=subscription.pk)
    before_status, before_plan = sub.status, sub.plan.code
    target = status or sub.status
    if target not in ALLOWED[sub.status]:
        raise BillingError(
            "not_allowed",
            _("A subscription that is %(from)s cannot become %(to)s.")
            % {"from": sub.get_status_display(), "to": Status(target).label},
        )
    sub.status = target
    if plan is not None:
        sub.plan = plan
        if sub.requested_plan_id == plan.pk:
            sub.requested_plan = None
    if target == Status.PAST_DUE and before_status != Status.PAST_DUE:
        sub.grace_ends_at = now + dt.timedelta(days=settings.BILLING_GRACE_DAYS)
    if target in (Status.ACTIVE, Status.TRIALING):
        sub.grace_ends_at = None
        sub.suspended_reason = ""
    for name, value in fields.items():
        setattr(sub, name, value)
    sub.save()
    if plan is not None and sub.tenant.plan_id != plan.pk:
        Tenant.objects.filter(pk=sub.tenant_id).update(plan=plan)
    SubscriptionEvent.objects.create(
        subscription=sub,
        from_status=before_status,
        to_status=sub.status,
        from_plan=before_plan,
        to_plan=sub.plan.code,
        reason=reason[:255],
        actor=actor,
        actor_email=actor_email,
        billing_event_id=billing_event_id,
    )
    forget_terms()
    if target == Status.PAST_DUE and before_status != Status.PAST_DUE:
        _owner_mail_later(sub, "payment_failed" if actor == Actor.BILLING else "trial_over")
    return sub


# --- The changes people and providers ask for ----------------------------------------------------


def subscription_activate(
    *, subscription, period_end: dt.datetime | None = None, actor=Actor.BILLING, **kwargs
) -> Subscription:
    """Paid: active for a period (from now to `period_end`, default a month)."""
    now = kwargs.pop("now", None) or timezone.now()
    return subscription_change(
        subscription=subscription,
        status=Status.ACTIVE,
        reason=kwargs.pop("reason", "payment received"),
        actor=actor,
        now=now,
        current_period_start=now,
        current_period_end=period_end or _month_after(now),
        **kwargs,
    )


def subscription_suspend(*, subscription, reason: str, actor=Actor.OPERATOR, **kwargs):
    return subscription_change(
        subscription=subscription,
        status=Status.SUSPENDED,
        reason=reason,
        actor=actor,
        suspended_reason=reason,
        **kwargs,
    )


def subscription_reactivate(*, subscription, actor=Actor.OPERATOR, **kwargs) -> Subscription:
    """Back to active from any state: a new period from now; everything works again."""
    return subscription_activate(
        subscription=subscription, actor=actor, reason=kwargs.pop("reason", "reactivated"), **kwargs
    )


def subscription_extend_trial(*, subscription, days: int, actor=Actor.OPERATOR, **kwargs):
    if subscription.status != Status.TRIALING:
        raise BillingError("not_allowed", _("Only a trial can be extended."))
    end = (subscription.trial_ends_at or timezone.now()) + dt.timedelta(days=days)
    return subscription_change(
        subscription=subscription,
        reason=kwargs.pop("reason", f"trial extended by {days} days"),
        actor=actor,
        trial_ends_at=end,
        current_period_end=end,
        trial_notice_sent_at=None,
        **kwargs,
    )


def over_limits(plan: Plan, subscription: Subscription) -> list[str]:
    """What the business would have to remove first to fit `plan` (empty: it fits)."""
    from billing.terms import plan_terms

    limits, _modules = plan_terms(plan, subscription.tenant.plan_overrides.all())
    used = usage.usage(subscription.current_period_start, subscription.current_period_end)
    lines = []
    for key in LIMITS:
        limit = limits.get(key)
        if limit is not None and used[key] > limit and key not in ("bookings", "whatsapp"):
            lines.append(
                _("%(what)s: %(used)s, the plan allows %(limit)s — remove %(extra)s")
                % {
                    "used": used[key],
                    "what": LIMIT_NAMES[key],
                    "limit": limit,
                    "extra": used[key] - limit,
                }
            )
    return lines


def subscription_change_plan(
    *, subscription: Subscription, plan: Plan, actor=Actor.OWNER, **kwargs
) -> Subscription:
    """An upgrade applies at once; a downgrade only when the business fits the smaller plan
    (else BillingError "over_limits" whose message lists what to remove first). Either way the
    billing provider (its `plan.changed`) or an operator confirms the price: the request stays
    on the subscription as `requested_plan` until then."""
    if plan.pk == subscription.plan_id:
        return subscription
    problems = over_limits(plan, subscription)
    if problems:
        raise BillingError(
            "over_limits",
            _("%(plan)s is too small for this business today. First: %(list)s.")
            % {"plan": plan.name, "list": "; ".join(problems)},
        )
    return subscription_change(
        subscription=subscription,
        plan=plan,
        reason=kwargs.pop("reason", f"plan changed to {plan.code}, to be confirmed by billing"),
        actor=actor,
        requested_plan=plan if actor == Actor.OWNER else None,
        **kwargs,
    )


# --- Beat ------------------------------------------------------------------------------------


def subscriptions_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Move on what ran out: trials (→ past_due, the grace starts), graces (→ suspended),
    cancellations at period end (→ cancelled); tell owners 3 days before a trial ends.
    Idempotent: each row changes at most once per state."""
    now = now or timezone.now()
    done = {"trial_over": 0, "grace_over": 0, "cancelled": 0, "trial_notice": 0}
    for sub in Subscription.objects.filter(status=Status.TRIALING, trial_ends_at__lte=now):
        subscription_change(
            subscription=sub,
            status=Status.PAST_DUE,
            reason="trial ended without a payment",
            actor=Actor.BEAT,
            now=now,
        )
        done["trial_over"] += 1
    for sub in Subscription.objects.filter(status=Status.PAST_DUE, grace_ends_at__lte=now):
        subscription_suspend(
            subscription=sub, reason="grace period over, no payment", actor=Actor.BEAT, now=now
        )
        done["grace_over"] += 1
    ending = Subscription.objects.filter(
        cancel_at_period_end=True, current_period_end__lte=now
    ).exclude(status=Status.CANCELLED)
    for sub in ending:
        subscription_change(
            subscription=sub,
            status=Status.CANCELLED,
            reason="cancelled at the end of the period",
            actor=Actor.BEAT,
            now=now,
            cancel_at_period_end=False,
        )
        done["cancelled"] += 1
    soon = Subscription.objects.filter(
        status=Status.TRIALING,
        trial_notice_sent_at__isnull=True,
        trial_ends_at__lte=now + dt.timedelta(days=3),
    )
    for sub in soon:
        # Claimed first: a second sweep running at once finds nothing to send.
        if Subscription.objects.filter(pk=sub.pk, trial_notice_sent_at__isnull=True).update(
            trial_notice_sent_at=now
        ):
            _owner_mail_later(sub, "trial_ending")
            done["trial_notice"] += 1
    return done


def _owner_mail_later(subscription: Subscription, kind: str) -> None:
    from billing.tasks import owner_mail_send
    from config.celery import enqueue_on_commit

    enqueue_on_commit(owner_mail_send, tenant_id=subscription.tenant_id, kind=kind)
