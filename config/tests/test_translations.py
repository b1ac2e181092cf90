"""The pt-BR catalogue is complete and the language follows the business, the member or the
visitor, never the URL."""

import shutil
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


def test_the_compiled_catalogue_is_used():
    from django.utils import translation

    catalogue.compile_all()
    with translation.override("pt-br"):
        assert translation.gettext("No such time") == "Horário inexistente"
    with translation.override("en"):
        assert translation.gettext("No such time") == "No such time"
