"""Benchmark: 10,000 due WhatsApp messages across 10 businesses through a real Celery worker.

    .venv/bin/python bench/dispatch.py [--tenants 10] [--per-tenant 1000]
        [--pool prefork] [--concurrency 10] [--rate-limit 80] [--shared-number]
        [--beat-seconds 60] [--timeout 600]

Runs against the development database (config.settings.dev; DATABASE_URL, REDIS_URL and
AGENDO_REDIS_PREFIX from the environment, like the other scripts). Creates the businesses
`bench01`..`bench10` on the first run (later runs migrate them), empties their outboxes, and
writes 1,000 due messages into each (bulk_create, no booking: booking=None is allowed), each to
its own number with its own body. Each business sends from a WhatsApp number of its own
(ChannelSettings.whatsapp_phone_number_id), as a business with real volume would; with
--shared-number they all use the platform's one number, whose rate then caps them all together.

Then starts the fake WhatsApp Cloud API in this process (notifications/fake_whatsapp.py, a
thread) enforcing the provider's limit per number (--rate-limit, 80 a second like Meta's default
tier: past it the fake answers 429/130429), and one `celery worker` subprocess (default: prefork
pool, --concurrency 10, DEBUG off) pointed at it, with WHATSAPP_RATE_PER_SECOND set to the same
rate (MESSAGE_* and WHATSAPP_RATE_* variables in the environment pass through). It sends
`dispatch_all` through the broker as beat does, and again every --beat-seconds, until every
message is `sent` or the timeout passes. Each business's sweep hands its due rows to one
`send_due` batch task, which hands over to a new one every MESSAGE_BATCH_SIZE rows.

Figures: messages/s = messages sent / seconds from the first dispatch to the last `sent`;
duplicates = extra requests the fake accepted for one message (must be 0); lost = messages not
`sent` at the end (must be 0); over the limit = sends the fake refused with 130429 (must be 0);
the peak per second is the most one number had accepted within one clock second; CPU = the
worker's processes' user+system time (getrusage of the reaped worker), per message.
"""

import argparse
import datetime as dt
import os
import resource
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

TIMEZONE = "America/Sao_Paulo"
PHONE_NUMBER_ID, ACCESS_TOKEN = "100000000000001", "bench-token"  # the platform's number
WORKER_START_TIMEOUT = 60.0


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def schema(i: int) -> str:
    return f"bench{i:02d}"


def phone(t: int, i: int) -> str:
    # Ends in 1: never one of the fake's error suffixes (0400, 0500, 0429).
    return f"+55119{t:02d}{i:05d}1"


def own_number(t: int) -> str:
    return f"1000000000001{t:02d}"


def body(name: str, i: int) -> str:
    return f"Bench reminder {name} #{i:05d}: your appointment is tomorrow at 10:00."


def bench_tenants(count: int) -> list:
    from django.conf import settings
    from django.core.management import call_command

    from tenants.models import Domain, Tenant

    tenants = []
    for t in range(1, count + 1):
        name = schema(t)
        tenant = Tenant.objects.filter(schema_name=name).first()
        if tenant is None:
            tenant = Tenant(schema_name=name, name=f"Dispatch bench {t:02d}", timezone=TIMEZONE)
            tenant.save(verbosity=0)  # creates and migrates the schema
        else:
            call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=0)
        Domain.objects.get_or_create(
            domain=f"{name}.{settings.BASE_DOMAIN}", defaults={"tenant": tenant, "is_primary": True}
        )
        tenants.append(tenant)
    return tenants


