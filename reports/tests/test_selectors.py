"""Each report figure on the small business of `world.py`, whose answers are known."""

import datetime as dt
from decimal import Decimal

import pytest

from bookings.models import Client
from reports import selectors
from reports.selectors import Period
from reports.tests import world

WEEK = Period(start=world.MONDAY, end=world.day(6), timezone="America/Sao_Paulo")


@pytest.fixture
def w(alpha):
    return world.build()


def _days(w, ids=None):
    return selectors.bookings_by_day(period=WEEK, resource_ids=ids, business=w["business"])


def test_bookings_by_day_and_status_count_on_the_local_day(w):
    days = {d.day: d for d in _days(w)}
    assert len(days) == 7
    monday = days[world.day(0)]
    # The 23:30 booking is Tuesday in UTC: it counts on Monday, the business's day.
    assert monday.statuses["completed"] == 1 and monday.statuses["confirmed"] == 1
    assert monday.total == 2
    assert days[world.day(1)].statuses["no_show"] == 1 and days[world.day(1)].total == 1
    assert days[world.day(2)].statuses["cancelled"] == 1
    assert days[world.day(4)].statuses["completed"] == 1
    assert days[world.day(6)].total == 0


def test_revenue_booked_and_recorded_by_local_day(w):
    days = {d.day: d for d in _days(w)}
    assert days[world.day(0)].booked_revenue == Decimal("130")  # 50 + (50 + 30)
    assert days[world.day(1)].booked_revenue == 0  # a no-show earns nothing booked
    assert days[world.day(4)].booked_revenue == Decimal("50")
    assert days[world.day(0)].recorded_revenue == Decimal("50")
    assert days[world.day(1)].recorded_revenue == Decimal("20")
    # Paid Friday 23:45 local (Saturday in UTC): Friday's; the refund is Saturday's.
    assert days[world.day(4)].recorded_revenue == Decimal("50")
    assert days[world.day(5)].recorded_revenue == Decimal("-10")


def test_rates_and_lead_time(w):
    summary = selectors.summary_of(_days(w))
    assert summary.bookings == 6
    assert summary.no_show_rate == pytest.approx(100 / 3)  # 1 of 2 completed + 1 no-show
    assert summary.late_cancelled == 1  # 2 h before; the other, 3 days before, was in time
    assert summary.late_cancellation_rate == pytest.approx(100 / 6)
    assert summary.average_lead_days == pytest.approx((2 + 1 + 1 + 4 + 3 + 1) / 6)
    assert summary.recorded_revenue == Decimal("110")
    assert summary.booked_revenue == Decimal("180")


def test_utilisation_counts_open_time_from_hours_less_time_off(w):
    rows = selectors.utilisation_by_resource(
        period=WEEK, resources=[w["a"], w["b"]], business=w["business"]
    )
    a, b = rows
    # Five days of 8 h; chair A is off Wednesday 09–13.
    assert a.open_minutes == 5 * 480 - 240
    assert b.open_minutes == 5 * 480
    assert a.booked_minutes == 30 + 50 + 30  # the cancelled ones hold nothing
    assert b.booked_minutes == 30  # a no-show held the chair
    assert a.rate == pytest.approx(110 / 2160 * 100)


def test_utilisation_of_one_day_with_time_off(w):
    wednesday = Period(start=world.day(2), end=world.day(2), timezone="America/Sao_Paulo")
    (a,) = selectors.utilisation_by_resource(
        period=wednesday, resources=[w["a"]], business=w["business"]
    )
    assert (a.open_minutes, a.booked_minutes, a.rate) == (240, 0, 0)


def test_top_services_count_each_service_of_a_booking(w):
    rows = selectors.top_services(period=WEEK, resource_ids=None)
    assert [(r["service__name"], r["count"], r["revenue"]) for r in rows] == [
        ("Cut", 4, Decimal("150")),
        ("Beard", 1, Decimal("30")),
    ]


def test_busy_hours_by_local_weekday_and_hour(w):
    grid = selectors.busy_hours(period=WEEK, resource_ids=None)
    assert grid[0][10] == 1 and grid[0][23] == 1  # Monday 10:00 and 23:30
    assert grid[1][11] == 1 and grid[4][9] == 1
    assert sum(map(sum, grid)) == 4  # cancelled ones are not busy


def test_new_and_returning_clients(w):
    assert selectors.new_and_returning(period=WEEK, resource_ids=None) == {
        "new": 3,
        "returning": 1,
    }


