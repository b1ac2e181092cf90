"""Notifications answering the bookings app's signals (bookings never imports notifications)."""

from notifications.models import ChannelSettings


def public_contact_rules(sender, **kwargs) -> dict:
    """E-mail is the only way to reach a client when WhatsApp is off and e-mail is on."""
    channels = ChannelSettings.load()
    return {"email_required": channels.email_enabled and not channels.whatsapp_enabled}


def client_erased(sender, *, client, phone: str, email: str, erased_at, **kwargs) -> None:
    """Redact what the outbox kept about a client erased on request.

    Messages to them lose recipient, subject and body (unsent ones are cancelled); staff alerts
    about their bookings written before the erasure lose their body (it named the client); their
    inbound WhatsApp messages lose number and text; the platform forgets which business last
    wrote to their number.
    """
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from notifications.models import InboundMessage, Kind, Message
    from tenants.models import WhatsAppContact

    now = timezone.now()
    to_them = Message.objects.filter(Q(client=client) | Q(booking__client=client)).exclude(
        kind=Kind.STAFF_ALERT
    )
    to_them.filter(status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, updated_at=now
    )
    to_them.update(recipient="erased", subject="", body="", last_error="", updated_at=now)
    Message.objects.filter(
        booking__client=client, kind=Kind.STAFF_ALERT, created_at__lt=erased_at
    ).update(body="(erased: the client's data was erased on request)", updated_at=now)
    inbound = Q(client=client) | Q(from_phone=phone) if phone else Q(client=client)
    InboundMessage.objects.filter(inbound).update(from_phone="", body="")
    if phone:
        WhatsAppContact.objects.filter(
            phone=phone, tenant__schema_name=connection.schema_name
        ).delete()


def export_sections(sender, **kwargs) -> list:
    """The outbox's share of the owner's data export (never the channel's access token)."""
    from bookings.exports import CsvTable, JsonDocument, model_document
    from notifications.models import InboundMessage, Message, MessageTemplate

    return [
        CsvTable(
            "messages",
            Message.objects.order_by("pk"),
            (
                "id", "booking_id", "booking__reference", "client_id", "staff_user__email",
                "channel", "kind", "offset_minutes", "recipient", "subject", "body",
                "send_after", "status", "attempts", "as_template", "last_error", "sent_at",
                "delivered_at", "read_at", "created_at",
            ),
        ),
        CsvTable(
            "inbound_messages",
            InboundMessage.objects.order_by("pk"),
            (
                "id", "from_phone", "client_id", "booking__reference", "body", "action",
                "received_at",
            ),
        ),
        CsvTable(
            "message_templates",
            MessageTemplate.objects.order_by("pk"),
            ("id", "kind", "channel", "language", "subject", "body", "updated_at"),
        ),
        JsonDocument(
            "channels",
            model_document(ChannelSettings.load(), exclude={"id", "whatsapp_access_token"}),
        ),
    ]  # fmt: skip


def client_access_link_send(sender, *, client, url: str, now, **kwargs) -> str:
    """A client's one-time "My bookings" link, to their own WhatsApp (as for any message: they
    agreed, the plan allows, the window or an approved template) or else their own e-mail.
    Returns the channel, or "" when neither reaches them."""
    from notifications import services
    from notifications.errors import NotificationError
    from notifications.models import Kind
    from scheduling.models import BusinessSettings

    try:
        route = services.client_route_best(services.client_routes(client=client, now=now))
    except NotificationError:
        return ""
    values = services.client_values(client, BusinessSettings.load(), link=url)
    subject, body = services.client_wording(Kind.ACCESS_LINK, route, values)
    if url not in body:  # a business's own wording that dropped {link} still carries it
        body = f"{body}\n{url}"
    services.client_message_queue(
        client=client,
        kind=Kind.ACCESS_LINK,
        route=route,
        subject=subject,
        body=body,
        now=now,
        log_it=False,
    )
    return route.channel
