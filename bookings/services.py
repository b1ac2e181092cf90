"""Writes on bookings and clients. Every change is one transaction with its booking event.

Rules (SPEC §5) are checked here for a friendly refusal; the exclusion constraint
`booking_no_overlap` is the guarantee against double booking (TRAPS #2). Writers of one
resource's calendar take turns (a transaction-scoped advisory lock before the insert or move):
a crowd on one slot then meets a committed winner and gets `slot_taken`, where inserts racing
each other through the constraint deadlocked (TRAPS #16).
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, Q
from django.db.models.signals import post_save
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import User
from billing.limits import online_booking_state
from bookings.errors import BookingError, booking_error
from bookings.models import Booking, BookingEvent, BookingItem, Client, ClientInteraction, Source
from bookings.phones import phone_normalize
from bookings.selectors import booking_busy_intervals
from bookings.utm import UTM_FIELDS, utm_clean
from scheduling.models import BusinessSettings, Resource, Service
from scheduling.selectors import (
    availability_compute,
    services_timing,
    settings_get,
    slot_refusal,
)

Status = Booking.Status
EventType = BookingEvent.Type


# --- Clients -------------------------------------------------------------------------------------


@transaction.atomic
def client_get_or_create(
    *,
    name: str,
    phone: str,
    region: str,
    email: str = "",
    source: str = Source.STAFF,
    whatsapp_consent: bool = False,
) -> tuple[Client, bool]:
    """The active client with this phone (normalised to E.164), or a new one."""
    e164 = phone_normalize(phone, region=region)
    client = Client.objects.filter(phone=e164, is_active=True).first()
    created = False
    if client is None:
        try:
            with transaction.atomic():
                client = Client.objects.create(
                    name=name.strip(), phone=e164, email=email.strip().lower(), source=source
                )
                created = True
        except IntegrityError:  # created by a concurrent booking a moment ago
            client = Client.objects.get(phone=e164, is_active=True)
    changed = []
    if email and not client.email:
        client.email = email.strip().lower()
        changed.append("email")
    if whatsapp_consent and not client.whatsapp_consent:
        client.whatsapp_consent, client.whatsapp_consent_at = True, timezone.now()
        changed += ["whatsapp_consent", "whatsapp_consent_at"]
    if changed:
        client.save(update_fields=[*changed, "updated_at"])
    return client, created


@transaction.atomic
def client_update(*, client: Client, region: str, **fields) -> Client:
    if "phone" in fields:
        fields["phone"] = phone_normalize(fields["phone"], region=region) if fields["phone"] else ""
        clash = Client.objects.filter(phone=fields["phone"], is_active=True).exclude(pk=client.pk)
        if fields["phone"] and clash.exists():
            raise booking_error(
                "phone_taken", _("Another active client already has this phone number."), "phone"
            )
    for name, value in fields.items():
        setattr(client, name, value)
    _save_client(client)
    return client


@transaction.atomic
def client_set_active(*, client: Client, active: bool) -> Client:
    if active and client.phone:
        clash = Client.objects.filter(phone=client.phone, is_active=True).exclude(pk=client.pk)
        if clash.exists():
            raise booking_error(
                "phone_taken",
                _("%(name)s is active with the same phone number; deactivate them first.")
                % {"name": clash.first()},
            )
    client.is_active = active
    _save_client(client, update_fields=["is_active", "updated_at"])
    return client


def _save_client(client: Client, **save_kwargs) -> None:
    """Save; the active-phone constraint's refusal (a concurrent change) becomes `phone_taken`."""
    try:
        with transaction.atomic():
            client.save(**save_kwargs)
    except IntegrityError as exc:
        if _constraint_name(exc) != "client_phone_unique_active":
            raise
        raise booking_error(
            "phone_taken", _("Another active client already has this phone number."), "phone"
        ) from exc


@transaction.atomic
def client_interaction_add(
    *, client: Client, kind: str, body: str, author: User | None
) -> ClientInteraction:
    return ClientInteraction.objects.create(client=client, kind=kind, body=body, author=author)


# --- Bookings: helpers ---------------------------------------------------------------------------


def can_cancel(booking: Booking, *, now: dt.datetime, business: BusinessSettings) -> bool:
    """Whether the client may still cancel or reschedule: active and the window still open."""
    window = dt.timedelta(hours=business.cancellation_window_hours)
    return booking.is_active and now <= booking.start - window