def test_an_empty_range_has_zeros_everywhere(w):
    empty = Period(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31), timezone=WEEK.timezone)
    days = selectors.bookings_by_day(period=empty, resource_ids=None, business=w["business"])
    summary = selectors.summary_of(days)
    assert len(days) == 31 and summary.bookings == 0 and summary.recorded_revenue == 0
    assert summary.no_show_rate is None and summary.average_lead_days is None
    assert selectors.top_services(period=empty, resource_ids=None) == []
    assert selectors.new_and_returning(period=empty, resource_ids=None) == {
        "new": 0,
        "returning": 0,
    }
    assert sum(map(sum, selectors.busy_hours(period=empty, resource_ids=None))) == 0


def test_staff_figures_are_their_own_resources_only(w):
    ids = [w["a"].pk]
    summary = selectors.summary_of(_days(w, ids))
    assert summary.bookings == 3  # bookings 1, 2 and 6
    assert summary.recorded_revenue == Decimal("90")  # 50 + 50 − 10: not chair B's 20
    assert summary.no_show_rate == 0
    assert selectors.new_and_returning(period=WEEK, resource_ids=ids) == {
        "new": 2,
        "returning": 1,
    }
    assert selectors.top_services(period=WEEK, resource_ids=[])[:1] == []


# --- Client analytics --------------------------------------------------------------------------

NOW = world.at(world.day(4), 18)  # Friday evening of the week


def _analytics(now=NOW, ids=None):
    return selectors.client_analytics(now=now, resource_ids=ids)


def test_client_overview(w):
    overview = _analytics().overview
    assert overview.total == 4 and overview.booked == 4
    # Client 1's only kept booking is Monday's; client 2's Monday's: all four booked lately.
    assert (overview.active, overview.lapsing, overview.inactive) == (4, 0, 0)
    assert dict(overview.frequency)[(1, 1)] == 1  # client 1: one visit
    assert dict(overview.frequency)[(2, 3)] == 1  # client 4: two
    assert dict(overview.frequency)[(13, None)] == 0
    assert overview.average_visits == pytest.approx(1.5)
    gap = (world.at(world.day(4), 9) - world.at(dt.date(2026, 2, 10), 10)).total_seconds()
    assert overview.average_days_between_visits == pytest.approx(gap / 86400)
    assert overview.lifetime_value_total == Decimal("110")
    assert overview.paying == 3
    assert overview.lifetime_value_average == Decimal("36.67")


def test_a_client_who_never_booked_is_inactive(w):
    Client.objects.create(name="Never", phone="+5511900000099")
    overview = _analytics().overview
    assert (overview.total, overview.booked, overview.inactive) == (5, 4, 1)


def test_lapsing_clients_and_activity_later(w):
    later = NOW + dt.timedelta(days=120)
    analytics = _analytics(later)
    overview = analytics.overview
    assert (overview.active, overview.lapsing, overview.inactive) == (0, 4, 0)
    assert [c.name for c in analytics.lapsing][:1] == ["Client 4"]  # the most visits first
    assert analytics.lapsing[0].lifetime_value == Decimal("40")
    assert _analytics(NOW + dt.timedelta(days=200)).overview.inactive == 4


def test_most_frequent_clients_with_their_favourites(w):
    (first, second) = _analytics().frequent
    assert (first.name, first.visits, first.lifetime_value) == ("Client 4", 2, Decimal("40"))
    assert (first.favourite_service, first.favourite_resource) == ("Cut", "Chair A")
    assert second.name == "Client 1"


def test_preferred_services_and_resources(w):
    services = selectors.preferred_services(resource_ids=None)
    assert [(r["service__name"], r["clients"], r["visits"]) for r in services] == [("Cut", 2, 3)]
    resources = _analytics().resources
    assert [(r["resource__name"], r["clients"], r["visits"]) for r in resources] == [
        ("Chair A", 2, 3)
    ]


def test_cohorts_by_month_of_first_booking(w):
    cohorts = {c.month: c for c in selectors.client_cohorts(
        now=NOW, timezone="America/Sao_Paulo", resource_ids=None
    )}  # fmt: skip
    february, march = cohorts[dt.date(2026, 2, 1)], cohorts[dt.date(2026, 3, 1)]
    assert february.size == 1 and february.returned == [1, 1]  # client 4 came back in March
    assert february.rate(1) == 100
    assert march.size == 3 and march.returned == [3]
    assert len(cohorts) == selectors.COHORT_MONTHS


def test_staff_client_analytics_count_their_resources_clients(w):
    ids = [w["a"].pk]
    analytics = _analytics(ids=ids)
    overview = analytics.overview
    assert overview.total == 3  # clients 1, 2 and 4 booked chair A; client 3 only chair B
    assert overview.lifetime_value_total == Decimal("90")
    assert [r["resource__name"] for r in analytics.resources] == ["Chair A"]
    assert [c.name for c in analytics.frequent] == ["Client 4", "Client 1"]
