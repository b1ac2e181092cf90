"""Servers a fault test may stop and start at will: its own PostgreSQL cluster, Redis and gunicorn.

Never the machine's shared PostgreSQL or Redis, which other test runs use. Each helper starts
its server on a free port of 127.0.0.1 and always stops it (and removes its files) at the end.
PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` system user, in
a directory under /tmp that user can reach.
"""

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
PG_BIN = Path(os.environ.get("AGENDO_PG_BIN", "/usr/lib/postgresql/15/bin"))
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(ready, what: str, timeout: float = START_TIMEOUT, log=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not ready within {timeout:.0f} s:\n{log()}")
        time.sleep(0.1)


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


# --- PostgreSQL ----------------------------------------------------------------------------------


@dataclass
class LocalPostgres:
    """A throwaway cluster: `initdb` into a temporary directory, `pg_ctl` on a free port."""

    base: Path
    port: int
    as_user: list[str] = field(default_factory=list)  # ["runuser", "-u", "postgres", "--"]

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log_path(self) -> Path:
        return self.base / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, tool: str, *args: str, timeout: float = START_TIMEOUT) -> None:
        command = [*self.as_user, str(PG_BIN / tool), *args]
        result = subprocess.run(  # noqa: S603 - fixed binaries and arguments
            command, cwd="/", capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            pytest.fail(f"{tool} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-4000:]
        return ""

    def start(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> None:
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)


@contextlib.contextmanager
def local_postgres():
    """Yield a started LocalPostgres; skip the test if PostgreSQL's server binaries are missing."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (set AGENDO_PG_BIN)")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:
        # initdb and postgres refuse to run as root.
        owner = "postgres"
        as_user = ["runuser", "-u", owner, "--"]
    base = Path(tempfile.mkdtemp(prefix="agendo-faults-pg-", dir="/tmp"))
    base.chmod(0o755)
    if owner:
        shutil.chown(base, user=owner)
    cluster = LocalPostgres(base=base, port=free_port(), as_user=as_user)
    try:
        cluster._pg(
            "initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        with (cluster.data / "postgresql.conf").open("a") as conf:
            # TCP on 127.0.0.1 only; durability is not what these tests are about.
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {cluster.port}\n"
                "unix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\n"
            )
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(  # noqa: S603
                [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(cluster.data), "-m", "immediate",
                 "-w", "stop"],
                cwd="/", capture_output=True, timeout=30, check=False,
            )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


# --- Redis ---------------------------------------------------------------------------------------


@dataclass
class LocalRedis:
    """`redis-server` on a free port, without persistence: stopping it loses everything in it."""

    port: int
    process: subprocess.Popen | None = None
    log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.log_file = self.log_file or tempfile.TemporaryFile(mode="a+b")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - fixed argument list
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        _wait_until(lambda: _listening(self.port), f"redis-server on {self.port}", log=self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        if self.log_file is None:
            return ""
        self.log_file.flush()
        self.log_file.seek(0)
        return self.log_file.read().decode(errors="replace")[-4000:]


@contextlib.contextmanager
def local_redis():
    if not (shutil.which("redis-server") or Path("/usr/bin/redis-server").exists()):
        pytest.skip("redis-server not found (apt-get install redis-server)")
    server = LocalRedis(port=free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if server.log_file is not None:
            server.log_file.close()


# --- Web server ----------------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str, timeout: float = 60.0) -> str:
    """Run `manage.py <args>` with `env`; fail the test with its output if it fails."""
    result = subprocess.run(  # noqa: S603 - fixed interpreter and script
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def get(port: int, path: str, host: str, timeout: float = 10.0) -> tuple[int, dict, str]:
    """GET http://127.0.0.1:<port><path> with `Host: host`: status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return (
            response.status,
            dict(response.getheaders()),
            response.read().decode(errors="replace"),
        )
    finally:
        conn.close()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, ready=lambda port: True):
    """`gunicorn config.wsgi` with `env` on a free port; yield (port, log) once `ready(port)`."""
    port = free_port()
    log_file = tempfile.TemporaryFile(mode="a+b")  # noqa: SIM115 - closed below

    def log() -> str:
        log_file.flush()
        log_file.seek(0)
        return log_file.read().decode(errors="replace")

    process = subprocess.Popen(  # noqa: S603 - fixed argument list
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--timeout", "30", "--graceful-timeout", "5"],
        cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until(
            lambda: process.poll() is None and _listening(port) and ready(port),
            "gunicorn",
            log=lambda: log()[-4000:],
        )
        yield port, log
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=10)
        log_file.close()
