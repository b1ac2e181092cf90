"""Read-only: services, resources (a staff key sees its own) and resource categories."""

from django.db.models import Prefetch
from ninja import Router

from api.auth import read_key
from api.schemas import CategoryOut, ErrorOut, ResourceOut, ServiceOut
from bookings.scoping import visible_resources
from scheduling.models import Resource, ResourceCategory, Service

router = Router(tags=["catalogue"], auth=read_key)
ERRORS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


@router.get("/services", response={200: list[ServiceOut], **ERRORS})
def service_list(request):
    """Every service, active or not, with the resources that perform it."""
    active = Resource.objects.filter(is_active=True).only("pk")
    return Service.objects.prefetch_related(Prefetch("resources", queryset=active)).order_by(
        "order", "name", "pk"
    )


@router.get("/resources", response={200: list[ResourceOut], **ERRORS})
def resource_list(request):
    """Active resources the key's member may see (staff: their own), with their services."""
    return (
        visible_resources(request.user).prefetch_related("services").order_by("order", "name", "pk")
    )


@router.get("/categories", response={200: list[CategoryOut], **ERRORS})
def category_list(request):
    return ResourceCategory.objects.order_by("order", "name", "pk")