def _occupied(
    service: Service, start: dt.datetime, extra_services: Sequence[Service] = ()
) -> tuple[dt.datetime, DateTimeTZRange]:
    """The end and the occupied range of `service` (then `extra_services`) from `start`: the
    durations add up, the first service's buffer before and the last one's after."""
    duration, before, after = services_timing([service, *extra_services])
    end = start + dt.timedelta(minutes=duration)
    occupied = DateTimeTZRange(
        start - dt.timedelta(minutes=before), end + dt.timedelta(minutes=after), "[)"
    )
    return end, occupied


def _snapshot(booking: Booking) -> dict:
    return {
        "status": booking.status,
        "start": booking.start.astimezone(dt.UTC).isoformat(),
        "end": booking.end.astimezone(dt.UTC).isoformat(),
        "resource": booking.resource_id,
        "service": booking.service_id,
    }


# The most services one booking may hold (haircut + beard + …): a day's work, not a catalogue.
MAX_SERVICES = 5


def booking_services(booking: Booking) -> list[Service]:
    """The booking's services in order (its items'; a row without items: its service). Reads
    the items prefetched with their services when they are (pages do), else one query."""
    cached = getattr(booking, "_prefetched_objects_cache", {}).get("items")
    items = cached if cached is not None else booking.items.select_related("service")
    return [item.service for item in items] or [booking.service]


def _check_service_list(services: Sequence[Service]) -> None:
    if len({service.pk for service in services}) != len(services):
        raise booking_error(
            "invalid_services", _("Each service can be chosen only once."), "services"
        )
    if len(services) > MAX_SERVICES:
        raise booking_error(
            "invalid_services",
            _("Please choose at most %(count)d services.") % {"count": MAX_SERVICES},
            "services",
        )


def _price_sum(services: Sequence[Service]) -> Decimal:
    return sum((Decimal(str(each.price or 0)) for each in services), Decimal("0"))


def _items_write(booking: Booking, services: Sequence[Service]) -> None:
    """The booking's items become exactly `services`, as booked now (name, duration, price)."""
    BookingItem.objects.filter(booking=booking).delete()
    BookingItem.objects.bulk_create(
        BookingItem(
            booking=booking,
            service=service,
            name=service.name,
            duration_minutes=service.duration_minutes,
            price=Decimal(str(service.price or 0)),
            position=position,
        )
        for position, service in enumerate(services)
    )


def _event(
    booking: Booking,
    type_: str,
    *,
    actor: User | None,
    before: dict | None = None,
    override: bool = False,
    note: str = "",
    actor_label: str = "",
) -> BookingEvent:
    return BookingEvent.objects.create(
        booking=booking,
        type=type_,
        actor=actor,
        actor_label=actor_label or ("staff" if actor else "client"),
        before=before or {},
        after=_snapshot(booking),
        override=override,
        note=note[:255],
    )


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


# SQLSTATEs of a statement PostgreSQL gave up on to break a cycle of waits: the other side went on.
_RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure
SAVE_ATTEMPTS = 3


def _lock_calendars(resource_ids: Iterable[int]) -> None:
    """Wait for our turn on these resources' calendars; held until the transaction ends.

    Keys carry the schema (each business numbers its resources from 1) and are taken in one
    order, so two writers wanting the same resources never wait for each other in a circle.
    """
    keys = [f"agendo.booking:{connection.schema_name}:{pk}" for pk in sorted(set(resource_ids))]
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(key, 0))"
            " FROM unnest(%s::text[]) WITH ORDINALITY AS t(key, n) ORDER BY n",
            [keys],
        )


