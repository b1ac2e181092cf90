"""'My bookings' (item 9) end to end (bookings asks, notifications sends; bookings' tests may not
import notifications): a one-time link to a client's own bookings, sent to their own WhatsApp or
e-mail; no enumeration, single use, expiry, one business only, only that client's bookings."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from bookings import client_access
from bookings.models import ClientAccessLink
from bookings.tests.factories import BookingFactory, ClientFactory
from bookings.views import my_bookings
from conftest import assert_no_english
from notifications.models import Channel, ChannelSettings, Kind, Message
from scheduling.models import BusinessSettings

# What differs between any two responses: the (masked) CSRF token.
PER_RESPONSE = re.compile(r'value="[A-Za-z0-9]{64}"|"X-CSRFToken": "[A-Za-z0-9]{64}"')


@pytest.fixture
def shop(alpha):
    business = BusinessSettings.load()
    business.timezone, business.language, business.phone_region = "America/Sao_Paulo", "en", "BR"
    business.display_name = "Alpha Barbers"
    business.save()
    channels = ChannelSettings.load()
    channels.whatsapp_enabled = channels.email_enabled = True
    channels.whatsapp_template_name = ""
    channels.save()
    ana = ClientFactory(name="Ana Lima", phone="+5511912345678", email="ana@example.com")
    bia = ClientFactory(name="Bia Souza", email="bia@example.com")
    soon = timezone.now() + dt.timedelta(days=3)
    return {
        "business": business,
        "ana": ana,
        "bia": bia,
        "upcoming": BookingFactory(client=ana, start=soon),
        "past": BookingFactory(client=ana, start=timezone.now() - dt.timedelta(days=40)),
        "other": BookingFactory(client=bia, start=soon + dt.timedelta(hours=3)),
    }


@pytest.fixture(autouse=True)
def worker(monkeypatch):
    """The lookup a worker does after the request (bookings.tasks.access_link_request), run at
    once; the arguments of each, kept in `worker`."""
    asked: list[dict] = []

    def run(task, **kwargs):
        asked.append(kwargs)
        task(**kwargs)

    monkeypatch.setattr(my_bookings, "enqueue_on_commit", run)
    return asked


def _ask(http, contact: str):
    return http.post("/my-bookings/", {"contact": contact})


def _link(message: Message) -> str:
    return re.search(r"https?://\S+/my-bookings/open/(\S+)/", message.body).group(0)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_the_request_only_hands_the_lookup_to_a_worker(shop, alpha_client, monkeypatch):
    handed = []
    monkeypatch.setattr(my_bookings, "enqueue_on_commit", lambda task, **kw: handed.append(kw))
    for contact in ("ana@example.com", "nobody@example.com"):
        assert _ask(alpha_client, contact).status_code == 200
    assert [kw["contact"] for kw in handed] == ["ana@example.com", "nobody@example.com"]
    assert not ClientAccessLink.objects.exists() and not Message.objects.exists()


def test_the_same_answer_whether_known_or_not(shop, alpha_client):
    known = _ask(alpha_client, "ana@example.com")
    unknown = _ask(alpha_client, "nobody@example.com")
    unknown_phone = _ask(alpha_client, "(11) 98888-7777")
    assert known.status_code == unknown.status_code == unknown_phone.status_code == 200
    bodies = {PER_RESPONSE.sub("", r.content.decode()) for r in (known, unknown, unknown_phone)}
    assert len(bodies) == 1 and "If we know you, a link is on its way" in bodies.pop()
    # The worker found Ana only, and only queued her message (the outbox sends it).
    message = Message.objects.get()
    assert (message.kind, message.status) == (Kind.ACCESS_LINK, Message.Status.QUEUED)
    assert ClientAccessLink.objects.count() == 1


def test_sent_only_to_the_clients_own_address(shop, alpha_client):
    _ask(alpha_client, "(11) 91234-5678")  # Ana's phone; no consent to WhatsApp: her e-mail
    message = Message.objects.get()
    assert (message.channel, message.recipient) == (Channel.EMAIL, "ana@example.com")
    assert message.client == shop["ana"] and "/my-bookings/open/" in message.body
    link = ClientAccessLink.objects.get()
    assert link.channel == Channel.EMAIL and len(link.token_hash) == 64
    assert link.token_hash not in message.body  # the token travels, only its hash is kept


def test_no_link_when_nothing_reaches_the_client(shop, alpha_client):
    ClientFactory(name="Caio", phone="+5511977776666", email="")
    assert _ask(alpha_client, "+55 11 97777-6666").status_code == 200
    assert not Message.objects.exists() and not ClientAccessLink.objects.exists()


def test_link_opens_once_and_lists_only_that_clients_bookings(
    shop, alpha_client, django_assert_max_num_queries
):
    _ask(alpha_client, "ANA@example.com")
    path = _path(_link(Message.objects.get()))
    preview = alpha_client.get(path)  # a link preview must not spend it
    assert preview.status_code == 200 and "Show my bookings" in preview.content.decode()
    opened = alpha_client.post(path)
    assert opened.status_code == 302 and opened["Location"] == "/my-bookings/list/"
    with django_assert_max_num_queries(8):
        listing = alpha_client.get("/my-bookings/list/")
    html = listing.content.decode()
    assert listing.status_code == 200 and "Bookings of Ana Lima" in html
    assert f"/manage/{shop['upcoming'].manage_token}/" in html
    assert f"/manage/{shop['past'].manage_token}/" in html
    assert f"/book/{shop['past'].service_id}/" in html  # book again
    assert shop["other"].manage_token not in html  # Bia's booking is not Ana's
    again = alpha_client.post(path)
    assert again.status_code == 410 and "already used" in again.content.decode()
    assert "/my-bookings/" in again.content.decode()  # a way to ask for a new one
    assert ClientAccessLink.objects.get().used_at is not None


def test_book_again_books_every_service_of_a_booking(shop, alpha_client):
    from bookings.models import BookingItem
    from scheduling.tests.factories import ServiceFactory

    past = shop["past"]
    beard = ServiceFactory(name="Beard trim")
    BookingItem.objects.create(
        booking=past, service=beard, name="Beard trim", duration_minutes=20, position=1
    )
    _ask(alpha_client, "ana@example.com")
    alpha_client.post(_path(_link(Message.objects.get())))
    html = alpha_client.get("/my-bookings/list/").content.decode()
    assert f"/book/{past.service_id},{beard.pk}/" in html
    assert f"{past.service.name} + Beard trim" in html


def test_expired_link(shop, alpha_client):
    past = timezone.now() - dt.timedelta(minutes=client_access.ACCESS_LINK_MINUTES + 1)
    client_access.access_link_request(
        contact="ana@example.com", region="BR", base_url="http://alpha.localhost", now=past
    )
    expired = alpha_client.post(_path(_link(Message.objects.get())))
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert alpha_client.get("/my-bookings/list/")["Location"] == "/my-bookings/"


def test_another_business_cannot_use_the_link_nor_the_session(shop, alpha_client, beta_client):
    _ask(alpha_client, "ana@example.com")
    path = _path(_link(Message.objects.get()))
    with schema_context("beta"):
        ClientFactory(name="Ana (beta)", email="ana@example.com")
    assert beta_client.post(path).status_code == 410  # unknown on beta's host
    assert alpha_client.post(path).status_code == 302
    cookie = alpha_client.cookies[client_access.ACCESS_COOKIE].value
    beta_client.cookies[client_access.ACCESS_COOKIE] = cookie
    assert beta_client.get("/my-bookings/list/")["Location"] == "/my-bookings/"


def test_a_forged_or_absent_session_sees_nothing(shop, alpha_client):
    assert alpha_client.get("/my-bookings/list/")["Location"] == "/my-bookings/"
    alpha_client.cookies[client_access.ACCESS_COOKIE] = str(shop["ana"].pk)
    assert alpha_client.get("/my-bookings/list/")["Location"] == "/my-bookings/"


def test_rate_limited_per_address_and_bad_input_refused(shop, alpha_client):
    for _ in range(client_access_per_contact()):
        assert _ask(alpha_client, "nobody@example.com").status_code == 200
    limited = _ask(alpha_client, "NOBODY@example.com")
    assert limited.status_code == 429 and limited["Retry-After"]
    assert _ask(alpha_client, "not a contact").status_code == 422
    assert _ask(alpha_client, "9" * 300).status_code == 422


def client_access_per_contact() -> int:
    from bookings.views.my_bookings import PER_CONTACT

    return PER_CONTACT[0]


def test_pages_in_portuguese(shop, alpha_client):
    shop["business"].language = "pt-br"
    shop["business"].save()
    assert_no_english(alpha_client.get("/my-bookings/").content.decode())
    sent = _ask(alpha_client, "ana@example.com").content.decode()
    assert_no_english(sent)
    message = Message.objects.get()
    assert "Seus agendamentos" in message.subject
    path = _path(_link(message))
    assert_no_english(alpha_client.get(path).content.decode())
    alpha_client.post(path)
    assert_no_english(alpha_client.get("/my-bookings/list/").content.decode())
    assert_no_english(alpha_client.post(path).content.decode())


def test_the_one_time_token_never_reaches_the_access_log():
    from config.observability import loggable_path

    assert loggable_path("/my-bookings/open/s3cr3t-token/") == "/my-bookings/open/…"
    assert loggable_path("/my-bookings/list/") == "/my-bookings/list/"
