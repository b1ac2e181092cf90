"""Fixtures of the API's tests: a business with a service, two resources and hours, its
members' keys, and a client that sends a key as a program would."""

import datetime as dt

import pytest
from django.test import Client

from accounts.tests.factories import AdminFactory, OwnerFactory, UserFactory
from api.services import api_key_create
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ResourceFactory, ServiceFactory, WeeklyHoursFactory

HOST = "alpha.localhost"


class ApiClient(Client):
    """A test client on a business's host that sends `Authorization: Bearer <token>`."""

    def __init__(self, token: str | None, host: str = HOST, **kwargs):
        headers = {"HTTP_HOST": host}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        super().__init__(**headers, **kwargs)

    def post_json(self, path: str, data=None, **extra):
        return self.post(path, data if data is not None else {}, content_type="application/json",
                         **extra)  # fmt: skip

    def patch_json(self, path: str, data, **extra):
        return self.patch(path, data, content_type="application/json", **extra)


def error_of(response) -> dict:
    """The error object of a refusal, checking the one shape every refusal has."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "field"}, body
    assert body["error"]["message"], body
    return body["error"]


@pytest.fixture
def world(alpha):
    """Alpha open Monday to Saturday 09–17 with two barbers who both cut hair."""
    business = BusinessSettings.load()
    business.min_notice_minutes = 0
    business.max_advance_days = 120
    business.slot_interval = 30
    business.save()
    ana = ResourceFactory(name="Ana", order=1)
    bia = ResourceFactory(name="Bia", order=2)
    for resource in (ana, bia):
        for weekday in range(6):
            WeeklyHoursFactory(
                resource=resource, weekday=weekday, start=dt.time(9), end=dt.time(17)
            )
    cut = ServiceFactory(name="Cut", duration_minutes=30, performers=[ana, bia])
    return {"ana": ana, "bia": bia, "cut": cut, "business": business}


@pytest.fixture
def owner(alpha):
    return OwnerFactory(email="owner@alpha.test")


@pytest.fixture
def admin(alpha):
    return AdminFactory(email="admin@alpha.test")


@pytest.fixture
def staff(alpha, world):
    member = UserFactory(email="staff@alpha.test")
    world["ana"].user = member
    world["ana"].save()
    return member


@pytest.fixture
def owner_token(owner):
    return api_key_create(name="Website", scopes=["read", "write"], created_by=owner)[1]


@pytest.fixture
def read_token(owner):
    return api_key_create(name="Reports", scopes=["read"], created_by=owner)[1]


@pytest.fixture
def staff_token(staff):
    return api_key_create(name="Ana's phone", scopes=["read", "write"], created_by=staff)[1]


@pytest.fixture
def api(owner_token, world):
    return ApiClient(owner_token)


def next_weekday(weekday: int = 1, weeks: int = 1) -> dt.date:
    """A date `weeks` weeks ahead on `weekday` (Monday = 0): always open, never past."""
    today = dt.date.today()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def local(day: dt.date, hour: int, minute: int = 0) -> str:
    """An ISO time at the business's (São Paulo, UTC−3) wall clock."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00-03:00"
