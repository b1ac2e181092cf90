"""The staff calendar: a day (or week) with a column per resource; free cells open a booking.

Every booking of the day is drawn, whatever its status (a cancelled one beside the booking that
took its time): overlapping items share their column side by side, never one over another.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import role_required
from bookings.models import Booking
from bookings.scoping import visible_bookings, visible_resources
from scheduling.dates import date_parse
from scheduling.selectors import resource_working_intervals

PX_PER_MINUTE = 1.4
MIN_HEIGHT_PX = 18
DEFAULT_OPEN, DEFAULT_CLOSE = 8 * 60, 20 * 60  # minutes after midnight, when nobody works


@dataclass
class Placed:
    """A booking drawn in its column: `lane` of `lanes` side-by-side lanes of its group."""

    booking: Booking
    top: int  # px from the top of the grid
    height: int  # px
    lane: int = 0
    lanes: int = 1

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass
class Column:
    resource: object
    cells: list = field(default_factory=list)  # (local start, is working time)
    bookings: list[Placed] = field(default_factory=list)


def lanes_assign(items: list[Placed]) -> list[Placed]:
    """Lay out items that overlap (as drawn, minimum height included) side by side.

    Items that overlap, directly or through others, form a group that shares the column's
    width; each takes the leftmost lane that is free at its top. Returns them sorted by top.
    """
    items = sorted(items, key=lambda item: (item.top, -item.height, item.booking.pk))
    group: list[Placed] = []
    lane_ends: list[int] = []  # bottom of the last item in each lane of the current group
    group_end = -1

    def close_group() -> None:
        for item in group:
            item.lanes = len(lane_ends)

    for item in items:
        if item.top >= group_end:  # overlaps nothing before it: a new group starts
            close_group()
            group, lane_ends = [], []
        for lane, end in enumerate(lane_ends):
            if end <= item.top:
                item.lane, lane_ends[lane] = lane, item.bottom
                break
        else:
            item.lane = len(lane_ends)
            lane_ends.append(item.bottom)
        group.append(item)
        group_end = max(group_end, item.bottom)
    close_group()
    return items


@role_required()
def calendar(request):
    business = request.business
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    day = date_parse(request.GET.get("date")) or today
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
        .order_by("start", "pk")
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
        context.update(_day_grid(day, shown, bookings, business, tz, today))
    template = "bookings/calendar.html#calendar" if request.htmx else "bookings/calendar.html"
    return render(request, template, context)


def _day_grid(day, resources, bookings, business, tz, today):
    """The day view's grid, in real minutes from local midnight (a DST day is 23 or 25 h)."""
    day_start = dt.datetime.combine(day, dt.time(), tz)
    day_minutes = round(
        (dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz) - day_start).total_seconds()
        / 60
    )

    def minutes(instant: dt.datetime) -> float:
        return (instant - day_start).total_seconds() / 60

    # Own hours replace the business's, time off cut out: as the booking engine reads them.
    working = {
        rid: [(minutes(start), minutes(end)) for start, end in spans]
        for rid, spans in resource_working_intervals(
            day=day, resource_ids=[r.pk for r in resources], business=business
        ).items()
    }
    # From the first working hour to the last, widened to every booking drawn that day.
    spans = [span for column in working.values() for span in column]
    edges = (spans or [(DEFAULT_OPEN, DEFAULT_CLOSE)]) + [
        (max(minutes(b.start), 0), min(minutes(b.end), day_minutes)) for b in bookings
    ]
    open_min = max(0, math.floor(min(s for s, _ in edges) / 60) * 60)
    close_min = min(day_minutes, math.ceil(max(e for _, e in edges) / 60) * 60)
    window_start = day_start + dt.timedelta(minutes=open_min)
    step = business.slot_interval

    columns = []
    for resource in resources:
        column = Column(resource)
        own = working.get(resource.pk, [])
        for minute in range(open_min, close_min, step):
            works = any(s <= minute and minute + step <= e for s, e in own)
            column.cells.append((window_start + dt.timedelta(minutes=minute - open_min), works))
        placed = []
        for b in bookings:
            if b.resource_id != resource.pk:
                continue
            top = minutes(b.start) - open_min
            bottom = min(minutes(b.end) - open_min, close_min - open_min)
            top = max(top, 0)
            px_top = round(top * PX_PER_MINUTE)
            height = max(round((bottom - top) * PX_PER_MINUTE), MIN_HEIGHT_PX)
            placed.append(Placed(b, px_top, height))
        column.bookings = lanes_assign(placed)
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
