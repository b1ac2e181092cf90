"""Endpoints' changes go to the audit trail (Settings → History), never their secret."""

import pytest

from accounts.models import AuditEntry
from webhooks import services

pytestmark = pytest.mark.django_db
URL = "https://93.184.215.14/agendo"


def test_adding_changing_disabling_and_deleting_an_endpoint_are_audited(shop, hooks_on):
    owner = shop["owner"]
    endpoint = services.endpoint_create(
        url=URL, events=["booking.created"], description="CRM", created_by=owner
    )
    services.endpoint_update(
        endpoint=endpoint, url=URL, events=["booking.created"], description="CRM", actor=owner
    )  # nothing changed: nothing recorded
    services.endpoint_update(
        endpoint=endpoint,
        url=URL,
        events=["booking.created", "client.created"],
        description="CRM",
        actor=owner,
    )
    services.endpoint_set_active(endpoint=endpoint, active=False, actor=owner)
    services.endpoint_delete(endpoint=endpoint, actor=owner)

    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.actor) for e in entries] == [
        ("webhook.created", owner),
        ("webhook.updated", owner),
        ("webhook.updated", owner),
        ("webhook.deleted", owner),
    ]
    assert entries[0].changes == {"url": URL, "events": ["booking.created"], "description": "CRM"}
    assert entries[1].changes == {
        "events": [["booking.created"], ["booking.created", "client.created"]]
    }
    assert entries[2].changes == {"is_active": [True, False]}
    assert entries[1].action_label == "Webhook endpoint changed"
    assert endpoint.secret not in str([e.changes for e in entries])
