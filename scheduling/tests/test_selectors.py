"""`availability_compute`: the database side of availability (tenant alpha's schema)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import BusinessSettings, Resource, Service, TimeOff, WeeklyHours
from scheduling.selectors import availability_compute

MON = dt.date(2026, 6, 1)
TUE = dt.date(2026, 6, 2)
NOW = dt.datetime(2026, 5, 31, 15, tzinfo=dt.UTC)  # Sunday 12:00 in São Paulo


def sp(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A São Paulo wall time (UTC-3 all year) as a UTC instant."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC) + dt.timedelta(
        hours=3
    )


@pytest.fixture
def business(alpha):
    WeeklyHours.objects.all().delete()
    TimeOff.objects.all().delete()
    business = BusinessSettings.load()
    business.timezone = "America/Sao_Paulo"
    business.slot_interval = 30
    business.min_notice_minutes = 60
    business.max_advance_days = 30
    business.save()
    for weekday in range(6):  # Monday to Saturday, lunch 12-13
        WeeklyHours.objects.create(weekday=weekday, start=dt.time(9), end=dt.time(12))
        WeeklyHours.objects.create(weekday=weekday, start=dt.time(13), end=dt.time(15))
    return business


@pytest.fixture
def service(business):
    return Service.objects.create(name="Haircut", duration_minutes=60)


def resource(name: str, service: Service | None = None, **fields) -> Resource:
    obj = Resource.objects.create(name=name, **fields)
    if service is not None:
        service.resources.add(obj)
    return obj


def test_slots_for_a_small_setup(service):
    ana = resource("Ana", service)  # business hours
    bia = resource("Bia", service)  # own hours: Monday afternoon only
    WeeklyHours.objects.create(resource=bia, weekday=0, start=dt.time(14), end=dt.time(16))
    TimeOff.objects.create(resource=ana, start=sp(MON, 10), end=sp(MON, 11), reason="Dentist")
    # The whole business closes on Tuesday afternoon.
    TimeOff.objects.create(start=sp(TUE, 12), end=sp(TUE, 23), reason="Training")

    result = availability_compute(
        service=service,
        start_date=MON,
        end_date=TUE,
        busy=[(bia.pk, sp(MON, 14), sp(MON, 15))],
        now=NOW,
    )

    assert result.slots == {
        (MON, ana.pk): [sp(MON, 9), sp(MON, 11), sp(MON, 13), sp(MON, 13, 30), sp(MON, 14)],
        (MON, bia.pk): [sp(MON, 15)],
        (TUE, ana.pk): [sp(TUE, 9), sp(TUE, 9, 30), sp(TUE, 10), sp(TUE, 10, 30), sp(TUE, 11)],
    }
    assert result.days() == [MON, TUE]


def test_minimum_notice_and_settings_passed_in(business, service):
    ana = resource("Ana", service)
    result = availability_compute(
        service=service,
        start_date=MON,
        end_date=MON,
        now=sp(MON, 9, 10),  # notice 60 min: 10:10 at the earliest
        business=business,
    )
    assert result.slots == {
        (MON, ana.pk): [sp(MON, 10, 30), sp(MON, 11), sp(MON, 13), sp(MON, 13, 30), sp(MON, 14)]
    }


def test_resource_not_linked_to_the_service_gets_no_slots(service):
    ana = resource("Ana", service)
    other = resource("Other")  # performs other services only
    result = availability_compute(service=service, start_date=MON, end_date=MON, now=NOW)
    assert {rid for _, rid in result.slots} == {ana.pk}
    only_other = availability_compute(
        service=service, start_date=MON, end_date=MON, resource_ids=[other.pk], now=NOW
    )
    assert only_other.slots == {}


def test_inactive_resource_gets_no_slots(service):
    ana = resource("Ana", service)
    resource("Away", service, is_active=False)
    result = availability_compute(service=service, start_date=MON, end_date=MON, now=NOW)
    assert {rid for _, rid in result.slots} == {ana.pk}


def test_resource_ids_narrow_the_choice(service):
    resource("Ana", service)
    bia = resource("Bia", service)
    result = availability_compute(
        service=service, start_date=MON, end_date=MON, resource_ids=[bia.pk], now=NOW
    )
    assert {rid for _, rid in result.slots} == {bia.pk}


def busy_intervals(resources: list[Resource], count: int) -> list[tuple]:
    """`count` 30-minute busy spans spread over the resources and the month's mornings."""
    out = []
    for i in range(count):
        day = MON + dt.timedelta(days=i % 30)
        start = sp(day, 9) + dt.timedelta(minutes=30 * (i // 30 % 6))
        out.append((resources[i % len(resources)].pk, start, start + dt.timedelta(minutes=30)))
    return out


@pytest.mark.parametrize(("resources", "busy"), [(1, 1), (8, 500)])
def test_query_count_does_not_depend_on_resources_or_busy_intervals(
    service, django_assert_num_queries, resources, busy
):
    team = [resource(f"R{i}", service) for i in range(resources)]
    TimeOff.objects.create(resource=team[0], start=sp(MON, 9), end=sp(MON, 10))
    WeeklyHours.objects.create(resource=team[-1], weekday=0, start=dt.time(8), end=dt.time(18))
    intervals = busy_intervals(team, busy)
    end = MON + dt.timedelta(days=29)

    with django_assert_num_queries(3):  # settings, resources, weekly hours and time off (one)
        result = availability_compute(
            service=service, start_date=MON, end_date=end, busy=intervals, now=NOW
        )

    assert {rid for _, rid in result.slots} == {r.pk for r in team}
    for rid, start, finish in intervals:
        for (_, slot_rid), starts in result.slots.items():
            if slot_rid == rid:
                assert not any(s < finish and start < s + dt.timedelta(minutes=60) for s in starts)


# --- resource_working_intervals: the calendar's working time, read as the engine reads it ------


def test_working_intervals_own_hours_replace_the_business_s_and_time_off_is_cut_out(
    business, django_assert_num_queries
):
    from scheduling.selectors import resource_working_intervals

    ana, bia, caio = resource("Ana"), resource("Bia"), resource("Caio")
    WeeklyHours.objects.create(resource=bia, weekday=0, start=dt.time(14), end=dt.time(16))
    WeeklyHours.objects.create(resource=caio, weekday=1, start=dt.time(8), end=dt.time(9))
    TimeOff.objects.create(resource=ana, start=sp(MON, 10), end=sp(MON, 10, 30))
    TimeOff.objects.create(start=sp(MON, 13, 30), end=sp(MON, 14, 30))  # the whole business
    TimeOff.objects.create(resource=bia, start=sp(TUE, 9), end=sp(TUE, 18))  # another day

    with django_assert_num_queries(1):
        working = resource_working_intervals(
            day=MON, resource_ids=[ana.pk, bia.pk, caio.pk], business=business
        )
    assert working == {
        ana.pk: [
            (sp(MON, 9), sp(MON, 10)),
            (sp(MON, 10, 30), sp(MON, 12)),
            (sp(MON, 13), sp(MON, 13, 30)),
            (sp(MON, 14, 30), sp(MON, 15)),
        ],
        bia.pk: [(sp(MON, 14, 30), sp(MON, 16))],
        caio.pk: [],  # own hours on Tuesday only: closed on Monday
    }


def test_working_intervals_on_a_spring_forward_day(alpha):
    from scheduling.availability import ResourceSchedule, working_intervals

    lisbon = dt.date(2026, 3, 29)  # 01:00 becomes 02:00
    hours = {6: [(dt.time(0, 30), dt.time(3))]}
    [(start, end)] = working_intervals(
        timezone="Europe/Lisbon",
        business_hours=hours,
        business_time_off=(),
        resources=[ResourceSchedule(id=1)],
        day=lisbon,
    )[1]
    assert (start, end) == (
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 2, tzinfo=dt.UTC),  # 03:00 WEST: 90 real minutes, not 150
    )


def test_open_minutes_over_weeks_with_time_off_and_a_clock_change(alpha):
    """Ordinary days reuse their weekday's figure; a day with time off or a clock change not."""
    from scheduling.selectors import resource_open_minutes
    from scheduling.tests.factories import ResourceFactory, TimeOffFactory

    business = BusinessSettings.load()
    business.timezone = "Europe/Lisbon"  # clocks go forward at 01:00 on Sunday 29 March 2026
    business.save()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(weekday=d, start=dt.time(0), end=dt.time(6)) for d in range(7)
    )
    chair = ResourceFactory()
    lisbon = ZoneInfo("Europe/Lisbon")
    TimeOffFactory(  # the first Wednesday only
        resource=chair,
        start=dt.datetime(2026, 3, 25, 1, tzinfo=lisbon),
        end=dt.datetime(2026, 3, 25, 3, tzinfo=lisbon),
    )
    minutes = resource_open_minutes(
        start_date=dt.date(2026, 3, 22),  # three Sundays: 22 and 5 April ordinary, 29 short
        end_date=dt.date(2026, 4, 5),
        resource_ids=[chair.pk],
        business=business,
    )
    assert minutes[chair.pk] == 15 * 360 - 60 - 120
