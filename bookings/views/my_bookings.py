"""'My bookings' on a business's public site: ask for a one-time link, open it, see the list.

The rules live in bookings/client_access.py; here only the pages, rate limits and the cookie.
"""

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from bookings import client_access, tasks
from bookings.errors import BookingError
from config.celery import enqueue_on_commit
from tenants.ratelimit import client_ip, limit_hit

# Asking for a link: per address (phone or e-mail, known or not) and per IP.
PER_CONTACT = (3, 15 * 60)
PER_IP = (10, 10 * 60)


class ContactForm(forms.Form):
    contact = forms.CharField(
        label=gettext_lazy("Your phone or e-mail"),
        max_length=254,
        help_text=gettext_lazy("The one you booked with."),
        widget=forms.TextInput(attrs={"autocomplete": "email tel", "inputmode": "email"}),
    )


def _too_many(request, wait: int) -> HttpResponse:
    response = render(request, "bookings/public/too_many.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def my_bookings(request):
    """The form; posted, always the same answer ("if we know you, a link is on its way")."""
    form = ContactForm(request.POST or None)
    if request.method == "GET":
        return render(request, "bookings/public/my_bookings_ask.html", {"form": form})
    limit, window = PER_IP
    wait = limit_hit(scope="my-bookings-ip", key=client_ip(request), limit=limit, window=window)
    if wait:
        return _too_many(request, wait)
    if form.is_valid():
        region = request.business.phone_region
        try:
            kind, value = client_access.contact_parse(form.cleaned_data["contact"], region=region)
        except BookingError as exc:
            form.add_error("contact", exc.message)
        else:
            limit, window = PER_CONTACT  # known or not: the same count, the same answer
            wait = limit_hit(
                scope="my-bookings-contact", key=f"{kind}:{value}", limit=limit, window=window
            )
            if wait:
                return _too_many(request, wait)
            # Looked up and sent by a worker: the answer costs the same for anyone.
            enqueue_on_commit(
                tasks.access_link_request,
                contact=value,
                region=region,
                base_url=f"{request.scheme}://{request.get_host()}",
            )
            context = {"minutes": client_access.ACCESS_LINK_MINUTES}
            return render(request, "bookings/public/my_bookings_sent.html", context)
    return render(request, "bookings/public/my_bookings_ask.html", {"form": form}, status=422)


@require_http_methods(["GET", "POST"])
def my_bookings_open(request, token: str):
    """GET shows a button, POST uses the link: link previews (WhatsApp, mail scanners) fetch
    with GET, and must not spend a one-time link before the client does."""
    if request.method == "GET":
        return render(request, "bookings/public/my_bookings_open.html", {"token": token})
    try:
        client = client_access.access_link_open(token=token)
    except BookingError as exc:
        context = {"error": exc.message, "code": exc.code}
        return render(request, "bookings/public/my_bookings_invalid.html", context, status=410)
    response = redirect("bookings:my_bookings_list")
    response.set_signed_cookie(
        client_access.ACCESS_COOKIE,
        str(client.pk),
        salt=client_access.access_cookie_salt(),
        max_age=client_access.ACCESS_SESSION_SECONDS,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )  # host-only: no Domain, so it belongs to this business's host alone (TRAPS #5)
    return response


def _session_client(request):
    client_id = request.get_signed_cookie(
        client_access.ACCESS_COOKIE,
        default=None,
        salt=client_access.access_cookie_salt(),
        max_age=client_access.ACCESS_SESSION_SECONDS,
    )
    return client_access.access_client(client_id=client_id) if client_id else None


def my_bookings_list(request):
    """The client's upcoming and past bookings here, with manage links and "book again"."""
    client = _session_client(request)
    if client is None:
        return redirect("bookings:my_bookings")
    upcoming, past = client_access.client_bookings(client=client, now=timezone.now())
    context = {"client": client, "upcoming": upcoming, "past": past}
    response = render(request, "bookings/public/my_bookings_list.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["POST"])
def my_bookings_leave(request):
    response = redirect("bookings:my_bookings")
    response.delete_cookie(client_access.ACCESS_COOKIE)
    return response
