"""The audit trail of setup changes: written by the services with the change, shown in Settings."""

import datetime as dt

import pytest
from django.db import transaction

from accounts.models import AuditEntry
from accounts.tests.factories import OwnerFactory, UserFactory
from conftest import login_as
from scheduling import services
from scheduling.tests.factories import ResourceFactory, ServiceFactory
from scheduling.tests.test_hours import week_post

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(alpha):
    return OwnerFactory(full_name="Olívia Dona")


@pytest.fixture
def owner_client(owner, alpha_client):
    return login_as(alpha_client, owner, "alpha")


def _service_post(**changes) -> dict:
    data = {
        "name": "Corte",
        "duration_minutes": 30,
        "price": "45.00",
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "is_public": "on",
        "color": "#0f766e",
        "order": 0,
    }
    return {**data, **changes}


def test_a_price_change_records_who_and_before_after_and_nothing_when_unchanged(
    owner, owner_client
):
    rafa = ResourceFactory(name="Rafa")
    service = ServiceFactory(name="Corte", duration_minutes=30, price="45.00", performers=[rafa])
    url = f"/app/services/{service.pk}/"
    assert (
        owner_client.post(url, _service_post(price="50.00", resources=[rafa.pk])).status_code == 302
    )

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_label) == (owner, "service.updated", "Corte")
    assert entry.changes == {"price": ["45.00", "50.00"]}

    # Saving the form again unchanged writes nothing.
    owner_client.post(url, _service_post(price="50.00", resources=[rafa.pk]))
    assert AuditEntry.objects.count() == 1
    # Taking Rafa off the service is a change of who performs it.
    owner_client.post(url, _service_post(price="50.00"))
    assert AuditEntry.objects.first().changes == {"resources": [["Rafa"], []]}


def test_the_week_editor_records_the_days_that_changed(owner, owner_client):
    week = {d: [("09:00", "12:00"), ("13:00", "19:00")] for d in range(5)}
    assert owner_client.post("/app/hours/", week_post(week, save="1")).status_code == 302
    first = AuditEntry.objects.get()
    assert first.action == "hours.set" and first.target_label == "Business hours"
    assert first.changes["Monday"] == ["closed", "09:00–12:00, 13:00–19:00"]
    assert "Sunday" not in first.changes

    week[4] = [("09:00", "17:00")]  # Friday closes earlier
    owner_client.post("/app/hours/", week_post(week, save="1"))
    assert AuditEntry.objects.first().changes == {
        "Friday": ["09:00–12:00, 13:00–19:00", "09:00–17:00"]
    }


def test_an_entry_commits_with_its_change_or_not_at_all(alpha, owner):
    service = ServiceFactory(name="Corte")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.service_update(service=service, actor=owner, price="99.00")
        raise RuntimeError  # the caller's transaction fails after the change
    assert not AuditEntry.objects.exists()

    off = services.time_off_create(
        resource=None,
        start=dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC),
        end=dt.datetime(2030, 1, 2, 12, tzinfo=dt.UTC),
        reason="New Year",
        actor=owner,
    )
    services.time_off_delete(time_off=off, actor=None)
    created, deleted = AuditEntry.objects.order_by("id")
    assert created.action == "time_off.created" and created.changes["reason"] == "New Year"
    assert created.changes["who"] == "The whole business"
    assert (deleted.action, deleted.actor, deleted.actor_label) == (
        "time_off.deleted",
        None,
        "system",
    )


def test_history_page_lists_changes_to_managers_only(
    owner, owner_client, alpha_client, django_assert_max_num_queries
):
    for n in range(12):
        services.category_create(name=f"Group {n}", actor=owner)
    owner_client.get("/app/profile/")  # the plan's terms are cached after a business's first page
    with django_assert_max_num_queries(8):
        page = owner_client.get("/app/settings/audit/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Olívia Dona" in body and "category.created" in body and "Group 11" in body
    partial = owner_client.get("/app/settings/audit/", **HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="history-list"')

    login_as(alpha_client, UserFactory(), "alpha")
    assert alpha_client.get("/app/settings/audit/").status_code == 403
