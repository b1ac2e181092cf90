"""Every dashboard page at 375 px in Chromium: nothing wider than the phone's screen.

The pages are read from the tenant URLconf (everything under `app/`), so a new page is checked
without being listed here; ids come from objects made below. POST-only actions (405 on GET),
downloads and htmx fragments are not pages. Screenshots: artifacts/browser/dashboard-375-*.png.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory, UserFactory
from api import services as api_services
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, ClientFactory
from conftest import SHOTS, empty_schema, ensure_test_tenants, log_in
from notifications.models import Channel, Kind, Message
from payments import services as payment_services
from scheduling import services as scheduling_services
from scheduling.models import Question, ResourceCategory, ServiceCategory, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory, TimeOffFactory
from webhooks.models import Endpoint

PHONE = {"width": 375, "height": 812}
OWNER_EMAIL = "olivia.owner.with.a.long.address@browser-barbers.example"

# The browser asks (Playwright's own HTTP client cannot resolve *.localhost, TRAPS #5).
PROBE = """async (url) => {
    const response = await fetch(url);
    const text = await response.text();
    return [response.status, response.headers.get('content-type'), /<html/i.test(text)];
}"""

WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"


def dashboard_routes() -> list[tuple[str, str]]:
    """(URL name, route) of every tenant URL under app/, e.g. ("bookings:detail", "app/...")."""

    def walk(resolver, prefix="", namespace=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield namespace + pattern.name, prefix + str(pattern.pattern)

    routes = walk(get_resolver("config.urls_tenants"))
    return [(name, route) for name, route in routes if route.startswith("app/")]


def _fill(route: str, values: dict[str, object]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


@pytest.fixture
def dashboard(public_rows_restored, transactional_db, live_server):
    """The browser test business with a bit of everything, long names included."""
    ensure_test_tenants()
    with schema_context("browser"):
        empty_schema("browser")
        business = scheduling_services.settings_create_defaults(
            timezone="America/Sao_Paulo",
            display_name="Barbearia Navalha de Ouro e Companhia",
            language="en",
        )
        business.contact_phone = "+551133334444"
        business.save()
        WeeklyHours.objects.bulk_create(
            [WeeklyHours(weekday=d, start=dt.time(9), end=dt.time(18)) for d in range(7)]
        )
        owner = OwnerFactory(email=OWNER_EMAIL, full_name="Olivia Owner")
        barber = UserFactory(email="rafael.barbeiro.chefe@browser-barbers.example")
        chairs = ResourceCategory.objects.create(name="Cadeiras de barbeiro profissionais")
        rafa = ResourceFactory(name="Rafael Albuquerque", user=barber, category=chairs)
        bia = ResourceFactory(name="Beatriz", category=chairs)
        ResourceFactory(name="Autoclave", kind="equipment")
        cut = ServiceFactory(
            name="Corte masculino com barba e toalha quente",
            duration_minutes=50,
            price="55.50",
            performers=[rafa, bia],
        )
        short = ServiceFactory(name="Corte", duration_minutes=30, performers=[rafa, bia])
        now = timezone.now()
        time_off = TimeOffFactory(
            resource=rafa,
            start=now + dt.timedelta(days=3),
            end=now + dt.timedelta(days=5),
            reason="Férias com a família no litoral",
        )
        client = ClientFactory(
            name="Ana Carolina de Souza Oliveira Albuquerque",
            email="ana.carolina.souza.oliveira.albuquerque@example.com",
        )
        local_now = timezone.localtime(now, zoneinfo.ZoneInfo(business.timezone))
        today = local_now.replace(hour=10, minute=0, second=0, microsecond=0)
        booking = BookingFactory(service=cut, resource=rafa, client=client, start=today)
        question = Question.objects.create(
            label="Alguma alergia a produtos de barbear, loções pós-barba ou perfumes?",
            kind=Question.Kind.CHOICE,
            choices=["Nenhuma", "Sim, a produtos com álcool e fragrâncias fortes"],
        )
        booking.answers = [{"question": question.pk, "label": question.label, "value": "x" * 80}]
        booking.save(update_fields=["answers"])
        # Overlapping items of two resources, and a second client, for the calendar.
        BookingFactory(service=short, resource=bia, start=today)
        BookingFactory(
            service=short,
            resource=bia,
            start=today + dt.timedelta(hours=2),
            status=Booking.Status.PENDING,
        )
        message = Message.objects.create(
            booking=booking,
            client=client,
            channel=Channel.EMAIL,
            kind=Kind.CONFIRMATION,
            recipient=client.email,
            subject="Agendamento confirmado: Corte masculino com barba e toalha quente",
            body="Olá, Ana! " * 40,
            send_after=now,
            status=Message.Status.FAILED,
            last_error="SMTP 550 mailbox unavailable: " + "x" * 120,
        )
        api_key, _secret = api_services.api_key_create(
            name="Site da barbearia — widget de agendamento", scopes=["read"], created_by=owner
        )
        endpoint = Endpoint.objects.create(
            url="https://hooks.example.com/agendo/barbearia-navalha-de-ouro/bookings",
            description="CRM da barbearia (todos os agendamentos)",
            events=["booking.created", "booking.cancelled"],
        )
        # The ledger: a payment with a long note, partly refunded (the payments pages' rows).
        payment = payment_services.payment_record(
            booking=booking, amount="55.5", method="transfer", actor=owner,
            note="Transferência bancária do cartão corporativo da empresa da cliente",
        )  # fmt: skip
        payment_services.payment_refund(payment=payment, amount="5.5", note="Troco", actor=owner)
        values = {
            "reference": booking.reference,
            "kind": Kind.REMINDER,
            "channel": Channel.WHATSAPP,
            "action": "cancel",
        }
        # Which object a URL's <pk> means, by the URL's name.
        pks = {
            "accounts:team": barber.pk,
            "scheduling:time_off": time_off.pk,
            "scheduling:categor": chairs.pk,
            "scheduling:service_categor": ServiceCategory.objects.create(
                name="Cortes e barbas para todas as idades"
            ).pk,
            "scheduling:question": question.pk,
            "scheduling:resource": rafa.pk,
            "scheduling:service": cut.pk,
            "bookings:client": client.pk,
            "notifications:message": message.pk,
            "api_keys:": api_key.pk,
            "webhooks:endpoint": endpoint.pk,
            "webhooks:delivery": endpoint.pk,  # a POST-only action: any id answers 405
            "feeds:": owner.pk,
            "notifications:client": client.pk,  # a client's message page; win-back (POST-only)
            "payments:client": client.pk,  # POST-only actions: they answer 405
            "payments:refund": payment.pk,
        }
    port = live_server.url.rsplit(":", 1)[1]
    yield {"base": f"http://browser.localhost:{port}", "values": values, "pks": pks, "owner": owner}
    with schema_context("browser"):
        empty_schema("browser")


def _url(name: str, route: str, dashboard) -> str:
    values = dict(dashboard["values"])
    if "<int:pk>" in route:
        # The longest prefix wins ("scheduling:service_categor" over "scheduling:service").
        prefix = max((p for p in dashboard["pks"] if name.startswith(p)), key=len)
        values["pk"] = dashboard["pks"][prefix]
    return _fill(route, values)


def test_no_dashboard_page_scrolls_sideways_on_a_phone(browser, dashboard):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = dashboard["base"]
    log_in(page, base, OWNER_EMAIL)

    checked, overflowing, broken = [], {}, {}
    for name, route in dashboard_routes():
        url = _url(name, route, dashboard)
        if url.endswith((".csv", ".zip")):
            continue  # a download, not a page
        status, content_type, document = page.evaluate(PROBE, url)  # with the page's cookies
        if status == 405:
            continue  # a POST-only action
        if status >= 500 or "text/html" not in (content_type or ""):
            broken[name] = f"{url}: {status} {content_type}"
            continue
        if not document:
            continue  # an htmx fragment (slot picker, client search): part of another page
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        shot = name.replace(":", "-")
        page.screenshot(path=SHOTS / f"dashboard-375-{shot}.png", full_page=True)
        width, inner = page.evaluate(WIDTHS)
        checked.append(name)
        # A mobile browser zooms out to fit a page wider than the screen, and innerWidth grows
        # with it: the screen's own 375 px is the bound.
        if width > min(inner, PHONE["width"]):
            overflowing[name] = f"{url}: {width}px wide on a {PHONE['width']}px screen"
    context.close()

    assert broken == {}
    # Every page of the navigation was among them.
    for name in (
        "bookings:dashboard",
        "bookings:calendar",
        "bookings:list",
        "bookings:detail",
        "bookings:clients",
        "notifications:messages",
        "scheduling:services",
        "scheduling:resources",
        "scheduling:hours",
        "scheduling:time_off",
        "accounts:team",
        "accounts:profile",
        "scheduling:settings",
    ):
        assert name in checked, name
    assert overflowing == {}


def test_the_navigation_is_a_menu_on_a_phone_and_a_row_on_a_desktop(browser, dashboard):
    base = dashboard["base"]
    phone = browser.new_context(viewport=PHONE, is_mobile=True)
    page = phone.new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, OWNER_EMAIL)
    calendar = page.locator(".app-nav").get_by_role("link", name="Calendar")
    assert not calendar.is_visible()
    page.locator(".app-menu summary").click()
    assert calendar.is_visible()
    page.screenshot(path=SHOTS / "dashboard-375-menu-open.png", full_page=True)
    width, inner = page.evaluate(WIDTHS)
    assert width <= min(inner, PHONE["width"])
    calendar.click()
    page.wait_for_url(re.compile(r"/app/calendar/"))
    assert not page.locator(".app-nav").get_by_role("link", name="Bookings").is_visible()
    phone.close()

    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desktop.new_page()
    log_in(page, base, OWNER_EMAIL)
    assert not page.locator(".app-menu summary").is_visible()
    assert page.locator(".app-nav").get_by_role("link", name="Calendar").is_visible()
    page.screenshot(path=SHOTS / "dashboard-1280-nav.png")
    desktop.close()
