"""/health/: database, Redis and a real Celery worker, on every host, failing with a 503."""

import pytest

from conftest import host_client
from tenants.models import Tenant

UNREACHABLE = "redis://127.0.0.1:1/15"


def _health(client):
    response = client.get("/health/")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response, response.json()


@pytest.mark.parametrize("host", ["localhost", "alpha.localhost"])
def test_health_is_ok_on_platform_and_tenant_hosts_with_a_real_worker(
    celery_worker_process, settings, tenant_alpha, host
):
    settings.HEALTH_WORKER_TIMEOUT = 3  # the ping waits this long for every worker to answer
    response, body = _health(host_client(host))
    assert response.status_code == 200, body
    assert body == {
        "status": "ok",
        "failed": [],
        "checks": {
            "database": {"status": "ok"},
            "redis": {"status": "ok"},
            "worker": {"status": "ok"},
        },
    }


def test_health_fails_with_503_when_redis_is_unreachable(settings, platform_client):
    settings.REDIS_URL = UNREACHABLE
    settings.CELERY_BROKER_URL = UNREACHABLE

    response, body = _health(platform_client)

    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["failed"] == ["redis", "worker"]
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["redis"]["status"] == "error"
    assert body["checks"]["redis"]["error"]  # the reason is reported, not swallowed
    assert body["checks"]["worker"]["status"] == "error"


def test_health_fails_with_503_when_only_the_broker_is_unreachable(
    celery_worker_process, settings, platform_client
):
    """The worker check really connects to the broker: Redis (cache) fine, broker refused."""
    # The running worker would answer a ping through the real broker; this one refuses.
    settings.CELERY_BROKER_URL = UNREACHABLE

    response, body = _health(platform_client)

    assert response.status_code == 503
    assert body["failed"] == ["worker"]
    assert body["checks"]["redis"] == {"status": "ok"}
    error = body["checks"]["worker"]["error"]
    assert error != "no worker answered"  # it failed connecting, not waiting for a reply
    assert "refused" in error.lower() or "111" in error


def test_health_answers_on_an_inactive_tenants_host(celery_worker_process, settings, tenant_beta):
    settings.HEALTH_WORKER_TIMEOUT = 3
    Tenant.objects.filter(pk=tenant_beta.pk).update(is_active=False)
    client = host_client("beta.localhost")

    assert client.get("/").status_code == 503  # the business is really closed...
    response, body = _health(client)  # ...and its host still answers the load balancer
    assert response.status_code == 200, body
    assert body["status"] == "ok"


def test_health_on_an_inactive_tenants_host_reports_failures_as_503_not_500(settings, tenant_beta):
    Tenant.objects.filter(pk=tenant_beta.pk).update(is_active=False)
    settings.REDIS_URL = UNREACHABLE
    settings.CELERY_BROKER_URL = UNREACHABLE

    response, body = _health(host_client("beta.localhost"))

    assert response.status_code == 503
    assert body["failed"] == ["redis", "worker"]


@pytest.fixture
def database_down(django_db_blocker):
    """The default connection pointed at a port where no PostgreSQL listens, as in an outage.

    Outside any test transaction (no `db` fixture), so closing the connection loses nothing.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        connection.close()
        port = connection.settings_dict["PORT"]
        connection.settings_dict["PORT"] = 1
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["PORT"] = port


@pytest.mark.parametrize("host", ["localhost", "alpha.localhost", "nowhere.example"])
def test_health_names_the_database_when_it_is_down_instead_of_a_500(database_down, settings, host):
    # The tenant is chosen from the database: /health/ must answer before that lookup.
    settings.ALLOWED_HOSTS = ["*"]
    settings.HEALTH_WORKER_TIMEOUT = 0.5
    response, body = _health(host_client(host))
    assert response.status_code == 503
    assert "database" in body["failed"]
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["redis"] == {"status": "ok"}
