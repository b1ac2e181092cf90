"""How allauth treats our staff: no self sign-up, and login lockouts per account and address.

A wrong password counts against the pair (account, client address) and against the address
alone (ACCOUNT_RATE_LIMITS["login_failed"]: its "key" rates are per pair, its "ip" rates are the
address's ceiling), so a stranger's wrong guesses never lock the owner out from their own device.
"""

import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.core.internal.httpkit import get_client_ip
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import translation

from accounts.links import configured_site, site_url


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # A business's staff accounts are created by its owner/admin (Team) or by operators;
        # businesses themselves sign up on the platform's /signup/.
        return False

    # Links in allauth's e-mails: on the configured public host and port, not the request's.
    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_url(self.request, super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return site_url(request, super().get_email_confirmation_url(request, emailconfirmation))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth names the site after the request's Host (port included): name the business.
        context = {"current_site": configured_site(self.request), **context}
        # In the member's language (their own, else the business's), not the page's.
        from accounts.models import User
        from accounts.services import email_language

        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            super().send_mail(template_prefix, email, context)
            return
        with translation.override(email_language(user)):
            super().send_mail(template_prefix, email, context)

    def get_client_ip(self, request) -> str:
        # allauth refuses (a 500) an X-Forwarded-For shorter than ALLAUTH_TRUSTED_PROXY_COUNT:
        # such a request did not come through our proxies, so its own address is the client's.
        try:
            ip = get_client_ip(request)
        except ImproperlyConfigured:
            ip = None
        return ip or request.META.get("REMOTE_ADDR") or "unknown"

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        host = request.get_host().lower()
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{host}:{login}:{ratelimit.get_ip(request)}"

    def pre_authenticate(self, request, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            key = self._get_login_attempts_cache_key(request, **credentials)
            request.login_retry_after = login_failed_wait(request, key=key)
            raise


def _rate_wait(request, *, action: str, key: str | None) -> float:
    now = time.time()
    wait = 0.0
    for rate in ratelimit.get_rates(app="allauth.account", action=action):
        if (rate.per == "key" and key is None) or rate.per == "user":
            continue
        cache_key = ratelimit.get_cache_key(
            request, app="allauth.account", action=action, rate=rate, key=key
        )
        history = [ts for ts in cache.get(cache_key, []) if ts > now - rate.duration]
        if len(history) >= rate.amount:
            # Newest first: a try is free again when the amount-th newest one ages out.
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return wait


def login_failed_wait(request, *, key: str) -> int:
    """Seconds until the exhausted login_failed limit of this request and key lets one through."""
    return max(1, math.ceil(_rate_wait(request, action="login_failed", key=key)))


def rate_limited_wait(request, *, default: int = 60) -> int:
    """For allauth's other 429s (which say not which limit): the longest wait of this address.

    A limit per e-mail cannot be told from here; `default` stands for it.
    """
    from allauth.account import app_settings

    wait = max(
        (_rate_wait(request, action=action, key=None) for action in app_settings.RATE_LIMITS),
        default=0.0,
    )
    return max(1, math.ceil(wait)) if wait else default
