"""URLs of a business's host (<slug>.BASE_DOMAIN): booking page, dashboard, staff accounts."""

from django.urls import include, path

from api.v1 import api as api_v1
from config.media import media_serve

# allauth answers its rate limits with ROOT_URLCONF's handler429 (this module).
handler429 = "accounts.views.too_many_requests"

urlpatterns = [
    # The language switch (POST /i18n/setlang/): a cookie, the same URLs (config/i18n.py).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("scheduling.urls")),
    path("", include("bookings.urls")),
    path("", include("notifications.urls")),
    path("", include("billing.urls")),
    path("", include("payments.urls")),
    path("", include("webhooks.urls")),
    path("", include("feeds.urls")),
    path("", include("reports.urls")),
    path("api/v1/", api_v1.urls),  # the JSON API (api/v1.py); keys on /app/settings/api/
    path("", include("api.urls")),
    # The business's uploaded images, from its own folder only (config/media.py).
    path("media/<str:schema>/<path:path>", media_serve, name="media"),
]

# A database outage answers 503 with Retry-After, not 500 (config/outages.py).
handler500 = "config.outages.server_error"
