"""Small helpers of the public layout (templates/layouts/public.html)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    """Each language as (code, its name in itself): "English", "Português (Brasil)".

    Django's `get_available_languages` translates the names into the page's language; a switch
    names each language the way its own readers do, so they find it whatever the page's is.
    """
    return list(settings.LANGUAGES)


@register.simple_tag(takes_context=True)
def platform_url(context) -> str:
    """Agendo's own site, on the port the page was served on (development: :8000)."""
    request = context.get("request")
    port = request.get_port() if request is not None else "443"
    suffix = "" if port in ("80", "443") else f":{port}"
    return f"//{settings.BASE_DOMAIN}{suffix}/"
