"""The staff calendar: a day (or week) with a column per resource; free cells open a booking."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date

from accounts.decorators import role_required
from bookings.models import Booking
from bookings.scoping import visible_bookings, visible_resources
from scheduling.models import WeeklyHours

PX_PER_MINUTE = 1.4
DEFAULT_OPEN, DEFAULT_CLOSE = dt.time(8), dt.time(20)
HIDDEN_STATUSES = (Booking.Status.CANCELLED, Booking.Status.EXPIRED)


@dataclass
class Column:
    resource: object
    cells: list = field(default_factory=list)  # (local start, is working time)
    bookings: list = field(default_factory=list)  # (booking, top px, height px)


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _parse_day(raw: str | None) -> dt.date:
    try:
        return parse_date(raw or "") or timezone.localdate()
    except ValueError:
        return timezone.localdate()


@role_required()
def calendar(request):
    business = request.business
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    day = _parse_day(request.GET.get("date"))
    view = "week" if request.GET.get("view") == "week" else "day"

    resources = list(visible_resources(request.user).order_by("order", "name"))
    chosen = request.GET.get("resource")
    if chosen and chosen.isdigit() and any(r.pk == int(chosen) for r in resources):
        shown = [r for r in resources if r.pk == int(chosen)]
    else:
        chosen, shown = "", resources

    first = day - dt.timedelta(days=day.weekday()) if view == "week" else day
    days = [first + dt.timedelta(days=n) for n in range(7 if view == "week" else 1)]
    range_start = dt.datetime.combine(days[0], dt.time(), tz)
    range_end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), tz)
    bookings = list(
        visible_bookings(request.user)
        .filter(resource__in=shown, start__lt=range_end, end__gt=range_start)
        .exclude(status__in=HIDDEN_STATUSES)
        .order_by("start")
    )
    context = {
        "view": view,
        "day": day,
        "today": today,
        "resources": resources,
        "shown": shown,
        "chosen": chosen,
        "prev": day - dt.timedelta(days=7 if view == "week" else 1),
        "next": day + dt.timedelta(days=7 if view == "week" else 1),
    }
    if view == "week":
        context["week"] = [
            {
                "day": d,
                "cells": [
                    [
                        b
                        for b in bookings
                        if b.resource_id == r.pk and timezone.localtime(b.start).date() == d
                    ]
                    for r in shown
                ],
            }
            for d in days
        ]
    else:
        context.update(_day_grid(day, shown, bookings, business.slot_interval, tz, today))
    template = "bookings/calendar.html#calendar" if request.htmx else "bookings/calendar.html"
    return render(request, template, context)


def _day_grid(day, resources, bookings, step, tz, today):
    hours = WeeklyHours.objects.filter(
        Q(resource__isnull=True) | Q(resource__in=resources), weekday=day.weekday()
    ).values_list("resource_id", "start", "end")
    # A resource with hours of its own on any weekday follows only those (closed on the rest).
    own: dict[int, list] = {
        rid: []
        for rid in WeeklyHours.objects.filter(resource__in=resources)
        .values_list("resource_id", flat=True)
        .distinct()
    }
    business: list = []
    for rid, start, end in hours:
        (business if rid is None else own[rid]).append((start, end))
    spans = [s for s in business] + [s for v in own.values() for s in v]
    open_min = min([_minutes(s) for s, _ in spans] or [_minutes(DEFAULT_OPEN)])
    close_min = max([_minutes(e) for _, e in spans] or [_minutes(DEFAULT_CLOSE)])
    for b in bookings:
        local_start, local_end = timezone.localtime(b.start), timezone.localtime(b.end)
        if local_start.date() == day:
            open_min = min(open_min, local_start.hour * 60 + local_start.minute)
        if local_end.date() == day:
            close_min = max(close_min, local_end.hour * 60 + local_end.minute)
    open_min -= open_min % 60
    close_min = min(24 * 60, close_min + (-close_min) % 60)
    window_start = dt.datetime.combine(day, dt.time(), tz) + dt.timedelta(minutes=open_min)

    columns = []
    for resource in resources:
        working = own.get(resource.pk, business)
        column = Column(resource)
        for minute in range(open_min, close_min, step):
            works = any(_minutes(s) <= minute and minute + step <= _minutes(e) for s, e in working)
            column.cells.append((window_start + dt.timedelta(minutes=minute - open_min), works))
        for b in bookings:
            if b.resource_id != resource.pk:
                continue
            top = (b.start - window_start).total_seconds() / 60
            height = (b.end - b.start).total_seconds() / 60
            top, bottom = max(top, 0), min(top + height, close_min - open_min)
            column.bookings.append(
                (b, round(top * PX_PER_MINUTE), max(round((bottom - top) * PX_PER_MINUTE), 18))
            )
        columns.append(column)

    now_px = None
    if day == today:
        now_minutes = (timezone.now() - window_start).total_seconds() / 60
        if 0 <= now_minutes <= close_min - open_min:
            now_px = round(now_minutes * PX_PER_MINUTE)
    hour_marks = [
        (window_start + dt.timedelta(minutes=m - open_min), round((m - open_min) * PX_PER_MINUTE))
        for m in range(open_min, close_min, 60)
    ]
    return {
        "columns": columns,
        "cell_px": round(step * PX_PER_MINUTE),
        "grid_px": round((close_min - open_min) * PX_PER_MINUTE),
        "hour_marks": hour_marks,
        "now_px": now_px,
    }