def _retryable(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in _RETRYABLE


def _save_or_slot_taken(booking: Booking, **save_kwargs) -> None:
    """Save in a savepoint, in our turn on the resource's calendar; a refusal is `slot_taken`.

    The no-overlap constraint's refusal (someone holds the time) and a deadlock or
    serialization failure that persists after a few tries both answer `slot_taken`: the
    client then sees fresh times, never a 500.
    """
    _lock_calendars([booking.resource_id])
    for _attempt in range(SAVE_ATTEMPTS):
        try:
            with transaction.atomic():
                booking.save(**save_kwargs)
            return
        except OperationalError as exc:
            if not _retryable(exc):
                raise
            continue  # the savepoint is rolled back; the other transaction went on: try again
        except IntegrityError as exc:
            name = _constraint_name(exc)
            if name == "booking_no_overlap" or "idempotency" in name:
                # For a repeated idempotency key, booking_create finds the first booking.
                raise booking_error("slot_taken") from exc
            if "reference" in name and booking._state.adding:
                booking.reference = Booking._meta.get_field("reference").default()
                continue
            raise
    raise booking_error("slot_taken")


def _check_rules(
    *,
    service: Service,
    resource: Resource,
    start: dt.datetime,
    business: BusinessSettings,
    now: dt.datetime,
    public: bool,
    override: bool,
    extra_services: Sequence[Service] = (),
    check_times: bool = True,
) -> None:
    """Refuse what the rules forbid. `check_times=False` judges the services and the resource
    and the time's fit in the hours, not notice or advance (a booking's services changed)."""
    for each in (service, *extra_services):
        if not each.is_active or (public and not each.is_public):
            raise booking_error("service_unavailable")
    wanted = {each.pk for each in (service, *extra_services)}
    performs = Service.objects.filter(pk__in=wanted, resources=resource).count() == len(wanted)
    if not resource.is_active or not performs:
        raise booking_error("resource_unavailable")
    if override:
        return
    if check_times and start < now + dt.timedelta(minutes=business.min_notice_minutes):
        raise booking_error("too_soon")
    if check_times and start > now + dt.timedelta(days=business.max_advance_days):
        raise booking_error("too_far")
    reason = slot_refusal(
        service=service,
        resource_id=resource.pk,
        start=start,
        business=business,
        extra_services=extra_services,
    )
    if reason:
        raise booking_error(reason)


def _any_candidates(
    *,
    service: Service,
    start: dt.datetime,
    business: BusinessSettings,
    now: dt.datetime,
    resource_ids: list[int] | None,
    extra_services: Sequence[Service] = (),
) -> list[Resource]:
    """Eligible resources free at `start`: fewest bookings that day first, then resource order."""
    tz = zoneinfo.ZoneInfo(business.timezone)
    local_day = start.astimezone(tz).date()
    day_start = dt.datetime.combine(local_day, dt.time(), tz)
    day_end = day_start + dt.timedelta(days=1)
    availability = availability_compute(
        service=service,
        start_date=local_day,
        end_date=local_day,
        resource_ids=resource_ids,
        busy=booking_busy_intervals(start=day_start, end=day_end, resource_ids=resource_ids),
        now=now,
        business=business,
        extra_services=extra_services,
    )
    free = [rid for rid, starts in availability.for_day(local_day).items() if start in starts]
    return list(
        Resource.objects.filter(pk__in=free)
        .annotate(
            day_bookings=Count(
                "bookings",
                filter=Q(
                    bookings__status__in=Booking.OCCUPYING_STATUSES,
                    bookings__start__gte=day_start,
                    bookings__start__lt=day_end,
                ),
            )
        )
        .order_by("day_bookings", "order", "name", "pk")
    )


# --- Bookings: create, reschedule, cancel --------------------------------------------------------


@transaction.atomic
def booking_create(
    *,
    service: Service,
    start: dt.datetime,
    client: Client,
    resource: Resource | None = None,
    source: str = Source.STAFF,
    actor: User | None = None,
    override: bool = False,
    client_notes: str = "",
    internal_notes: str = "",
    now: dt.datetime | None = None,
    business: BusinessSettings | None = None,
    idempotency_key: str | None = None,
    resource_ids: Iterable[int] | None = None,
    extra_services: Sequence[Service] = (),
    answers: list[dict] | None = None,
    utm: Mapping[str, str] | None = None,
) -> Booking:
    """Book `service` at `start` for `client` on `resource`, or on any free one when None.

    `extra_services` follow `service` in the same booking (haircut + beard): one resource that
    performs them all, their durations added up, the price their sum. Every booking gets its
    items (one per service) in this transaction; `booking.service` is the first one.
    `answers` are the booking form's, as asked ([{"question", "label", "value"}]).
    `utm` is where the client came from (utm_source, utm_medium, utm_campaign: bookings/utm.py).
    `resource_ids` limits the resources it may take (a staff member books only on their own);
    None means any. With an `idempotency_key`, asking twice (a double click, a resubmitted
    form) returns the booking the first request made instead of a second booking or a refusal.
    """
    if idempotency_key:
        existing = Booking.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    business = business or settings_get()
    now = now or timezone.now()
    public = source == Source.PUBLIC
    # The plan's bookings used up, or the subscription suspended: clients are told to contact
    # the business. Staff booking by hand is never paused (their own work). Counted under the
    # limit's lock, so two clients cannot both take the period's last booking.
    if public and online_booking_state(lock=True) != "open":
        raise booking_error("booking_paused")
    if override and actor is None:
        raise booking_error("invalid_transition", _("Only staff can override the booking rules."))
    if not client.is_active:
        raise booking_error("client_inactive")
    extra_services = list(extra_services)
    chosen = [service, *extra_services]
    _check_service_list(chosen)
    status = Status.PENDING if public and business.requires_approval else Status.CONFIRMED
    allowed = None if resource_ids is None else list(resource_ids)

    if resource is not None:
        if allowed is not None and resource.pk not in allowed:
            raise booking_error("resource_unavailable", field="resource")
        candidates = [resource]
    else:
        for each in chosen:
            if not each.is_active or (public and not each.is_public):
                raise booking_error("service_unavailable")
        candidates = _any_candidates(
            service=service,
            start=start,
            business=business,
            now=now,
            resource_ids=allowed,
            extra_services=extra_services,
        )
        if not candidates:
            # Say why: a rule (too soon, closed...) if one refuses it, otherwise everyone is busy.
            eligible = service.resources.filter(is_active=True)
            for other in extra_services:
                eligible = eligible.filter(pk__in=other.resources.values("pk"))
            if allowed is not None:
                eligible = eligible.filter(pk__in=allowed)
            eligible = eligible.first()
            if eligible is None and allowed is not None:
                raise booking_error(
                    "resource_unavailable",
                    _("You can book only on your own calendar, which does not offer this service."),
                    "resource",
                )
            if eligible is None:
                raise booking_error("resource_unavailable")
            _check_rules(
                service=service,
                resource=eligible,
                start=start,
                business=business,
                now=now,
                public=public,
                override=override,
                extra_services=extra_services,
            )
            raise booking_error("no_resource_free")

    end, occupied = _occupied(service, start, extra_services)
    if len(candidates) > 1:
        # "Any free one" may try several: take all their turns at once, in one order.
        _lock_calendars(candidate.pk for candidate in candidates)
    for candidate in candidates:
        _check_rules(
            service=service,
            resource=candidate,
            start=start,
            business=business,
            now=now,
            public=public,
            override=override,
            extra_services=extra_services,
        )
        booking = Booking(
            service=service,
            resource=candidate,
            client=client,
            start=start,
            end=end,
            occupied=occupied,
            status=status,
            source=source,
            price=_price_sum(chosen),
            client_notes=client_notes,
            internal_notes=internal_notes,
            created_by=actor,
            idempotency_key=idempotency_key or None,
            answers=answers or [],
            **_utm_fields(utm),
        )
        try:
            _save_or_slot_taken(booking)
        except BookingError as exc:
            first = (
                Booking.objects.filter(idempotency_key=idempotency_key).first()
                if idempotency_key
                else None
            )
            if first is not None:
                return first
            if resource is None and exc.code == "slot_taken":
                continue  # taken a moment ago: the next free resource
            raise
        _items_write(booking, chosen)
        _event(
            booking,
            EventType.CREATED,
            actor=actor,
            override=override,
            actor_label="" if actor else source,
        )
        return booking
    raise booking_error("no_resource_free")


def _utm_fields(utm: Mapping[str, str] | None) -> dict[str, str]:
    """The booking's utm_* columns from `utm`, cleaned and cut to the columns' length."""
    return {name: utm_clean((utm or {}).get(name) or "") for name in UTM_FIELDS}


@transaction.atomic
def booking_create_with_client(
    *,
    client_name: str,
    client_phone: str,
    region: str,
    client_email: str = "",
    whatsapp_consent: bool = False,
    custom_fields: dict[str, str] | None = None,
    **booking_kwargs,
) -> Booking:
    """A new or returning client (by phone) and their booking, in one transaction.

    A refused booking (a time taken meanwhile, a rule) leaves nothing behind: no new client
    row and no consent recorded for a booking that does not exist. `booking_kwargs` are
    `booking_create`'s; the client's source is the booking's. `custom_fields` (the business's
    client questions answered on the form, {"<question id>": value}) are kept on the client,
    each new answer replacing the old one.
    """
    client, _ = client_get_or_create(
        name=client_name,
        phone=client_phone,
        email=client_email,
        region=region,
        source=booking_kwargs.get("source", Source.STAFF),
        whatsapp_consent=whatsapp_consent,
    )
    booking = booking_create(client=client, **booking_kwargs)
    if custom_fields:
        client = Client.objects.select_for_update().get(pk=client.pk)
        client.custom_fields = {**(client.custom_fields or {}), **custom_fields}
        client.save(update_fields=["custom_fields", "updated_at"])
        booking.client = client
    return booking


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update()
        .select_related("service", "resource", "client")
        .get(pk=booking.pk)
    )


