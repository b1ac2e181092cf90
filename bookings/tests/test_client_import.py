"""Clients → Import: a CSV checked first (nothing saved, every bad row reported), then applied."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import imports
from bookings.models import Client
from bookings.tests.factories import ClientFactory
from conftest import assert_no_english, login_as, visible_text

URL = "/app/clients/import/"
GOOD = (
    "name;phone;email;tags\n"
    "Ana Souza;(11) 91234-5678;ana@example.com;regular\n"
    "Bruno Lima;11 98765-4321;;\n"
    "No Phone;;;\n"
    "Ana S.;+55 11 91234-5678;;beard\n"
    "Carla;123;carla@example.com;\n"
)


@pytest.fixture
def owner_client(alpha, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


def _upload(client, text: str | bytes, name: str = "clients.csv", **extra):
    data = text.encode() if isinstance(text, str) else text
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv"), **extra})


def _token(body: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match, body
    return match.group(1)


def test_the_check_saves_nothing_and_reports_each_bad_row(owner_client):
    existing = ClientFactory(name="Ana", phone="+5511912345678", tags=["old"])
    response = _upload(owner_client, GOOD)
    assert response.status_code == 200
    body = response.content.decode()
    # Line numbers are the file's (the header is line 1).
    assert re.search(r"<td>4</td><td>missing phone</td>", body)
    assert re.search(r"<td>6</td><td>invalid phone &#x27;123&#x27;</td>", body)
    # Lines 2 and 5 are Ana's phone: both update her (1 new: Bruno).
    assert "1 new" in body and "2 updated" in body and "2 rows with a problem" in body
    assert Client.objects.count() == 1
    existing.refresh_from_db()
    assert existing.tags == ["old"] and existing.email == ""


def test_apply_creates_and_merges_by_phone_once(owner_client):
    existing = ClientFactory(name="Ana", phone="+5511912345678", tags=["old"])
    token = _token(_upload(owner_client, GOOD).content.decode())

    applied = owner_client.post(URL, {"token": token})
    assert applied.status_code == 200
    assert "Import done: 1 created, 2 updated, 2 skipped." in applied.content.decode()
    assert Client.objects.count() == 2
    existing.refresh_from_db()
    # Rows 2 and 5 are the same phone: one client, both rows' tags added to what was there.
    assert existing.tags == ["old", "regular", "beard"] and existing.email == "ana@example.com"
    bruno = Client.objects.get(phone="+5511987654321")
    assert (bruno.name, bruno.source) == ("Bruno Lima", "import")

    # The check is spent: applying it again (a resubmit) changes nothing.
    again = owner_client.post(URL, {"token": token})
    assert again.status_code == 422 and "upload the file again" in again.content.decode()
    assert Client.objects.count() == 2


def test_a_token_is_the_uploaders_only_and_not_guessable(owner_client, alpha_client):
    token = _token(_upload(owner_client, GOOD).content.decode())
    other = login_as(alpha_client, OwnerFactory(), "alpha")
    assert other.post(URL, {"token": token}).status_code == 422
    assert other.post(URL, {"token": "x" * 32}).status_code == 422
    assert other.post(URL, {"token": "\x00"}).status_code in (400, 422)
    assert Client.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,phone\nAna,\x00119\n", "NUL bytes"),
        ("name,phone\nJoão,11912345678\n".encode("latin-1"), "not UTF-8"),
        (b"", "The submitted file is empty"),
        (b"email,notes\na@b.c,x\n", "The header needs columns name, phone"),
        (b"name,phone\n" + b"A,1\n" * (imports.UPLOAD_MAX_ROWS + 1), "more than 5000 rows"),
        (b"name,phone\n" + b"x" * imports.UPLOAD_MAX_BYTES, "larger than 2 MB"),
    ],
)
def test_files_refused_whole_with_a_clear_error(owner_client, data, message):
    response = _upload(owner_client, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Client.objects.count() == 0


def test_template_download_and_managers_only(owner_client, alpha_client):
    template = owner_client.get(URL + "template.csv")
    assert template["Content-Type"].startswith("text/csv")
    text = template.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(imports.FIELDS)
    # The template imports as it is.
    checked = _upload(owner_client, text).content.decode()
    assert "1 new" in checked and "rows with a problem" not in checked.replace("0 rows", "")
    assert 'href="/app/clients/import/"' in owner_client.get("/app/clients/").content.decode()

    login_as(alpha_client, UserFactory(), "alpha")
    assert alpha_client.get(URL).status_code == 403
    assert alpha_client.get(URL + "template.csv").status_code == 403
    assert 'href="/app/clients/import/"' not in alpha_client.get("/app/clients/").content.decode()


def test_the_import_page_of_a_pt_br_business_is_portuguese(
    owner_client, django_assert_max_num_queries
):
    from scheduling.models import BusinessSettings

    BusinessSettings.objects.filter(pk=1).update(language="pt-br")
    owner_client.get("/app/profile/")  # the plan's terms are cached after a business's first page
    with django_assert_max_num_queries(8):
        page = owner_client.get(URL)
    assert_no_english(page.content.decode())
    checked = _upload(owner_client, GOOD.replace("Carla;123", "Carla;12")).content.decode()
    assert_no_english(checked, allowed=("Ana Souza",))
    text = visible_text(checked)
    assert "Linha" in text and "falta o telefone" in text and "telefone inválido" in text
    assert "Aplicar a importação" in text
