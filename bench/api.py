"""Requests per second and p95 of the JSON API under gunicorn, measured with wrk: availability
of a service for a month, and booking-list pages (the first, and one reached by a cursor).

Usage: .venv/bin/python bench/api.py [--seconds 10] [--connections 16] [--workers 3]
Needs a database with the demo tenant (`manage.py seed_demo`; DATABASE_URL as for `make run`)
and `wrk` (apt-get install wrk). Makes an API key for the demo's owner, starts its own gunicorn
on 127.0.0.1:8766 with the per-key rate limit lifted, and revokes the key and stops gunicorn at
the end.
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from public_page import wait_for_port

ROOT = Path(__file__).resolve().parent.parent
PORT = 8766
# wrk reports p50/p75/p90/p99 by itself; this script asks its latency histogram for p95 too.
WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %s"
done = function(summary, latency, requests)
  io.write(string.format("P95_US %%d\\nP50_US %%d\\nERRORS %%d\\n", latency:percentile(95),
    latency:percentile(50), summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""

MAKE_KEY = """
from django.db import connection
from django_tenants.utils import schema_context
from accounts.models import User
from api.services import api_key_create
from scheduling.models import Service
import json
with schema_context("demo"):
    owner = User.objects.filter(role="owner", is_active=True).order_by("pk").first()
    key, token = api_key_create(name="bench/api.py", scopes=["read"], created_by=owner)
    service = Service.objects.filter(is_active=True).order_by("pk").first()
    print(json.dumps({"id": key.pk, "token": token, "service": service.pk}))
"""

REVOKE_KEY = """
from django_tenants.utils import schema_context
from api.models import ApiKey
from api.services import api_key_revoke
with schema_context("demo"):
    key = ApiKey.objects.get(pk=%d)
    api_key_revoke(api_key=key, actor=key.created_by)
"""


def manage_shell(code: str, env: dict) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def run_wrk(path, host, token, seconds, connections) -> tuple[float, float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % token)
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", script.name, "-H", f"Host: {host}", f"http://127.0.0.1:{PORT}{path}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = int(re.search(r"P50_US (\d+)", out).group(1)) / 1000
    p95 = int(re.search(r"P95_US (\d+)", out).group(1)) / 1000
    errors = int(re.search(r"ERRORS (\d+)", out).group(1))
    if errors or "Non-2xx" in out:
        raise SystemExit(f"error responses for {path}:\n{out}")
    return rps, p50, p95


def get_json(path: str, host: str, token: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", headers={"Host": host, "Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own server)
        return json.load(response)


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
        "API_RATE_LIMIT_PER_MINUTE": str(10**9),  # measure the API, not its limiter's refusals
        "PYTHONWARNINGS": "ignore::UserWarning",  # no collectstatic: the API serves no files
    }
    made = json.loads(manage_shell(MAKE_KEY, env).splitlines()[-1])
    token, service = made["token"], made["service"]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PORT}",
         "-w", str(args.workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(PORT)
        host = f"demo.{os.environ.get('BASE_DOMAIN', 'localhost')}"
        today = dt.date.today()
        month = f"date_from={today}&date_to={today + dt.timedelta(days=30)}"
        first = get_json("/api/v1/bookings?limit=50", host, token)
        pages = [
            ("availability, 31 days, any", f"/api/v1/availability?service={service}&{month}"),
            ("bookings, first page of 50", "/api/v1/bookings?limit=50"),
        ]
        if first["next_cursor"]:
            pages.append(
                ("bookings, next page (cursor)",
                 f"/api/v1/bookings?limit=50&cursor={first['next_cursor']}")
            )  # fmt: skip
        run_wrk(pages[0][1], host, token, 2, args.connections)  # warm up
        print(f"gunicorn {args.workers} workers, wrk {args.connections} connections, "
              f"{args.seconds}s each, host {host}")  # fmt: skip
        print(f"{'request':<32}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}")
        for label, path in pages:
            rps, p50, p95 = run_wrk(path, host, token, args.seconds, args.connections)
            print(f"{label:<32}{rps:>10.1f}{p50:>10.1f}{p95:>10.1f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        manage_shell(REVOKE_KEY % made["id"], env)


if __name__ == "__main__":
    main()
