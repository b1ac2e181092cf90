"""Sending the outbox: claim due rows, send each at most once on our side, retry what is transient.

At-least-once to the task (a sweep re-enqueues anything still due), at-most-once send (the row
moves from `queued` to `sending` under its lock before the provider is called).
Also the messages to one client outside a booking (at the end): a member's, birthdays, win-back.
"""

import calendar
import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookings.calendar_files import booking_ics
from bookings.models import Client, ClientInteraction
from notifications import outbox
from notifications.defaults import DIRECT_SUBJECT, PLACEHOLDERS
from notifications.errors import NotificationError
from notifications.models import Channel, ChannelSettings, InboundMessage, Kind, Message
from notifications.providers import (
    OUTSIDE_WINDOW,
    SendError,
    WhatsAppAccount,
    email_send,
    whatsapp_send_template,
    whatsapp_send_text,
)
from notifications.queueing import enqueue_when_due
from notifications.rendering import fill, language_of, render, tenant_base_url
from scheduling.models import BusinessSettings

log = logging.getLogger(__name__)
Send = Callable[[], str]  # calls the provider; returns its id of the message

WHATSAPP_WINDOW = dt.timedelta(hours=24)
WHATSAPP_LANGUAGES = {"pt-br": "pt_BR", "en": "en"}

Status = Message.Status


def message_ids_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Queued messages whose time has come, skipping rows another sweep holds right now."""
    now = now or timezone.now()
    with transaction.atomic():
        return list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=Status.QUEUED, send_after__lte=now)
            .order_by("send_after", "pk")
            .values_list("pk", flat=True)[:limit]
        )


@transaction.atomic
def messages_requeue_stuck(*, now: dt.datetime | None = None) -> int:
    """Rows left in `sending` by a worker that died: queue them again (they are resent once).

    A row whose every attempt died so (up to MESSAGE_MAX_ATTEMPTS) fails instead, saying so:
    a message that kills its worker is not retried forever. Returns how many were re-queued.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.MESSAGE_SENDING_TIMEOUT_SECONDS)
    stuck = Message.objects.select_for_update(skip_locked=True).filter(
        status=Status.SENDING, sending_since__lt=cutoff
    )
    limit = settings.MESSAGE_MAX_ATTEMPTS
    for message in stuck.filter(attempts__gte=limit):
        message_fail(
            message=message,
            error=f"Sending never finished in {message.attempts} attempts (the worker stopped "
            f"each time, after {settings.MESSAGE_SENDING_TIMEOUT_SECONDS} s): not retried.",
            now=now,
        )
    return stuck.filter(attempts__lt=limit).update(
        status=Status.QUEUED, send_after=now, sending_since=None, updated_at=now
    )


def outbox_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """One pass over this business (beat, every minute): re-queue sends a dead worker left,
    expire pending bookings nobody confirmed before their start, and list what is due."""
    from bookings.errors import BookingError
    from bookings.selectors import booking_list_expired_pending
    from bookings.services import booking_expire

    now = now or timezone.now()
    messages_requeue_stuck(now=now)
    for booking in booking_list_expired_pending(now=now):
        try:
            booking_expire(booking=booking, now=now)
        except BookingError:  # confirmed or cancelled a moment ago: nothing to expire
            continue
    return message_ids_due(now=now)


def _whatsapp_allowance(wanted: int) -> tuple[int, str]:
    """How many of `wanted` WhatsApp messages the plan lets go now, and why not the rest ("" when
    all may go), inside the claim's transaction: senders of one business take turns under the
    limit's lock, and the messages being sent right now count too, so two cannot both send the
    period's last one."""
    from billing import usage
    from billing.limits import PlanLimitError, current_terms, limit_check, period

    terms = current_terms()
    if terms is None:
        return wanted, ""
    if not terms.has("whatsapp"):
        return 0, outbox.NO_WHATSAPP
    limit = terms.limit("whatsapp")
    if limit is None:
        return wanted, ""
    try:
        limit_check("whatsapp", adding=0)  # takes the lock first
    except PlanLimitError:
        return 0, outbox.WHATSAPP_USED_UP
    sending = Message.objects.filter(channel=Channel.WHATSAPP, status=Status.SENDING).count()
    left = limit - usage.count_of("whatsapp", *period(terms)) - sending
    allowed = max(0, min(wanted, left))
    return allowed, "" if allowed == wanted else outbox.WHATSAPP_USED_UP