def fill_outboxes(tenants, per_tenant: int, *, shared_number: bool) -> None:
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from notifications.models import Channel, ChannelSettings, Kind, Message
    from tenants.models import WhatsAppContact

    due = timezone.now() - dt.timedelta(minutes=1)
    WhatsAppContact.objects.filter(tenant__in=tenants).delete()
    for t, tenant in enumerate(tenants, start=1):
        with schema_context(tenant.schema_name):
            Message.objects.all().delete()
            channels = ChannelSettings.load()  # free-form text
            channels.whatsapp_enabled = True
            if shared_number:  # the platform's number
                channels.whatsapp_phone_number_id = channels.whatsapp_access_token = ""
            else:
                channels.whatsapp_phone_number_id = own_number(t)
                channels.whatsapp_access_token = ACCESS_TOKEN
            channels.whatsapp_template_name = ""
            channels.save()
            Message.objects.bulk_create(
                (
                    Message(
                        channel=Channel.WHATSAPP,
                        kind=Kind.REMINDER,
                        offset_minutes=120,
                        recipient=phone(t, i),
                        body=body(tenant.schema_name, i),
                        send_after=due,
                    )
                    for i in range(per_tenant)
                ),
                batch_size=1000,
            )


def counts(tenants) -> Counter:
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from notifications.models import Message

    total: Counter = Counter()
    for tenant in tenants:
        with schema_context(tenant.schema_name):
            for row in Message.objects.values("status").annotate(n=Count("pk")).order_by():
                total[row["status"]] += row["n"]
    return total


def attempts_over_one(tenants) -> int:
    from django_tenants.utils import schema_context

    from notifications.models import Message

    n = 0
    for tenant in tenants:
        with schema_context(tenant.schema_name):
            n += Message.objects.filter(attempts__gt=1).count()
    return n


