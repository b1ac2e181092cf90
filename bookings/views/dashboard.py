"""The dashboard's start page: today's agenda, and for owners and admins the setup checklist."""

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import manager_required, role_required
from bookings.models import Booking
from bookings.scoping import visible_bookings
from scheduling.selectors import settings_get, setup_status
from scheduling.services import booking_page_mark_shared

# Steps whose being done means the owner has started on their own (no template offered then).
SETUP_OWN_WORK = ("hours", "service", "resource")


def _whatsapp_share_url(request, business) -> str:
    name = business.display_name or request.tenant.name
    # Clients read it: in the business's language, whatever the owner's own.
    with translation.override(business.language or translation.get_language()):
        text = _("Book with %(name)s online: %(url)s") % {
            "name": name,
            "url": request.build_absolute_uri("/"),
        }
    return f"https://wa.me/?text={quote(text)}"


def _setup_context(request, business=None) -> dict:
    """The setup checklist and the services hidden online, for owners and admins."""
    if not request.user.is_manager:
        return {}
    business = business or getattr(request, "business", None) or settings_get()
    status = setup_status(business=business)
    started = any(step.done for step in status.steps if step.code in SETUP_OWN_WORK)
    return {
        "setup": None if status.complete else status,
        "offer_presets": business.presets_decided_at is None and not started,
        "orphan_services": status.orphan_services,
        "booking_page_url": request.build_absolute_uri("/"),
        "whatsapp_share_url": _whatsapp_share_url(request, business),
    }


@role_required()
def dashboard(request):
    """Today's agenda of the bookings this user may see, and what needs a decision."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time(), tz)
    visible = visible_bookings(request.user)
    agenda = visible.filter(start__gte=start, start__lt=start + dt.timedelta(days=1)).exclude(
        status__in=[Booking.Status.CANCELLED, Booking.Status.EXPIRED]
    )
    pending = visible.filter(status=Booking.Status.PENDING, start__gte=timezone.now())
    context = {
        "today": today,
        "agenda": agenda.order_by("start"),
        "pending": pending.order_by("start")[:10],
        **_setup_context(request),
    }
    return render(request, "bookings/dashboard.html", context)


@require_POST
@manager_required
def booking_page_shared(request):
    """The owner shared or copied the booking page's link: the checklist's last step is done.

    `via=whatsapp` goes on to WhatsApp with the link as the message (works without JavaScript);
    htmx gets the checklist back; a plain form goes back to the dashboard.
    """
    business = booking_page_mark_shared()
    if request.POST.get("via") == "whatsapp":
        return HttpResponseRedirect(_whatsapp_share_url(request, business))
    if request.htmx:
        context = {**_setup_context(request, business), "copied": request.POST.get("via") == "copy"}
        return render(request, "bookings/dashboard.html#setup-checklist", context)
    messages.success(request, _("Marked as shared. Clients can book you at your booking page."))
    return redirect("bookings:dashboard")
