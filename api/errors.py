"""The API's one error shape, `{"error": {"code", "message", "field"}}`, for every refusal.

Services' refusals (`AgendoError` and its subclasses: BookingError, PlanLimitError) keep their
code and status; the API's own refusals are `ApiError`; django-ninja's (validation, bad JSON,
authentication) and Http404 are answered in the same shape by the handlers below.
"""

from typing import ClassVar

from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.errors import AgendoError


class ApiError(AgendoError):
    statuses: ClassVar[dict[str, int]] = {
        "bad_request": 400,
        "unauthorized": 401,
        "scope": 403,
        "forbidden": 403,
        "paused": 403,
        "not_found": 404,
        "idempotency_mismatch": 422,
        "rate_limited": 429,
    }

    def __init__(self, *args, retry_after: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def _respond(api, request, status: int, code: str, message: str, field=None, retry_after=None):
    response = api.create_response(request, error_body(code, message, field), status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _field(loc) -> str | None:
    # ("body", "payload", "start") → "start"; ("query", "date_from") → "date_from"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or None


def install_handlers(api) -> None:
    @api.exception_handler(AgendoError)
    def agendo_error(request, exc: AgendoError):
        return _respond(
            api,
            request,
            exc.status,
            exc.code,
            str(exc.message),
            exc.field,
            getattr(exc, "retry_after", None),
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        first = exc.errors[0] if exc.errors else {}
        message = str(first.get("msg") or _("The request is not valid."))
        message = message.removeprefix("Value error, ")
        return _respond(api, request, 422, "validation", message, _field(first.get("loc", ())))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _respond(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc, AuthenticationError):
            return _respond(api, request, 401, "unauthorized", _("A valid API key is required."))
        codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}
        code = codes.get(exc.status_code, "error")
        message = _("The request body is not valid JSON.") if code == "bad_request" else str(exc)
        return _respond(api, request, exc.status_code, code, message)
