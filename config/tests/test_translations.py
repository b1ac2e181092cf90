"""The pt-BR catalogue is complete and the language follows the business, the member or the
visitor, never the URL."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import messages as catalogue  # noqa: E402  (scripts/messages.py)

SKIP_DIRS = {".venv", ".git", "artifacts", "staticfiles", "media", ".local", ".hypothesis"}


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")),
    reason="GNU gettext (xgettext, msgmerge) is not installed: apt-get install gettext",
)
def test_every_marked_string_has_a_reviewed_portuguese_translation(tmp_path):
    """makemessages over a copy of the project adds nothing untranslated and leaves nothing fuzzy:
    a string marked without a translation, or changed since it was translated, fails here."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=lambda _dir, names: [n for n in names if n in SKIP_DIRS or n.endswith(".mo")],
    )
    catalogue.makemessages(destination=copy)
    with open(copy / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po", "rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    assert messages, "the catalogue is empty"
    todo = [
        m.id
        for m in messages
        if m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert todo == [], f"{len(todo)} without a reviewed translation: {todo[:15]}"
    # And every translation keeps its placeholders (%(name)s) as GNU gettext checks them.
    checked = subprocess.run(  # noqa: S603
        [
            shutil.which("msgfmt"),
            "--check-format",
            "-o",
            "/dev/null",
            str(catalogue.catalogue_path("pt_BR")),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_compiled_catalogue_is_used():
    from django.utils import translation

    catalogue.compile_all()
    with translation.override("pt-br"):
        assert translation.gettext("No such time") == "Horário inexistente"
    with translation.override("en"):
        assert translation.gettext("No such time") == "No such time"


# --- Which language a request gets (config/i18n.py) ------------------------------------------


def _business_language(language: str) -> None:
    from scheduling.models import BusinessSettings

    business = BusinessSettings.load()
    business.language = language
    business.save()


def test_the_platform_follows_the_browser(platform_client):
    portuguese = platform_client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9,en;q=0.5")
    assert portuguese["Content-Language"] == "pt-br"
    assert "Accept-Language" in portuguese["Vary"]
    english = platform_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert english["Content-Language"] == "en"
    assert platform_client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE")["Content-Language"] == "en"


def test_a_business_page_speaks_the_business_language_whatever_the_browser(alpha, alpha_client):
    _business_language("pt-br")
    response = alpha_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert response["Content-Language"] == "pt-br"
    _business_language("en")
    assert alpha_client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR")["Content-Language"] == "en"


def test_a_visitor_switches_language_and_keeps_it_on_the_same_urls(alpha, alpha_client):
    _business_language("pt-br")
    response = alpha_client.post("/i18n/setlang/", {"language": "en", "next": "/?x=1"})
    assert response.status_code == 302 and response["Location"] == "/?x=1"
    cookie = response.cookies["agendo_language"]
    assert cookie.value == "en" and cookie["max-age"] == 60 * 60 * 24 * 365
    assert alpha_client.get("/")["Content-Language"] == "en"
    alpha_client.post("/i18n/setlang/", {"language": "pt-br", "next": "/"})
    assert alpha_client.get("/")["Content-Language"] == "pt-br"
    # A language we do not have, or a foreign next, changes nothing and goes nowhere else.
    refused = alpha_client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.test/"})
    assert refused["Location"] == "/" and alpha_client.get("/")["Content-Language"] == "pt-br"


def test_staff_pages_speak_the_members_language_or_the_business(alpha, alpha_client):
    from accounts.tests.factories import OwnerFactory
    from conftest import login_as

    _business_language("pt-br")
    owner = OwnerFactory()
    login_as(alpha_client, owner, "alpha")
    alpha_client.cookies["agendo_language"] = "en"  # the visitor's switch is for the public pages
    assert alpha_client.get("/app/")["Content-Language"] == "pt-br"
    owner.language = "en"
    owner.save()
    assert alpha_client.get("/app/")["Content-Language"] == "en"
    assert alpha_client.get("/", HTTP_ACCEPT_LANGUAGE="pt")["Content-Language"] == "en"


def test_a_members_account_pages_follow_their_language(alpha, alpha_client):
    from accounts.tests.factories import OwnerFactory
    from conftest import login_as

    _business_language("pt-br")
    owner = OwnerFactory(language="en")
    assert alpha_client.get("/accounts/login/")["Content-Language"] == "pt-br"  # not signed in
    login_as(alpha_client, owner, "alpha")
    assert alpha_client.get("/accounts/2fa/")["Content-Language"] == "en"
