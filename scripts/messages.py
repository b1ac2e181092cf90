#!/usr/bin/env python
"""The translation catalogue: locale/<lang>/LC_MESSAGES/django.po, one for the whole project.

    python scripts/messages.py extract            # makemessages (GNU gettext), then compile
    python scripts/messages.py missing [PATH ...] # untranslated or fuzzy entries, as JSON to fill
    python scripts/messages.py translate FILE     # put the translations of a JSON file in, compile
    python scripts/messages.py compile            # .po → .mo with Babel (no gettext needed)

`extract` and `translate` hold a lock, so several people (or helpers) can run them at once in one
checkout. A JSON file maps msgid → msgstr; a msgid with a context is "context\\u0004msgid"; a
plural entry maps its singular msgid to a list of forms (pt-BR: [one, other]).

Extracting needs GNU gettext's xgettext/msgmerge (`make test` installs it with apt where it can);
compiling does not: `make run` and `make test` compile with Babel, already a dependency.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ["pt_BR"]
# Directories makemessages never reads: tools, tests (which mark nothing), generated files.
IGNORE = [".venv", "artifacts", "staticfiles", "media", "bench", "scripts", "tests", ".local"]
CONTEXT_SEPARATOR = "\u0004"


def catalogue_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


@contextlib.contextmanager
def _locked():
    LOCALE.mkdir(exist_ok=True)
    with open(LOCALE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle, abort_invalid=True)


def _write(catalog, path: Path) -> None:
    tmp = path.with_suffix(".po.tmp")
    with open(tmp, "wb") as handle:
        write_po(handle, catalog, width=99, include_lineno=False, include_previous=True)
    tmp.replace(path)


def makemessages(destination: Path = ROOT) -> None:
    """Run Django's makemessages in `destination` (the project, or a copy of it, for a test)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    command = [sys.executable, "manage.py", "makemessages", "--add-location=file", "--no-wrap"]
    command += [f"--locale={language}" for language in LANGUAGES]
    command += [f"--ignore={name}" for name in IGNORE]
    subprocess.run(command, cwd=destination, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    for language in LANGUAGES:
        path = destination / "locale" / language / "LC_MESSAGES" / "django.po"
        if not path.exists():  # nothing marked yet: an empty catalogue
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(Catalog(locale=language), path)
        catalog = _read(path)
        # makemessages writes a template's header on a new catalogue: make it say what it is.
        catalog.project, catalog.version = "Agendo", "1"
        catalog.language_team = catalog.last_translator = "Agendo <dev@agendo.app>"
        catalog.locale = language
        catalog._num_plurals = catalog._plural_expr = None  # Babel's, from the language
        catalog.fuzzy = False
        _write(catalog, path)


def compile_all() -> list[Path]:
    written = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = _read(po)
        tmp = mo.with_suffix(".mo.tmp")
        with open(tmp, "wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        tmp.replace(mo)
        written.append(mo)
    return written


def _key(message) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return f"{message.context}{CONTEXT_SEPARATOR}{msgid}" if message.context else msgid


def _untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return message.fuzzy or not all(strings)


def missing(language: str, prefixes: list[str]) -> dict:
    found = {}
    for message in _read(catalogue_path(language)):
        if not message.id or not _untranslated(message):
            continue
        files = [path for path, _line in message.locations]
        if prefixes and not any(f.startswith(tuple(prefixes)) for f in files):
            continue
        plural = isinstance(message.id, tuple | list)
        found[_key(message)] = ["", ""] if plural else ""
    return found


def translate(language: str, translations: dict) -> list[str]:
    """Put `translations` in; the keys the catalogue does not have (not marked yet, or a typo)."""
    path = catalogue_path(language)
    catalog = _read(path)
    by_key = {_key(message): message for message in catalog if message.id}
    unknown = []
    for key, value in translations.items():
        message = by_key.get(key)
        if message is None:
            unknown.append(key)
            continue
        plural = isinstance(message.id, tuple | list)
        if plural:
            forms = [value] * 2 if isinstance(value, str) else list(value)
            message.string = tuple(forms)
        else:
            message.string = value if isinstance(value, str) else value[0]
        if "fuzzy" in message.flags:
            message.flags.discard("fuzzy")
        message.previous_id = []
    _write(catalog, path)
    return unknown


def main(argv: list[str]) -> int:
    command, *args = argv or ["help"]
    language = "pt_BR"
    if command == "compile":
        for mo in compile_all():
            print(f"compiled {mo.relative_to(ROOT)}")
        return 0
    if command == "extract":
        with _locked():
            makemessages()
            compile_all()
        print(f"{catalogue_path(language).relative_to(ROOT)}: {len(missing(language, []))} to do")
        return 0
    if command == "missing":
        print(json.dumps(missing(language, args), ensure_ascii=False, indent=1))
        return 0
    if command == "translate":
        translations = json.loads(Path(args[0]).read_text())
        with _locked():
            makemessages()
            unknown = translate(language, translations)
            compile_all()
        for key in unknown:
            print(f"not in the catalogue (mark it first, or check the spelling): {key!r}")
        left = missing(language, [])
        print(f"{len(translations) - len(unknown)} translated; {len(left)} still to do in all")
        return 1 if unknown else 0
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
