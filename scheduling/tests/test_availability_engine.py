"""The availability engine on hand-computed cases (pure functions: no database).

Unless a test says otherwise: America/Sao_Paulo (UTC-3 all year, so 09:00 local = 12:00 UTC),
Monday 2026-06-01, `now` a month earlier, no notice, a year of advance.
"""

import datetime as dt
import zoneinfo

import pytest

from scheduling.availability import ResourceSchedule, Rules, ServiceSpec
from scheduling.availability.engine import compute_availability

MON = dt.date(2026, 6, 1)
TUE = dt.date(2026, 6, 2)
WED = dt.date(2026, 6, 3)
EARLY = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


def z(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A UTC instant."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def sp(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A São Paulo wall time, as the UTC instant it is (UTC-3)."""
    return z(day, hour, minute) + dt.timedelta(hours=3)


def availability(
    *,
    hours: dict | None = None,
    resources: list[ResourceSchedule] | None = None,
    business_time_off=(),
    duration: int = 30,
    buffer_before: int = 0,
    buffer_after: int = 0,
    resource_ids=None,
    timezone: str = "America/Sao_Paulo",
    slot_interval: int = 30,
    min_notice: int = 0,
    max_advance_days: int = 365,
    start: dt.date = MON,
    end: dt.date | None = None,
    now: dt.datetime = EARLY,
):
    resources = resources if resources is not None else [ResourceSchedule(id=1)]
    if resource_ids is None:
        resource_ids = {r.id for r in resources}
    return compute_availability(
        rules=Rules(
            timezone=timezone,
            slot_interval=slot_interval,
            min_notice=min_notice,
            max_advance_days=max_advance_days,
        ),
        business_hours=hours if hours is not None else {},
        business_time_off=list(business_time_off),
        resources=resources,
        service=ServiceSpec(
            duration=duration,
            buffer_before=buffer_before,
            buffer_after=buffer_after,
            resource_ids=frozenset(resource_ids),
        ),
        start_date=start,
        end_date=end or start,
        now=now,
    )


def slots(result, day: dt.date = MON, rid: int = 1) -> list[dt.datetime]:
    return result.slots.get((day, rid), [])


# --- Grid --------------------------------------------------------------------------------------


def test_grid_is_aligned_to_the_interval_start_not_to_the_hour():
    result = availability(hours={0: [(t(9, 10), t(10))]}, slot_interval=15, duration=15)
    assert slots(result) == [sp(MON, 9, 10), sp(MON, 9, 25), sp(MON, 9, 40)]


def test_longer_service_on_an_offset_grid_must_end_by_the_interval_end():
    result = availability(hours={0: [(t(9, 10), t(10))]}, slot_interval=15, duration=30)
    assert slots(result) == [sp(MON, 9, 10), sp(MON, 9, 25)]


def test_each_interval_has_its_own_grid_and_a_slot_may_end_exactly_at_the_end():
    result = availability(
        hours={0: [(t(9), t(10)), (t(10, 10), t(11))]}, slot_interval=30, duration=20
    )
    assert slots(result) == [sp(MON, 9), sp(MON, 9, 30), sp(MON, 10, 10), sp(MON, 10, 40)]


def test_slots_are_utc_datetimes_keyed_by_local_date():
    # 21:00 in São Paulo on Monday is 00:00 UTC on Tuesday: it belongs to Monday.
    result = availability(hours={0: [(t(21), t(22))]}, slot_interval=60, duration=60)
    assert result.slots == {(MON, 1): [z(TUE, 0)]}
    assert result.slots[(MON, 1)][0].tzinfo is dt.UTC
    assert result.days() == [MON]


# --- Buffers, breaks, busy spans -----------------------------------------------------------------


def test_buffers_must_fit_inside_working_hours():
    result = availability(
        hours={0: [(t(9), t(11))]}, duration=30, buffer_before=15, buffer_after=15
    )
    # 09:00 would occupy 08:45-09:45 and 10:30 would occupy 10:15-11:15.
    assert slots(result) == [sp(MON, 9, 30), sp(MON, 10)]


def test_buffers_must_clear_busy_spans_back_to_back_allowed():
    busy = [(sp(MON, 10), sp(MON, 10, 30))]
    result = availability(
        hours={0: [(t(9), t(12))]},
        resources=[ResourceSchedule(id=1, busy=busy)],
        slot_interval=15,
        duration=30,
        buffer_before=15,
        buffer_after=15,
    )
    # Occupied ranges: 09:15 → [09:00, 10:00) touches the busy span; 10:45 → [10:30, 11:30);
    # 11:15 → [11:00, 12:00) ends at closing time.
    assert slots(result) == [sp(MON, 9, 15), sp(MON, 10, 45), sp(MON, 11), sp(MON, 11, 15)]


def test_spans_in_epoch_seconds_block_exactly_as_datetimes_do():
    # bookings hands its busy intervals over as whole epoch seconds; time off stays datetimes.
    spans = [
        (sp(MON, 10), sp(MON, 10, 30)),
        (sp(MON, 13, 15), sp(MON, 14)),
        (sp(TUE, 9), sp(TUE, 9)),
    ]
    as_ints = [(int(a.timestamp()), int(b.timestamp())) for a, b in spans]
    common = {
        "hours": {0: [(t(9), t(12)), (t(13), t(18))], 1: [(t(9), t(12))]},
        "slot_interval": 15,
        "buffer_after": 15,
        "end": TUE,
        "business_time_off": [(sp(MON, 16), sp(MON, 17))],
    }
    by_datetimes = availability(resources=[ResourceSchedule(id=1, busy=spans)], **common)
    by_seconds = availability(resources=[ResourceSchedule(id=1, busy=as_ints)], **common)
    assert by_seconds.slots == by_datetimes.slots
    assert sp(MON, 9, 15) in slots(by_seconds) and sp(MON, 9, 30) not in slots(by_seconds)
    assert sp(MON, 16) not in slots(by_seconds) and sp(MON, 17) in slots(by_seconds)


def test_buffer_before_must_clear_a_busy_span_just_before_the_first_slot():
    busy = [(sp(MON, 9), sp(MON, 9, 15))]
    result = availability(
        hours={0: [(t(9), t(11))]},
        resources=[ResourceSchedule(id=1, busy=busy)],
        duration=30,
        buffer_before=30,
    )
    # 09:30 would occupy [09:00, 10:00), over the busy span; 10:00 occupies [09:30, 10:30).
    assert slots(result) == [sp(MON, 10), sp(MON, 10, 30)]


def test_spans_with_fractions_of_a_second_are_exact():
    tick = dt.timedelta(microseconds=1)
    result = availability(
        hours={0: [(t(9), t(12))]},
        resources=[
            # Ends 1 µs after 10:00: 10:00 overlaps it. Starts 1 µs before 11:30: 11:00 overlaps.
            ResourceSchedule(id=1, busy=[(sp(MON, 9, 45), sp(MON, 10) + tick)]),
            ResourceSchedule(id=2, busy=[(sp(MON, 11, 30) - tick, sp(MON, 11, 45))]),
            # Exactly back-to-back, with microseconds on both sides of the slot.
            ResourceSchedule(id=3, busy=[(sp(MON, 9) + tick, sp(MON, 9) + 2 * tick)]),
        ],
        duration=30,
    )
    assert slots(result, rid=1) == [sp(MON, 9), sp(MON, 10, 30), sp(MON, 11), sp(MON, 11, 30)]
    assert slots(result, rid=2) == [sp(MON, 9), sp(MON, 9, 30), sp(MON, 10), sp(MON, 10, 30)]
    assert slots(result, rid=3) == [
        sp(MON, 9, 30),
        sp(MON, 10),
        sp(MON, 10, 30),
        sp(MON, 11),
        sp(MON, 11, 30),
    ]


def test_lunch_break():
    result = availability(hours={0: [(t(9), t(12)), (t(13), t(15))]}, duration=60)
    assert slots(result) == [
        sp(MON, 9),
        sp(MON, 9, 30),
        sp(MON, 10),
        sp(MON, 10, 30),
        sp(MON, 11),
        sp(MON, 13),
        sp(MON, 13, 30),
        sp(MON, 14),
    ]


def test_busy_span_back_to_back_on_both_sides():
    busy = [(sp(MON, 10), sp(MON, 11))]
    result = availability(
        hours={0: [(t(9), t(12))]}, resources=[ResourceSchedule(id=1, busy=busy)], duration=60
    )
    assert slots(result) == [sp(MON, 9), sp(MON, 11)]


def test_busy_spans_of_one_resource_do_not_block_another():
    busy = [(sp(MON, 9), sp(MON, 12))]
    result = availability(
        hours={0: [(t(9), t(11))]},
        resources=[ResourceSchedule(id=1, busy=busy), ResourceSchedule(id=2)],
        slot_interval=60,
        duration=60,
    )
    assert result.slots == {(MON, 2): [sp(MON, 9), sp(MON, 10)]}


def test_overlapping_busy_spans_and_unsorted_input():
    busy = [
        (sp(MON, 11), sp(MON, 11, 30)),
        (sp(MON, 9, 30), sp(MON, 10)),
        (sp(MON, 9), sp(MON, 9, 45)),
    ]
    result = availability(
        hours={0: [(t(9), t(12))]},
        resources=[ResourceSchedule(id=1, busy=busy)],
        slot_interval=15,
        duration=30,
    )
    assert slots(result) == [sp(MON, 10), sp(MON, 10, 15), sp(MON, 10, 30), sp(MON, 11, 30)]


def test_service_longer_than_any_interval_has_no_slots():
    result = availability(hours={0: [(t(9), t(12)), (t(13), t(15))]}, duration=240)
    assert result.slots == {}
    assert result.days() == []


def test_overlapping_working_intervals_give_each_slot_once():
    result = availability(hours={0: [(t(10), t(12)), (t(9), t(11))]}, slot_interval=60, duration=60)
    assert slots(result) == [sp(MON, 9), sp(MON, 10), sp(MON, 11)]


# --- Notice and advance ------------------------------------------------------------------------


def test_minimum_notice():
    result = availability(
        hours={0: [(t(9), t(12))]}, now=sp(MON, 9, 5), min_notice=60
    )  # earliest start 10:05
    assert slots(result) == [sp(MON, 10, 30), sp(MON, 11), sp(MON, 11, 30)]


def test_minimum_notice_boundary_is_inclusive():
    result = availability(hours={0: [(t(9), t(12))]}, now=sp(MON, 9), min_notice=60)
    assert slots(result) == [sp(MON, 10), sp(MON, 10, 30), sp(MON, 11), sp(MON, 11, 30)]


def test_maximum_advance_boundary_is_inclusive():
    hours = {weekday: [(t(9), t(12))] for weekday in range(7)}
    result = availability(hours=hours, now=sp(MON, 10), max_advance_days=1, start=MON, end=WED)
    assert slots(result, MON) == [sp(MON, 10), sp(MON, 10, 30), sp(MON, 11), sp(MON, 11, 30)]
    assert slots(result, TUE) == [sp(TUE, 9), sp(TUE, 9, 30), sp(TUE, 10)]
    assert result.days() == [MON, TUE]


def test_days_entirely_in_the_past_have_nothing():
    hours = {weekday: [(t(9), t(12))] for weekday in range(7)}
    result = availability(hours=hours, now=sp(WED, 0), start=MON, end=WED, slot_interval=60)
    assert result.days() == [WED]


# --- Time off ------------------------------------------------------------------------------------


def test_business_time_off_across_midnight():
    hours = {0: [(t(18), t(23))], 1: [(t(6), t(10))]}
    result = availability(
        hours=hours,
        business_time_off=[(sp(MON, 22), sp(TUE, 8))],
        resources=[ResourceSchedule(id=1), ResourceSchedule(id=2)],
        slot_interval=60,
        duration=60,
        start=MON,
        end=TUE,
    )
    monday = [sp(MON, 18), sp(MON, 19), sp(MON, 20), sp(MON, 21)]  # 21:00 local = 00:00 UTC Tue
    tuesday = [sp(TUE, 8), sp(TUE, 9)]
    assert result.slots == {
        (MON, 1): monday,
        (MON, 2): monday,
        (TUE, 1): tuesday,
        (TUE, 2): tuesday,
    }


def test_resource_time_off_blocks_only_that_resource():
    off = [(sp(MON, 10), sp(MON, 11))]
    result = availability(
        hours={0: [(t(9), t(12))]},
        resources=[ResourceSchedule(id=1, time_off=off), ResourceSchedule(id=2)],
        slot_interval=60,
        duration=60,
    )
    assert slots(result, rid=1) == [sp(MON, 9), sp(MON, 11)]
    assert slots(result, rid=2) == [sp(MON, 9), sp(MON, 10), sp(MON, 11)]


def test_time_off_given_in_another_timezone():
    lisbon = dt.timezone(dt.timedelta(hours=1))
    off = [(dt.datetime(2026, 6, 1, 14, tzinfo=lisbon), dt.datetime(2026, 6, 1, 15, tzinfo=lisbon))]
    result = availability(
        hours={0: [(t(9), t(12))]},
        business_time_off=off,  # 13:00-14:00 UTC = 10:00-11:00 São Paulo
        slot_interval=60,
        duration=60,
    )
    assert slots(result) == [sp(MON, 9), sp(MON, 11)]


# --- Whose hours, who performs the service -----------------------------------------------------


def test_resource_without_own_hours_uses_the_business_hours():
    result = availability(
        hours={0: [(t(9), t(11))]},
        resources=[ResourceSchedule(id=1, hours=None)],
        slot_interval=60,
        duration=60,
    )
    assert slots(result) == [sp(MON, 9), sp(MON, 10)]


def test_resource_with_own_hours_ignores_the_business_hours():
    own = {0: [(t(14), t(16))], 1: []}  # closed on Tuesday, absent Wednesday: closed too
    result = availability(
        hours={d: [(t(9), t(11))] for d in range(7)},
        resources=[ResourceSchedule(id=1), ResourceSchedule(id=2, hours=own)],
        slot_interval=60,
        duration=60,
        start=MON,
        end=WED,
    )
    assert slots(result, MON, 2) == [sp(MON, 14), sp(MON, 15)]
    assert slots(result, MON, 1) == [sp(MON, 9), sp(MON, 10)]
    assert (TUE, 2) not in result.slots and (WED, 2) not in result.slots
    assert slots(result, TUE, 1) == [sp(TUE, 9), sp(TUE, 10)]


def test_resource_with_empty_own_hours_is_always_closed():
    result = availability(hours={0: [(t(9), t(11))]}, resources=[ResourceSchedule(id=1, hours={})])
    assert result.slots == {}


def test_resource_that_does_not_perform_the_service_gets_nothing():
    result = availability(
        hours={0: [(t(9), t(10))]},
        resources=[ResourceSchedule(id=1), ResourceSchedule(id=2)],
        resource_ids={2},
        slot_interval=60,
        duration=60,
    )
    assert result.slots == {(MON, 2): [sp(MON, 9)]}


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        availability(hours={0: [(t(9), t(10))]}, now=dt.datetime(2026, 5, 1))


# --- Daylight saving time -----------------------------------------------------------------------

LISBON_SPRING = dt.date(2026, 3, 29)  # 01:00 UTC: 01:00 WET → 02:00 WEST
LISBON_AUTUMN = dt.date(2026, 10, 25)  # 01:00 UTC: 02:00 WEST → 01:00 WET
NY_SPRING = dt.date(2026, 3, 8)  # 07:00 UTC: 02:00 EST → 03:00 EDT
NY_AUTUMN = dt.date(2026, 11, 1)  # 06:00 UTC: 02:00 EDT → 01:00 EST


def dst(day: dt.date, timezone: str, start: dt.time, end: dt.time, duration: int, **kwargs):
    result = availability(
        hours={day.weekday(): [(start, end)]},
        timezone=timezone,
        duration=duration,
        start=day,
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        **kwargs,
    )
    assert set(result.slots) <= {(day, 1)}
    return slots(result, day)


def test_lisbon_spring_forward_has_no_slot_in_the_gap():
    got = dst(LISBON_SPRING, "Europe/Lisbon", t(0), t(4), 30)
    day = LISBON_SPRING
    # Wall 00:00, 00:30, [01:00, 01:30 do not exist], 02:00, 02:30, 03:00, 03:30.
    assert got == [z(day, 0), z(day, 0, 30), z(day, 1), z(day, 1, 30), z(day, 2), z(day, 2, 30)]
    walls = [s.astimezone(zoneinfo.ZoneInfo("Europe/Lisbon")).strftime("%H:%M") for s in got]
    assert walls == ["00:00", "00:30", "02:00", "02:30", "03:00", "03:30"]


def test_lisbon_spring_forward_durations_are_real_minutes():
    day = LISBON_SPRING
    got = dst(day, "Europe/Lisbon", t(0), t(4), 60)
    # 00:30 local + 60 real minutes = 02:30 local (01:30 UTC); 03:30 would end after 04:00.
    assert got == [z(day, 0), z(day, 0, 30), z(day, 1), z(day, 1, 30), z(day, 2)]
    lisbon = zoneinfo.ZoneInfo("Europe/Lisbon")
    walls = [s.astimezone(lisbon).strftime("%H:%M") for s in got]
    assert walls == ["00:00", "00:30", "02:00", "02:30", "03:00"]
    assert (got[1] + dt.timedelta(minutes=60)).astimezone(lisbon).strftime("%H:%M") == "02:30"


def test_lisbon_interval_starting_in_the_gap_starts_when_the_gap_ends():
    day = LISBON_SPRING
    assert dst(day, "Europe/Lisbon", t(1, 30), t(3), 30) == [z(day, 1), z(day, 1, 30)]


def test_lisbon_interval_ending_in_the_gap_ends_when_the_gap_ends():
    day = LISBON_SPRING
    # 00:00-01:30 lasts 60 real minutes: 00:30 + 60 min would end at 02:30 local.
    assert dst(day, "Europe/Lisbon", t(0), t(1, 30), 60) == [z(day, 0)]
    assert dst(day, "Europe/Lisbon", t(0), t(1, 30), 30) == [z(day, 0), z(day, 0, 30)]


def test_lisbon_fall_back_gives_each_wall_time_once_at_its_first_occurrence():
    day = LISBON_AUTUMN
    eve = day - dt.timedelta(days=1)
    got = dst(day, "Europe/Lisbon", t(0), t(3), 30)
    # 00:00/00:30 WEST = 23:00/23:30 UTC the day before; 01:00/01:30 WEST (first occurrence) =
    # 00:00/00:30 UTC; 02:00/02:30 WET = 02:00/02:30 UTC. 01:00/01:30 WET are not grid slots.
    assert got == [z(eve, 23), z(eve, 23, 30), z(day, 0), z(day, 0, 30), z(day, 2), z(day, 2, 30)]


def test_lisbon_fall_back_durations_are_real_minutes():
    day = LISBON_AUTUMN
    eve = day - dt.timedelta(days=1)
    got = dst(day, "Europe/Lisbon", t(0), t(3), 90)
    # 01:30 WEST + 90 min = 02:00 WET (02:00 UTC); 02:00 WET + 90 min ends after 03:00 WET.
    assert got == [z(eve, 23), z(eve, 23, 30), z(day, 0), z(day, 0, 30)]


def test_new_york_spring_forward():
    day = NY_SPRING
    # 01:00, 01:30 EST (UTC-5); 02:00, 02:30 do not exist; 03:00, 03:30 EDT (UTC-4).
    got = dst(day, "America/New_York", t(1), t(4), 30)
    assert got == [z(day, 6), z(day, 6, 30), z(day, 7), z(day, 7, 30)]
    got = dst(day, "America/New_York", t(1), t(4), 60)
    assert got == [z(day, 6), z(day, 6, 30), z(day, 7)]  # 01:30 EST + 60 min = 03:30 EDT


def test_new_york_offset_changes_between_days():
    result = availability(
        hours={d: [(t(9), t(10))] for d in range(7)},
        timezone="America/New_York",
        slot_interval=60,
        duration=60,
        start=NY_SPRING - dt.timedelta(days=1),
        end=NY_SPRING + dt.timedelta(days=1),
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    eve, day, after = NY_SPRING - dt.timedelta(days=1), NY_SPRING, NY_SPRING + dt.timedelta(days=1)
    assert result.slots == {
        (eve, 1): [z(eve, 14)],
        (day, 1): [z(day, 13)],
        (after, 1): [z(after, 13)],
    }


def test_new_york_fall_back():
    day = NY_AUTUMN
    # 00:00, 00:30, 01:00, 01:30 EDT (UTC-4; 01:xx's first occurrence); 02:00, 02:30 EST (UTC-5).
    got = dst(day, "America/New_York", t(0), t(3), 30)
    assert got == [z(day, 4), z(day, 4, 30), z(day, 5), z(day, 5, 30), z(day, 7), z(day, 7, 30)]
    assert len(set(got)) == len(got)


def test_new_york_fall_back_interval_starting_at_an_ambiguous_time():
    day = NY_AUTUMN
    # 01:30 EDT (05:30 UTC) to 02:30 EST (07:30 UTC): two real hours, wall grid 01:30, 02:00.
    assert dst(day, "America/New_York", t(1, 30), t(2, 30), 30) == [z(day, 5, 30), z(day, 7)]
    assert dst(day, "America/New_York", t(1, 30), t(2, 30), 60) == [z(day, 5, 30)]


def test_sao_paulo_has_no_dst():
    # Normal day: UTC-3.
    assert dst(MON, "America/Sao_Paulo", t(9), t(10), 30) == [z(MON, 12), z(MON, 12, 30)]
    # First Sunday of November: the clocks used to jump at midnight until 2019; now nothing.
    day = dt.date(2026, 11, 1)
    assert dst(day, "America/Sao_Paulo", t(0), t(2), 60, slot_interval=60) == [
        z(day, 3),
        z(day, 4),
    ]


def test_utc_timezone():
    assert dst(MON, "UTC", t(9), t(10), 30) == [z(MON, 9), z(MON, 9, 30)]