@transaction.atomic
def booking_reschedule(
    *,
    booking: Booking,
    start: dt.datetime,
    resource: Resource | None = None,
    actor: User | None = None,
    by_client: bool = False,
    override: bool = False,
    now: dt.datetime | None = None,
    business: BusinessSettings | None = None,
) -> Booking:
    business = business or settings_get()
    now = now or timezone.now()
    booking = _locked(booking)
    _check_allowed(booking, ACTIONS["reschedule"], now=now)
    if by_client and not can_cancel(booking, now=now, business=business):
        raise booking_error("window_closed")
    if by_client and online_booking_state() == "paused_status":
        # Suspended or cancelled: a client may still cancel, not move (moving is not a new
        # booking, so a used-up bookings limit does not stop it).
        raise booking_error("booking_paused")
    if override and (actor is None or by_client):
        raise booking_error("invalid_transition", _("Only staff can override the booking rules."))
    target = resource or booking.resource
    # All the booking's services move together (as the services are now: a longer haircut
    # makes the moved booking longer, as it did with one service).
    first, *extra = booking_services(booking)
    _check_rules(
        service=first,
        resource=target,
        start=start,
        business=business,
        now=now,
        public=booking.source == Source.PUBLIC and by_client,
        override=override,
        extra_services=extra,
    )
    before = _snapshot(booking)
    booking.start = start
    booking.end, booking.occupied = _occupied(first, start, extra)
    booking.resource = target
    _save_or_slot_taken(booking)
    _event(
        booking,
        EventType.RESCHEDULED,
        actor=actor,
        before=before,
        override=override,
        actor_label="" if actor else "client",
    )
    return booking


