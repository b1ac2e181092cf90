"""Beat's schedule and the dispatcher it runs: every minute, one sweep per active business."""

import datetime as dt

import pytest
from celery.beat import Scheduler
from django.conf import settings
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.app import headers_with_schema

from config.celery import app as celery_app
from notifications.tasks import dispatch_all, dispatch_tenant
from tenants.models import Tenant


def test_beat_runs_the_dispatcher_every_60_seconds():
    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == dispatch_all.name]
    assert entry["schedule"] == 60.0
    assert dispatch_all.name in celery_app.tasks
    # As beat itself reads it from the app's configuration.
    scheduler = Scheduler(app=celery_app, lazy=False)
    (scheduled,) = [e for e in scheduler.schedule.values() if e.task == dispatch_all.name]
    assert scheduled.schedule.run_every == dt.timedelta(seconds=60)
    now = scheduled.default_now()
    assert not scheduled.schedule.is_due(now - dt.timedelta(seconds=59)).is_due
    assert scheduled.schedule.is_due(now - dt.timedelta(seconds=61)).is_due


@pytest.fixture
def sent_tasks(monkeypatch):
    """What the app hands the broker: task names and the schema header each carries."""
    sent = []

    def send_task(name, args=None, kwargs=None, **options):
        headers = headers_with_schema(options.get("headers") or {})
        sent.append((name, headers.get("_schema_name")))

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return sent


def test_dispatch_all_sweeps_every_active_business_in_its_schema(db, sent_tasks):
    Tenant.objects.filter(schema_name="beta").update(is_active=False)
    active = set(
        Tenant.objects.filter(is_active=True)
        .exclude(schema_name=get_public_schema_name())
        .values_list("schema_name", flat=True)
    )
    assert "alpha" in active and "beta" not in active
    assert dispatch_all() == len(active)
    assert {name for name, _ in sent_tasks} == {dispatch_tenant.name}
    schemas = [schema for _, schema in sent_tasks]
    assert sorted(schemas) == sorted(active)  # each once, none for the inactive or public one
