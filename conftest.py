"""Test fixtures shared by every app: test tenants made once per session, hosts, clients."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.middleware import tenant_cache_clear
from tenants.models import Domain, Plan, Tenant

PLATFORM_HOST = "localhost"
TEST_TENANTS = {"alpha": "Alpha Barbers", "beta": "Beta Clinic", "browser": "Browser Barbers"}


def ensure_test_tenants() -> None:
    """Public tenant and the test businesses; each schema is created (and migrated) only once.

    Also after a `transaction=True` test, whose flush empties the public tables (TRAPS #6).
    """
    import importlib

    connection.set_schema_to_public()
    plans = importlib.import_module("tenants.migrations.0002_default_plans")
    for plan in plans.PLANS:
        Plan.objects.get_or_create(code=plan["code"], defaults=plan)
    public, _ = Tenant.objects.get_or_create(
        schema_name=get_public_schema_name(), defaults={"name": "Agendo"}
    )
    Domain.objects.get_or_create(
        domain=PLATFORM_HOST, defaults={"tenant": public, "is_primary": True}
    )
    for slug, name in TEST_TENANTS.items():
        tenant = Tenant.objects.filter(schema_name=slug).first()
        if tenant is None:
            tenant = Tenant(schema_name=slug, name=name, timezone="America/Sao_Paulo")
            tenant.save(verbosity=0)
        Domain.objects.get_or_create(
            domain=f"{slug}.{PLATFORM_HOST}", defaults={"tenant": tenant, "is_primary": True}
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # TRAPS #6: TenantTestCase makes a schema per test; we make ours once per session.
    with django_db_blocker.unblock():
        ensure_test_tenants()


@pytest.fixture
def public_rows_restored(django_db_blocker):
    """Test tenants put back after a `transaction=True` test's flush emptied the public tables.

    Request it before `transactional_db`, so this teardown runs after that flush (TRAPS #6).
    """
    yield
    with django_db_blocker.unblock():
        ensure_test_tenants()


@pytest.fixture(autouse=True)
def _reset_between_tests():
    # Rate limits live in the (test-only) Redis cache: every test starts with none used; and
    # no tenant looked up by a rolled-back test is remembered by the middleware.
    cache.clear()
    tenant_cache_clear()
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def tenant_alpha(db) -> Tenant:
    return Tenant.objects.get(schema_name="alpha")


@pytest.fixture
def tenant_beta(db) -> Tenant:
    return Tenant.objects.get(schema_name="beta")


@pytest.fixture
def alpha(tenant_alpha):
    """Run the test's ORM calls inside tenant alpha's schema."""
    with schema_context(tenant_alpha.schema_name):
        yield tenant_alpha


@pytest.fixture
def beta(tenant_beta):
    with schema_context(tenant_beta.schema_name):
        yield tenant_beta


def host_client(host: str, **kwargs) -> Client:
    return Client(HTTP_HOST=host, **kwargs)


@pytest.fixture
def platform_client(db) -> Client:
    return host_client(PLATFORM_HOST)


@pytest.fixture
def alpha_client(tenant_alpha) -> Client:
    return host_client("alpha.localhost")


@pytest.fixture
def beta_client(tenant_beta) -> Client:
    return host_client("beta.localhost")


def login_as(client: Client, user, schema: str) -> Client:
    """Log `user` in on `client`; sessions and users live in the tenant's schema."""
    with schema_context(schema):
        client.force_login(user)
    return client
