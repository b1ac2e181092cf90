"""'My bookings': a one-time link, sent to a client's own WhatsApp or e-mail, to their bookings.

The rules, in one place:
- Asking never says whether the phone or e-mail is known: the page answers the same either way,
  and in the same time: the lookup runs on a worker (bookings.tasks.access_link_request), and the
  message (if any) goes through the outbox.
- The link goes only to the client's own number or address on file (notifications picks which,
  as for every other message); a request for an unknown address sends nothing.
- The token is random; only its SHA-256 is kept. It opens once, within ACCESS_LINK_MINUTES.
- Opening it starts a short session for that client on this business only: a cookie signed
  with a salt carrying the business's schema, host-only, for ACCESS_SESSION_SECONDS.
"""

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.errors import BookingError
from bookings.models import Booking, Client, ClientAccessLink
from bookings.phones import phone_normalize
from bookings.signals import client_access_link_send

ACCESS_LINK_MINUTES = 30
ACCESS_SESSION_SECONDS = 60 * 60
ACCESS_COOKIE = "agendo_my_bookings"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def contact_parse(raw: str, *, region: str) -> tuple[str, str]:
    """("phone", "+55…") or ("email", "a@b.c") from what the client typed; raises BookingError
    ("invalid_contact") when it is neither."""
    text = (raw or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            pass
        else:
            return "email", text.lower()
    elif text:
        try:
            return "phone", phone_normalize(text, region=region)
        except BookingError:
            pass
    raise BookingError(
        "invalid_contact",
        _("Type the phone number or the e-mail address you booked with."),
        "contact",
    )


def client_find_by_contact(*, kind: str, value: str) -> Client | None:
    """The active client with this phone or e-mail (never an erased one); with the same e-mail
    on several clients, the one who booked most recently."""
    clients = Client.objects.filter(is_active=True, erased_at__isnull=True)
    if kind == "phone":
        return clients.filter(phone=value).first()
    return clients.filter(email__iexact=value).order_by("-updated_at", "-pk").first()


@transaction.atomic
def access_link_request(
    *, contact: str, region: str, base_url: str, now: dt.datetime | None = None
) -> bool:
    """Send a one-time link to the client with this phone or e-mail, if there is one and a way to
    reach them; returns whether one was queued (for tests and logs: never shown to the asker)."""
    now = now or timezone.now()
    kind, value = contact_parse(contact, region=region)
    client = client_find_by_contact(kind=kind, value=value)
    if client is None:
        return False
    token = secrets.token_urlsafe(32)
    link = ClientAccessLink.objects.create(
        client=client,
        token_hash=_hash(token),
        channel="",
        expires_at=now + dt.timedelta(minutes=ACCESS_LINK_MINUTES),
    )
    url = f"{base_url}/my-bookings/open/{token}/"
    answers = client_access_link_send.send(sender=None, client=client, url=url, now=now)
    channel = next((answer for _receiver, answer in answers if answer), "")
    if not channel:  # no channel reaches them: a link nobody gets is not kept
        link.delete()
        return False
    link.channel = channel
    link.save(update_fields=["channel"])
    return True


class AccessLinkError(BookingError):
    """A link that cannot open (unknown, used or expired): the page offers a new one."""


@transaction.atomic
def access_link_open(*, token: str, now: dt.datetime | None = None) -> Client:
    """Use the link: marks it used (once) and returns its client; raises AccessLinkError."""
    now = now or timezone.now()
    link = (
        ClientAccessLink.objects.select_for_update(of=("self",))
        .select_related("client")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if link is None:
        raise AccessLinkError("link_unknown", _("This link is not valid."))
    if link.used_at is not None:
        raise AccessLinkError("link_used", _("This link was already used: each link opens once."))
    if link.expires_at <= now:
        raise AccessLinkError("link_expired", _("This link has expired."))
    client = link.client
    if not client.is_active or client.erased_at:
        raise AccessLinkError("link_unknown", _("This link is not valid."))
    link.used_at = now
    link.save(update_fields=["used_at"])
    return client


def access_cookie_salt() -> str:
    """Per business: a cookie signed for one business is worth nothing on another's host."""
    return f"bookings.my-bookings:{connection.schema_name}"


def access_client(*, client_id) -> Client | None:
    """The client a valid session names, while still active."""
    try:
        pk = int(client_id)
    except (TypeError, ValueError):
        return None
    return Client.objects.filter(pk=pk, is_active=True, erased_at__isnull=True).first()


def client_bookings(*, client: Client, now: dt.datetime) -> tuple[QuerySet, QuerySet]:
    """(upcoming, past) bookings of this client: upcoming are active and not yet ended, soonest
    first; past the rest, latest first (at most 50)."""
    qs = (
        Booking.objects.filter(client=client)
        .select_related("service", "resource")
        .prefetch_related("items")  # every service's name, and "book again" books them all
    )
    upcoming_q = Q(status__in=[Booking.Status.PENDING, Booking.Status.CONFIRMED], end__gt=now)
    upcoming = qs.filter(upcoming_q).order_by("start")
    past = qs.exclude(upcoming_q).order_by("-start")[:50]
    return upcoming, past