def start_worker(
    fake_url: str, pool: str, concurrency: int, rate: float, log
) -> tuple[subprocess.Popen, str]:
    from config.celery import app

    node = f"bench-{os.getpid()}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "false",  # as in production: no query log kept per connection
        "WHATSAPP_API_BASE_URL": fake_url,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
        "WHATSAPP_RATE_PER_SECOND": os.environ.get("WHATSAPP_RATE_PER_SECOND", str(rate)),
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
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "-n",
        node,
    ]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    last_error = None
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the worker exited with code {process.returncode}; see {log.name}")
        try:
            if app.control.ping(destination=[node], timeout=0.5):
                return process, node
        except Exception as exc:  # the broker may refuse for a moment; keep trying
            last_error = exc
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            raise SystemExit(f"the worker did not answer a ping in time ({last_error})")


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # warm shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--per-tenant", type=int, default=1000)
    parser.add_argument("--pool", default="prefork", help="worker pool (prefork, threads, solo)")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=80.0,
        help="the fake's limit per number and second (and the worker's own rate, unless"
        " WHATSAPP_RATE_PER_SECOND is set); 0: none",
    )
    parser.add_argument(
        "--shared-number", action="store_true", help="every business on the platform's number"
    )
    parser.add_argument("--beat-seconds", type=float, default=60.0, help="dispatch_all period")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait at most")
    args = parser.parse_args()
    if not 1 <= args.tenants <= 99 or not 1 <= args.per_tenant <= 99_999:
        parser.error("--tenants 1..99, --per-tenant 1..99999")

    setup_django()
    from django.conf import settings

    from config.celery import app
    from notifications.fake_whatsapp import make_server
    from notifications.models import Message
    from notifications.tasks import dispatch_all

    total = args.tenants * args.per_tenant
    print(f"$ {shlex.join([sys.executable, *sys.argv])}")
    print(f"before: {load()}")
    t0 = time.perf_counter()
    tenants = bench_tenants(args.tenants)
    t1 = time.perf_counter()
    fill_outboxes(tenants, args.per_tenant, shared_number=args.shared_number)
    t2 = time.perf_counter()
    print(
        f"{args.tenants} businesses ({schema(1)}..{schema(args.tenants)}): ready in {t1 - t0:.1f}"
        f" s; {total:,} due messages written in {t2 - t1:.1f} s;"
        f" {'one shared number' if args.shared_number else 'a number of its own each'}"
    )

    server = make_server(rate_limit=args.rate_limit)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake_url = f"http://127.0.0.1:{server.server_port}"
    queue = app.conf.task_default_queue
    purged = app.control.purge()  # tasks an interrupted run left behind
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept for the reader, path printed
        prefix="bench-dispatch-worker-", suffix=".log", delete=False
    )
    env = os.environ.get
    rate = float(env("WHATSAPP_RATE_PER_SECOND", args.rate_limit))
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process, node = start_worker(fake_url, args.pool, args.concurrency, args.rate_limit, log)
    print(
        f"worker {node}: --pool {args.pool} --concurrency {args.concurrency}, broker"
        f" {settings.CELERY_BROKER_URL} (queue {queue!r}, {purged or 0} stale tasks purged);"
        f" fake API {fake_url} in this process, limit {args.rate_limit:g}/s per number"
    )
    print(
        f"settings: WHATSAPP_RATE_PER_SECOND={rate:g}"
        f" WHATSAPP_RATE_BURST={env('WHATSAPP_RATE_BURST', settings.WHATSAPP_RATE_BURST)}"
        f" MESSAGE_BATCH_SIZE={env('MESSAGE_BATCH_SIZE', settings.MESSAGE_BATCH_SIZE)}"
        f" MESSAGE_SEND_CONCURRENCY="
        f"{env('MESSAGE_SEND_CONCURRENCY', settings.MESSAGE_SEND_CONCURRENCY)}"
    )

    rounds, done, status = 0, Counter(), Counter()
    started = time.perf_counter()
    last_sent_at = next_beat = started
    deadline = started + args.timeout
    try:
        while True:
            if time.perf_counter() >= next_beat:
                dispatch_all.delay()  # what beat sends every minute
                rounds += 1
                next_beat += args.beat_seconds
            time.sleep(0.5)
            status = counts(tenants)
            if status[Message.Status.SENT] != done[Message.Status.SENT]:
                last_sent_at = time.perf_counter()
            done = status
            if status[Message.Status.SENT] >= total:
                break
            if time.perf_counter() > deadline:
                print(f"TIMEOUT after {args.timeout:.0f} s")
                break
        during = load()
    finally:
        stop_worker(process)
        server.shutdown()
        server.server_close()
        log.close()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )

    elapsed = last_sent_at - started
    sent = status[Message.Status.SENT]
    with server.lock:
        accepted = Counter((r["to"], r["text"]["body"]) for r in server.sent)
        received, throttled = len(server.received), len(server.throttled)
    peaks = server.peak_per_second()
    expected = {
        (phone(t, i).lstrip("+"), body(schema(t), i))
        for t in range(1, args.tenants + 1)
        for i in range(args.per_tenant)
    }
    # This run's messages are told apart by their (number, text); other businesses' due
    # messages (a seeded demo's) go out in the same sweeps and may repeat a text to one client.
    duplicates = sum(n - 1 for key, n in accepted.items() if n > 1 and key in expected)
    unknown = sum(n for key, n in accepted.items() if key not in expected)
    lost = total - sent
    worker_log = Path(log.name).read_text(errors="replace")
    batches = worker_log.count("send_due[") // 2  # "received" and "succeeded" lines
    others = {k: v for k, v in status.items() if k != Message.Status.SENT and v}
    print(
        f"sent {sent:,} of {total:,} in {elapsed:.1f} s: {sent / elapsed:,.0f} messages/s"
        f" ({rounds} dispatch rounds, about {batches} send_due batches)"
    )
    print(
        f"fake API: {received:,} requests, {sum(accepted.values()):,} accepted,"
        f" {len(accepted):,} distinct messages, {unknown} from other businesses' outboxes;"
        f" peak {max(peaks.values(), default=0)} a second on one number"
        f" ({len(peaks)} numbers)"
    )
    print(f"duplicates: {duplicates} (must be 0)")
    print(f"lost: {lost} (must be 0){f'; not sent: {others}' if others else ''}")
    print(f"over the provider's limit (refused 130429): {throttled} (must be 0)")
    print(
        f"worker CPU: {worker_cpu:.1f} s ({1000 * worker_cpu / max(sent, 1):.2f} ms a message);"
        f" messages sent after a retry: {attempts_over_one(tenants)}; worker log: {log.name}"
    )
    print(f"during: {during}")
    ok = duplicates == 0 and lost == 0 and throttled == 0
    print("OK." if ok else "FAILED.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
