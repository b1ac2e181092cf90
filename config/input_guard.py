"""Refuse requests that carry a NUL character, before any view or query sees them.

PostgreSQL cannot store or compare text containing NUL (`\\x00`): a token, an id or a search
with one raised `DataError` deep inside whichever query met it first (TRAPS #17). No form,
link or path of ours ever has one, so the whole class is answered here, once, with a readable
400 page: in the path, the query string, a form body (field names, values and file names) or a
cookie.
"""

from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

NUL = "\x00"


def _has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def _form_carries_nul(request) -> bool:
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type not in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return False
    if _has_nul(request.POST):
        return True
    return any(NUL in (f.name or "") for f in request.FILES.values())


def carries_nul(request) -> bool:
    """In the path, the query string or a cookie (the form is checked per view, below)."""
    if NUL in request.path or NUL in request.path_info:
        return True
    if _has_nul(request.GET):
        return True
    return any(NUL in key or NUL in value for key, value in request.COOKIES.items())


def _refusal(request):
    reason = _("The address or the form contained a character that is not allowed.")
    if request.path.startswith("/api/"):  # the JSON API's one error shape
        error = {"code": "bad_request", "message": str(reason), "field": None}
        return JsonResponse({"error": error}, status=400)
    return render(request, "errors/bad_request.html", {"reason": reason}, status=400)


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if carries_nul(request):
            # Before the language is chosen (config.i18n): the browser's, as on the platform.
            with translation.override(translation.get_language_from_request(request)):
                return _refusal(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Views exempt from CSRF read the raw body themselves (the signed webhook): parsing it
        # as a form first would leave them nothing to read, as Django's CSRF check also knows.
        # Views that are exempt only to check the origin themselves (bookings.embed) read a form.
        if getattr(view_func, "csrf_exempt", False) and not getattr(view_func, "reads_form", False):
            return None
        if _form_carries_nul(request):
            return _refusal(request)
        return None
