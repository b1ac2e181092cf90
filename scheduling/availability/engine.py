"""Free slots of one service, per resource and local day. Pure Python: no ORM, no I/O.

Semantics (`compute_availability`)
==================================

Days
    Days are LOCAL dates in `rules.timezone`, `start_date` to `end_date` inclusive. For each day,
    only resources whose id is in `service.resource_ids` are considered; the others get nothing.

Working intervals
    A resource's own `hours[weekday]` when `resource.hours is not None` (a weekday that is missing
    or empty there means the resource is closed that day, even if the business is open); otherwise
    the business's `business_hours[weekday]`. Several intervals a day express breaks. Times are
    taken to the second: a sub-second start is rounded up, a sub-second end is dropped.

Grid
    Candidate starts are the wall-clock times `interval.start + k * slot_interval` (k >= 0),
    counted in wall-clock minutes from the interval's own start, while the candidate < the
    interval's end. A wall time that does not exist that day (spring-forward gap) is skipped; a
    wall time that occurs twice (fall back) is taken once, at its FIRST occurrence (fold=0). Each
    kept start S is converted to UTC.

Validity
    The interval's bounds in real time are its local start and end converted with fold=0; a
    bound that falls in a gap becomes the moment the gap ends (the transition instant). The
    candidate S is valid iff its occupied range

        [S - buffer_before, S + duration + buffer_after)    (REAL minutes: UTC arithmetic)

    * lies within [interval start, interval end] (occupied end <= interval end);
    * does not overlap (half-open: a < d and c < b) any business time off, any of the
      resource's time off or any of the resource's busy spans (empty spans block nothing);
    * and now + min_notice <= S <= now + max_advance_days days (real days).

Output
    `Availability.slots[(local date, resource id)]` = the valid starts as UTC datetimes
    (`datetime.UTC`), ascending, without duplicates; only pairs with at least one slot appear.

How it is fast
==============
Everything runs on integer epoch seconds. Spans may be given as such (ints), which spares
converting many busy intervals to datetimes and back; datetime spans are converted with floor
(start) and ceil (end), which is exact for the whole-second occupied ranges they are compared
with; `now` bounds use ceil/floor likewise. Per local day the wall-clock -> UTC mapping is
computed once: a day whose UTC offset is the same at its first and last instant, for both folds,
is a plain shift (this assumes no day holds two transitions that cancel out, which no zone in
use does); only a transition day converts each candidate through `zoneinfo`. The grid of each
(day, interval) is computed once and shared by every resource with that interval, already cut to
the notice/advance window and to the interval's bounds, with its output datetimes built once.
Per resource, time off and busy spans are merged once into sorted disjoint blocks; each
resource-day then walks the blocks that touch the interval (found by bisect) and copies whole
runs of free grid positions as list slices.
"""

import bisect
import datetime as dt
import math
import zoneinfo
from collections.abc import Sequence

from scheduling.availability.types import (
    Availability,
    ResourceSchedule,
    Rules,
    ServiceSpec,
    Span,
    WeeklyIntervals,
)

UTC = dt.UTC
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DAY = 86_400
_MIDNIGHT = dt.time(0)
_LAST_INSTANT = dt.time(23, 59, 59, 999_999)
# Every UTC offset in the tz database lies within ±26 h: days farther than this from the
# notice/advance window cannot hold a slot.
_MARGIN = 2 * _DAY


def _seconds(offset: dt.timedelta) -> int:
    return offset.days * _DAY + offset.seconds  # whole seconds in every modern tz database zone


def _normalise(intervals) -> tuple[tuple[tuple[int, int], ...], bool]:
    """Wall intervals as (start, end) seconds of the day, sorted; and whether any overlap."""
    out = []
    for start, end in intervals or ():
        s = start.hour * 3600 + start.minute * 60 + start.second + (start.microsecond > 0)
        e = end.hour * 3600 + end.minute * 60 + end.second
        if s < e:
            out.append((s, e))
    out.sort()
    overlap = any(out[i][0] < out[i - 1][1] for i in range(1, len(out)))
    return tuple(out), overlap


def _week(hours: WeeklyIntervals) -> list[tuple[tuple[tuple[int, int], ...], bool]]:
    return [_normalise(hours.get(weekday, ())) for weekday in range(7)]


def _epoch_spans(spans: Sequence[Span]) -> list[tuple[int, int]]:
    if not spans:
        return []
    if all(type(start) is int for start, _end in spans):  # epoch seconds, as bookings reads them
        return [(a, b) for a, b in spans if a < b]
    floor, ceil = math.floor, math.ceil
    out = []
    for start, end in spans:
        if type(start) is int:
            a, b = start, end
        else:  # aware datetimes: exact to the microsecond until 2200
            a, b = floor(start.timestamp()), ceil(end.timestamp())
        if a < b:
            out.append((a, b))
    return out


