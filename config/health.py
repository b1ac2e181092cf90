"""/health/ on every host: database, Redis and a Celery worker, each with a short timeout.

Served by `HealthMiddleware` ahead of the tenant middleware: choosing a tenant reads the
database, so behind it a database outage would be a 500 instead of a report that names it.
"""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def _check_worker() -> None:
    from config.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
        # limit=1: answer as soon as one worker replies instead of waiting out the timeout.
        replies = app.control.ping(timeout=settings.HEALTH_WORKER_TIMEOUT, connection=conn, limit=1)
    if not replies:
        raise RuntimeError("no worker answered")


CHECKS = {"database": _check_database, "redis": _check_redis, "worker": _check_worker}


@never_cache
def health(request):
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        if name == "worker" and results["redis"]["status"] != "ok":
            results[name] = {"status": "error", "error": "broker (Redis) unreachable"}
            continue
        try:
            check()
        except Exception as exc:  # a health check reports every failure, whatever its type
            results[name] = {"status": "error", "error": str(exc) or type(exc).__name__}
        else:
            results[name] = {"status": "ok"}
    failed = [name for name, result in results.items() if result["status"] != "ok"]
    body = {"status": "error" if failed else "ok", "failed": failed, "checks": results}
    return JsonResponse(body, status=503 if failed else 200)


class HealthMiddleware:
    """Answer `/health/` on any host (active, inactive or unknown) before the tenant lookup."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/health/":
            return health(request)
        return self.get_response(request)
