"""The operators' admin: Django's, opened to superusers only (SPEC §2), not to any `is_staff`,
and only once they have two-factor authentication (accounts.middleware sends them to set it up).

Its own username-and-password form would skip the second factor, so logging in goes through
allauth's login (with its code step) on the platform host.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy

from accounts.middleware import user_has_totp


class OperatorAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Agendo operations")
    site_title = gettext_lazy("Agendo admin")
    index_title = gettext_lazy("Platform")

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_superuser and user_has_totp(user)

    def login(self, request, extra_context=None):
        # Imported here: this module is an app config's, loaded before any model.
        from allauth.account.decorators import secure_admin_login

        return secure_admin_login(super().login)(request, extra_context)


class OperatorAdminConfig(AdminConfig):
    default_site = "tenants.admin_site.OperatorAdminSite"
