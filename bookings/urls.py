from django.urls import path, register_converter

from bookings.views import (
    bookings,
    calendar,
    client_import,
    clients,
    dashboard,
    data,
    my_bookings,
    public,
)


class ServiceIdsConverter:
    """One service id ("4", the URL contract's) or up to five for one booking ("4,7")."""

    regex = r"[0-9]{1,9}(?:,[0-9]{1,9}){0,4}"

    def to_python(self, value: str) -> tuple[int, ...]:
        return tuple(int(part) for part in value.split(","))

    def to_url(self, value) -> str:
        if isinstance(value, list | tuple):
            return ",".join(str(int(part)) for part in value)
        return str(value)


register_converter(ServiceIdsConverter, "service_ids")

app_name = "bookings"

urlpatterns = [
    path("", public.public_page, name="public_page"),
    path("book/", public.book_start, name="book_start"),
    path("book/<service_ids:service_id>/", public.book_who, name="book_who"),
    path("book/<service_ids:service_id>/<str:who>/", public.book_when, name="book_when"),
    path(
        "book/<service_ids:service_id>/<str:who>/details/",
        public.book_details,
        name="book_details",
    ),
    path("booked/<str:token>/", public.booked, name="booked"),
    path("manage/<str:token>/", public.manage, name="manage"),
    path("manage/<str:token>/calendar.ics", public.manage_ics, name="manage_ics"),
    path("my-bookings/", my_bookings.my_bookings, name="my_bookings"),
    path("my-bookings/open/<str:token>/", my_bookings.my_bookings_open, name="my_bookings_open"),
    path("my-bookings/list/", my_bookings.my_bookings_list, name="my_bookings_list"),
    path("my-bookings/leave/", my_bookings.my_bookings_leave, name="my_bookings_leave"),
    path("app/", dashboard.dashboard, name="dashboard"),
    path("app/setup/shared/", dashboard.booking_page_shared, name="booking_page_shared"),
    path("app/calendar/", calendar.calendar, name="calendar"),
    path("app/bookings/", bookings.booking_list, name="list"),
    path("app/bookings/export.csv", bookings.booking_export, name="export"),
    path("app/bookings/new/", bookings.booking_new, name="new"),
    path("app/bookings/slots/", bookings.slot_picker, name="slot_picker"),
    path("app/bookings/<str:reference>/", bookings.booking_detail, name="detail"),
    path(
        "app/bookings/<str:reference>/reschedule/",
        bookings.booking_reschedule,
        name="reschedule",
    ),
    path("app/bookings/<str:reference>/change/", bookings.booking_change, name="change"),
    path("app/bookings/<str:reference>/<str:action>/", bookings.booking_action, name="action"),
    path("app/clients/", clients.client_list, name="clients"),
    path("app/clients/import/", client_import.client_import, name="client_import"),
    path(
        "app/clients/import/template.csv",
        client_import.client_import_template,
        name="client_import_template",
    ),
    path("app/clients/search/", bookings.client_search, name="client_search"),
    path("app/clients/new/", clients.client_edit, name="client_new"),
    path("app/clients/<int:pk>/", clients.client_detail, name="client_detail"),
    path("app/clients/<int:pk>/edit/", clients.client_edit, name="client_edit"),
    path(
        "app/clients/<int:pk>/deactivate/",
        clients.client_set_active,
        {"active": False},
        name="client_deactivate",
    ),
    path(
        "app/clients/<int:pk>/reactivate/",
        clients.client_set_active,
        {"active": True},
        name="client_reactivate",
    ),
    path("app/clients/<int:pk>/erase/", data.client_erase, name="client_erase"),
    path("app/settings/export.zip", data.business_export, name="business_export"),
    path(
        "app/clients/<int:pk>/interactions/",
        clients.client_interaction_add,
        name="client_interaction",
    ),
]