@transaction.atomic
def booking_update(
    *,
    booking: Booking,
    actor: User | None,
    services: Sequence[Service] | None = None,
    price: Decimal | None = None,
    client_notes: str | None = None,
    internal_notes: str | None = None,
    override: bool = False,
    now: dt.datetime | None = None,
    business: BusinessSettings | None = None,
) -> Booking:
    """Staff change a booking's services, its price or its notes (None: unchanged).

    New services keep the start and move the end; they are checked like a move (the resource
    performs them all, the longer time fits its hours and time off unless `override`; notice
    and advance are not judged, the time is the booking's own) and saved in the resource's
    turn, where the no-overlap constraint refuses a longer booking running into the next one
    (`slot_taken`). Only a pending or confirmed booking's services change. Without a `price`,
    new services bring their summed price. One UPDATED event holds what changed, before and
    after; nothing changed, no event.
    """
    business = business or settings_get()
    now = now or timezone.now()
    booking = _locked(booking)
    before: dict = {}
    after: dict = {}
    fields: list[str] = []
    if services is not None:
        services = list(services)
        if not services:
            raise booking_error("invalid_services", _("Choose at least one service."), "services")
        _check_service_list(services)
        current = booking_services(booking)
        if [each.pk for each in services] != [each.pk for each in current]:
            if not booking.is_active:
                raise booking_error(
                    "invalid_transition",
                    _("Only a pending or confirmed booking's services can change."),
                )
            first, *extra = services
            _check_rules(
                service=first,
                resource=booking.resource,
                start=booking.start,
                business=business,
                now=now,
                public=False,
                override=override,
                extra_services=extra,
                check_times=False,
            )
            before["services"] = booking.service_names
            before["end"] = booking.end.astimezone(dt.UTC).isoformat()
            booking.service = first
            booking.end, booking.occupied = _occupied(first, booking.start, extra)
            fields += ["service", "end", "occupied"]
            after["services"] = [each.name for each in services]
            after["end"] = booking.end.astimezone(dt.UTC).isoformat()
            if price is None:
                price = _price_sum(services)
    changes = {"price": price, "client_notes": client_notes, "internal_notes": internal_notes}
    for name, value in changes.items():
        if value is not None and value != getattr(booking, name):
            old = getattr(booking, name)
            before[name], after[name] = (str(old), str(value)) if name == "price" else (old, value)
            setattr(booking, name, value)
            fields.append(name)
    if not fields:
        return booking
    _save_or_slot_taken(booking, update_fields=[*fields, "updated_at"])
    if "services" in after:
        _items_write(booking, services)
    BookingEvent.objects.create(
        booking=booking,
        type=EventType.UPDATED,
        actor=actor,
        actor_label="" if actor else "staff",
        before=before,
        after={**_snapshot(booking), **after},
        override=override and "services" in after,
    )
    return booking


