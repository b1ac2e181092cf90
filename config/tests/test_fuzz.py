"""Property-based fuzz: every URL pattern of both URL confs, hostile paths, queries and forms.

Whoever asks (anonymous, staff, owner on a business's host; anonymous and an operator on the
platform's), whatever the path's converters are filled with and whatever the query string or
form body holds (NUL, huge numbers, the calendar's ends, impossible dates and offsets, very long
and non-Latin text), no answer is a 5xx (G3 item 2). Two passes: a walk that visits every
pattern with every role once, then Hypothesis drawing patterns, values and fields at random.

Every request runs in a savepoint of the test's transaction, so a write one request makes (or a
database error) never leaks into the next. `FUZZ_EXAMPLES` raises the random pass's budget.
"""

import datetime as dt
import os
import re
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.tests.factories import OwnerFactory, UserFactory
from bookings.tests.factories import BookingFactory
from conftest import PLATFORM_HOST
from scheduling.models import WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory, TimeOffFactory

TENANT_HOST = "alpha.localhost"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "9999-12-31",
    "0001-01-01",
    "2030-02-30",
    "2030-13-01",
    "99999-01-01",
    "2030-02-30T10:00:00+00:00",
    "2030-03-01T10:00:00+99:00",
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00-03:00",
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-14:00",
    "24:00",
    "25:61",
    "00:00",
    "x" * 5000,
    "é中文😀\u202e",
    "%",
    "%zz",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "[]",
    "{}",
    "\r\nSet-Cookie: x=1",
    "any",
    "yes",
    "on",
]
# The walk leaves NUL out (the guard answers it before any view: test_hostile_input.py).
WALK_VALUES = [value for value in HOSTILE if "\x00" not in value]
# Names the views and forms read, plus a few nobody reads.
FIELDS = (
    "date from start view resource service booking wanted_time time client q tag active vip page "
    "when status date_from date_to kind channel action reason name phone email notes consent "
    "idem website confirmed override override_time internal_notes client_name client_phone "
    "client_email role next body subject duration_minutes price buffer_before_minutes "
    "buffer_after_minutes is_public is_active resources services category user color order "
    "weekday end timezone slot_interval min_notice_minutes max_advance_days business_type skip "
    "login password password1 password2 code remember hub.mode hub.verify_token hub.challenge "
    "add_attribute remove_attribute via recipient token key o p e _changelist_filters "
    "mon-0-start mon-0-end form-TOTAL_FORMS form-INITIAL_FORMS form-0-name unknown"
).split()

_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")


@dataclass(frozen=True)
class Route:
    template: str  # the path with {name} where a converter or group goes
    names: tuple[str, ...]

    def fill(self, values: dict[str, str]) -> str:
        path = self.template
        for name in self.names:
            path = path.replace("{" + name + "}", quote(values[name], safe=""), 1)
        return "/" + path


def _routes(urlconf: str) -> list[Route]:
    """Every URL pattern of `urlconf`, included ones too, as a template to fill."""

    def walk(patterns, prefix: str):
        for entry in patterns:
            pattern = entry.pattern
            if isinstance(pattern, RoutePattern):
                part = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
            elif isinstance(pattern, RegexPattern):
                part = _GROUP.sub(r"{\1}", str(pattern)).replace("^", "").replace("$", "")
            else:  # pragma: no cover - Django has no other kind
                raise AssertionError(pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + part)
            elif isinstance(entry, URLPattern):
                yield prefix + part

    templates = sorted(set(walk(get_resolver(urlconf).url_patterns, "")))
    return [Route(t, tuple(re.findall(r"\{(\w+)\}", t))) for t in templates]


TENANT_ROUTES = _routes("config.urls_tenants")
PUBLIC_ROUTES = _routes("config.urls_public")


