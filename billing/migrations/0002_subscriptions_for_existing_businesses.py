"""Businesses that existed before billing get an active subscription on their plan (the default
plan when they had none), a month from now: nothing they had stops working."""

import datetime as dt

from django.db import migrations
from django.utils import timezone


def create(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    Plan = apps.get_model("tenants", "Plan")
    Subscription = apps.get_model("billing", "Subscription")
    SubscriptionEvent = apps.get_model("billing", "SubscriptionEvent")
    default = Plan.objects.filter(is_default=True).first() or Plan.objects.first()
    if default is None:
        return
    now = timezone.now()
    for tenant in Tenant.objects.exclude(schema_name="public").filter(subscription__isnull=True):
        plan = Plan.objects.filter(pk=tenant.plan_id).first() or default
        subscription = Subscription.objects.create(
            tenant=tenant,
            plan=plan,
            status="active",
            current_period_start=now,
            current_period_end=now + dt.timedelta(days=31),
        )
        SubscriptionEvent.objects.create(
            subscription=subscription,
            to_status="active",
            to_plan=plan.code,
            reason="existing business when billing started",
            actor="system",
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("tenants", "0006_four_plans")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
