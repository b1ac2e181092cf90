"""Faults, on servers of the test's own (config/tests/local_servers.py), each bounded in time.

PostgreSQL restarted under load: a project-local cluster, migrated with the demo business, serves
a real gunicorn (two workers that keep their connections, CONN_MAX_AGE) while clients keep asking
for pages; the cluster is stopped and started again. While it is down every request gets the 503
page with Retry-After (config/outages.py), never a 500; once it is back no request fails, because
CONN_HEALTH_CHECKS replaces each worker's dead connection before using it (TRAPS #14).

Redis stopped: the cache fails open and the hand-over to a worker is given up (the outbox keeps
the message), so the booking pages and a booking keep working; once Redis is back a real worker
and the beat's `dispatch_all` send the waiting message, once. The SIGKILL and lost-broker delivery
tests live in notifications/tests (test_integration.py, test_sending.py).
"""

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings

from config.tests.local_servers import get, gunicorn, local_postgres, manage

DEMO_HOST = "demo.localhost"
PLATFORM_HOST = "localhost"
OUTAGE_SECONDS = 2.0  # how long PostgreSQL stays down
AFTER_SECONDS = 3.0  # how long the clients go on once it is back
CLIENTS = 4


@dataclass(frozen=True)
class Answer:
    phase: str  # when the request was sent: before, down, restarting, back
    host: str
    path: str
    status: int
    retry_after: str | None
    body: str


def _web_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        # The cache (and any broker use) on the test run's own Redis database.
        "TEST_REDIS_URL": django_settings.REDIS_URL,
        "DEMO_PASSWORD": "faults-demo-password",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="module")
def demo_site():
    """A local cluster with the platform and the demo business, and gunicorn serving it."""
    with local_postgres() as cluster:
        cluster.create_database("agendo")
        env = _web_env(cluster.url("agendo"))
        manage(env, "migrate_schemas", "--shared", "-v", "0")
        manage(env, "seed_demo", timeout=120)

        def ready(port: int) -> bool:
            try:
                return get(port, "/", DEMO_HOST)[0] == 200
            except OSError:
                return False

        with gunicorn(env, workers=2, ready=ready) as (port, log):
            yield cluster, port, log


def _paths(port: int) -> list[tuple[str, str]]:
    """The demo's booking page, a service's first step, the login page and the platform's home."""
    status, _, page = get(port, "/", DEMO_HOST)
    assert status == 200
    first_service = page.split('href="/book/', 1)[1].split('"', 1)[0]
    return [
        (DEMO_HOST, "/"),
        (DEMO_HOST, f"/book/{first_service}"),
        (DEMO_HOST, "/accounts/login/"),
        (PLATFORM_HOST, "/"),
    ]


def test_postgres_restarted_under_load_gives_503_while_down_and_no_5xx_after(demo_site):
    cluster, port, server_log = demo_site
    paths = _paths(port)
    phase = "before"
    answers: list[Answer] = []
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def client(number: int) -> None:
        i = number
        while not stop.is_set():
            host, path = paths[i % len(paths)]
            i += 1
            sent_in = phase
            try:
                status, headers, body = get(port, path, host)
            except OSError as exc:  # the web server itself must never stop answering
                with lock:
                    errors.append(f"{host}{path} ({sent_in}): {exc!r}")
                continue
            with lock:
                answers.append(
                    Answer(sent_in, host, path, status, headers.get("Retry-After"), body)
                )

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        cluster.stop("fast")  # ends every server connection the web workers hold
        phase = "down"
        time.sleep(OUTAGE_SECONDS)
        phase = "restarting"
        cluster.start()  # returns once it accepts connections
        phase = "back"
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)

    by_phase = Counter((a.phase, a.status) for a in answers)
    by_page = Counter((a.phase, a.host + a.path, a.status) for a in answers)
    report = f"by (phase, status): {dict(by_phase)}; by page: {dict(by_page)}; errors: {errors[:5]}"
    assert errors == [], report
    # Never a 500 (nor any other 5xx than the outage's 503), in any phase.
    assert {a.status for a in answers} <= {200, 503}, report + "\n" + server_log()[-3000:]
    # (A request sent just before the stop may be answered during it: a 503 then.)
    assert by_phase["before", 200] >= 4, report
    # The business's pages need the database: while it is down they say so. (The platform's
    # home needs none while its host's tenant is remembered, and may go on answering 200.)
    down = [a for a in answers if a.phase == "down" and a.host == DEMO_HOST]
    assert len(down) >= 10, report  # the clients kept asking during the outage...
    assert all(a.status == 503 for a in down), report  # ...and were told to come back
    assert all(a.retry_after == "30" for a in down)
    assert all("back in a moment" in a.body for a in down)
    back = [a for a in answers if a.phase == "back"]
    assert len(back) >= 10, report
    assert all(a.status == 200 for a in back), report  # 0 × 5xx once it is back
    # The pages are the real ones again, not the outage page.
    assert all("back in a moment" not in a.body for a in back)
