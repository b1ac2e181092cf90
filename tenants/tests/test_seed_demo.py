"""`manage.py seed_demo`: idempotent, prints where to go and how to log in, and the logins work."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from accounts.models import User
from conftest import host_client
from tenants.models import Domain, Tenant

DEMO_PASSWORD = "demo-Pass-4711"


def _seed() -> str:
    # Like a fresh `manage.py` process; a test client's request leaves its tenant's schema set.
    connection.set_schema_to_public()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    connection.set_schema_to_public()
    counts = {
        "tenants": Tenant.objects.count(),
        "domains": Domain.objects.count(),
        "public users": User.objects.count(),
    }
    with schema_context("demo"):
        counts["demo users"] = User.objects.count()
    return counts


def _logs_in(email: str, password: str) -> bool:
    client = host_client("demo.localhost")
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return response.status_code == 302 and response["Location"] == "/app/"


@pytest.fixture
def demo_env(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    monkeypatch.delenv("WEB_PORT", raising=False)


def test_seed_demo_is_idempotent_and_its_logins_work(demo_env, monkeypatch):
    assert not Tenant.objects.filter(schema_name="demo").exists()

    output = _seed()
    first = _counts()
    output_again = _seed()
    assert _counts() == first

    assert first["demo users"] >= 2  # owner and staff
    demo = Tenant.objects.get(schema_name="demo")
    assert demo.get_primary_domain().domain == "demo.localhost"
    assert schema_exists("demo")
    with schema_context("demo"):
        owner = User.objects.get(email="owner@demo.localhost")
        assert owner.role == User.Role.OWNER
        assert owner.emailaddress_set.get().verified
    operator = User.objects.get(email="admin@localhost")  # public schema
    assert operator.is_superuser
    assert operator.is_staff

    for text in (output, output_again):
        assert "http://localhost:8000/" in text
        assert "http://demo.localhost:8000/" in text
        assert "http://demo.localhost:8000/app/" in text
        assert "http://localhost:8000/admin/" in text
        assert f"owner@demo.localhost  /  {DEMO_PASSWORD}" in text
        assert f"staff@demo.localhost  /  {DEMO_PASSWORD}" in text
        assert f"admin@localhost  /  {DEMO_PASSWORD}" in text

    assert _logs_in("owner@demo.localhost", DEMO_PASSWORD)
    assert _logs_in("staff@demo.localhost", DEMO_PASSWORD)
    assert not _logs_in("owner@demo.localhost", "wrong-password-1")

    # Running it again refreshes the passwords.
    monkeypatch.setenv("DEMO_PASSWORD", "another-Pass-0815")
    _seed()
    assert _counts() == first
    assert _logs_in("owner@demo.localhost", "another-Pass-0815")
    assert not _logs_in("owner@demo.localhost", DEMO_PASSWORD)


def test_seed_demo_generates_and_prints_a_password_when_none_is_given(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = _seed()
    line = next(line for line in output.splitlines() if "owner@demo.localhost" in line)
    password = line.split("/")[-1].strip()
    assert len(password) >= 8
    assert _logs_in("owner@demo.localhost", password)


def test_seed_demo_honours_the_port(demo_env):
    out = StringIO()
    call_command("seed_demo", "--port", "9001", stdout=out)
    assert "http://demo.localhost:9001/" in out.getvalue()


def test_the_demo_schema_of_earlier_tests_was_rolled_back(db):
    # Runs after the tests above: their `demo` tenant and schema went with their transaction.
    assert not Tenant.objects.filter(schema_name="demo").exists()
    assert not Domain.objects.filter(domain="demo.localhost").exists()
    assert not schema_exists("demo")
    assert not User.objects.filter(email="admin@localhost").exists()
