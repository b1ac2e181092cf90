"""Schemathesis over /api/v1/openapi.json: generated requests (valid and not) to every
operation, with a key that may read and write; no answer is a 500, and every answer matches
the schema (status documented, body valid, the error shape for refusals). Bounded examples."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.tests.conftest import HOST
from bookings.tests.factories import BookingFactory, ClientFactory


@pytest.fixture
def wsgi_app(world):
    # As Django's test client does: the requests run inside this test's transaction, so the
    # start or end of a request must not close the connection under it.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield WSGIHandler()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, owner_token, world):
    BookingFactory(service=world["cut"], resource=world["ana"])
    ClientFactory()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app, headers={"Host": HOST})


# Per operation and mode: 17 operations × 2 modes × this many cases stays well under a minute.
EXAMPLES = 15
# Rules no schema states refuse some schema-valid requests, by design, with a 422 in the error
# shape: a range of more than 62 days, date_to before date_from, a date outside 1970–2200, a
# time outside the opening hours. Every other check runs (no 5xx, status documented, bodies
# and headers as the schema says, invalid data refused).
EXCLUDED = [positive_data_acceptance]


def _nul_in_address(case) -> bool:
    values = [*(case.path_parameters or {}).values(), *(case.query or {}).values()]
    return any("\x00" in str(value) for value in values)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(api_schema, owner_token, mode):
    headers = {"Authorization": f"Bearer {owner_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            if _nul_in_address(case):
                # Refused for every host and path before any view (config/input_guard.py).
                assert case.call(base_url=f"http://{HOST}", headers=headers).status_code == 400
                return
            case.call_and_validate(
                base_url=f"http://{HOST}", headers=headers, excluded_checks=EXCLUDED
            )

        check()
