"""A fixed-window rate limit per client address on the Redis cache (keys carry the schema)."""

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies their report.

    Each proxy appends the address it was reached from to X-Forwarded-For, so with N trusted
    proxies the client is the N-th entry from the right; anything further left is whatever the
    client sent and can be forged. A header shorter than N did not come through our proxies.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-trusted]))
    except ValueError:
        return remote


def rate_limit_hit(request, *, scope: str, limit: int, window: int) -> int | None:
    """Count one attempt; when over `limit` per `window` seconds, the seconds left to wait."""
    now = int(time.time())
    bucket = now // window
    key = f"rl:{scope}:{client_ip(request)}:{bucket}"
    if cache.add(key, 1, timeout=window + 1):
        return None
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return None
    if count > limit:
        return window - (now % window) or 1
    return None
