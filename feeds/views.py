"""The calendar feed itself (/feeds/<token>.ics, no session: the token is the key) and the page
where members find, regenerate and revoke their feed's address (owners: everyone's)."""

import hashlib
from urllib.parse import quote

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import role_required
from accounts.models import User
from feeds import selectors, services
from feeds.calendar import feed_ics
from feeds.errors import FeedError
from feeds.models import FeedToken
from scheduling.models import Resource

# Private: a shared cache must never keep one member's feed. Short: a changed booking shows up
# at the next poll; the ETag makes the polls in between cheap.
FEED_MAX_AGE = 300
# The latest body of each feed is kept in Redis with its ETag: unchanged polls from apps that
# send no If-None-Match (Google's) cost one small query and a cache read, not a build.
BODY_CACHE_SECONDS = 24 * 60 * 60
# Part of every ETag: change it when feed_ics writes something different for the same bookings.
FEED_FORMAT = "feed-1"


@require_safe
def feed(request, token: str):
    """A calendar app's poll: 304 from one small query when nothing changed, else the body
    (from the cache when another poll already built it). No session, no login: the token."""
    found = selectors.feed_by_token(token=token)
    if found is None:
        raise Http404
    business = request.business
    now = timezone.now()
    bookings = selectors.feed_bookings(feed=found, now=now, timezone=business.timezone)
    business_name = business.display_name or request.tenant.name
    if found.user is not None:
        name, language = found.user.get_full_name(), found.user.language or business.language
    else:
        name, language = found.resource.name, business.language
    detail = reverse("bookings:detail", args=["RESERVED"]).replace("RESERVED", "{reference}")
    parts = {
        "title": f"{name} · {business_name}",
        "timezone": business.timezone,
        "language": language,
        "detail_url": f"{request.scheme}://{request.get_host()}{detail}",
    }
    # Everything the body is made of, and nothing else: the same bookings give the same ETag
    # whatever the day, so the window moving on without taking or bringing a booking is no change.
    fingerprint = selectors.feed_fingerprint(bookings=bookings)
    signature = "\n".join([FEED_FORMAT, fingerprint, *parts.values()])
    etag = quote_etag(hashlib.sha256(signature.encode()).hexdigest()[:40])
    changed_at = services.feed_record_fetch(feed=found, etag=etag, now=now)
    last_modified = int(changed_at.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        # One body kept per feed (the latest), so Redis holds at most one per feed.
        key = f"feeds:ics:{found.pk}"
        kept_etag, body = cache.get(key) or (None, None)
        if kept_etag != etag:
            entries = selectors.feed_entries(bookings=bookings)
            body = feed_ics(entries=entries, cache=cache, **parts)
            cache.set(key, (etag, body), BODY_CACHE_SECONDS)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE)
    return response


def _feed_url(request, found: FeedToken | None) -> dict | None:
    if found is None:
        return None
    url = request.build_absolute_uri(reverse("feeds:feed", args=[found.token]))
    webcal = "webcal://" + url.split("://", 1)[1]
    return {
        "https": url,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
    }


def _page(request, *, status: int = 200):
    members, resources = selectors.feed_subjects(actor=request.user)
    rows = [(subject, _feed_url(request, subject.feed)) for subject in members + resources]
    context = {
        "member_rows": rows[: len(members)],
        "resource_rows": rows[len(members) :],
        "manages_all": selectors.feed_manages_all(actor=request.user),
    }
    template = "feeds/feeds.html#feed-list" if request.htmx else "feeds/feeds.html"
    return render(request, template, context, status=status)


@role_required()
def feeds_page(request):
    return _page(request)


@role_required()
@require_POST
def feed_action(request, kind: str, pk: int, action: str):
    if kind == "member":
        user, resource = get_object_or_404(User, pk=pk, is_active=True), None
    elif kind == "resource":
        user, resource = None, get_object_or_404(Resource, pk=pk, is_active=True)
    else:
        raise Http404
    # Someone else's feed is not there for a member who may not manage it (not even a 403).
    if not selectors.feed_may_manage(actor=request.user, user=user, resource=resource):
        raise Http404
    name = user.get_full_name() if user is not None else resource.name
    try:
        if action == "issue":
            services.feed_issue(actor=request.user, user=user, resource=resource)
            message = _("New calendar feed address for %(name)s.") % {"name": name}
        elif action == "revoke":
            subject = {"user": user} if user is not None else {"resource": resource}
            found = FeedToken.objects.filter(**subject).first()
            if found is not None:
                services.feed_revoke(actor=request.user, feed=found)
            message = _("The calendar feed of %(name)s is turned off.") % {"name": name}
        else:
            raise Http404
    except FeedError as exc:
        messages.error(request, exc.message)
        if request.htmx:
            return _page(request, status=exc.status)
        return redirect("feeds:page")
    messages.success(request, message)
    if request.htmx:
        return _page(request)
    return redirect(reverse("feeds:page") + f"#{kind}-{pk}")
