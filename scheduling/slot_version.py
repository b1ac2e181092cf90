"""One number per business that changes whenever its free slots may have changed.

Cached slots (`bookings.slot_cache`) are stored under this version, so bumping it makes every
cached day of the business unreachable at once; nothing has to find and delete them. It lives
in the cache (Redis, with AGENDO_REDIS_PREFIX and the schema in the key, TRAPS #8).

What bumps it, after the transaction that made the change commits (a reader that started
before the commit may still store what it read, but under the old version, which nobody reads
again): saving or deleting a booking, weekly hours, time off, a service, a service category, a
resource or the business's settings, and changing which resources perform a service — by post_save,
post_delete and m2m_changed receivers, so the admin, imports and every service function are
covered. Writes that send no signal (`bulk_create`, `QuerySet.update`, raw SQL) must call
`slots_changed()` themselves (the weekly hours service does); `QuerySet.update` of a
booking's status between occupying states (confirmed → completed) changes no slot.

A fresh version is the clock in nanoseconds, never a small counter: if Redis loses the key,
the next version cannot be one an old cached day was stored under. With Redis unreachable the
cache answers nothing (`config.outages`): readers then get no version and compute afresh.
"""

import logging
import time
from contextlib import nullcontext

import redis
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django_tenants.utils import schema_context

VERSION_KEY = "slots-version"
log = logging.getLogger(__name__)


def slots_version() -> int | None:
    """The current version of this business's slots (made on first use); None without Redis."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _bump(schema: str) -> None:
    # The key carries the schema (TRAPS #8): switch only when called from another one (after
    # the commit), since a switch costs the next query a `SET search_path`.
    switch = schema_context(schema) if connection.schema_name != schema else nullcontext()
    with switch:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet (or Redis lost it): a new one, never an old one
            cache.set(VERSION_KEY, time.time_ns(), timeout=None)
        except redis.RedisError:  # refusing (out of memory…): the change itself stands
            log.exception("the slots version of %s could not be bumped", schema)


def slots_changed() -> None:
    """The current business's slots may have changed: bump the version now and again once the
    transaction commits.

    Now: this transaction's own later reads (and a test's, which never commits) miss what was
    cached before. On commit: whatever a concurrent reader cached meanwhile from the state
    before the commit is left behind too.
    """
    schema = connection.schema_name
    _bump(schema)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _bump(schema))


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata: no business's live data
        return
    if connection.schema_name == "public":
        return
    slots_changed()


def _members_changed(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        _changed(sender, **kwargs)


def watch(*models) -> None:
    """Bump the version whenever a row of `models` is saved or deleted."""
    for model in models:
        uid = f"slot-version-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-delete")


def watch_members(through) -> None:
    """Bump the version whenever rows of a many-to-many `through` table are added or removed."""
    m2m_changed.connect(
        _members_changed, sender=through, dispatch_uid=f"slot-version-{through._meta.label_lower}"
    )
