"""Requests per second of the public booking page under gunicorn, measured with wrk.

Usage: .venv/bin/python bench/public_page.py [--seconds 10] [--connections 16] [--workers 3]
Needs `make run`'s database with the demo tenant (manage.py seed_demo) and `wrk`
(apt-get install wrk). Starts its own gunicorn on 127.0.0.1:8765 and stops it at the end.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
PAGES = (
    ("services (/)", "/"),
    ("who (/book/1/)", "/book/1/"),
    ("day and slots (/book/1/any/)", "/book/1/any/"),
)


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on {port}")


def run_wrk(path: str, host: str, seconds: int, connections: int) -> tuple[float, str, str]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Host: {host}",
         f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Socket errors: .*", out)
    if errors:  # timeouts (wrk gives up after 2 s) are requests that never counted
        print(f"  {path}: {errors.group(0)}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{non2xx.group(1)} error responses for {path}:\n{out}")
    return rps, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PORT}",
         "-w", str(args.workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(PORT)
        host = f"demo.{os.environ.get('BASE_DOMAIN', 'localhost')}"
        for _label, path in PAGES:  # every worker's imports, connections and caches warm
            run_wrk(path, host, 3, args.connections)
        print(f"gunicorn {args.workers} workers, wrk {args.connections} connections, "
              f"{args.seconds}s each, host {host}")  # fmt: skip
        print(f"{'page':<30}{'req/s':>10}{'p50':>10}{'p99':>10}")
        print(f"load average {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
        for label, path in PAGES:
            rps, p50, p99 = run_wrk(path, host, args.seconds, args.connections)
            print(f"{label:<30}{rps:>10.1f}{p50:>10}{p99:>10}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