def _blocks(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sorted, disjoint blocks (touching ones merged) as parallel start/end lists."""
    spans.sort()
    starts: list[int] = []
    ends: list[int] = []
    for a, b in spans:
        if ends and a <= ends[-1]:
            if b > ends[-1]:
                ends[-1] = b
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


class _Day:
    """Wall-clock seconds of one local date -> epoch seconds."""

    __slots__ = ("date", "naive", "offset", "tz")

    def __init__(self, date: dt.date, tz: zoneinfo.ZoneInfo):
        self.date = date
        self.tz = tz
        self.naive = (date.toordinal() - _EPOCH_ORDINAL) * _DAY  # local midnight read as UTC
        first = dt.datetime.combine(date, _MIDNIGHT, tz)
        last = dt.datetime.combine(date, _LAST_INSTANT, tz)
        offsets = {
            first.utcoffset(),
            first.replace(fold=1).utcoffset(),
            last.utcoffset(),
            last.replace(fold=1).utcoffset(),
        }
        # None: a transition happens during this day; convert candidate by candidate.
        self.offset = _seconds(offsets.pop()) if len(offsets) == 1 else None

    def _offsets(self, wall: int) -> tuple[int, int]:
        hour, rest = divmod(wall, 3600)
        minute, second = divmod(rest, 60)
        d = self.date
        local = dt.datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=self.tz)
        return _seconds(local.utcoffset()), _seconds(local.replace(fold=1).utcoffset())

    def start(self, wall: int) -> int | None:
        """Epoch of a candidate start; None if that wall time does not exist (gap)."""
        if self.offset is not None:
            return self.naive + wall - self.offset
        before, after = self._offsets(wall)
        if before < after:  # PEP 495: in a gap fold=0 uses the earlier, smaller offset
            return None
        return self.naive + wall - before  # unique, or the first of two occurrences

    def bound(self, wall: int) -> int:
        """Epoch of an interval bound: fold=0, or the end of the gap it falls in."""
        if self.offset is not None:
            return self.naive + wall - self.offset
        before, after = self._offsets(wall)
        if before >= after:
            return self.naive + wall - before
        # In a gap: the transition instant T lies in (wall - after, wall - before].
        lo, hi = self.naive + wall - after, self.naive + wall - before
        tz = self.tz
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _seconds(dt.datetime.fromtimestamp(mid, tz).utcoffset()) == before:
                lo = mid
            else:
                hi = mid
        return hi


def compute_availability(
    *,
    rules: Rules,
    business_hours: WeeklyIntervals,
    business_time_off: Sequence[Span],
    resources: Sequence[ResourceSchedule],
    service: ServiceSpec,
    start_date: dt.date,
    end_date: dt.date,
    now: dt.datetime,
) -> Availability:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware")
    if rules.slot_interval <= 0 or service.duration <= 0:
        raise ValueError("`slot_interval` and the service's `duration` must be positive")
    result = Availability()
    tz = zoneinfo.ZoneInfo(rules.timezone)
    step = rules.slot_interval * 60
    before = service.buffer_before * 60
    after = (service.duration + service.buffer_after) * 60  # from the start to the occupied end
    earliest = math.ceil((now + dt.timedelta(minutes=rules.min_notice)).timestamp())
    latest = math.floor((now + dt.timedelta(days=rules.max_advance_days)).timestamp())
    if earliest > latest or start_date > end_date:
        return result

    business_week = _week(business_hours)
    business_off = _epoch_spans(business_time_off)
    eligible = []
    for resource in resources:
        if resource.id not in service.resource_ids:
            continue
        week = business_week if resource.hours is None else _week(resource.hours)
        spans = business_off + _epoch_spans(resource.time_off) + _epoch_spans(resource.busy)
        starts, ends = _blocks(spans)
        eligible.append((resource.id, week, starts, ends, len(starts)))
    if not eligible:
        return result

    slots = result.slots
    deltas: dict[int, dt.timedelta] = {}
    bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
    for ordinal in range(start_date.toordinal(), end_date.toordinal() + 1):
        naive = (ordinal - _EPOCH_ORDINAL) * _DAY
        if naive + _DAY + _MARGIN < earliest:
            continue
        if naive - _MARGIN > latest:
            break
        date = dt.date.fromordinal(ordinal)
        weekday = date.weekday()
        day: _Day | None = None
        grids: dict[tuple[int, int], tuple[list[int], list[dt.datetime]]] = {}

        for rid, week, starts, ends, count in eligible:
            intervals, overlap = week[weekday]
            if not intervals:
                continue
            out: list[dt.datetime] | None = None
            for interval in intervals:
                grid = grids.get(interval)
                if grid is None:
                    if day is None:
                        day = _Day(date, tz)
                    grid = grids[interval] = _grid(
                        day, interval, step, before, after, earliest, latest, deltas
                    )
                ts, dts = grid
                if not ts:
                    continue
                lo, hi = ts[0], ts[-1]
                j = bisect_right(ends, lo - before)
                if j == count or starts[j] >= hi + after:  # no block touches the interval
                    if out is None:
                        out = dts[:]
                    else:
                        out += dts
                    continue
                if out is None:
                    out = []
                cur = lo  # the earliest start still possible
                while True:
                    if j < count and starts[j] < hi + after:
                        top = starts[j] - after  # last start that ends before this block
                        if top >= cur:
                            i = bisect_left(ts, cur)
                            k = bisect_right(ts, top if top < hi else hi)
                            if i < k:
                                out += dts[i:k]
                        free = ends[j] + before
                        if free > cur:
                            cur = free
                        j += 1
                        if cur > hi:
                            break
                    else:
                        i = bisect_left(ts, cur)
                        if i < len(ts):
                            out += dts[i:]
                        break
            if out:
                if overlap:
                    out = sorted(set(out))
                slots[(date, rid)] = out
    return result


def _grid(
    day: _Day,
    interval: tuple[int, int],
    step: int,
    before: int,
    after: int,
    earliest: int,
    latest: int,
    deltas: dict[int, dt.timedelta],
) -> tuple[list[int], list[dt.datetime]]:
    """Grid starts of one interval on one day that fit its bounds and the notice/advance window.

    Returns the epoch seconds (ascending) and the same instants as UTC datetimes.
    """
    s, e = interval
    lo = day.bound(s) + before
    hi = day.bound(e) - after
    if lo < earliest:
        lo = earliest
    if hi > latest:
        hi = latest
    if lo > hi:
        return [], []
    if day.offset is not None:
        origin = day.naive + s - day.offset
        first = origin if lo <= origin else origin - (origin - lo) // step * step
        end = min(hi, origin + (e - s - 1) // step * step)
        ts = list(range(first, end + 1, step))
        if not ts:
            return [], []
        # Most days share their offsets from midnight: reuse their timedeltas.
        base = day.naive - day.offset
        midnight = dt.datetime.fromtimestamp(base, UTC)
        dts = []
        for t in ts:
            delta = deltas.get(t - base)
            if delta is None:
                delta = deltas[t - base] = dt.timedelta(seconds=t - base)
            dts.append(midnight + delta)
        return ts, dts
    ts = []
    for wall in range(s, e, step):
        t = day.start(wall)
        if t is not None and lo <= t <= hi:
            ts.append(t)
    return ts, [dt.datetime.fromtimestamp(t, UTC) for t in ts]


def working_intervals(
    *,
    timezone: str,
    business_hours: WeeklyIntervals,
    business_time_off: Sequence[Span],
    resources: Sequence[ResourceSchedule],
    day: dt.date,
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """When each resource works on one local `day`, by the rules `compute_availability` uses.

    A resource's own `hours` replace the business's (closed on a weekday they leave out); the
    bounds are real instants as for slots (fold=0, a bound in a spring-forward gap moves to the
    gap's end); business and the resource's own time off are cut out. Busy spans are ignored.
    Returns UTC [start, end) pairs per resource id, ascending and disjoint (touching intervals
    merged); a resource that does not work that day maps to [].
    """
    tz = zoneinfo.ZoneInfo(timezone)
    local = _Day(day, tz)
    weekday = day.weekday()
    business_week = _week(business_hours)
    business_off = _epoch_spans(business_time_off)
    result: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for resource in resources:
        week = business_week if resource.hours is None else _week(resource.hours)
        intervals, _overlap = week[weekday]
        work_starts, work_ends = _blocks([(local.bound(s), local.bound(e)) for s, e in intervals])
        off_starts, off_ends = _blocks(business_off + _epoch_spans(resource.time_off))
        spans = []
        for a, b in zip(work_starts, work_ends, strict=True):
            cur = a
            # Time-off blocks that end after the working interval starts, in order.
            for j in range(bisect.bisect_right(off_ends, a), len(off_starts)):
                if off_starts[j] >= b:
                    break
                if off_starts[j] > cur:
                    spans.append((cur, off_starts[j]))
                cur = max(cur, off_ends[j])
            if cur < b:
                spans.append((cur, b))
        result[resource.id] = [
            (dt.datetime.fromtimestamp(a, UTC), dt.datetime.fromtimestamp(b, UTC))
            for a, b in spans
            if a < b
        ]
    return result
