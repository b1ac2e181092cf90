"""The business's own websites, which may show its booking page in a frame.

Listed in `BusinessSettings.embed_domains` as host names ("example.com", "www.example.com", or
"*.example.com" for every subdomain); each becomes an `https://` source of the public booking
pages' CSP `frame-ancestors` (bookings/embed.py). Nothing else is ever allowed to frame a page.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.html import escape

MAX_EMBED_DOMAINS = 10
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def embed_domain_normalize(text: str) -> str | None:
    """A website as typed ("https://www.Example.com/booking", "café.example") as the host name
    kept ("www.example.com", "xn--caf-dma.example"); None when it is not a domain name (an IP
    address, a port, a single word, characters no domain has)."""
    text = text.strip().lower()
    for scheme in ("https://", "http://"):
        text = text.removeprefix(scheme)
    host = re.split(r"[/?#]", text, maxsplit=1)[0].rstrip(".")
    wildcard = host.startswith("*.")
    host = host.removeprefix("*.")
    try:
        host = host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return None
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    if labels[-1].isdigit():  # 192.168.0.1
        return None
    return f"*.{host}" if wildcard else host


def frame_ancestor_sources(domains: list[str]) -> list[str]:
    """CSP sources for the listed websites (HTTPS only)."""
    return [f"https://{domain}" for domain in domains]


@dataclass(frozen=True)
class EmbedSnippets:
    """What the settings page offers to copy: the booking page in a frame for the business's
    site (with the script that sizes it), a "Book now" button, and links that say where a
    client came from (kept on the booking: bookings/utm.py)."""

    frame: str
    button: str
    links: list[tuple[str, str]]  # (where it is for, the link)


def embed_snippets(*, page_url: str, script_url: str, title: str, button: str) -> EmbedSnippets:
    """`page_url` the booking page's address ("https://demo.agendo.app/"), `script_url` that of
    static/js/embed.js; `title` names the frame for screen readers, `button` is its label."""

    def link(source: str, medium: str) -> str:
        return f"{page_url}?{urlencode({'utm_source': source, 'utm_medium': medium})}"

    # Plain text, the HTML to copy (attribute values escaped in it); the page escapes it again
    # to show it as it is.
    frame = (
        f'<iframe src="{escape(link("website", "embed"))}" title="{escape(title)}" '
        'data-agendo-embed loading="lazy" style="width: 100%; min-height: 640px; border: 0;">'
        f'</iframe>\n<script src="{escape(script_url)}" async></script>'
    )
    button_code = (
        f'<a href="{escape(link("website", "button"))}" target="_blank" rel="noopener">'
        f"{escape(button)}</a>"
    )
    links = [
        ("Instagram", link("instagram", "social")),
        ("Google", link("google", "business_profile")),
        ("Facebook", link("facebook", "social")),
        ("WhatsApp", link("whatsapp", "message")),
    ]
    return EmbedSnippets(frame=frame, button=button_code, links=links)
