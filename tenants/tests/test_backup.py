"""Operators' backup of one business and its restore: every table comes back as it was."""

import datetime as dt
import gzip
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.tests.factories import OwnerFactory
from bookings import services
from bookings.models import Booking, Client
from conftest import host_client
from notifications.models import ChannelSettings
from payments import services as payment_services
from scheduling.models import BusinessSettings, Resource, WeeklyHours
from scheduling.slot_version import slots_version
from scheduling.tests.factories import ResourceFactory, ServiceFactory, TimeOffFactory
from tenants.backup import schema_tables
from tenants.models import Domain, Tenant, WhatsAppContact, WhatsAppNumber


def _rows(schema: str, table: str) -> list[str]:
    """The table's rows as PostgreSQL prints them, in a stable order."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT t::text FROM "{schema}"."{table}" AS t ORDER BY 1')  # noqa: S608
        return [row for (row,) in cursor.fetchall()]


def _snapshot(schema: str) -> dict[str, list[str]]:
    return {table: _rows(schema, table) for table in schema_tables(schema)}


@pytest.fixture
def filled(tenant_alpha):
    """Alpha with a bit of everything: team, hours, services, bookings, events, messages..."""
    with schema_context("alpha"):
        business = BusinessSettings.load()
        business.timezone, business.min_notice_minutes, business.max_advance_days = (
            "America/Sao_Paulo",
            0,
            400,
        )
        business.reminder_offsets = [1440, 120]
        business.save()
        owner = OwnerFactory(email="owner@alpha.test")
        WeeklyHours.objects.bulk_create(
            [WeeklyHours(weekday=d, start=dt.time(8), end=dt.time(20)) for d in range(7)]
        )
        chair = ResourceFactory(name="Chair A", user=owner, attributes={"floor": 2})
        cut = ServiceFactory(name="Cut", performers=[chair])
        TimeOffFactory(resource=chair)
        channels = ChannelSettings.load()
        channels.whatsapp_phone_number_id, channels.whatsapp_access_token = "55501", "EAAG-tok"
        channels.save()
        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
        start = start.replace(hour=14, minute=0, second=0)
        for n in range(3):
            client = Client.objects.create(
                name=f"Client {n}",
                phone=f"+55119{n:08d}",
                email=f"c{n}@example.com",
                tags=["vip", "a,b"],
                whatsapp_consent=True,
            )
            booking = services.booking_create(
                service=cut,
                start=start + dt.timedelta(hours=n),
                client=client,
                business=business,
                client_notes='line one\nline two\t"quoted" \\ back',
            )
            if n == 0:
                services.booking_cancel(booking=booking, actor=owner, reason="Sick")
        services.client_interaction_add(
            client=Client.objects.first(), kind="note", body="Ünïcode ✓", author=owner
        )
        # The ledger, whose rows a trigger keeps from changing: a restore only inserts them.
        paid = payment_services.payment_record(
            booking=booking, amount="40", method="pix", actor=owner
        )
        payment_services.payment_refund(payment=paid, amount="10", note="change", actor=owner)
    WhatsAppNumber.objects.create(phone_number_id="55501", tenant=tenant_alpha)
    WhatsAppContact.objects.create(
        phone_number_id="platform", phone="+5511900000000", tenant=tenant_alpha,
        last_sent_at=timezone.now(),
    )  # fmt: skip
    return tenant_alpha


def test_backup_then_restore_into_a_new_business_gives_back_every_table(filled, tmp_path):
    path = tmp_path / "alpha.agendo-backup.gz"
    call_command("tenant_backup", "alpha", "-o", str(path))
    before = _snapshot("alpha")
    assert before["bookings_booking"] and before["notifications_message"]
    assert len(before["payments_payment"]) == 2

    call_command("tenant_restore", str(path), "--slug", "alpha-copy")

    copy = Tenant.objects.get(schema_name="alpha-copy")
    assert copy.name == filled.name and copy.timezone == filled.timezone
    assert Domain.objects.get(tenant=copy, is_primary=True).domain == "alpha-copy.localhost"
    after = _snapshot("alpha-copy")
    assert sorted(after) == sorted(before)
    for table in before:  # every table, row for row, every column
        assert after[table] == before[table], table
    # The number stays routed to the business that has it; the copy is told, not given it.
    assert WhatsAppNumber.objects.get(phone_number_id="55501").tenant == filled
    # Counters go on after the restored rows: new rows in the copy get fresh ids.
    with schema_context("alpha-copy"):
        fresh = Client.objects.create(name="New", phone="+5511977776666")
        assert fresh.pk > max(Client.objects.exclude(pk=fresh.pk).values_list("pk", flat=True))
        assert Booking.objects.filter(client_notes__contains="\n").count() == 3
    # And the copy answers on its own host.
    assert host_client("alpha-copy.localhost").get("/").status_code == 200


def test_restore_refuses_to_overwrite_a_business_with_data_unless_asked(filled, tmp_path):
    path = tmp_path / "alpha.gz"
    call_command("tenant_backup", "alpha", "-o", str(path))
    with schema_context("alpha"):
        Client.objects.filter(name="Client 1").update(name="Changed after the backup")
        Resource.objects.create(name="Chair B")
    changed = _snapshot("alpha")

    with pytest.raises(CommandError, match="--replace"):
        call_command("tenant_restore", str(path))
    assert _snapshot("alpha") == changed

    with schema_context("alpha"):
        before = slots_version()
    call_command("tenant_restore", str(path), "--replace")
    with schema_context("alpha"):
        assert Client.objects.filter(name="Client 1").exists()
        assert not Resource.objects.filter(name="Chair B").exists()
        # No free slot cached from before the restore is read again (COPY sent no signal).
        assert slots_version() != before


def test_restore_refuses_a_backup_of_other_migrations_and_creates_nothing(filled, tmp_path):
    path = tmp_path / "alpha.gz"
    call_command("tenant_backup", "alpha", "-o", str(path))
    with gzip.open(path, "rb") as source:
        header, rest = json.loads(source.readline()), source.read()
    header["migrations"].append(["bookings", "9999_from_the_future"])
    other = tmp_path / "other.gz"
    with gzip.open(other, "wb") as out:
        out.write(json.dumps(header).encode() + b"\n" + rest)

    with pytest.raises(CommandError, match="other migrations"):
        call_command("tenant_restore", str(other), "--slug", "alpha-future")
    assert not Tenant.objects.filter(schema_name="alpha-future").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'alpha-future'")
        assert cursor.fetchone() is None


def test_commands_refuse_clearly(filled, tmp_path):
    junk = tmp_path / "junk.gz"
    with gzip.open(junk, "wb") as out:
        out.write(b"hello\n")
    with pytest.raises(CommandError, match="Not an Agendo business backup"):
        call_command("tenant_restore", str(junk), "--slug", "junk-copy")
    with pytest.raises(CommandError, match="No business"):
        call_command("tenant_backup", "nobody", "-o", str(tmp_path / "x.gz"))
    with pytest.raises(CommandError, match="No file"):
        call_command("tenant_restore", str(tmp_path / "missing.gz"))
