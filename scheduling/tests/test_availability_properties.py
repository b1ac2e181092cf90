"""Property tests: the engine equals a slow, obviously-correct reference on random schedules.

Equality proves both directions: every returned slot is valid (inside working hours, on the grid,
clear of time off and busy spans with buffers, within notice and advance), and no valid grid
position is lost. The reference walks every grid position of every interval with datetimes,
checks every rule literally against every span, and knows nothing of the engine's shortcuts.
"""

import datetime as dt
import zoneinfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.availability import ResourceSchedule, Rules, ServiceSpec
from scheduling.availability.engine import compute_availability

UTC = dt.UTC
TIMEZONES = ["UTC", "Europe/Lisbon", "America/New_York", "America/Sao_Paulo"]
# Days on which Lisbon or New York change their clocks (São Paulo's old DST dates for contrast).
TRANSITIONS = [
    dt.date(2026, 3, 8),
    dt.date(2026, 3, 29),
    dt.date(2026, 10, 25),
    dt.date(2026, 11, 1),
    dt.date(2027, 3, 14),
    dt.date(2027, 3, 28),
    dt.date(2027, 10, 31),
    dt.date(2027, 11, 7),
    dt.date(2019, 2, 17),
    dt.date(2018, 11, 4),
]
# (day, zone, wall minute around which the clocks change that day)
CLOCK_CHANGES = [
    (dt.date(2026, 3, 8), "America/New_York", 120),  # 02:00 -> 03:00
    (dt.date(2026, 11, 1), "America/New_York", 60),  # 02:00 -> 01:00
    (dt.date(2027, 3, 14), "America/New_York", 120),
    (dt.date(2027, 11, 7), "America/New_York", 60),
    (dt.date(2026, 3, 29), "Europe/Lisbon", 60),  # 01:00 -> 02:00
    (dt.date(2026, 10, 25), "Europe/Lisbon", 60),  # 02:00 -> 01:00
    (dt.date(2027, 3, 28), "Europe/Lisbon", 60),
    (dt.date(2027, 10, 31), "Europe/Lisbon", 60),
    (dt.date(2018, 11, 4), "America/Sao_Paulo", 0),  # 00:00 -> 01:00 (DST until 2019)
    (dt.date(2019, 2, 16), "America/Sao_Paulo", 23 * 60),  # 24:00 -> 23:00
]


# --- Reference -----------------------------------------------------------------------------------


def wall_to_utc(day: dt.date, wall: dt.time, tz) -> dt.datetime | None:
    """The first instant showing this wall time on this day; None if no instant does."""
    naive = dt.datetime.combine(day, wall)
    instant = naive.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the first occurrence
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def bound_to_utc(day: dt.date, wall: dt.time, tz) -> dt.datetime:
    """An interval bound: the wall time, or when it falls in a gap, the moment the gap ends."""
    instant = wall_to_utc(day, wall, tz)
    if instant is not None:
        return instant
    naive = dt.datetime.combine(day, wall)
    probe = naive.replace(tzinfo=UTC) - dt.timedelta(hours=15)  # well before, in every zone here
    while probe.astimezone(tz).replace(tzinfo=None) < naive:
        probe += dt.timedelta(minutes=1)  # transitions here happen on whole minutes
    return probe


def overlaps(a: dt.datetime, b: dt.datetime, c: dt.datetime, d: dt.datetime) -> bool:
    return a < d and c < b


def reference(
    *, rules, business_hours, business_time_off, resources, service, start_date, end_date, now
):
    tz = zoneinfo.ZoneInfo(rules.timezone)
    step = dt.timedelta(minutes=rules.slot_interval)
    earliest = now + dt.timedelta(minutes=rules.min_notice)
    latest = now + dt.timedelta(days=rules.max_advance_days)
    out = {}
    day = start_date
    while day <= end_date:
        for resource in resources:
            if resource.id not in service.resource_ids:
                continue
            week = business_hours if resource.hours is None else resource.hours
            blocked = [*business_time_off, *resource.time_off, *resource.busy]
            found = set()
            for start, end in week.get(day.weekday(), ()):
                lower = bound_to_utc(day, start, tz)
                upper = bound_to_utc(day, end, tz)
                wall = dt.datetime.combine(day, start)
                while wall.date() == day and wall.time() < end:
                    slot = wall_to_utc(day, wall.time(), tz)
                    wall += step
                    if slot is None:
                        continue
                    occupied_start = slot - dt.timedelta(minutes=service.buffer_before)
                    occupied_end = slot + dt.timedelta(
                        minutes=service.duration + service.buffer_after
                    )
                    if (
                        lower <= occupied_start
                        and occupied_end <= upper
                        and earliest <= slot <= latest
                        and not any(
                            overlaps(occupied_start, occupied_end, a, b) for a, b in blocked
                        )
                    ):
                        found.add(slot)
            if found:
                out[(day, resource.id)] = sorted(found)
        day += dt.timedelta(days=1)
    return out


# --- Strategies ----------------------------------------------------------------------------------


