"""Writes of the messages dashboard: retry a failed message, send a test, edit templates.

Each is one atomic change; a message to send is handed to a worker only after commit.
"""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_diff, audit_record
from accounts.models import User
from notifications.errors import NotificationError
from notifications.models import Channel, Kind, Message, MessageTemplate
from notifications.queueing import enqueue
from scheduling.models import BusinessSettings

Status = Message.Status

# Kinds about a booking that make no sense once it is cancelled, expired or over.
BOOKING_BOUND_KINDS = (Kind.CONFIRMATION, Kind.APPROVAL_REQUEST, Kind.REMINDER, Kind.RESCHEDULE)

TEST_WORDING = {
    "en": (
        "Test message from {business}",
        "This is a test message from {business}, sent by Agendo. "
        "If you can read it, this channel works.",
    ),
    "pt-br": (
        "Mensagem de teste da {business}",
        "Esta é uma mensagem de teste da {business}, enviada pelo Agendo. "
        "Se você a recebeu, este canal está funcionando.",
    ),
}


def _enqueue_after_commit(message: Message) -> None:
    message_id = message.pk
    transaction.on_commit(lambda: enqueue(message_id))


@transaction.atomic
def message_retry(*, message: Message, now: dt.datetime | None = None) -> Message:
    """Queue a failed message again, due now, with a fresh budget of attempts.

    The last error stays visible until the next attempt replaces or clears it.
    """
    now = now or timezone.now()
    locked = (
        Message.objects.select_for_update(of=("self",)).select_related("booking").get(pk=message.pk)
    )
    if locked.status != Status.FAILED:
        raise NotificationError(
            "not_failed",
            _("Only failed messages can be retried; this one is %(status)s.")
            % {"status": locked.get_status_display()},
        )
    booking = locked.booking
    if booking is not None and locked.kind in BOOKING_BOUND_KINDS:
        if not booking.is_active:
            raise NotificationError(
                "booking_inactive",
                _("Booking %(reference)s is %(status)s: this message no longer applies.")
                % {
                    "reference": booking.reference,
                    "status": booking.get_status_display().lower(),
                },
            )
        if locked.kind == Kind.REMINDER and booking.start <= now:
            raise NotificationError(
                "booking_started",
                _("Booking %(reference)s has already started: too late for a reminder.")
                % {"reference": booking.reference},
            )
    locked.status = Status.QUEUED
    locked.send_after = now
    locked.attempts = 0
    locked.sending_since = None
    locked.save(update_fields=["status", "send_after", "attempts", "sending_since", "updated_at"])
    _enqueue_after_commit(locked)
    return locked


@transaction.atomic
def message_test_send(
    *,
    channel: str,
    recipient: str,
    business: BusinessSettings,
    now: dt.datetime | None = None,
) -> Message:
    """Queue a test message to `recipient` (E.164 phone or e-mail), due now."""
    language = business.language if business.language in TEST_WORDING else "en"
    name = business.display_name or connection.schema_name
    subject, body = (text.format(business=name) for text in TEST_WORDING[language])
    message = Message.objects.create(
        booking=None,
        channel=channel,
        kind=Kind.TEST,
        recipient=recipient,
        subject=subject if channel == Channel.EMAIL else "",
        body=body,
        send_after=now or timezone.now(),
        status=Status.QUEUED,
    )
    _enqueue_after_commit(message)
    return message


def _wording(kind: str, channel: str, language: str) -> dict:
    from notifications.selectors import template_wording

    wording = template_wording(kind=kind, channel=channel, language=language)
    return {"subject": wording.subject, "body": wording.body}


def _audit_template(actor: User | None, action: str, kind: str, channel: str, changes: dict):
    # The label is a code: the history page names the kind and channel in its reader's language.
    audit_record(
        actor=actor,
        action=action,
        target_type="template",
        target_label=f"{kind}:{channel}",
        changes=changes,
    )


@transaction.atomic
def template_save(
    *,
    kind: str,
    channel: str,
    language: str,
    subject: str,
    body: str,
    actor: User | None = None,
) -> MessageTemplate:
    """The business's own wording of one kind on one channel (WhatsApp has no subject)."""
    before = _wording(kind, channel, language)
    template, _created = MessageTemplate.objects.update_or_create(
        kind=kind,
        channel=channel,
        language=language,
        defaults={"subject": subject if channel == Channel.EMAIL else "", "body": body},
    )
    changes = audit_diff(before, {"subject": template.subject, "body": template.body})
    if changes:
        _audit_template(actor, "template.updated", kind, channel, changes)
    return template


@transaction.atomic
def template_reset(*, kind: str, channel: str, language: str, actor: User | None = None) -> bool:
    """Back to the default wording; False when there was no own wording to drop."""
    before = _wording(kind, channel, language)
    deleted, _by_model = MessageTemplate.objects.filter(
        kind=kind, channel=channel, language=language
    ).delete()
    if deleted:
        changes = audit_diff(before, _wording(kind, channel, language))
        _audit_template(actor, "template.reset", kind, channel, changes)
    return bool(deleted)
