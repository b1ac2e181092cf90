"""The audit trail of setup changes: one function writes an entry, one takes the snapshots.

Services call `audit_record` inside their own transaction, so a change and its entry commit
together or not at all. Values are stored as text people can read ("09:00", "45.00", names).
"""

import datetime as dt
from decimal import Decimal

from django.db import models

from accounts.models import AuditEntry, User


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "name"):  # a file field's value
        return value.name or ""
    return str(value)


def audit_snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The named fields of `instance` as plain values (a relation as its text)."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def audit_diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields that changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_label: str = "",
    changes: dict | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Write one entry; call it inside the change's own transaction."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label or (actor.get_full_name() if actor is not None else "system"),
        action=action,
        target_type=target_type or (target._meta.model_name if target is not None else ""),
        target_id=str(target.pk) if target is not None and target.pk else "",
        target_label=(target_label or (str(target) if target is not None else ""))[:200],
        changes=_plain(changes or {}),
    )
