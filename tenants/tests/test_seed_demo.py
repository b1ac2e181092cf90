"""`manage.py seed_demo`: idempotent, prints where to go and how to log in, and the logins work;
`demo` speaks English and `barbearia` Brazilian Portuguese."""

import datetime as dt
import zoneinfo
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from accounts.models import User
from bookings.demo import CLIENTES, CLIENTS
from bookings.models import Booking, Client
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
    for schema in ("demo", "barbearia"):
        with schema_context(schema):
            counts[f"{schema} users"] = User.objects.count()
            counts[f"{schema} clients"] = Client.objects.count()
            counts[f"{schema} bookings"] = Booking.objects.count()
    return counts


def _logs_in(email: str, password: str) -> bool:
    """At the business of the e-mail's domain (owner@barbearia.localhost: barbearia.localhost)."""
    return _logs_in_at(email.split("@")[1], email, password)


def _logs_in_at(host: str, email: str, password: str) -> bool:
    response = host_client(host).post("/accounts/login/", {"login": email, "password": password})
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
    assert first["barbearia users"] >= 2
    demo = Tenant.objects.get(schema_name="demo")
    assert demo.get_primary_domain().domain == "demo.localhost"
    assert schema_exists("demo")
    barbearia = Tenant.objects.get(schema_name="barbearia")
    assert barbearia.get_primary_domain().domain == "barbearia.localhost"
    assert schema_exists("barbearia")
    # Both on PRO and paid up, once: a second seed wrote no second subscription or event.
    for tenant in (demo, barbearia):
        assert (tenant.subscription.plan.code, tenant.subscription.status) == ("pro", "active")
        assert tenant.subscription.events.count() == 2  # the start and the activation
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
        assert "http://barbearia.localhost:8000/" in text
        assert "http://barbearia.localhost:8000/app/" in text
        assert f"owner@barbearia.localhost  /  {DEMO_PASSWORD}" in text
        assert f"staff@barbearia.localhost  /  {DEMO_PASSWORD}" in text

    assert _logs_in("owner@demo.localhost", DEMO_PASSWORD)
    assert _logs_in("staff@demo.localhost", DEMO_PASSWORD)
    assert _logs_in("owner@barbearia.localhost", DEMO_PASSWORD)
    assert _logs_in("staff@barbearia.localhost", DEMO_PASSWORD)
    # Each business's logins are its own.
    assert not _logs_in_at("barbearia.localhost", "owner@demo.localhost", DEMO_PASSWORD)
    assert not _logs_in("owner@demo.localhost", "wrong-password-1")

    # Running it again refreshes the passwords.
    monkeypatch.setenv("DEMO_PASSWORD", "another-Pass-0815")
    _seed()
    assert _counts() == first
    assert _logs_in("owner@demo.localhost", "another-Pass-0815")
    assert not _logs_in("owner@demo.localhost", DEMO_PASSWORD)
    assert _logs_in("owner@barbearia.localhost", "another-Pass-0815")


SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
# A Thursday; the demo's holiday falls next month, outside the two weeks.
DEMO_NOW = dt.datetime(2027, 3, 4, 12, 0, tzinfo=SAO_PAULO)


def test_seed_demo_makes_clients_and_two_weeks_of_bookings_in_mixed_statuses(demo_env):
    with time_machine.travel(DEMO_NOW, tick=True):
        # The demo picks services with ORDER BY random(): seeded, the same picks every run.
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
        _seed()
        seeded = {}
        for schema in ("demo", "barbearia"):
            with schema_context(schema):
                seeded[schema] = (
                    dict(Client.objects.values_list("name", "phone")),
                    list(Booking.objects.select_related("resource__user")),
                    list(Client.objects.filter(is_vip=True).values_list("name", flat=True)),
                )
        first = _counts()
        _seed()
        assert _counts() == first

    clients, _bookings, vip = seeded["demo"]
    assert set(clients) == {name for name, _phone in CLIENTS}
    assert vip == ["Ana Souza"]
    clients, _bookings, vip = seeded["barbearia"]
    assert set(clients) == {name for name, _phone in CLIENTES}
    assert vip == ["Ana Beatriz Carvalho"]
    assert clients["José Ferreira"] == "+5581998765432"  # typed "(81) 99876-5432"

    today = DEMO_NOW.date()
    # Open days: the demo Tuesday to Saturday, the barbearia Monday to Saturday.
    for schema, open_days in (("demo", 5), ("barbearia", 6)):
        _clients, bookings, _vip = seeded[schema]
        days = {timezone.localtime(b.start, SAO_PAULO).date() for b in bookings}
        assert min(days) >= today - dt.timedelta(days=7)
        assert max(days) <= today + dt.timedelta(days=7)
        # Both weeks are filled: most open days have bookings.
        assert len([d for d in days if d < today]) >= open_days - 1
        assert len([d for d in days if d > today]) >= open_days - 1
        assert len(bookings) >= 50

        past = Counter(b.status for b in bookings if b.start < DEMO_NOW)
        future = Counter(b.status for b in bookings if b.start > DEMO_NOW)
        # What has happened is settled (done or no-show); what is ahead is booked, waiting or off.
        assert set(past) == {Booking.Status.COMPLETED, Booking.Status.NO_SHOW}
        assert set(future) == {
            Booking.Status.CONFIRMED,
            Booking.Status.PENDING,
            Booking.Status.CANCELLED,
        }
        # The staff login's own calendar is not empty.
        assert any(
            b.resource.user and b.resource.user.email == f"staff@{schema}.localhost"
            for b in bookings
        )


def test_demo_speaks_english_and_barbearia_brazilian_portuguese(demo_env):
    _seed()
    demo = host_client("demo.localhost").get("/")
    barbearia = host_client("barbearia.localhost").get("/")
    assert (demo.status_code, barbearia.status_code) == (200, 200)
    assert demo["Content-Language"] == "en"
    assert barbearia["Content-Language"] == "pt-br"
    demo_page, barbearia_page = demo.content.decode(), barbearia.content.decode()
    # Its own services, with prices as each language writes reais (a no-break space in pt-BR).
    assert "Haircut" in demo_page and "R$45.00" in demo_page
    assert "Corte + barba" in barbearia_page and "R$\xa045,00" in barbearia_page
    assert "Barbearia Vila Madalena" in barbearia_page
    # A visitor who switches the Brazilian page to English reads English prices.
    english = host_client("barbearia.localhost")
    english.cookies["agendo_language"] = "en"
    response = english.get("/")
    assert response["Content-Language"] == "en"
    assert "R$45.00" in response.content.decode()


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
    # Runs after the tests above: their demo tenants and schemas went with their transaction.
    for slug in ("demo", "barbearia"):
        assert not Tenant.objects.filter(schema_name=slug).exists()
        assert not Domain.objects.filter(domain=f"{slug}.localhost").exists()
        assert not schema_exists(slug)
    assert not User.objects.filter(email="admin@localhost").exists()
