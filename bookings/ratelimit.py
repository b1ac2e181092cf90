"""A fixed-window rate limit per client address on the Redis cache (keys carry the schema)."""

import time

from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


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
