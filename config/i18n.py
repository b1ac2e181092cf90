"""Which language a request is answered in. URLs never change with it.

- The platform host (landing, sign-up, operators): the language cookie, else the browser's
  Accept-Language (Django's own negotiation).
- A business's host, staff pages (`/app/`, and `/accounts/` once signed in): the member's own
  language, else the business's.
- A business's host, everything else (booking page, manage page, login): the visitor's choice
  from the page's language switch (Django's language cookie), else the business's language.

Client messages and e-mails are rendered in the business's language by their senders
(`translation.override`), not here.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

# Signed-in members' own pages: the dashboard and their account (2FA, password, sessions).
STAFF_PREFIXES = ("/app/", "/accounts/")


def supported(code: str | None) -> str | None:
    """`code` as one of LANGUAGES (`pt-BR`, `pt_br` → `pt-br`), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code.replace("_", "-").lower())
    except LookupError:
        return None


def language_for(request) -> str:
    business = getattr(request, "business", None)
    if business is None:
        return translation.get_language_from_request(request)
    fallback = supported(business.language) or settings.LANGUAGE_CODE
    user = getattr(request, "user", None)
    if request.path.startswith(STAFF_PREFIXES) and user is not None and user.is_authenticated:
        return supported(getattr(user, "language", "")) or fallback
    return supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or fallback


class LanguageMiddleware:
    """After the business and the user are known (BusinessMiddleware, AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        vary = ["Cookie"] if getattr(request, "business", None) else ["Accept-Language", "Cookie"]
        patch_vary_headers(response, vary)
        return response
