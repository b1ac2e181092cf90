"""`import_clients` and `export_bookings` (SPEC §8): run as an operator would, on tenant alpha."""

import csv
import datetime as dt
import zoneinfo
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bookings.exports import HEADER
from bookings.models import Booking, Client, Source
from bookings.tests.factories import BookingFactory, ClientFactory
from scheduling.models import BusinessSettings
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def business(alpha):
    business = BusinessSettings.load()
    business.timezone = "America/Sao_Paulo"
    business.phone_region = "BR"
    business.save()
    return business


def run(name: str, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, text: str, name: str = "clients.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


# --- import_clients ------------------------------------------------------------------------------


def test_import_creates_clients_with_every_column(business, tmp_path):
    path = write(
        tmp_path,
        "name,phone,email,notes,tags,vip,birth_date,whatsapp_consent\n"
        'Ana Souza,(11) 98765-4321,Ana@Example.com,Likes mornings,"regular, beard",yes,'
        "1990-05-03,sim\n"
        "Bruno Lima,+55 21 97654-3210,,,,,,\n",
    )

    out, _ = run("import_clients", str(path), "--schema", "alpha")

    assert "line 2: created Ana Souza (+5511987654321)" in out
    assert "line 3: created Bruno Lima (+5521976543210)" in out
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 skipped" in out
    ana = Client.objects.get(phone="+5511987654321")
    assert (ana.name, ana.email, ana.notes) == ("Ana Souza", "ana@example.com", "Likes mornings")
    assert ana.tags == ["regular", "beard"]
    assert ana.is_vip and ana.whatsapp_consent and ana.whatsapp_consent_at is not None
    assert ana.birth_date == dt.date(1990, 5, 3)
    assert ana.source == Source.IMPORT
    bruno = Client.objects.get(phone="+5521976543210")
    assert (bruno.email, bruno.tags, bruno.is_vip, bruno.birth_date) == ("", [], False, None)


def test_import_updates_the_client_with_that_phone_and_keeps_what_staff_wrote(business, tmp_path):
    client = ClientFactory(
        name="Ana", phone="+5511987654321", email="old@example.com", notes="Allergic to X",
        tags=["regular"], source=Source.PUBLIC,
    )  # fmt: skip
    path = write(
        tmp_path,
        "name,phone,email,notes,tags\n"
        "Ana Souza,11 98765 4321,,Prefers Rafael,vip-list\n",  # empty e-mail: left as it was
    )

    out, _ = run("import_clients", str(path), "--schema", "alpha")

    assert "line 2: updated Ana Souza (+5511987654321)" in out
    client.refresh_from_db()
    assert client.name == "Ana Souza"
    assert client.email == "old@example.com"
    assert client.notes == "Allergic to X\nPrefers Rafael"
    assert client.tags == ["regular", "vip-list"]
    assert client.source == Source.PUBLIC  # where the client first came from
    assert Client.objects.count() == 1

    again, _ = run("import_clients", str(path), "--schema", "alpha")
    assert "line 2: unchanged Ana Souza" in again
    assert "1 rows: 0 created, 0 updated, 1 unchanged, 0 skipped" in again
    client.refresh_from_db()
    assert client.notes == "Allergic to X\nPrefers Rafael"


def test_import_skips_bad_rows_by_line_and_saves_the_others(business, tmp_path):
    path = write(
        tmp_path,
        "name,phone,email,notes,birth_date,vip\n"
        "Good One,11 98765-4321,,,,\n"
        ",11 97654-3210,,,,\n"  # line 3: no name
        "No Phone,,,,,\n"  # line 4
        "Bad Phone,123,,,,\n"  # line 5
        "\n"  # line 6: blank, ignored
        'Multi Line,11 96543-2109,,"first\nsecond",,\n'  # lines 7-8
        "Bad Mail,11 95432-1098,not-an-email,,,\n"  # line 9
        "Bad Date,11 94321-0987,,,31/02/1990,\n"  # line 10
        "Bad Vip,11 93210-9876,,,,perhaps\n"  # line 11
        "Good Two,11 92109-8765,,,,\n",  # line 12
    )

    out, _ = run("import_clients", str(path), "--schema", "alpha")

    assert "Traceback" not in out
    assert "line 3: skipped — missing name" in out
    assert "line 4: skipped — missing phone" in out
    assert "line 5: skipped — invalid phone '123'" in out
    assert "line 7: created Multi Line" in out
    assert "line 9: skipped — invalid e-mail 'not-an-email'" in out
    assert "line 10: skipped — birth date '31/02/1990' is not a date" in out
    assert "line 11: skipped — vip should be yes or no, not 'perhaps'" in out
    assert "line 12: created Good Two" in out
    assert "9 rows: 3 created, 0 updated, 0 unchanged, 6 skipped" in out
    names = set(Client.objects.values_list("name", flat=True))
    assert names == {"Good One", "Multi Line", "Good Two"}
    assert Client.objects.get(name="Multi Line").notes == "first\nsecond"


def test_import_reads_portuguese_headers_semicolons_and_the_business_region(business, tmp_path):
    business.phone_region = "PT"
    business.save()
    path = write(
        tmp_path,
        "\ufeffNome;Telefone;E-mail;Observações;Data de nascimento;Cidade\n"
        "João Pereira;912 345 678;joao@example.com;Cliente antigo;05/03/1990;Lisboa\n"
        "Maria;+55 11 98765-4321;;;;Rio\n",
    )

    out, _ = run("import_clients", str(path), "--schema", "alpha")

    assert "Ignored columns: Cidade" in out
    joao = Client.objects.get(phone="+351912345678")  # written without +: read as Portugal
    assert (joao.name, joao.email, joao.notes) == (
        "João Pereira",
        "joao@example.com",
        "Cliente antigo",
    )
    assert joao.birth_date == dt.date(1990, 3, 5)  # day first
    assert Client.objects.filter(phone="+5511987654321", name="Maria").exists()


def test_import_same_phone_twice_in_one_file_updates_the_first(business, tmp_path):
    path = write(tmp_path, "name,phone\nAna,11 98765-4321\nAna Souza,+5511987654321\n")

    out, _ = run("import_clients", str(path), "--schema", "alpha")

    assert "line 3: updated Ana Souza" in out
    assert list(Client.objects.values_list("name", flat=True)) == ["Ana Souza"]


def test_import_dry_run_reports_but_saves_nothing(business, tmp_path):
    ClientFactory(name="Ana", phone="+5511987654321")
    path = write(tmp_path, "name,phone\nAna Souza,11 98765-4321\nNew,11 97654-3210\nBad,1\n")

    out, _ = run("import_clients", str(path), "--schema", "alpha", "--dry-run")

    assert "line 2: updated Ana Souza" in out
    assert "line 3: created New" in out
    assert "line 4: skipped — invalid phone '1'" in out
    assert "3 rows: 1 created, 1 updated, 0 unchanged, 1 skipped (dry run: nothing saved)" in out
    assert list(Client.objects.values_list("name", flat=True)) == ["Ana"]


def test_import_refuses_unknown_schema_missing_columns_and_missing_file(business, tmp_path):
    good = write(tmp_path, "name,phone\nAna,11 98765-4321\n")
    with pytest.raises(CommandError, match=r"No business with schema 'nowhere'.*alpha"):
        run("import_clients", str(good), "--schema", "nowhere")
    with pytest.raises(CommandError, match="No business with schema 'public'"):
        run("import_clients", str(good), "--schema", "public")
    no_phone = write(tmp_path, "name,email\nAna,a@example.com\n", name="no-phone.csv")
    with pytest.raises(CommandError, match="needs columns phone"):
        run("import_clients", str(no_phone), "--schema", "alpha")
    with pytest.raises(CommandError, match="No such file"):
        run("import_clients", str(tmp_path / "missing.csv"), "--schema", "alpha")
    latin = write(tmp_path, "name,phone\nJoão,11 98765-4321\n", "latin.csv", encoding="cp1252")
    with pytest.raises(CommandError, match="--encoding cp1252"):
        run("import_clients", str(latin), "--schema", "alpha")
    run("import_clients", str(latin), "--schema", "alpha", "--encoding", "cp1252")
    assert Client.objects.get().name == "João"


# --- export_bookings -----------------------------------------------------------------------------


@pytest.fixture
def bookings(business):
    """Three bookings: Tuesday 2 March 2027 10:00 and 22:30 local (01:30 UTC on the 3rd), and
    Wednesday 3 March 10:00 (cancelled)."""
    resource = ResourceFactory(name="Rafael")
    service = ServiceFactory(name="Corte", performers=[resource], price="45.00")
    client = ClientFactory(name="Ana Souza", phone="+5511987654321", email="ana@example.com")
    local = lambda day, hour, minute=0: dt.datetime(2027, 3, day, hour, minute, tzinfo=TZ)  # noqa: E731
    return [
        BookingFactory(service=service, client=client, start=local(2, 10), reference="AAAAAA"),
        BookingFactory(service=service, client=client, start=local(2, 22, 30), reference="BBBBBB"),
        BookingFactory(
            service=service, client=client, start=local(3, 10), reference="CCCCCC",
            status=Booking.Status.CANCELLED,
        ),
    ]  # fmt: skip


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(StringIO(text)))


