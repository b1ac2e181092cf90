"""Webhooks answering the bookings app's signals (bookings never imports webhooks)."""

from webhooks import outbox


def booking_event_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        outbox.booking_event_planned(instance)


def client_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        outbox.client_change_planned(instance, created=created)


def client_erased(sender, *, client, **kwargs) -> None:
    """Stored payloads that named an erased client lose their personal fields."""
    from django.db.models import Q

    from webhooks.models import Event

    named = Q(body__data__client__id=client.pk) | (
        Q(type__startswith="client.") & Q(body__data__id=client.pk)
    )
    for event in Event.objects.filter(named):
        data = event.body.get("data") or {}
        person = data.get("client") if isinstance(data.get("client"), dict) else data
        for key in ("name", "phone", "email"):
            if key in person:
                person[key] = ""
        if "tags" in person:
            person["tags"] = []
        event.save(update_fields=["body"])
