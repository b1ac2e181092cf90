"""Who is calling: an API key in `Authorization: Bearer agd_…`, checked in this order —
the key (401), the plan's `api` module (403 `module_api`), the key's rate limit (429 with
Retry-After), its scope (403 `scope`) and, for writes, a business not paused (403 `paused`).

The key acts as the member who created it, with their role as it is now: `request.user` is
that member, so staff scoping (bookings.scoping) applies to keys as it does to the dashboard.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from api.errors import ApiError
from api.services import api_key_authenticate, api_key_touch
from billing.limits import current_terms, module_enabled, module_refusal
from tenants.ratelimit import limit_hit


class ApiKeyAuth(HttpBearer):
    openapi_bearerFormat = "agd_…"

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def authenticate(self, request, token: str):
        api_key = api_key_authenticate(token)
        user = api_key.created_by if api_key is not None else None
        if user is None or not user.is_active:
            return None  # 401 in the error shape (api.errors)
        if not module_enabled("api"):
            raise module_refusal("api")
        wait = limit_hit(
            scope="api",
            key=str(api_key.pk),
            limit=settings.API_RATE_LIMIT_PER_MINUTE,
            window=60,
        )
        if wait is not None:
            raise ApiError(
                "rate_limited",
                _("Too many requests for this API key. Try again in %(seconds)s seconds.")
                % {"seconds": wait},
                retry_after=wait,
            )
        if not api_key.allows(self.scope):
            raise ApiError(
                "scope",
                _("This API key does not have the “%(scope)s” scope.") % {"scope": self.scope},
            )
        if self.scope == "write":
            terms = current_terms()
            if terms is not None and terms.pauses_booking:
                raise ApiError(
                    "paused",
                    _("This business is paused: the API is read-only until it is reactivated."),
                )
        api_key_touch(api_key=api_key)
        request.user = user
        return api_key


read_key = ApiKeyAuth("read")
write_key = ApiKeyAuth("write")