def test_export_writes_the_dashboard_columns_in_local_time(bookings):
    out, err = run("export_bookings", "--schema", "alpha")

    rows = _csv(out)
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == ["AAAAAA", "BBBBBB", "CCCCCC"]
    first = dict(zip(HEADER, rows[1], strict=True))
    assert first["start"] == "2027-03-02T10:00:00-03:00"
    assert first["end"] == "2027-03-02T10:30:00-03:00"
    assert (first["service"], first["resource"], first["client"]) == (
        "Corte",
        "Rafael",
        "Ana Souza",
    )
    assert (first["phone"], first["email"], first["price"]) == (
        "+5511987654321",
        "ana@example.com",
        "45.00",
    )
    assert (first["status"], first["source"]) == ("confirmed", "staff")
    assert first["created"].endswith("-03:00")
    assert dict(zip(HEADER, rows[3], strict=True))["status"] == "cancelled"
    assert "3 bookings of alpha" in err


def test_export_from_to_are_local_days(bookings):
    # 22:30 on the 2nd in São Paulo is already the 3rd in UTC: it belongs to the 2nd.
    out, _ = run("export_bookings", "--schema", "alpha", "--to", "2027-03-02")
    assert [row[0] for row in _csv(out)[1:]] == ["AAAAAA", "BBBBBB"]

    out, _ = run("export_bookings", "--schema", "alpha", "--from", "2027-03-03")
    assert [row[0] for row in _csv(out)[1:]] == ["CCCCCC"]

    out, _ = run("export_bookings", "--schema", "alpha", "--from", "2027-03-04")
    assert _csv(out) == [HEADER]


