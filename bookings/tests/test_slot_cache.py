"""The public day-and-times page's cached slots: a change shows at once, never a stale time."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings import services, slot_cache
from bookings.models import Client
from bookings.tests.test_public import QUOTE, TZ, _day, _start
from bookings.tests.test_public import shop as shop
from scheduling import services as scheduling_services
from scheduling.models import BusinessSettings
from scheduling.slot_version import VERSION_KEY, slots_version

HTMX = {"HTTP_HX_REQUEST": "true"}


def _link(start: dt.datetime) -> str:
    return start.astimezone(dt.UTC).isoformat().translate(QUOTE)


def _page(alpha_client, shop, day, who="rafa") -> str:
    who = "any" if who == "any" else shop[who].pk
    response = alpha_client.get(f"/book/{shop['cut'].pk}/{who}/?date={day.isoformat()}", **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def _queries(alpha_client, shop, day, who="rafa") -> int:
    with CaptureQueriesContext(connection) as queries:
        _page(alpha_client, shop, day, who)
    return len(queries)


def test_a_booking_takes_its_time_off_the_cached_page_at_once(shop, alpha_client):
    day = _day(3)
    ten = _start(day, 10)
    assert _link(ten) in _page(alpha_client, shop, day)  # computed and cached
    assert _link(ten) in _page(alpha_client, shop, day)  # from the cache
    client = Client.objects.create(name="Ana", phone="+5511988887777")
    services.booking_create(service=shop["cut"], start=ten, client=client, resource=shop["rafa"])
    assert _link(ten) not in _page(alpha_client, shop, day)
    # "Any professional" still has 10:00 (Bia is free); with Bia taken too, it is gone.
    assert _link(ten) in _page(alpha_client, shop, day, "any")
    services.booking_create(service=shop["cut"], start=ten, client=client, resource=shop["bia"])
    assert _link(ten) not in _page(alpha_client, shop, day, "any")


def test_a_cancelled_booking_gives_its_time_back_at_once(shop, alpha_client):
    day = _day(4)
    ten = _start(day, 10)
    client = Client.objects.create(name="Ana", phone="+5511988887777")
    booking = services.booking_create(
        service=shop["cut"], start=ten, client=client, resource=shop["rafa"]
    )
    assert _link(ten) not in _page(alpha_client, shop, day)
    services.booking_cancel(booking=booking, reason="")
    assert _link(ten) in _page(alpha_client, shop, day)


def test_hours_changed_show_at_once(shop, alpha_client):
    day = _day(3)
    five_pm = _start(day, 17)
    assert _link(five_pm) in _page(alpha_client, shop, day)
    # Rafa's own week ends at 12:00 (bulk_create: no post_save; the service bumps itself).
    week = {weekday: [(dt.time(9), dt.time(12))] for weekday in range(7)}
    scheduling_services.hours_set_week(resource=shop["rafa"], week=week)
    page = _page(alpha_client, shop, day)
    assert _link(five_pm) not in page and _link(_start(day, 11)) in page
    scheduling_services.hours_reset(resource=shop["rafa"])
    assert _link(five_pm) in _page(alpha_client, shop, day)


def test_time_off_shows_at_once_and_its_removal_too(shop, alpha_client):
    day = _day(3)
    ten = _start(day, 10)
    assert _link(ten) in _page(alpha_client, shop, day)
    off = scheduling_services.time_off_create(
        resource=shop["rafa"], start=_start(day, 9), end=_start(day, 12)
    )
    assert _link(ten) not in _page(alpha_client, shop, day)
    scheduling_services.time_off_delete(time_off=off)
    assert _link(ten) in _page(alpha_client, shop, day)


def test_service_and_settings_changes_show_at_once(shop, alpha_client):
    day = _day(3)
    half_past = _start(day, 10, 30)
    assert _link(half_past) in _page(alpha_client, shop, day)
    business = BusinessSettings.load()
    business.slot_interval = 60
    business.save()
    assert _link(half_past) not in _page(alpha_client, shop, day)
    shop["cut"].duration_minutes = 120
    shop["cut"].save()
    assert _link(_start(day, 17)) not in _page(alpha_client, shop, day)  # 17:00 + 2 h > 18:00


def test_the_version_is_bumped_again_when_the_booking_commits(
    shop, django_capture_on_commit_callbacks
):
    before = slots_version()
    client = Client.objects.create(name="Ana", phone="+5511988887777")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.booking_create(service=shop["cut"], start=_start(_day(3), 10), client=client)
        during = slots_version()
        # What a reader computes now from the state before the commit is left behind
        # by the bump at commit.
    assert before < during < slots_version()
    assert len(callbacks) >= 1


def test_the_cached_days_are_read_in_the_request_s_own_window(shop):
    """A day cached earlier in the day never offers a time that has since become too soon."""
    day = _day(1)
    business = BusinessSettings.load()
    kwargs = dict(service=shop["cut"], start_date=day, end_date=day, resource_ids=[shop["rafa"].pk])
    early = dt.datetime.combine(day, dt.time(6), TZ)
    page = slot_cache.slot_page(**kwargs, business=business, now=early)
    assert page.starts(day)[0] == _start(day, 9)
    later = dt.datetime.combine(day, dt.time(12, 10), TZ)  # notice 60 min: 13:30 the first
    with CaptureQueriesContext(connection) as queries:
        page = slot_cache.slot_page(**kwargs, business=business, now=later)
    assert len(queries) == 0  # the cached day
    assert page.starts(day)[0] == _start(day, 13, 30)
    assert page.slots.get((day, shop["rafa"].pk))[0] == _start(day, 13, 30)
    # The advance window too: 30 days ahead of "now" the day is out of reach.
    far = dt.datetime.combine(day - dt.timedelta(days=31), dt.time(12), TZ)
    assert slot_cache.slot_page(**kwargs, business=business, now=far).days() == []


def test_without_redis_the_slots_are_computed_every_time(shop, monkeypatch):
    monkeypatch.setattr(slot_cache, "slots_version", lambda: None)
    day = _day(2)
    business = BusinessSettings.load()
    page = slot_cache.slot_page(
        service=shop["cut"],
        start_date=day,
        end_date=day,
        resource_ids=[shop["rafa"].pk],
        business=business,
    )
    assert page.days() == [day]
    assert not [key for key in cache._cache.get_client().keys("*slots:*")]


@pytest.mark.parametrize("who", ["rafa", "any"])
def test_the_day_page_s_queries_are_pinned(shop, alpha_client, who, django_assert_num_queries):
    day = _day(3)
    client = Client.objects.create(name="Ana", phone="+5511988887777")
    for hour in (10, 11, 14):
        services.booking_create(
            service=shop["cut"], start=_start(day, hour), client=client, resource=shop["rafa"]
        )
    _page(alpha_client, shop, day, who)  # the first request of a process looks up the tenant
    cache.incr(VERSION_KEY)  # as any change does: nothing cached for the new version
    # Cold: the page's own reads, the bookings, the eligible resources, hours with time off.
    with django_assert_num_queries(COLD):
        _page(alpha_client, shop, day, who)
    # Warm: no availability query at all.
    with django_assert_num_queries(COLD - 3):
        _page(alpha_client, shop, day, who)


COLD = 8


def test_the_version_lives_under_the_business_s_schema(shop):
    version = slots_version()
    assert cache.get(VERSION_KEY) == version
    # The key function puts the schema in every key (TRAPS #8): one version per business.
    assert any(
        connection.schema_name in key.decode()
        for key in cache._cache.get_client().keys(f"*{VERSION_KEY}")
    )


def test_the_services_page_knows_at_once_when_nothing_can_be_booked(shop, alpha_client):
    assert "Cut" in alpha_client.get("/").content.decode()
    with CaptureQueriesContext(connection) as warm:
        assert "Cut" in alpha_client.get("/").content.decode()
    assert not [q for q in warm.captured_queries if "scheduling_weeklyhours" in q["sql"]]
    for resource in (shop["rafa"], shop["bia"]):
        scheduling_services.resource_set_active(resource=resource, active=False)
    assert "Cut" not in alpha_client.get("/").content.decode()
    scheduling_services.resource_set_active(resource=shop["bia"], active=True)
    assert "Cut" in alpha_client.get("/").content.decode()


def test_the_services_list_is_cached_and_every_change_to_it_shows_at_once(shop, alpha_client):
    from scheduling.models import ServiceCategory
    from scheduling.tests.factories import ServiceFactory

    assert "Cut" in alpha_client.get("/").content.decode()
    with CaptureQueriesContext(connection) as warm:
        assert "Cut" in alpha_client.get("/").content.decode()
    assert not [q for q in warm.captured_queries if "scheduling_service" in q["sql"]]

    cut = shop["cut"]
    cut.name = "Short cut"
    cut.save()
    assert "Short cut" in alpha_client.get("/").content.decode()
    ServiceFactory(name="Beard", performers=[shop["rafa"]])
    assert "Beard" in alpha_client.get("/").content.decode()
    category = ServiceCategory.objects.create(name="Hair")
    cut.category = category
    cut.save()
    assert "Hair" in alpha_client.get("/").content.decode()
    category.name = "Hair and beard"
    category.save()
    assert "Hair and beard" in alpha_client.get("/").content.decode()
    shop["rafa"].services.remove(cut.pk)
    shop["bia"].services.remove(cut.pk)
    assert "Short cut" not in alpha_client.get("/").content.decode()
    # A search asks the database, not the cache.
    assert "Beard" in alpha_client.get("/?q=beard").content.decode()


def test_the_services_page_s_queries_are_pinned(shop, alpha_client, django_assert_max_num_queries):
    alpha_client.get("/")  # fills the cache
    # The search path, the business's settings and the plan's bookings this month; the list and
    # "can clients book" come from the cache.
    with django_assert_max_num_queries(3):
        assert "Cut" in alpha_client.get("/").content.decode()
