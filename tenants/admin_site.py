"""The operators' admin: Django's, opened to superusers only (SPEC §2), not to any `is_staff`."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class OperatorAdminSite(admin.AdminSite):
    site_header = "Agendo operations"
    site_title = "Agendo admin"
    index_title = "Platform"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser


class OperatorAdminConfig(AdminConfig):
    default_site = "tenants.admin_site.OperatorAdminSite"
