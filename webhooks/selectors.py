from django.db.models import Count, Max, Q, QuerySet

from webhooks.models import Delivery, Endpoint


def endpoint_list() -> QuerySet[Endpoint]:
    """Endpoints with their delivery counts and last attempt (one query, however many)."""
    return Endpoint.objects.annotate(
        delivered_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DELIVERED)),
        failed_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        waiting_count=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]),
        ),
        last_attempt_at=Max("deliveries__last_attempt_at"),
    ).order_by("created_at", "pk")


def delivery_list(*, endpoint: Endpoint, status: str = "") -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(endpoint=endpoint).select_related("event")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")