@transaction.atomic
def booking_cancel(
    *,
    booking: Booking,
    actor: User | None = None,
    by_client: bool = False,
    reason: str = "",
    now: dt.datetime | None = None,
    business: BusinessSettings | None = None,
    actor_label: str = "",
) -> Booking:
    business = business or settings_get()
    now = now or timezone.now()
    booking = _locked(booking)
    _check_allowed(booking, ACTIONS["cancel"], now=now)
    if by_client and not can_cancel(booking, now=now, business=business):
        raise booking_error("window_closed")
    before = _snapshot(booking)
    booking.status = Status.CANCELLED
    booking.cancellation_reason = reason[:255]
    booking.cancelled_by = actor
    booking.cancelled_by_client = by_client
    booking.save(
        update_fields=[
            "status",
            "cancellation_reason",
            "cancelled_by",
            "cancelled_by_client",
            "updated_at",
        ]
    )
    _event(
        booking,
        EventType.CANCELLED,
        actor=actor,
        before=before,
        note=reason,
        actor_label=actor_label or ("" if actor else "client"),
    )
    return booking


# --- Bookings: the state machine ---------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing that can happen to a booking: from which statuses, to which, and its button.

    The one table below decides which actions a booking offers; services refuse the others,
    and the staff screens draw exactly what `booking_actions` returns.
    """

    name: str  # also the URL segment of the staff action
    sources: frozenset[str]  # statuses it may start from
    target: str | None  # status after it; None: the status stays (a move)
    event: str  # BookingEvent type written
    after_start: bool = False  # only once the booking's start has passed
    # Texts staff read are lazy (translated when shown, in the reader's language).
    label: str | Promise = ""  # the staff button; "" when never offered (the sweep's expiry)
    style: str = ""  # button classes: "" (primary), "secondary", "secondary outline", "outline"
    done: str | Promise = ""  # what staff are told after it
    confirm: str | Promise = ""  # the question asked before it, "" when it needs none
    panel: str = ""  # "" for a plain button; else it needs its own form (a reason, a new time)
    confirm_yes: str | Promise = ""  # the button that answers `confirm` with yes


_ACTIVE = frozenset({Status.PENDING, Status.CONFIRMED})
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "confirm",
            frozenset({Status.PENDING}),
            Status.CONFIRMED,
            EventType.CONFIRMED,
            label=pgettext_lazy("booking action", "Confirm"),
            done=gettext_lazy("Confirmed."),
        ),
        Action(
            "complete",
            frozenset({Status.CONFIRMED}),
            Status.COMPLETED,
            EventType.COMPLETED,
            after_start=True,
            label=pgettext_lazy("booking action", "Completed"),
            done=gettext_lazy("Marked as completed."),
        ),
        Action(
            "no_show",
            frozenset({Status.CONFIRMED}),
            Status.NO_SHOW,
            EventType.NO_SHOW,
            after_start=True,
            label=pgettext_lazy("booking action", "No-show"),
            style="secondary",
            done=gettext_lazy("Marked as no-show."),
        ),
        # Staff corrections of a mistake after the fact.
        Action(
            "mark_completed",
            frozenset({Status.NO_SHOW}),
            Status.COMPLETED,
            EventType.CORRECTED,
            after_start=True,
            label=gettext_lazy("Correct to completed"),
            style="secondary outline",
            done=gettext_lazy("Corrected to completed."),
        ),
        Action(
            "mark_no_show",
            frozenset({Status.COMPLETED}),
            Status.NO_SHOW,
            EventType.CORRECTED,
            after_start=True,
            label=gettext_lazy("Correct to no-show"),
            style="secondary outline",
            done=gettext_lazy("Corrected to no-show."),
        ),
        # The sweep's: a pending booking nobody confirmed before its start.
        Action(
            "expire",
            frozenset({Status.PENDING}),
            Status.EXPIRED,
            EventType.EXPIRED,
            after_start=True,
        ),
        Action(
            "reschedule",
            _ACTIVE,
            None,
            EventType.RESCHEDULED,
            label=gettext_lazy("Move booking"),
            style="outline",
            panel="reschedule",
        ),
        Action(
            "cancel",
            _ACTIVE,
            Status.CANCELLED,
            EventType.CANCELLED,
            label=gettext_lazy("Cancel booking"),
            style="secondary",
            done=gettext_lazy("Cancelled."),
            confirm=gettext_lazy("Cancel this booking? The client is told it is cancelled."),
            panel="cancel",
            confirm_yes=gettext_lazy("Yes, cancel booking"),
        ),
    )
}


def booking_actions(*, booking: Booking, now: dt.datetime) -> list[Action]:
    """What staff may do to `booking` now, in the table's order."""
    return [
        action
        for action in ACTIONS.values()
        if action.label
        and booking.status in action.sources
        and not (action.after_start and now < booking.start)
    ]


