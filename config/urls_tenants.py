"""URLs of a business's host (<slug>.BASE_DOMAIN): booking page, dashboard, staff accounts."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("scheduling.urls")),
    path("", include("bookings.urls")),
    path("", include("notifications.urls")),
]
