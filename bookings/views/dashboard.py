"""The dashboard's start page: today's agenda."""

import datetime as dt

from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import role_required
from bookings.models import Booking
from bookings.scoping import visible_bookings


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
    }
    return render(request, "bookings/dashboard.html", context)
