"""What a web request does while PostgreSQL or Redis is down: a 503 page, or carry on without Redis.

PostgreSQL holds every page's data, so while it is unreachable (stopped, restarting, refusing
connections) a request cannot be served: `server_error` (the 500 handler of both URL confs) answers
those with a 503 page and `Retry-After` instead of "something went wrong on our side". Once the
database is back, `CONN_HEALTH_CHECKS` (TRAPS #14) replaces each worker's dead connection before
it is used, so no request after the outage fails.

Redis only holds what can be lost (rate-limit counters, cached lookups; the broker's tasks are
backed by the outbox), so `FailOpenRedisCache` treats an unreachable Redis as an empty cache that
keeps nothing: reads miss, writes are dropped and `incr` finds no key, but `add` reports success,
so that what is built on it (allauth's rate-limit lock, our counters) lets the request through
instead of refusing it. Rate limits are not enforced meanwhile; pages and bookings keep working.
After a failure it leaves Redis alone for `RETRY_SECONDS`, so a Redis that hangs costs one socket
timeout per process and period, not one per cache call.
"""

import logging
import sys
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

log = logging.getLogger(__name__)

# SQLSTATEs of an OperationalError that mean "no database to talk to", not "this query failed":
# connection exceptions (class 08), the server shutting down or starting up, no free connection.
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` (or an exception it was raised from) says PostgreSQL cannot be reached."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, InterfaceError):  # a connection closed under our feet
            return True
        if isinstance(exc, OperationalError):
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            # No SQLSTATE: the client library failed to connect or lost the socket.
            if sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES:
                return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@requires_csrf_token
def server_error(request):
    """handler500: a database outage is a 503 with Retry-After; anything else Django's 500 page."""
    if database_unavailable(sys.exc_info()[1]):
        # Rendered without the request's context: its processors would ask the database again.
        body = loader.get_template("503.html").render()
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)


# --- Redis ---------------------------------------------------------------------------------------

RETRY_SECONDS = 5.0
_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class _OneClientPerPool(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every cache call, about 0.14 ms each (its
    table of some 170 response callbacks); a page asks the cache three or four times. One per
    connection pool does the same work (a `redis.Redis` takes a pooled connection per command,
    so it is safe to share between threads)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache that behaves as an empty, forgetful cache while Redis is unreachable."""

    _class = _OneClientPerPool

    # location → monotonic time before which Redis is not tried again (shared by every thread's
    # instance of the backend in this process).
    _down_until: dict[str, float] = {}
    _lock = threading.Lock()

    @property
    def _location(self) -> str:
        return ",".join(self._servers)

    def _call(self, name: str, fallback, *args, **kwargs):
        if self._down_until.get(self._location, 0.0) > time.monotonic():
            return fallback
        try:
            return getattr(super(), name)(*args, **kwargs)
        except _UNREACHABLE as exc:
            with self._lock:
                first = self._down_until.get(self._location, 0.0) <= time.monotonic()
                self._down_until[self._location] = time.monotonic() + RETRY_SECONDS
            if first:
                log.warning("cache unavailable, carrying on without it: %s", exc)
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call("incr", missing, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
