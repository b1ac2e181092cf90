"""Writes of the API app: API keys made and revoked (with an audit entry), and the kept answers
of requests sent with an Idempotency-Key."""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from api.models import ApiKey, IdempotentRequest

KEY_PREFIX = "agd_"
# agd_<8 hex: the visible prefix>_<43 url-safe characters: 256 random bits>
KEY_RE = re.compile(r"^agd_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, scopes: Iterable[str], created_by: User) -> tuple[ApiKey, str]:
    """A new key and its secret: the only time the whole key exists outside its owner's hands."""
    while True:
        prefix = secrets.token_hex(4)
        if not ApiKey.objects.filter(prefix=f"{KEY_PREFIX}{prefix}").exists():
            break
    token = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name.strip(),
        prefix=f"{KEY_PREFIX}{prefix}",
        secret_hash=_hash(token),
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    audit_record(
        actor=created_by,
        action="api_key.created",
        target=key,
        target_type="api_key",
        target_label=str(key),
        changes={"name": key.name, "scopes": key.scopes},
    )
    return key, token


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User) -> ApiKey:
    """Stop a key at once; revoking a revoked key changes nothing."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at, api_key.revoked_by = timezone.now(), actor
        api_key.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="api_key.revoked",
            target=api_key,
            target_type="api_key",
            target_label=str(api_key),
        )
    return api_key


def api_key_authenticate(token: str) -> ApiKey | None:
    """The active key this token is, or None (malformed, unknown, revoked or a wrong secret)."""
    match = KEY_RE.match(token or "")
    if match is None:
        return None
    key = (
        ApiKey.objects.select_related("created_by")
        .filter(prefix=f"{KEY_PREFIX}{match.group(1)}", revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(token)):
        return None
    return key


# How often last_used_at is written: a busy key does not write on every request.
LAST_USED_RESOLUTION = timezone.timedelta(minutes=1)


def api_key_touch(*, api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


class IdempotencyMismatch(Exception):
    """The key was used before for a different request."""


@transaction.atomic
def idempotent_call(
    *, api_key: ApiKey, key: str, fingerprint: str, call: Callable[[], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """Run `call` once per (API key, Idempotency-Key): (status, body, replayed).

    Requests with the same key wait for each other (a lock held until this transaction ends),
    then a later one finds the answer the first one stored in the same transaction as its
    change. `call` answers refusals (4xx) too, and those are kept as well: a retry of a
    refused request is told the same, not tried again against a calendar that moved on.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"api-idempotency:{connection.schema_name}:{api_key.pk}:{key}"],
        )
    kept = IdempotentRequest.objects.filter(api_key=api_key, key=key).first()
    if kept is not None:
        if kept.fingerprint != fingerprint:
            raise IdempotencyMismatch
        return kept.status, kept.body, True
    status, body = call()
    IdempotentRequest.objects.create(
        api_key=api_key, key=key, fingerprint=fingerprint, status=status, body=body
    )
    return status, body, False
