"""Permissions-Policy on every response: the browser features no page of ours uses stay off.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY); this is its
companion for features (camera, geolocation, payment...), read from settings.PERMISSIONS_POLICY.
"""

from django.conf import settings


def permissions_policy_value(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.value = permissions_policy_value(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request):
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault("Permissions-Policy", self.value)
        return response
