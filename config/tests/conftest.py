"""A real Celery worker (subprocess) against the test Redis, for the tests that need one."""

import pytest

from config.tests.workers import running_worker


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup):
    """`celery worker` (solo pool, default queue) on the test database, answering pings."""
    with running_worker(name="test") as worker:
        yield worker.process
