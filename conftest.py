"""Test fixtures shared by every app: test tenants made once per session, hosts, clients."""

import os
import shutil
from pathlib import Path

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
    plans = importlib.import_module("tenants.migrations.0006_four_plans")
    for plan in plans.PLANS:
        Plan.objects.get_or_create(code=plan["code"], defaults=plans.fields(plan))
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
            # A Brazilian time zone makes a pt-br business; the test businesses speak English
            # (the tests read English), and a test of Portuguese says so.
            from scheduling.models import BusinessSettings

            with schema_context(slug):
                BusinessSettings.objects.filter(pk=1).update(language="en")
        Domain.objects.get_or_create(
            domain=f"{slug}.{PLATFORM_HOST}", defaults={"tenant": tenant, "is_primary": True}
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # TRAPS #6: TenantTestCase makes a schema per test; we make ours once per session.
    with django_db_blocker.unblock():
        ensure_test_tenants()


def _flushes_the_database(item) -> bool:
    """A `transaction=True` test (or a live server's) ends with a flush of every table."""
    marker = item.get_closest_marker("django_db")
    marked = marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    )
    names = getattr(item, "fixturenames", ())
    return bool(marked) or "transactional_db" in names or "live_server" in names


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a flushing test, the test tenants are put back for whatever test runs next.

    Every fixture's teardown (the flush included) has run when this hook's own call returns, so
    no test depends on which test ran before it in its process (pytest-xdist shares files out).
    """
    result = yield
    # After the session's last test the test database is gone too: nothing to put back.
    if nextitem is not None and _flushes_the_database(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            ensure_test_tenants()
            tenant_cache_clear()
    return result


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


# --- Browser tests: Debian's Chromium driven by Playwright (`playwright install` cannot download)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parent / "artifacts" / "browser"  # git-ignored screenshots
# htmx is done: no request in flight, nothing swapping or settling (new content is wired up).
_HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
_KEEP_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    if not Path(CHROMIUM).exists():
        # `make test` installs Chromium; only a bare `pytest` on a machine without it gets here.
        if os.environ.get("CI"):
            raise RuntimeError(f"Chromium not found at {CHROMIUM}: browser tests cannot run")
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API runs an event loop in this thread while the module's tests (and
    # their database flushes) run; our DB calls here stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def empty_schema(schema: str) -> None:
    """Empty every table of a test tenant's schema (for live-server tests, which commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        tables = [name for (name,) in cursor.fetchall() if name not in _KEEP_TABLES]
        names = ", ".join(f'"{schema}"."{name}"' for name in tables)
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def empty_calendar(schema: str) -> None:
    """Delete the messages, bookings, clients, services, hours and resources a committing test
    left in a test tenant's schema; its settings rows stay (unlike empty_schema)."""
    from bookings.models import Booking, BookingEvent
    from bookings.models import Client as BookingClient
    from notifications.models import Message
    from scheduling.models import Resource, Service, TimeOff, WeeklyHours
    from webhooks.models import Delivery, Event

    with schema_context(schema):
        Delivery.objects.all().delete()  # the bookings' webhook events, and their deliveries
        Event.objects.all().delete()
        for model in (Message, BookingEvent, Booking, BookingClient, Service, WeeklyHours):
            model.objects.all().delete()  # a service takes its links to resources with it
        TimeOff.objects.all().delete()
        Resource.objects.all().delete()


PHONE = {"width": 375, "height": 812}
_WIDER_THAN = """(width) => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5)
    .slice(0, 5)
    .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def htmx_settled(page) -> None:
    """Wait until no htmx request, swap or settle is under way. A selector wait, not
    wait_for_function: Playwright's predicate is a string eval, which our CSP (no
    'unsafe-eval') refuses."""
    page.wait_for_selector(_HTMX_BUSY, state="detached")


def screenshot_fits(page, name: str, *, width: int | None = PHONE["width"]) -> None:
    """Screenshot to artifacts/browser/<name>.png once htmx has settled; with a width, fail when
    the page is wider than that screen (a mobile browser zooms out to fit, so compare with the
    screen's width, not `innerWidth`), naming the first elements that stick out."""
    htmx_settled(page)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    if width is not None:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(_WIDER_THAN, width) if scroll_width > width else []
        assert scroll_width <= width, f"{name}: {scroll_width}px wide on a {width}px screen: {wide}"


def log_in(page, base: str, email: str, *, until_dashboard: bool = True) -> None:
    """Log `email` (a factory user: factories.PASSWORD) in through the login form; by default
    wait until the dashboard answers (not when a second step, such as a 2FA code, follows)."""
    import re

    from accounts.tests.factories import PASSWORD

    page.goto(base + "/accounts/login/?next=/app/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if until_dashboard:
        page.wait_for_url(re.compile(r"/app/"))


# --- Translations --------------------------------------------------------------------------------
_CATALOGUE = Path(__file__).resolve().parent / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"


def _literal_runs(msgid: str) -> list[str]:
    """The plain text of a msgid: tags and placeholders (%(name)s, %s, {x}) cut it in runs."""
    import re

    text = re.sub(r"<[^>]+>", "\n", msgid)
    return [
        " ".join(run.split())
        for run in re.split(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|\n", text)
        if run.strip()
    ]


def english_sentences() -> list[str]:
    """Every English phrase of two words or more the pt-BR catalogue translates differently:
    none of them may show on a page rendered in Portuguese. Taken from the catalogue as it is,
    not picked by hand, so each newly marked string is checked too."""
    from babel.messages.pofile import read_po

    with open(_CATALOGUE, "rb") as handle:
        catalog = read_po(handle)
    phrases = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else [message.id]
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        translated = " ".join(strings)
        for msgid in ids:
            for run in _literal_runs(msgid):
                if len(run.split()) >= 2 and run not in translated:
                    phrases.add(run)
    return sorted(phrases)


def visible_text(html: str) -> str:
    """What a reader sees of a page (scripts, styles and tags out, entities decoded, one space)."""
    import html as html_lib
    import re

    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    return " ".join(text.split())


def assert_no_english(html: str, *, allowed: tuple[str, ...] = ()) -> None:
    """Fail with the English phrases a page meant to be in Portuguese still shows."""
    text = visible_text(html)
    found = [p for p in english_sentences() if p in text and p not in allowed]
    assert found == [], f"English on a pt-BR page: {found[:10]}"
