"""A real Celery worker (subprocess) against the test Redis, for the tests that need one."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
WORKER_START_TIMEOUT = 30.0


def _worker_stderr(stderr_file) -> str:
    stderr_file.flush()
    stderr_file.seek(0)
    return stderr_file.read().decode(errors="replace")[-4000:]


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup):
    """Start `celery worker` (solo pool) on the test database and wait until it answers a ping."""
    from django.db import connection

    from config.celery import app

    # Our own node only: another test run's worker on the same broker must not pass for ours.
    node = f"test-{os.getpid()}@{socket.gethostname()}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # Tasks it may pick up (sends queued on commit) work on the test database, not the dev one.
        "DATABASE_URL": (
            f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "-l",
        "warning",
        "--without-gossip",
        "--without-mingle",
        "-n",
        node,
    ]
    # A file, not a pipe: a worker that logs a lot must never block on a full pipe buffer.
    with tempfile.TemporaryFile() as stderr_file:
        process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr_file,
        )
        try:
            deadline = time.monotonic() + WORKER_START_TIMEOUT
            last_error = None
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"Celery worker exited with code {process.returncode}:\n"
                        + _worker_stderr(stderr_file)
                    )
                try:
                    if app.control.ping(destination=[node], timeout=0.5):
                        break
                except Exception as exc:  # the broker itself may refuse; keep trying till the end
                    last_error = f"{type(exc).__name__}: {exc}"
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"Celery worker did not answer a ping within {WORKER_START_TIMEOUT:.0f}"
                        f" s (last ping error: {last_error}); its stderr:\n"
                        + _worker_stderr(stderr_file)
                    )
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
