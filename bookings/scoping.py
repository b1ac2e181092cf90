"""What a dashboard user may see: managers everything, staff only their own resource."""

from django.db.models import Q, QuerySet

from accounts.models import User
from bookings.models import Booking, Client
from bookings.selectors import with_services_label
from scheduling.models import Resource


def visible_resource_ids(user: User) -> list[int] | None:
    """None means every resource (owners and admins); staff get their linked resource or none."""
    if user.is_manager:
        return None
    return list(Resource.objects.filter(user=user).values_list("pk", flat=True))


def visible_resources(user: User) -> QuerySet[Resource]:
    ids = visible_resource_ids(user)
    qs = Resource.objects.filter(is_active=True)
    return qs if ids is None else qs.filter(pk__in=ids)


def visible_bookings(user: User) -> QuerySet[Booking]:
    qs = with_services_label(Booking.objects.select_related("service", "resource", "client"))
    ids = visible_resource_ids(user)
    return qs if ids is None else qs.filter(resource_id__in=ids)


def visible_clients(user: User) -> QuerySet[Client]:
    ids = visible_resource_ids(user)
    if ids is None:
        return Client.objects.all()
    return Client.objects.filter(Q(bookings__resource_id__in=ids) | Q(created_by=user)).distinct()