@pytest.fixture
def world(alpha):
    """A business with something behind every id: a booking, client, message, time off..."""
    owner, staff = OwnerFactory(), UserFactory()
    rafa = ResourceFactory(name="Rafa", user=staff)
    cut = ServiceFactory(name="Cut", performers=[rafa])
    WeeklyHours.objects.create(weekday=1, start=dt.time(9), end=dt.time(18))
    booking = BookingFactory(service=cut, resource=rafa)
    TimeOffFactory(resource=rafa)
    tuesday = dt.date.today() + dt.timedelta(days=(1 - dt.date.today().weekday()) % 7 + 7)
    slot = dt.datetime.combine(tuesday, dt.time(10), zoneinfo.ZoneInfo("America/Sao_Paulo"))
    bases = {
        f"/book/{cut.pk}/any/details/": {
            "name": "Paula",
            "phone": "(11) 98765-4321",
            "email": "p@example.com",
            "notes": "",
            "consent": "on",
            "start": slot.isoformat(),
            "idem": "fuzz-1",
        },
        f"/manage/{booking.manage_token}/": {"action": "reschedule", "start": slot.isoformat()},
        "/app/bookings/new/": {
            "client": str(booking.client_id),
            "service": str(cut.pk),
            "resource": str(rafa.pk),
            "date": tuesday.isoformat(),
            "start": slot.isoformat(),
        },
        f"/app/bookings/{booking.reference}/reschedule/": {
            "date": tuesday.isoformat(),
            "start": slot.isoformat(),
            "resource": str(rafa.pk),
        },
        "/app/bookings/slots/": {
            "service": str(cut.pk),
            "resource": str(rafa.pk),
            "date": tuesday.isoformat(),
        },
        "/app/time-off/": {"start": "2030-01-01T10:00", "end": "2030-01-02T10:00", "reason": "x"},
        "/app/clients/new/": {"name": "Ana", "phone": "11987654322", "birth_date": "1990-01-01"},
        "/app/services/new/": {
            "name": "Beard",
            "duration_minutes": "30",
            "price": "10",
            "resources": str(rafa.pk),
        },
        "/app/calendar/": {"date": tuesday.isoformat(), "view": "week"},
        "/app/bookings/": {"date_from": tuesday.isoformat(), "when": "all", "status": ""},
        "/app/messages/": {"date_from": tuesday.isoformat(), "channel": "whatsapp"},
    }
    real = {
        "pk": [booking.client_id, rafa.pk, cut.pk, owner.pk, staff.pk],
        "service_id": [cut.pk],
        "who": ["any", str(rafa.pk)],
        "token": [booking.manage_token],
        "reference": [booking.reference],
        "action": ["confirm", "cancel", "complete", "no_show", "expire"],
        "kind": ["confirmation", "reminder"],
        "channel": ["whatsapp", "email"],
    }
    connection.set_schema_to_public()
    operator = User.objects.create_superuser(email="fuzz-root@agendo.test", password="x-Pass-2030")
    return {
        "owner": owner,
        "staff": staff,
        "operator": operator,
        "real": real,
        "bases": bases,
    }


def _client(world, role: str) -> Client:
    host = PLATFORM_HOST if role in ("platform", "operator") else TENANT_HOST
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    if role == "operator":
        client.force_login(world["operator"])
    elif role in ("staff", "owner"):
        with schema_context("alpha"):
            client.force_login(world[role])
    return client


def _ask(client: Client, method: str, path: str, params: dict) -> tuple[int, str]:
    """One request in a savepoint; its status and, for a 5xx, what went wrong."""
    savepoint = transaction.savepoint()
    try:
        response = client.get(path, params) if method == "GET" else client.post(path, params)
    finally:
        connection.set_schema_to_public()
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
        return response.status_code, repr(getattr(response, "exc_info", None))
    transaction.savepoint_commit(savepoint)
    return response.status_code, ""


ROLES = [
    ("anonymous", TENANT_ROUTES),
    ("staff", TENANT_ROUTES),
    ("owner", TENANT_ROUTES),
    ("platform", PUBLIC_ROUTES),
    ("operator", PUBLIC_ROUTES),
]