def _check_allowed(booking: Booking, action: Action, *, now: dt.datetime) -> None:
    if booking.status not in action.sources:
        if action.target is None or action.target == Status.CANCELLED:
            message = _("A %(status)s booking cannot change any more.")
        else:
            message = _("A %(status)s booking cannot be %(target)s.")  # "A cancelled … confirmed."
        raise booking_error(
            "invalid_transition",
            message
            % {
                "status": booking.get_status_display().lower(),
                "target": Status(action.target).label.lower() if action.target else "",
            },
        )
    if action.after_start and now < booking.start:
        raise booking_error("not_started")


@transaction.atomic
def booking_transition(
    *,
    booking: Booking,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """A status change of the table that needs nothing but a yes (not a move or a cancel)."""
    spec = ACTIONS.get(action)
    if spec is None or spec.panel:
        raise booking_error("invalid_transition")
    now = now or timezone.now()
    booking = _locked(booking)
    _check_allowed(booking, spec, now=now)
    before = _snapshot(booking)
    booking.status = spec.target
    booking.save(update_fields=["status", "updated_at"])
    _event(
        booking,
        spec.event,
        actor=actor,
        before=before,
        actor_label=actor_label or ("" if actor else "system"),
    )
    return booking


def booking_confirm(*, booking: Booking, actor: User | None = None, **kwargs) -> Booking:
    return booking_transition(booking=booking, action="confirm", actor=actor, **kwargs)


def booking_complete(*, booking: Booking, actor: User | None = None, **kwargs) -> Booking:
    return booking_transition(booking=booking, action="complete", actor=actor, **kwargs)


def booking_mark_no_show(*, booking: Booking, actor: User | None = None, **kwargs) -> Booking:
    return booking_transition(booking=booking, action="no_show", actor=actor, **kwargs)


@transaction.atomic
def booking_acknowledge(
    *, booking: Booking, actor_label: str = "client", now: dt.datetime | None = None
) -> Booking:
    """The client says they will come (answering a reminder): recorded, the status unchanged."""
    now = now or timezone.now()
    booking = _locked(booking)
    if booking.status != Status.CONFIRMED or booking.start <= now:
        raise booking_error(
            "invalid_transition", _("Only an upcoming confirmed booking can be confirmed.")
        )
    _event(
        booking,
        EventType.ACKNOWLEDGED,
        actor=None,
        before=_snapshot(booking),
        actor_label=actor_label,
    )
    return booking


def booking_expire(*, booking: Booking, **kwargs) -> Booking:
    return booking_transition(booking=booking, action="expire", actor_label="system", **kwargs)


# Who completed a booking on its own (the events' actor): staff read "automatic".
AUTO_COMPLETE_ACTOR = "automatic"
AUTO_COMPLETE_BATCH = 500  # per pass; the next minute's pass takes the rest


@transaction.atomic
def bookings_auto_complete(
    *, now: dt.datetime | None = None, batch: int = AUTO_COMPLETE_BATCH
) -> list[int]:
    """Confirmed bookings whose end plus the business's grace (`auto_complete_after_minutes`)
    has passed become completed; returns their ids. Beat runs it every 5 minutes per business.

    In bulk: one query locks the due rows, one UPDATE changes them, one INSERT writes their
    events. Rows a member is changing at this moment are locked and skipped (SKIP LOCKED): the
    member's change wins, and a row still confirmed is taken at the next pass. The UPDATE
    re-checks the status too, so nothing but a confirmed booking ever changes, and running it
    twice changes nothing the second time. Staff may still correct a booking to no-show after.

    The events are saved in bulk, so `post_save` is sent for each by hand: the apps that react
    to a booking event (the outbox plans the follow-up, webhooks) react to these exactly as to a
    member's "Completed", once per booking.
    """
    now = now or timezone.now()
    grace = dt.timedelta(minutes=settings_get().auto_complete_after_minutes)
    due = list(
        Booking.objects.select_for_update(skip_locked=True)
        .filter(status=Status.CONFIRMED, end__lte=now - grace)
        .order_by("end", "pk")
        .only("pk", "status", "start", "end", "resource_id", "service_id")[:batch]
    )
    if not due:
        return []
    ids = [booking.pk for booking in due]
    Booking.objects.filter(pk__in=ids, status=Status.CONFIRMED).update(
        status=Status.COMPLETED, updated_at=now
    )
    events = []
    for booking in due:
        before = _snapshot(booking)
        booking.status = Status.COMPLETED
        events.append(
            BookingEvent(
                booking=booking,
                type=EventType.COMPLETED,
                actor=None,
                actor_label=AUTO_COMPLETE_ACTOR,
                before=before,
                after=_snapshot(booking),
            )
        )
    BookingEvent.objects.bulk_create(events)
    for event in events:
        post_save.send(sender=BookingEvent, instance=event, created=True, raw=False)
    return ids


@transaction.atomic
def client_create(*, region: str, created_by: User | None = None, **fields) -> Client:
    """A client entered by staff; the phone is stored E.164 and unique among active clients."""
    client = Client(source=fields.pop("source", Source.STAFF), created_by=created_by)
    return client_update(client=client, region=region, **fields)


# --- Clients: erasure on request -----------------------------------------------------------------

# Stored, not shown through the catalogue: written in the business's language at erasure.
ERASED_NAME = gettext_lazy("Erased client")
ERASED_NOTE = gettext_lazy("Client's personal data erased on request")
ERASED_REASON = gettext_lazy("Client's data erased on request")


@transaction.atomic
def client_erase(*, client: Client, actor: User, now: dt.datetime | None = None) -> Client:
    """Anonymise a client on their request; their bookings stay for the business's statistics.

    Name → "Erased client"; phone, e-mail, notes, birth date, tags and WhatsApp consent cleared;
    the client is deactivated and marked `erased_at`. Interactions' bodies are cleared and their
    bookings' client notes too (what the client typed); their manage links stop working. Their
    upcoming active bookings are cancelled (no notice goes to them: they have no contact left),
    each booking gets an event naming `actor`, and an interaction records who erased them.
    Apps that keep more about the person (messages) redact it on `client_erased`.
    Erasing an erased client changes nothing. The texts it stores (name, notes, reason) are in
    the business's language, whoever erases.
    """
    with translation.override(settings_get().language or "en"):
        return _client_erase(client=client, actor=actor, now=now)


def _client_erase(*, client: Client, actor: User, now: dt.datetime | None) -> Client:
    from bookings.signals import client_erased

    now = now or timezone.now()
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.erased_at is not None:
        return client
    phone, email = client.phone, client.email
    client.name = str(ERASED_NAME)
    client.phone = client.email = client.notes = ""
    client.birth_date = None
    client.tags = []
    client.is_vip = client.is_active = False
    client.whatsapp_consent, client.whatsapp_consent_at = False, None
    client.erased_at = now
    client.save()
    client.interactions.update(body="")

    bookings = list(Booking.objects.select_for_update().filter(client=client).order_by("pk"))
    for booking in bookings:
        if booking.is_active and booking.start > now:
            booking_cancel(
                booking=booking,
                actor=actor,
                reason=str(ERASED_REASON),
                now=now,
                actor_label="staff",
            )
    Booking.objects.filter(client=client).update(client_notes="", updated_at=now)
    for booking in bookings:
        # A fresh token: links the client was sent no longer open their (anonymised) bookings.
        Booking.objects.filter(pk=booking.pk).update(
            manage_token=Booking._meta.get_field("manage_token").default()
        )
        BookingEvent.objects.create(
            booking=booking,
            type=EventType.UPDATED,
            actor=actor,
            actor_label="staff",
            before={},
            after={},
            note=str(ERASED_NOTE),
        )
    ClientInteraction.objects.create(
        client=client, kind=ClientInteraction.Kind.NOTE, body=f"{ERASED_NOTE}.", author=actor
    )
    client_erased.send(sender=None, client=client, phone=phone, email=email, erased_at=now)
    return client
