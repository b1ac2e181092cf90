"""Free times of a service: the same selector as the public booking page (slot_list_available)."""

import zoneinfo
from collections import defaultdict

from django.utils.translation import gettext as _
from ninja import Query, Router

from api.auth import read_key
from api.errors import ApiError
from api.schemas import AvailabilityOut, AvailabilityQuery, ErrorOut
from bookings.scoping import visible_resource_ids
from bookings.selectors import slot_list_available
from scheduling.models import Service

router = Router(tags=["availability"], auth=read_key)
MAX_DAYS = 62


@router.get(
    "/availability",
    response={200: AvailabilityOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut,
              429: ErrorOut},
)  # fmt: skip
def availability(request, query: Query[AvailabilityQuery]):
    """Free starts per local day from `date_from` to `date_to` (at most 62 days), each with the
    resources free then. `resource` is one resource's id, or `any`."""
    if query.date_to < query.date_from:
        raise ApiError("validation", _("date_to is before date_from."), "date_to")
    if (query.date_to - query.date_from).days + 1 > MAX_DAYS:
        raise ApiError(
            "validation",
            _("Ask for at most %(days)s days at a time.") % {"days": MAX_DAYS},
            "date_to",
        )
    service = Service.objects.filter(pk=query.service, is_active=True).first()
    if service is None:
        raise ApiError("not_found", _("No such service."), "service")
    scope = visible_resource_ids(request.user)
    if query.resource == "any":
        resource_ids = scope
    else:
        wanted = int(query.resource)
        if scope is not None and wanted not in scope:
            raise ApiError("not_found", _("No such resource."), "resource")
        resource_ids = [wanted]
    business = request.business
    found = slot_list_available(
        service=service,
        start_date=query.date_from,
        end_date=query.date_to,
        resource_ids=resource_ids,
        business=business,
    )
    by_day: dict = defaultdict(lambda: defaultdict(list))
    for (day, resource_id), starts in found.slots.items():
        for start in starts:
            by_day[day][start].append(resource_id)
    tz = zoneinfo.ZoneInfo(business.timezone)
    days = [
        {
            "date": day,
            "slots": [
                {"start": start.astimezone(tz), "resource_ids": sorted(ids)}
                for start, ids in sorted(by_day[day].items())
            ],
        }
        for day in sorted(by_day)
    ]
    return {"service_id": service.pk, "timezone": business.timezone, "days": days}
