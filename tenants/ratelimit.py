"""Fixed-window rate limits on the Redis cache, for every host's forms.

The booking pages count per client address; the platform's "find your business" per address
and per e-mail, so neither one address nor one mailbox can be flooded. On a business's host the
cache keys carry its schema (TRAPS #8).
"""

import hashlib
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
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if len(forwarded) < trusted:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-trusted]))
    except ValueError:
        return remote


def limit_hit(*, scope: str, key: str, limit: int, window: int) -> int | None:
    """Count one attempt of `key`; when over `limit` per `window` seconds, the seconds to wait."""
    now = int(time.time())
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # e-mails stay out of Redis
    cache_key = f"rl:{scope}:{digest}:{now // window}"
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        return window - (now % window) or 1
    return None
