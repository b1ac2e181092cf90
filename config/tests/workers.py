"""Real Celery workers (subprocesses) on the test database and the test Redis, for the tests.

`start_worker(...)` starts one and returns once it answers a ping; `running_worker(...)` is the
same as a context manager that always stops it. Each worker runs in a process group of its own,
so `Worker.kill()` (SIGKILL) takes its pool children with it, like a machine that dies.
"""

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import quote

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
WORKER_START_TIMEOUT = 30.0
WORKER_SETTINGS = "config.tests.worker_settings"
# Always set for a test worker (overridable per worker, never inherited from the shell or .env):
# by default it can reach no WhatsApp API at all.
WORKER_ENV_DEFAULTS = {
    "WHATSAPP_API_BASE_URL": "http://127.0.0.1:9",
    "WHATSAPP_PHONE_NUMBER_ID": "",
    "WHATSAPP_ACCESS_TOKEN": "",
    "WHATSAPP_TIMEOUT_SECONDS": "2.0",
}
_numbers = itertools.count(1)


@dataclass
class Worker:
    process: subprocess.Popen
    node: str
    queue: str
    stderr_file: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        """Everything the worker wrote to stderr so far (safe while it runs: O_APPEND)."""
        self.stderr_file.flush()
        self.stderr_file.seek(0)
        return self.stderr_file.read().decode(errors="replace")

    def stderr(self) -> str:
        """The end of it, for failure messages."""
        return self.log()[-4000:]

    def children(self) -> list[int]:
        """Pids of the worker's child processes (the prefork pool), from /proc."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # the group it leads (start_new_session)
            os.killpg(self.pid, sig)

    def kill(self, timeout: float = 10.0) -> None:
        """SIGKILL the worker and its pool at once: no warm shutdown, no ack, no reject."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Warm shutdown (SIGTERM); SIGKILL the whole group if it takes too long. Idempotent."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=timeout)
        self._signal_group(signal.SIGKILL)  # a pool child the main process left behind
        self.stderr_file.close()


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def start_worker(
    env: dict[str, str] | None = None,
    *,
    queue: str = "celery",
    pool: str = "solo",
    concurrency: int = 1,
    name: str = "test",
    loglevel: str = "warning",
) -> Worker:
    """Start `celery worker` on the test database (call it once that is set up) and the test
    Redis, consuming `queue`; return when it answers a ping (fail the test otherwise).

    `env` overrides the worker's environment, e.g. `WHATSAPP_API_BASE_URL` (see
    config/tests/worker_settings.py) or `MESSAGE_SENDING_TIMEOUT_SECONDS`.
    """
    from config.celery import app

    # Our own node only: another test run's worker on the same broker must not pass for ours.
    node = f"{name}-{os.getpid()}-{next(_numbers)}@{socket.gethostname()}"
    full_env = {
        **os.environ,
        **WORKER_ENV_DEFAULTS,
        "DJANGO_SETTINGS_MODULE": WORKER_SETTINGS,
        # Tasks it picks up work on the test database, not the dev one.
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        pool,
        "--concurrency",
        str(concurrency),
        "-Q",
        queue,
        "-l",
        loglevel,
        "--without-gossip",
        "--without-mingle",
        "-n",
        node,
    ]
    # A file, not a pipe: a worker that logs a lot must never block on a full pipe buffer.
    # Appending: the worker's writes never land where our reads moved the shared offset.
    stderr_file = tempfile.TemporaryFile(mode="a+b")  # noqa: SIM115 - closed by Worker.stop()
    process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
        command,
        cwd=REPO_ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=stderr_file,
        start_new_session=True,
    )
    worker = Worker(process=process, node=node, queue=queue, stderr_file=stderr_file)
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        last_error = None
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"Celery worker exited with code {process.returncode}:\n" + worker.stderr()
                )
            try:
                if app.control.ping(destination=[node], timeout=0.5):
                    return worker
            except Exception as exc:  # the broker itself may refuse; keep trying till the end
                last_error = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Celery worker did not answer a ping within {WORKER_START_TIMEOUT:.0f}"
                    f" s (last ping error: {last_error}); its stderr:\n" + worker.stderr()
                )
    except BaseException:
        worker.stop()
        raise


@contextmanager
def running_worker(env: dict[str, str] | None = None, **options):
    worker = start_worker(env, **options)
    try:
        yield worker
    finally:
        worker.stop()
