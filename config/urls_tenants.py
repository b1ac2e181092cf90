"""URLs of a business's host (<slug>.BASE_DOMAIN): booking page, dashboard, staff accounts."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("scheduling.urls")),
    path("", include("bookings.urls")),
    path("", include("notifications.urls")),
]

# A database outage answers 503 with Retry-After, not 500 (config/outages.py).
handler500 = "config.outages.server_error"