def _claim(message_id: int, now: dt.datetime) -> Message | None:
    """The message, now `sending` (None: nothing to send). A WhatsApp one the plan no longer
    lets go comes back cancelled, rerouted to e-mail when it can be (planning decided earlier:
    the period's limit may have been reached since)."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Status.QUEUED, send_after__lte=now)
            .first()
        )
        if message is None:
            return None  # sent, cancelled, not due yet, or being sent by someone else
        if message.channel == Channel.WHATSAPP:
            allowed, refused = _whatsapp_allowance(1)
            if not allowed:
                outbox.plan_reroute(message, refused, now=now)
                return message
        message.status = Status.SENDING
        message.sending_since = now
        message.attempts += 1
        message.save(update_fields=["status", "sending_since", "attempts", "updated_at"])
        return message


def _claim_due(now: dt.datetime, count: int) -> list[Message]:
    """Up to `count` due messages, each now `sending` (claimed row by row under its lock, rows
    another sender holds skipped), except WhatsApp ones past the plan's allowance: those come
    back `cancelled`, rerouted to e-mail when they can be (as `_claim` does)."""
    with transaction.atomic():
        rows = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=Status.QUEUED, send_after__lte=now)
            .order_by("send_after", "pk")[:count]
        )
        whatsapp = [m for m in rows if m.channel == Channel.WHATSAPP]
        if whatsapp:
            allowed, refused = _whatsapp_allowance(len(whatsapp))
            for message in whatsapp[allowed:]:
                outbox.plan_reroute(message, refused, now=now)  # now CANCELLED
        claim = [m for m in rows if m.status == Status.QUEUED]
        Message.objects.filter(pk__in=[m.pk for m in claim]).update(
            status=Status.SENDING, sending_since=now, attempts=F("attempts") + 1, updated_at=now
        )
        for message in claim:
            message.status, message.sending_since = Status.SENDING, now
            message.attempts += 1
    return rows


def _whatsapp_account(channels: ChannelSettings) -> WhatsAppAccount:
    own = channels.whatsapp_phone_number_id and channels.whatsapp_access_token
    return WhatsAppAccount(
        base_url=settings.WHATSAPP_API_BASE_URL,
        api_version=settings.WHATSAPP_API_VERSION,
        phone_number_id=channels.whatsapp_phone_number_id
        if own
        else settings.WHATSAPP_PHONE_NUMBER_ID,
        access_token=channels.whatsapp_access_token if own else settings.WHATSAPP_ACCESS_TOKEN,
    )


def whatsapp_window_open(phone: str, *, now: dt.datetime) -> bool:
    """Whether the client wrote to us in the last 24 hours (free-form text allowed)."""
    return InboundMessage.objects.filter(
        from_phone=phone, received_at__gt=now - WHATSAPP_WINDOW
    ).exists()


def _prepare_whatsapp(message: Message, channels: ChannelSettings, now: dt.datetime) -> Send:
    account = _whatsapp_account(channels)
    schema = connection.schema_name
    template = channels.whatsapp_template_name
    # The business's language matters only to a template (spares a query on every text).
    language = WHATSAPP_LANGUAGES.get(BusinessSettings.load().language, "en") if template else "en"
    use_template = bool(template) and (
        message.as_template or not whatsapp_window_open(message.recipient, now=now)
    )

    def send_template() -> str:
        message.as_template = True  # recorded with the provider id once it is sent
        return whatsapp_send_template(
            account,
            to=message.recipient,
            name=template,
            language=language,
            text=message.body,
            callback=schema,
        )

    def send() -> str:
        if use_template:
            return send_template()
        try:
            return whatsapp_send_text(
                account, to=message.recipient, body=message.body, callback=schema
            )
        except SendError as exc:
            if exc.code != OUTSIDE_WINDOW or not template:
                raise
            return send_template()

    return send


def _prepare_email(message: Message, channels: ChannelSettings) -> Send:
    attachments = []
    if message.kind == Kind.CONFIRMATION and message.booking_id:
        business = BusinessSettings.load()
        booking = message.booking
        with translation.override(language_of(business.language)):  # the client's calendar
            ics = booking_ics(
                booking,
                business_name=business.display_name,
                address=business.address,
                manage_url=f"{tenant_base_url()}/manage/{booking.manage_token}/",
            )
        attachments.append((f"booking-{booking.reference}.ics", ics, "text/calendar"))

    def send() -> str:
        return email_send(
            to=message.recipient,
            subject=message.subject,
            body=message.body,
            from_email=channels.email_from,
            attachments=attachments,
        )

    return send


def _prepare(message: Message, channels: ChannelSettings, now: dt.datetime) -> Send:
    """Everything a send needs that is ours to get wrong, done before the provider is called:
    the returned function only talks to the provider."""
    if message.channel == Channel.WHATSAPP:
        return _prepare_whatsapp(message, channels, now)
    return _prepare_email(message, channels)


def _current_tenant():
    """The business whose schema is active, as a row (schema_context only knows its name)."""
    from tenants.models import Tenant

    schema = connection.schema_name
    tenant = getattr(connection, "tenant", None)
    if getattr(tenant, "pk", None) is None or tenant.schema_name != schema:
        tenant = Tenant.objects.get(schema_name=schema)
    return tenant


def _remember_whatsapp_contacts(
    messages: list[Message], channels: ChannelSettings, now: dt.datetime, tenant=None
) -> None:
    """The clients' replies to this number now reach this business (shared platform number).
    Sent already: a lost routing hint is logged, never a reason to send again."""
    from tenants import services as tenant_services

    phones = {m.recipient for m in messages if m.channel == Channel.WHATSAPP}
    if not phones:
        return
    number = _whatsapp_account(channels).phone_number_id
    try:
        with transaction.atomic():
            tenant = tenant or _current_tenant()
            # One statement for one send or a batch's answers (sorted: no lock-order deadlock).
            tenant_services.whatsapp_contacts_touch(
                tenant=tenant, phone_number_id=number, phones=phones, at=now
            )
    except Exception:
        log.exception(
            "messages %s: sent, but the WhatsApp contact was not recorded",
            ", ".join(str(m.pk) for m in messages),
        )


def _mark_sent(sent: list[tuple[Message, str]]) -> None:
    """Messages the provider accepted (with its ids): `sent`, in one statement however many."""
    at = timezone.now()
    for as_template in {message.as_template for message, _id in sent}:
        group = [(m, provider_id) for m, provider_id in sent if m.as_template == as_template]
        ids = Case(
            *(When(pk=m.pk, then=Value(provider_id)) for m, provider_id in group),
            output_field=CharField(),
        )
        Message.objects.filter(pk__in=[m.pk for m, _id in group], status=Status.SENDING).update(
            status=Status.SENT,
            provider_id=ids,
            as_template=as_template,
            sent_at=at,
            sending_since=None,
            last_error="",
            updated_at=at,
        )


def _retry_or_fail(message: Message, *, error: str, transient: bool, now: dt.datetime) -> str:
    if transient and message.attempts < settings.MESSAGE_MAX_ATTEMPTS:
        delay = settings.MESSAGE_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1)
        log.warning("message %s: %s; trying again in %s s", message.pk, error[:300], delay)
        Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.QUEUED,
            send_after=now + dt.timedelta(seconds=delay),
            last_error=error[:2000],
            sending_since=None,
            updated_at=timezone.now(),
        )
        return Status.QUEUED
    message_fail(message=message, error=error)
    return Status.FAILED


def _attempt(send: Send) -> tuple[str, Exception | None]:
    """Call the provider: its id of the message, or what it raised. Runs in a sender thread
    (batches): it touches no database."""
    try:
        return send(), None
    except Exception as exc:  # recorded by `_record`, in the thread that owns the connection
        return "", exc


def _record(
    message: Message,
    channels: ChannelSettings,
    now: dt.datetime,
    provider_id: str,
    error: Exception | None,
    *,
    tenant=None,
) -> str:
    """Write down how the provider answered one message; its status afterwards."""
    if isinstance(error, SendError):
        return _retry_or_fail(message, error=str(error), transient=error.transient, now=now)
    if error is not None:  # the provider may have it: at most once, so no retry
        log.error("message %s: the send ended in an unexpected error", message.pk, exc_info=error)
        message_fail(
            message=message,
            error=f"Unexpected error during the send, not retried (it may have gone): {error!r}",
        )
        return Status.FAILED
    _mark_sent([(message, provider_id)])
    _remember_whatsapp_contacts([message], channels, now, tenant)
    return Status.SENT


def _prepare_or_requeue(
    message: Message, channels: ChannelSettings, now: dt.datetime
) -> Send | str:
    """The send of a claimed message, or its status once an error of ours put it back."""
    try:
        return _prepare(message, channels, now)
    except Exception as exc:  # a bug or a database hiccup of ours: the provider saw nothing
        log.exception("message %s: preparing the send failed", message.pk)
        return _retry_or_fail(
            message, error=f"Could not prepare the message: {exc!r}", transient=True, now=now
        )


def message_send(*, message_id: int, now: dt.datetime | None = None) -> str:
    """Send one message if it is still queued and due; returns its status afterwards.

    The row never stays in `sending` because of us: an error of ours before the provider call
    is retried like a transient failure (and fails at the attempts limit); once the provider may
    have the message, nothing makes us send it again.
    """
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "skipped"
    if message.status == Status.CANCELLED:  # the plan kept it off WhatsApp
        return Status.CANCELLED
    try:
        channels = ChannelSettings.load()
    except Exception as exc:
        log.exception("message %s: preparing the send failed", message.pk)
        return _retry_or_fail(
            message, error=f"Could not prepare the message: {exc!r}", transient=True, now=now
        )
    send = _prepare_or_requeue(message, channels, now)
    if isinstance(send, str):
        return send
    return _record(message, channels, now, *_attempt(send))


@dataclass(frozen=True)
class BatchResult:
    statuses: dict[str, int]  # how many messages ended in each status
    claimed: int  # rows taken from the outbox (to send, or cancelled by the plan)
    exhausted: bool  # nothing due was left to claim: no need to come back at once


def messages_send_due(
    *, limit: int | None = None, concurrency: int | None = None, now: dt.datetime | None = None
) -> BatchResult:
    """Send this business's due messages, up to `limit` of them, `concurrency` at a time.

    The outbox's guarantees hold message by message: a row is claimed under its lock and marked
    `sending` before its request leaves, marked with its outcome as soon as its answer comes,
    and never sent twice by us. What is in flight at a time is at most `concurrency` rows
    (claimed a few at a time as slots free up), so a worker killed mid-batch leaves at most that
    many in `sending` (re-queued by the sweep after MESSAGE_SENDING_TIMEOUT_SECONDS, as one
    message's send would be) and the rest `queued` for the next task. The requests go from a
    pool of threads over the process's one HTTP client; all database work stays in this thread,
    on its connection. WhatsApp's per-number rate (notifications.throughput) paces the threads.
    """
    limit = settings.MESSAGE_BATCH_SIZE if limit is None else limit
    concurrency = max(1, concurrency or settings.MESSAGE_SEND_CONCURRENCY)
    refill = max(1, concurrency // 4)  # claim once this many slots are free (fewer round trips)
    statuses: dict[str, int] = {}
    claimed, exhausted = 0, False
    channels, tenant = ChannelSettings.load(), _current_tenant()
    in_flight: dict[Future, tuple[Message, dt.datetime]] = {}

    def done(status: str) -> None:
        statuses[status] = statuses.get(status, 0) + 1

    def record(futures) -> None:
        """The answers that came in since the last look, written down together; the accepted
        ones even when writing down a failure raised (left in `sending`, the sweep would
        queue them again and they would go twice)."""
        sent: list[tuple[Message, str]] = []
        try:
            for future in futures:
                message, claimed_at = in_flight.pop(future)
                provider_id, error = future.result()
                if error is None:
                    sent.append((message, provider_id))
                else:
                    done(_record(message, channels, claimed_at, provider_id, error, tenant=tenant))
        finally:
            if sent:
                _mark_sent(sent)
                statuses[Status.SENT] = statuses.get(Status.SENT, 0) + len(sent)
                _remember_whatsapp_contacts(
                    [m for m, _id in sent], channels, timezone.now(), tenant
                )

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="send") as pool:
        try:
            while True:
                free = min(concurrency - len(in_flight), limit - claimed)
                if not exhausted and free > 0 and (free >= refill or not in_flight):
                    claimed_at = now or timezone.now()
                    batch = _claim_due(claimed_at, free)
                    exhausted = len(batch) < free
                    for message in batch:
                        claimed += 1
                        if message.status == Status.CANCELLED:  # the plan kept it off WhatsApp
                            done(Status.CANCELLED)
                            continue
                        send = _prepare_or_requeue(message, channels, claimed_at)
                        if isinstance(send, str):
                            done(send)
                        else:
                            in_flight[pool.submit(_attempt, send)] = (message, claimed_at)
                if not in_flight:
                    break
                record(wait(in_flight, return_when=FIRST_COMPLETED).done)
        finally:  # an error of ours mid-batch: what already went is still written down, each
            for future in list(in_flight):  # on its own, so one error costs no other's outcome
                try:
                    record([future])
                except Exception:
                    log.exception("the outcome of a message in flight could not be recorded")
    return BatchResult(statuses=statuses, claimed=claimed, exhausted=exhausted)


# What the audit trail records of a channels change (the access token: only whether one is saved).
CHANNEL_AUDITED = (
    "whatsapp_enabled",
    "whatsapp_phone_number_id",
    "whatsapp_template_name",
    "email_enabled",
    "email_from",
    "follow_up_hours",
)


def _channels_audited(channels: ChannelSettings) -> dict:
    from accounts.audit import audit_snapshot

    values = audit_snapshot(channels, list(CHANNEL_AUDITED))
    # Only whether a token is saved (words the history page translates), never the token.
    saved = bool(channels.whatsapp_access_token)
    values["whatsapp_access_token"] = "saved" if saved else "not saved"
    return values


@transaction.atomic
def channel_settings_save(*, channels: ChannelSettings, tenant, actor=None) -> ChannelSettings:
    """Save the business's channels and keep the public phone-number index in step with them;
    the change goes to the audit trail (a new access token as "replaced", never its value)."""
    from accounts.audit import audit_diff, audit_record
    from tenants.services import whatsapp_number_route

    stored = ChannelSettings.objects.select_for_update().filter(pk=1).first()
    before = _channels_audited(stored or ChannelSettings())
    channels.whatsapp_phone_number_id = channels.whatsapp_phone_number_id.strip()
    channels.save()
    after = _channels_audited(channels)
    old_token = stored.whatsapp_access_token if stored else ""
    if old_token and channels.whatsapp_access_token not in ("", old_token):
        after["whatsapp_access_token"] = "replaced"  # noqa: S105
    changes = audit_diff(before, after)
    if changes:
        audit_record(actor=actor, action="channels.updated", target=channels, changes=changes)
    try:
        whatsapp_number_route(tenant=tenant, phone_number_id=channels.whatsapp_phone_number_id)
    except ValueError as exc:
        raise NotificationError("number_taken", str(exc), field="whatsapp_phone_number_id") from exc
    return channels


@transaction.atomic
def message_fail(*, message: Message, error: str, now: dt.datetime | None = None) -> None:
    """A message that will not arrive: keep why, and send a WhatsApp one by e-mail instead."""
    now = now or timezone.now()
    fallback = None
    if message.channel == Channel.WHATSAPP:
        fallback = outbox.email_fallback(message, now=now)
    if fallback is not None:
        error = f"{error} (sent by e-mail instead)"
    Message.objects.filter(pk=message.pk).exclude(status=Status.CANCELLED).update(
        status=Status.FAILED,
        last_error=error[:2000],
        sending_since=None,
        updated_at=timezone.now(),
    )


# --- Messages to one client outside a booking: a member's own, birthdays, "we miss you" ----------
# Each goes on WhatsApp only where a booking's message could (the client agreed, the business sends
# WhatsApp, the plan allows it), as free text within 24 hours of the client's last message and as
# the approved template after that; else by e-mail; else it is refused with the reason.

BIRTHDAY_LOCAL_HOUR = 9  # birthdays go from this local hour on (the beat runs every hour)
WIN_BACK_DAYS = 30  # one "we miss you" per client in this many days


@dataclass(frozen=True)
class ClientRoute:
    """How a message can reach a client on one channel, or why it cannot (`refused`)."""

    channel: str
    recipient: str = ""
    as_template: bool = False
    refused: str = ""


def _plan_refusal_words(reason: str) -> str:
    if reason == outbox.NO_WHATSAPP:
        return _("The plan has no WhatsApp messages.")
    return _("This period's WhatsApp messages are used up.")


def client_routes(
    *, client: Client, channels: ChannelSettings | None = None, now: dt.datetime | None = None
) -> dict[str, ClientRoute]:
    """Each channel's way to this client now (WhatsApp first), with the reason where there is
    none: what a member can choose from, and what birthdays and "we miss you" pick from."""
    now = now or timezone.now()
    channels = channels or ChannelSettings.load()
    if client.erased_at or not client.is_active:
        gone = _("This client is deactivated or erased.")
        return {
            Channel.WHATSAPP: ClientRoute(Channel.WHATSAPP, refused=gone),
            Channel.EMAIL: ClientRoute(Channel.EMAIL, refused=gone),
        }
    if not channels.whatsapp_enabled:
        whatsapp = ClientRoute(Channel.WHATSAPP, refused=_("WhatsApp is off in your channels."))
    elif not client.phone:
        whatsapp = ClientRoute(Channel.WHATSAPP, refused=_("The client has no phone number."))
    elif not client.whatsapp_consent:
        whatsapp = ClientRoute(
            Channel.WHATSAPP, refused=_("The client has not agreed to WhatsApp messages.")
        )
    elif plan := outbox.whatsapp_refusal():
        whatsapp = ClientRoute(Channel.WHATSAPP, refused=_plan_refusal_words(plan))
    elif whatsapp_window_open(client.phone, now=now):
        whatsapp = ClientRoute(Channel.WHATSAPP, client.phone)
    elif channels.whatsapp_template_name:
        whatsapp = ClientRoute(Channel.WHATSAPP, client.phone, as_template=True)
    else:
        whatsapp = ClientRoute(
            Channel.WHATSAPP,
            refused=_(
                "The client has not written in the last 24 hours and no approved WhatsApp "
                "template is set in your channels."
            ),
        )
    if not channels.email_enabled:
        email = ClientRoute(Channel.EMAIL, refused=_("E-mail is off in your channels."))
    elif not client.email:
        email = ClientRoute(Channel.EMAIL, refused=_("The client has no e-mail address."))
    else:
        email = ClientRoute(Channel.EMAIL, client.email)
    return {Channel.WHATSAPP: whatsapp, Channel.EMAIL: email}


def client_route_best(routes: dict[str, ClientRoute]) -> ClientRoute:
    """WhatsApp when it can go, else e-mail; raises with both reasons when neither can."""
    for route in routes.values():
        if not route.refused:
            return route
    reasons = " ".join(dict.fromkeys(route.refused for route in routes.values()))
    raise NotificationError("no_channel", _("No way to reach this client: %s") % reasons)


def client_values(client: Client, business: BusinessSettings, link: str = "") -> dict[str, str]:
    """Placeholders of a message outside any booking: the booking's own ones stay empty."""
    return {
        **{name: "" for name in PLACEHOLDERS},
        "client_name": client.name.split()[0] if client.name else "",
        "business": business.display_name or connection.schema_name,
        "link": link or f"{tenant_base_url()}/",
    }


def client_message_queue(
    *,
    client: Client,
    kind: str,
    route: ClientRoute,
    subject: str,
    body: str,
    now: dt.datetime,
    actor=None,
    dedupe_key: str = "",
    log_it: bool = True,
) -> Message:
    """Write one message to a client (due now) and, unless `log_it` is off, note it in their
    history; handed to a worker after commit. Call inside a transaction."""
    message = Message.objects.create(
        client=client,
        staff_user=actor,  # the member who wrote it sees it in their messages log
        channel=route.channel,
        kind=kind,
        recipient=route.recipient,
        subject=subject if route.channel == Channel.EMAIL else "",
        body=body,
        as_template=route.as_template,
        send_after=now,
        dedupe_key=dedupe_key,
    )
    if log_it:
        ClientInteraction.objects.create(
            client=client,
            kind=ClientInteraction.Kind.MESSAGE,
            body=f"{Channel(route.channel).label} · {Kind(kind).label}: {body}",
            author=actor,
        )
    enqueue_when_due(message)
    return message


@transaction.atomic
def client_message_send(
    *, client: Client, channel: str, body: str, actor, now: dt.datetime | None = None
) -> Message:
    """A member's own message to one client on `channel` (Kind.DIRECT)."""
    now = now or timezone.now()
    route = client_routes(client=client, now=now).get(channel)
    if route is None or route.refused:
        raise NotificationError(
            "no_channel",
            route.refused if route else _("Choose WhatsApp or e-mail."),
            field="channel",
        )
    business = BusinessSettings.load()
    language = language_of(business.language)
    subject = fill(
        DIRECT_SUBJECT.get(language, DIRECT_SUBJECT["en"]), client_values(client, business)
    )
    return client_message_queue(
        client=client,
        kind=Kind.DIRECT,
        route=route,
        subject=subject,
        body=body.strip(),
        now=now,
        actor=actor,
    )


def client_wording(kind: str, route: ClientRoute, values: dict[str, str]) -> tuple[str, str]:
    language = language_of(BusinessSettings.load().language)
    return render(kind=kind, channel=route.channel, language=language, values=values)


@transaction.atomic
def client_win_back_send(*, client: Client, actor, now: dt.datetime | None = None) -> Message:
    """ "We miss you" (Kind.WIN_BACK) to a client, at most once in WIN_BACK_DAYS; raises
    NotificationError ("no_channel", "already_sent") when it cannot go."""
    now = now or timezone.now()
    client = Client.objects.select_for_update().get(pk=client.pk)  # two clicks take turns
    recent = Message.objects.filter(
        client=client, kind=Kind.WIN_BACK, send_after__gt=now - dt.timedelta(days=WIN_BACK_DAYS)
    ).exclude(status__in=[Status.FAILED, Status.CANCELLED])
    if recent.exists():
        raise NotificationError(
            "already_sent",
            _("A we-miss-you message already went to this client in the last %(days)s days.")
            % {"days": WIN_BACK_DAYS},
        )
    route = client_route_best(client_routes(client=client, now=now))
    business = BusinessSettings.load()
    subject, body = client_wording(Kind.WIN_BACK, route, client_values(client, business))
    return client_message_queue(
        client=client,
        kind=Kind.WIN_BACK,
        route=route,
        subject=subject,
        body=body,
        now=now,
        actor=actor,
        dedupe_key=f"win_back:{now:%Y-%m-%d}:{client.pk}",
    )


def birthday_clients(*, day: dt.date) -> QuerySet[Client]:
    """Active clients (never erased) whose birthday is `day`. Born on 29 February: on 28 February
    in the years without a 29th (the day the month of their birthday still has)."""
    born = Q(birth_date__month=day.month, birth_date__day=day.day)
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        born |= Q(birth_date__month=2, birth_date__day=29)
    return Client.objects.filter(born, is_active=True, erased_at__isnull=True).order_by("pk")


def client_birthdays_send(*, now: dt.datetime | None = None) -> int:
    """Today's birthday messages of this business (beat, hourly): from BIRTHDAY_LOCAL_HOUR in its
    own time zone, one per client per year (the dedupe key: running again sends nothing twice).
    Clients who can be reached by neither channel are skipped. Returns how many were queued."""
    now = now or timezone.now()
    business = BusinessSettings.load()
    if not business.birthday_messages:
        return 0
    local = now.astimezone(zoneinfo.ZoneInfo(business.timezone))
    if local.hour < BIRTHDAY_LOCAL_HOUR:
        return 0
    channels = ChannelSettings.load()
    sent = Message.objects.filter(dedupe_key__startswith=f"birthday:{local.year}:").values_list(
        "dedupe_key", flat=True
    )
    done = set(sent)
    count = 0
    for client in birthday_clients(day=local.date()):
        key = f"birthday:{local.year}:{client.pk}"
        if key in done:
            continue
        try:
            route = client_route_best(client_routes(client=client, channels=channels, now=now))
        except NotificationError:
            continue  # neither channel: nobody to tell
        subject, body = client_wording(Kind.BIRTHDAY, route, client_values(client, business))
        try:
            with transaction.atomic():
                client_message_queue(
                    client=client,
                    kind=Kind.BIRTHDAY,
                    route=route,
                    subject=subject,
                    body=body,
                    now=now,
                    dedupe_key=key,
                )
        except IntegrityError:  # another run queued it a moment ago
            continue
        count += 1
    return count