@st.composite
def day_intervals(draw):
    """0-3 sorted, non-overlapping wall intervals of the day (closed days are common)."""
    unit = draw(st.sampled_from([1, 5, 15, 15]))  # opening hours mostly on quarter-hours
    cursor = unit * draw(st.integers(0, 20 * 60 // unit))
    out = []
    for _ in range(draw(st.sampled_from([1, 2, 3, 0, 1, 2]))):  # simplest first: 1
        start = cursor + unit * draw(st.integers(0, 180 // unit))
        end = min(1439, start + unit * draw(st.integers(1, 600 // unit)))
        if start >= end:
            break
        out.append((dt.time(*divmod(start, 60)), dt.time(*divmod(end, 60))))
        cursor = end
    return out


@st.composite
def weekly_hours(draw):
    """A week built from two day patterns, as real weeks are (cheaper to draw than seven)."""
    patterns = [draw(day_intervals()), draw(day_intervals()), []]
    return {weekday: patterns[draw(st.sampled_from([0, 0, 0, 1, 2]))] for weekday in range(7)}


SPAN_MAX = [180, 180, 180, 48 * 60]  # minutes: mostly bookings, sometimes days off
ODD_BITS = [dt.timedelta(0)] * 6 + [
    dt.timedelta(seconds=30),
    dt.timedelta(microseconds=1),
    dt.timedelta(microseconds=999_999),
]


@st.composite
def spans(draw, origin: dt.datetime, max_count: int, days: int = 8):
    """Up to `max_count` spans starting from a day before `origin` to `days` days after it."""
    out = []
    for _ in range(draw(st.integers(0, max_count))):
        unit = draw(st.sampled_from([1, 15, 15]))  # bookings sit on a quarter-hour grid
        start = origin + dt.timedelta(
            minutes=unit * draw(st.integers(-24 * 60 // unit, days * 24 * 60 // unit))
        )
        longest = draw(st.sampled_from(SPAN_MAX)) // unit
        length = dt.timedelta(minutes=unit * draw(st.integers(1, longest)))
        # Busy spans off the minute grid: seconds, microseconds, at either end.
        start += draw(st.sampled_from(ODD_BITS))
        out.append((start, start + length + draw(st.sampled_from(ODD_BITS))))
    return out


@st.composite
def scenarios(draw):
    timezone = draw(st.sampled_from(TIMEZONES))
    tz = zoneinfo.ZoneInfo(timezone)
    anchor = draw(
        st.one_of(
            st.sampled_from(TRANSITIONS),
            st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2028, 12, 31)),
        )
    )
    start_date = anchor - dt.timedelta(days=draw(st.integers(0, 3)))
    end_date = start_date + dt.timedelta(days=draw(st.integers(0, 5)))
    origin = dt.datetime.combine(start_date, dt.time(), tz).astimezone(UTC)
    unit = draw(st.sampled_from([1, 15, 15]))
    now = origin + dt.timedelta(
        minutes=unit * draw(st.integers(-3 * 24 * 60 // unit, 3 * 24 * 60 // unit)),
        microseconds=draw(st.sampled_from([0, 0, 500_000])),
    )
    if draw(st.booleans()):
        now = now.astimezone(tz)  # `now` may come in any timezone
    rules = Rules(
        timezone=timezone,
        slot_interval=draw(st.sampled_from([5, 10, 15, 20, 30, 60])),
        min_notice=draw(st.one_of(st.integers(0, 180), st.integers(0, 3 * 24 * 60))),
        max_advance_days=draw(st.integers(1, 10)),
    )
    resources = []
    for rid in range(1, draw(st.integers(1, 3)) + 1):
        resources.append(
            ResourceSchedule(
                id=rid,
                hours=draw(st.one_of(st.none(), weekly_hours())),
                time_off=draw(spans(origin, 2)),
                busy=draw(spans(origin, 12)),
            )
        )
    ids = [r.id for r in resources]
    service = ServiceSpec(
        duration=draw(st.integers(5, 240)),
        buffer_before=draw(st.integers(0, 30)),
        buffer_after=draw(st.integers(0, 30)),
        # Usually all perform the service; some may not; 99 is not in `resources` at all.
        resource_ids=frozenset(ids) - draw(st.sets(st.sampled_from(ids), max_size=len(ids) - 1))
        | draw(st.sampled_from([frozenset(), frozenset({99})])),
    )
    return {
        "rules": rules,
        "business_hours": draw(weekly_hours()),
        "business_time_off": draw(spans(origin, 3)),
        "resources": resources,
        "service": service,
        "start_date": start_date,
        "end_date": end_date,
        "now": now,
    }


PROPERTY_SETTINGS = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(scenarios())
def test_engine_equals_the_reference(scenario):
    got = compute_availability(**scenario).slots
    assert got == reference(**scenario)
    for starts in got.values():
        assert all(s.tzinfo is UTC for s in starts)
        assert starts == sorted(set(starts))


@st.composite
def dst_days(draw):
    """Transition days with hours around the change, where mistakes would show."""
    day, timezone, change = draw(st.sampled_from(CLOCK_CHANGES))
    first = draw(st.integers(max(0, change - 180), min(1438, change + 60)))
    last = min(1439, first + draw(st.integers(1, 300)) + draw(st.integers(0, 60)))
    hours = {day.weekday(): [(dt.time(*divmod(first, 60)), dt.time(*divmod(last, 60)))]}
    busy = draw(spans(dt.datetime.combine(day, dt.time(), UTC), 3, days=1))
    service = ServiceSpec(
        duration=draw(st.integers(5, 120)),
        buffer_before=draw(st.integers(0, 15)),
        buffer_after=draw(st.integers(0, 15)),
        resource_ids=frozenset({1}),
    )
    return {
        "rules": Rules(
            timezone=timezone,
            slot_interval=draw(st.sampled_from([5, 10, 15, 20, 30, 60])),
            min_notice=0,
            max_advance_days=365,
        ),
        "business_hours": hours,
        "business_time_off": [],
        "resources": [ResourceSchedule(id=1, busy=busy)],
        "service": service,
        "start_date": day,
        "end_date": day,
        "now": dt.datetime.combine(day, dt.time(), UTC) - dt.timedelta(days=30),
    }


@PROPERTY_SETTINGS
@given(dst_days())
def test_engine_equals_the_reference_around_clock_changes(scenario):
    assert compute_availability(**scenario).slots == reference(**scenario)
