"""URLs of the platform host (BASE_DOMAIN): landing, sign-up, operators' admin, webhooks."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from billing.webhook import billing_webhook
from notifications.webhook import whatsapp_webhook
from tenants import views as tenant_views

urlpatterns = [
    # The language switch (POST /i18n/setlang/): a cookie, the same URLs (config/i18n.py).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", tenant_views.landing, name="landing"),
    path("signup/", tenant_views.signup, name="signup"),
    path("login/", tenant_views.login_help, name="login"),
    path("admin/", admin.site.urls),
    # Operators log in here (with their second factor) and set up their authenticator app.
    path("accounts/login/", account_views.login_view),
    path("accounts/", include("allauth.urls")),
    path("webhooks/whatsapp/", whatsapp_webhook, name="whatsapp_webhook"),
    path("webhooks/billing/", billing_webhook, name="billing_webhook"),
]

# A database outage answers 503 with Retry-After, not 500 (config/outages.py).
handler500 = "config.outages.server_error"
