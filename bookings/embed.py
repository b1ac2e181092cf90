"""The public booking pages as the business's own website shows them, in a frame.

`embeddable` marks the pages a client may reach from outside — the services list, the steps
and the confirmation — and, for them only:

- lets the websites the business lists (`BusinessSettings.embed_domains`) frame them: the CSP's
  `frame-ancestors` becomes those `https://` origins (and X-Frame-Options is left off); with
  none listed, and on every other page (/app/, /accounts/, /manage/…), framing stays refused;
- accepts a form posted from the page itself by its `Origin` header: inside another site's
  frame the browser sends no cookie of ours, so no CSRF cookie either. A post whose `Origin`
  is not this host, or that has none, goes through Django's usual CSRF check;
- remembers the campaign of the link the client came by (bookings/utm.py).

`static/js/embed.js` sizes the frame: the framed page posts its height to the parent page,
where the same file sets the frame's height.
"""

import functools

from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from bookings.utm import utm_remember
from scheduling.embed import frame_ancestor_sources

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _posted_from_here(request) -> bool:
    """The browser says the form was sent by a page of this very origin."""
    return request.headers.get("Origin") == f"{request.scheme}://{request.get_host()}"


def embeddable(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in _SAFE_METHODS and not _posted_from_here(request):
            refusal = CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})
            if refusal is not None:
                return refusal
        response = view(request, *args, **kwargs)
        business = getattr(request, "business", None)
        if business is not None and business.embed_domains:
            response._csp_replace = {
                "frame-ancestors": frame_ancestor_sources(business.embed_domains)
            }
            response.xframe_options_exempt = True
        if request.method == "GET":
            utm_remember(request, response)
        return response

    exempt = csrf_exempt(wrapper)
    exempt.reads_form = True  # a form post: config.input_guard still refuses a NUL in it
    return exempt