@pytest.mark.parametrize("role, routes", ROLES, ids=[r for r, _ in ROLES])
def test_every_pattern_answers_hostile_input_without_a_5xx(world, role, routes):
    """The walk: each pattern once per role, GET with a hostile query and POST with a hostile
    form, the values turning through the list so that each pattern meets different ones."""
    client = _client(world, role)
    failures, statuses = [], Counter()
    for n, route in enumerate(routes):
        values = {
            name: WALK_VALUES[(n + i) % len(WALK_VALUES)] for i, name in enumerate(route.names)
        }
        path = route.fill(values)
        params = {
            name: WALK_VALUES[(n * 7 + i) % len(WALK_VALUES)] for i, name in enumerate(FIELDS)
        }
        for method in ("GET", "POST"):
            status, error = _ask(client, method, path, params)
            statuses[status] += 1
            if status >= 500:
                failures.append((method, path[:120], status, error[:300]))
        # The same pattern with real ids, so the view gets past its lookups.
        real = {name: str(world["real"].get(name, ["1"])[0]) for name in route.names}
        for method in ("GET", "POST"):
            status, error = _ask(client, method, route.fill(real), params)
            statuses[status] += 1
            if status >= 500:
                failures.append((method, route.fill(real)[:120], status, error[:300]))
    print(role, sorted(statuses.items()))
    assert failures == []
    # The probes got past the doors: pages answered, forms were read and refused.
    assert statuses[200] > 5 if role != "anonymous" else statuses[302] > 5


_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
_value = st.one_of(
    st.sampled_from(HOSTILE),
    _text,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(dt.date.isoformat),
    st.datetimes(timezones=st.timezones()).map(dt.datetime.isoformat),
)
_params = st.dictionaries(st.one_of(st.sampled_from(FIELDS), _text), _value, max_size=8)


def _fuzz(world, role: str, routes: list[Route], data) -> None:
    route = data.draw(st.sampled_from(routes), label="route")
    real = world["real"]
    values = {
        name: data.draw(
            st.one_of(st.sampled_from([str(v) for v in real.get(name, ["1"])]), _value),
            label=name,
        )
        for name in route.names
    }
    method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
    params = data.draw(_params, label="params")
    status, error = _ask(_client(world, role), method, route.fill(values), params)
    assert status < 500, error


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing to remember between runs: each run explores afresh
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("role, routes", ROLES, ids=[r for r, _ in ROLES])
@FUZZ
@given(data=st.data())
def test_random_patterns_values_and_fields_never_answer_a_5xx(world, role, routes, data):
    _fuzz(world, role, routes, data)


BUSINESS_ROLES = ["anonymous", "staff", "owner"]


@pytest.mark.parametrize("role", BUSINESS_ROLES)
@FUZZ
@given(data=st.data())
def test_a_valid_form_with_one_hostile_field_never_answers_a_5xx(world, role, data):
    """Past the first refusal: a form that would pass, but for one field, reaches the code
    that reads what the form let through."""
    path = data.draw(st.sampled_from(sorted(world["bases"])), label="path")
    params = dict(world["bases"][path])
    for _ in range(data.draw(st.integers(min_value=1, max_value=2), label="fields")):
        name = data.draw(st.sampled_from(sorted(params)), label="field")
        params[name] = data.draw(_value, label=name)
    method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
    status, error = _ask(_client(world, role), method, path, params)
    assert status < 500, error


def test_the_walk_covers_both_url_confs():
    """A pattern added later is walked too: the lists come from the resolvers themselves."""
    templates = {route.template for route in TENANT_ROUTES}
    assert {"book/{service_id}/{who}/details/", "app/calendar/", "manage/{token}/"} <= templates
    assert "admin/" in {route.template for route in PUBLIC_ROUTES}
    assert len(TENANT_ROUTES) > 60 and len(PUBLIC_ROUTES) > 20