def test_export_to_a_file(bookings, tmp_path):
    path = tmp_path / "bookings.csv"

    out, _ = run("export_bookings", "--schema", "alpha", "--output", str(path))

    assert f"3 bookings of alpha written to {path}" in out
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER
    assert len(rows) == 4


def test_export_refuses_unknown_schema_and_bad_dates(business):
    with pytest.raises(CommandError, match="No business with schema 'nowhere'"):
        run("export_bookings", "--schema", "nowhere")
    with pytest.raises(CommandError, match="'2027-13-01' is not a date"):
        run("export_bookings", "--schema", "alpha", "--from", "2027-13-01")
    with pytest.raises(CommandError, match="after --to"):
        run("export_bookings", "--schema", "alpha", "--from", "2027-03-05", "--to", "2027-03-01")


def test_an_export_imports_back_as_the_same_clients(bookings, tmp_path):
    # The export's client, phone and email columns are import_clients' name, phone and email.
    bruno = ClientFactory(name="Bruno-Lima @ Work", phone="+5521976543210", email="b@x.test")
    BookingFactory(service=bookings[0].service, client=bruno, start=bookings[2].start)
    path = tmp_path / "bookings.csv"
    run("export_bookings", "--schema", "alpha", "--output", str(path))

    out, _ = run("import_clients", str(path), "--schema", "alpha")

    assert "4 rows: 0 created, 0 updated, 4 unchanged, 0 skipped" in out
    assert "unchanged Bruno-Lima @ Work (+5521976543210)" in out
    assert Client.objects.count() == 2
