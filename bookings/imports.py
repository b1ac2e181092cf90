"""Clients from a CSV file (`import_clients`, and the dashboard's Clients → Import): header
mapping, row checks, create or update.

Enter the business's schema first. Rows are checked one by one; a bad row is reported and
skipped, never fatal. Messages are in the active language (the command's: English).
"""

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.errors import BookingError
from bookings.models import Client, Source
from bookings.phones import phone_normalize

FIELDS = ("name", "phone", "email", "notes", "tags", "vip", "birth_date", "whatsapp_consent")
REQUIRED = ("name", "phone")

# Header spellings people export from spreadsheets and other booking tools (compared without
# case, accents, spaces, dashes or underscores).
HEADER_ALIASES = {
    "name": ["name", "full name", "client", "client name", "customer", "nome", "nome completo",
             "cliente"],
    "phone": ["phone", "phone number", "telephone", "tel", "mobile", "cell", "cell phone",
              "telefone", "celular", "fone"],
    "email": ["email", "e-mail", "mail", "email address"],
    "notes": ["notes", "note", "comments", "observations", "notas", "observacoes", "obs"],
    "tags": ["tags", "tag", "labels", "etiquetas"],
    "vip": ["vip", "is vip"],
    "birth_date": ["birth date", "birthdate", "birthday", "date of birth", "dob",
                   "data de nascimento", "nascimento", "aniversario"],
    "whatsapp_consent": ["whatsapp consent", "consent", "opt in", "whatsapp opt in",
                         "consentimento whatsapp", "aceita whatsapp"],
}  # fmt: skip

TRUE = {"1", "true", "yes", "y", "x", "sim", "s", "verdadeiro", "v"}
FALSE = {"0", "false", "no", "n", "nao", "não", "falso", "f"}
NAME_MAX = Client._meta.get_field("name").max_length
TAG_MAX = Client._meta.get_field("tags").base_field.max_length


class ImportFileError(Exception):
    """The file as a whole cannot be read (no header, no name or phone column)."""


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-]+", " ", plain).strip().lower()


_ALIAS_TO_FIELD = {
    _key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


@dataclass(frozen=True)
class CsvColumns:
    """Which cell holds which client field; columns we do not know are ignored (and listed)."""

    positions: dict[str, int]
    ignored: list[str]


def csv_columns(header: list[str]) -> CsvColumns:
    positions: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        name = _ALIAS_TO_FIELD.get(_key(title))
        if name is None or name in positions:
            if title.strip():
                ignored.append(title.strip())
            continue
        positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        found = ", ".join(repr(h) for h in header) or _("nothing")
        raise ImportFileError(
            _("The header needs columns %(missing)s; found %(found)s.")
            % {"missing": ", ".join(missing), "found": found}
        )
    return CsvColumns(positions=positions, ignored=ignored)


def csv_read(stream: IO[str]) -> tuple[CsvColumns, Iterator[tuple[int, dict[str, str]]]]:
    """The columns, and `(line number, {field: cell})` for each non-blank row after the header.

    The delimiter is whichever of `,` `;` or tab the header uses most (spreadsheets set to
    Portuguese save with `;`). Line numbers are the file's, counting a quoted multi-line cell.
    """
    first = stream.readline()
    if not first.strip():
        raise ImportFileError(_("The file is empty: it needs a header line with name and phone."))
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(_chain(first, stream), delimiter=delimiter)
    columns = csv_columns(next(reader))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        last = reader.line_num
        for cells in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            yield (
                line,
                {
                    name: cells[index].strip() if index < len(cells) else ""
                    for name, index in columns.positions.items()
                },
            )

    return columns, rows()


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


# --- One row -------------------------------------------------------------------------------------


class RowError(Exception):
    """Why a row is skipped, in words for the person who made the file."""


@dataclass(frozen=True)
class RowResult:
    line: int
    outcome: str  # "created", "updated", "unchanged" or "skipped"
    name: str = ""
    phone: str = ""
    reason: str = ""

    def __str__(self) -> str:
        if self.outcome == "skipped":
            return f"line {self.line}: skipped — {self.reason}"
        return f"line {self.line}: {self.outcome} {self.name} ({self.phone})"


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    dry_run: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def skipped(self) -> list[RowResult]:
        return [row for row in self.rows if row.outcome == "skipped"]

    def summary(self) -> str:
        text = (
            f"{len(self.rows)} rows: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped"
        )
        return text + (" (dry run: nothing saved)" if self.dry_run else "")


def _boolean(raw: str, label: str) -> bool | None:
    text = raw.strip().lower()
    if not text:
        return None
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise RowError(
        _("%(column)s should be yes or no, not %(value)r") % {"column": label, "value": raw}
    )


def _date(raw: str, *, region: str) -> dt.date | None:
    text = raw.strip()
    if not text:
        return None
    # ISO, else day first (31/12/1990) as everywhere but the United States.
    order = ("%m", "%d") if region.upper() == "US" else ("%d", "%m")
    formats = ["%Y-%m-%d"] + [sep.join((*order, y)) for y in ("%Y", "%y") for sep in "/.-"]
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt.endswith("%y") and parsed > timezone.localdate():
            parsed = parsed.replace(year=parsed.year - 100)  # "05/03/50" is 1950, not 2050
        if parsed > timezone.localdate():
            raise RowError(_("birth date %(value)r is in the future") % {"value": raw})
        return parsed
    raise RowError(_("birth date %(value)r is not a date (use YYYY-MM-DD)") % {"value": raw})


def _tags(raw: str) -> list[str]:
    tags = list(dict.fromkeys(t.strip() for t in re.split(r"[,;|]", raw) if t.strip()))
    too_long = [tag for tag in tags if len(tag) > TAG_MAX]
    if too_long:
        raise RowError(
            _("tag %(tag)r is longer than %(max)d characters")
            % {"tag": too_long[0], "max": TAG_MAX}
        )
    return tags


def _cleaned(row: Mapping[str, str], *, region: str) -> dict:
    """The row's values in the model's types; empty cells are left out (they change nothing)."""
    name = (row.get("name") or "").strip()
    raw_phone = (row.get("phone") or "").strip()
    if not name:
        raise RowError(_("missing name"))
    if len(name) > NAME_MAX:
        raise RowError(_("name is longer than %(max)d characters") % {"max": NAME_MAX})
    if not raw_phone:
        raise RowError(_("missing phone"))
    try:
        phone = phone_normalize(raw_phone, region=region)
    except BookingError:
        raise RowError(_("invalid phone %(value)r") % {"value": raw_phone}) from None
    values: dict = {"name": name, "phone": phone}
    if email := (row.get("email") or "").strip().lower():
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(_("invalid e-mail %(value)r") % {"value": email}) from None
        values["email"] = email
    if notes := (row.get("notes") or "").strip():
        values["notes"] = notes
    if tags := _tags(row.get("tags") or ""):
        values["tags"] = tags
    if (vip := _boolean(row.get("vip") or "", "vip")) is not None:
        values["is_vip"] = vip
    if (birth := _date(row.get("birth_date") or "", region=region)) is not None:
        values["birth_date"] = birth
    consent = _boolean(row.get("whatsapp_consent") or "", "whatsapp_consent")
    if consent is not None:
        values["whatsapp_consent"] = consent
    return values


def _apply(client: Client, values: dict) -> list[str]:
    """Set the row's values on `client`; the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        # Tags and notes are added to what staff wrote, never replacing it.
        if name == "tags":
            value = list(dict.fromkeys([*client.tags, *value]))
        elif name == "notes":
            if value in client.notes:
                continue
            value = f"{client.notes}\n{value}" if client.notes else value
        if getattr(client, name) != value:
            setattr(client, name, value)
            changed.append(name)
    if "whatsapp_consent" in changed:
        client.whatsapp_consent_at = timezone.now() if client.whatsapp_consent else None
        changed.append("whatsapp_consent_at")
    return changed


def _import_row(line: int, row: Mapping[str, str], *, region: str) -> RowResult:
    values = _cleaned(row, region=region)
    client = Client.objects.filter(phone=values["phone"], is_active=True).first()
    if client is None:
        client = Client(source=Source.IMPORT)
        _apply(client, values)
        client.save()
        outcome = "created"
    else:
        changed = _apply(client, values)
        if changed:
            client.save(update_fields=[*changed, "updated_at"])
        outcome = "updated" if changed else "unchanged"
    return RowResult(line=line, outcome=outcome, name=client.name, phone=client.phone)


@transaction.atomic
def client_import_rows(
    *, rows: Iterable[tuple[int, Mapping[str, str]]], region: str, dry_run: bool = False
) -> ImportReport:
    """Create or update one active client per row, found by phone normalised with `region`.

    `rows` are `(line number, {field: cell})` as `csv_read` gives them. One transaction for
    the file, a savepoint per row: a refused row is skipped with its reason and the others are
    saved. A later row with the same phone updates the client an earlier row made. With
    `dry_run` everything is done and checked, then rolled back.
    """
    report = ImportReport(dry_run=dry_run)
    for line, row in rows:
        try:
            with transaction.atomic():
                result = _import_row(line, row, region=region)
        except RowError as exc:
            result = RowResult(line=line, outcome="skipped", reason=str(exc))
        except DatabaseError as exc:  # a constraint we did not foresee: skip, do not stop
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            result = RowResult(
                line=line, outcome="skipped", reason=_("not saved: %(reason)s") % {"reason": reason}
            )
        report.rows.append(result)
    if dry_run:
        transaction.set_rollback(True)
    return report


# --- An upload in the dashboard: checked first (a dry run), then applied ------------------------
# The file's text waits in the cache between the two steps under a random key bound to the member
# who uploaded it (and, through the cache's key function, to the business): the browser only
# holds the key, so what is applied is exactly what was checked.

UPLOAD_MAX_BYTES = 2 * 1024 * 1024
UPLOAD_MAX_ROWS = 5000
UPLOAD_KEEP_SECONDS = 30 * 60
_STASH_KEY = "client-import:{token}"


def upload_text(data: bytes) -> str:
    """The uploaded file as text: UTF-8 (a BOM allowed), no NUL byte, at most 2 MB."""
    if len(data) > UPLOAD_MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d MB; split it in smaller files.")
            % {"size": UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    if b"\x00" in data:
        raise ImportFileError(
            _("This is not a CSV text file (it holds NUL bytes). Save it as CSV and try again.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The file is not UTF-8 text. In your spreadsheet choose “CSV UTF-8” when you "
                "save it, and try again."
            )
        ) from None


def upload_rows(text: str) -> tuple[CsvColumns, list[tuple[int, dict[str, str]]]]:
    """The columns and every row of `text`, refused past UPLOAD_MAX_ROWS rows."""
    import io

    try:
        columns, rows = csv_read(io.StringIO(text, newline=""))
        kept = []
        for row in rows:
            if len(kept) == UPLOAD_MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(count)d rows; split it in smaller files.")
                    % {"count": UPLOAD_MAX_ROWS}
                )
            kept.append(row)
    except csv.Error as exc:
        raise ImportFileError(
            _("The file cannot be read as CSV: %(error)s") % {"error": exc}
        ) from None
    return columns, kept


def upload_stash(*, text: str, user_id: int) -> str:
    """Keep a checked file's text for its apply step; the key to give back."""
    import secrets

    from django.core.cache import cache

    token = secrets.token_urlsafe(24)
    cache.set(_STASH_KEY.format(token=token), (user_id, text), UPLOAD_KEEP_SECONDS)
    return token


def upload_unstash(*, token: str, user_id: int) -> str | None:
    """The text kept under `token` for this member (None: unknown, expired or someone else's);
    taken once: a second apply finds nothing."""
    from django.core.cache import cache

    if not re.fullmatch(r"[A-Za-z0-9_-]{32}", token or ""):
        return None
    key = _STASH_KEY.format(token=token)
    kept = cache.get(key)
    if not kept or kept[0] != user_id:
        return None
    cache.delete(key)
    return kept[1]


def upload_template_rows() -> list[list[str]]:
    """The downloadable example: the header the import reads and one filled-in row."""
    return [
        list(FIELDS),
        [
            "Ana Souza",
            "+55 11 91234-5678",
            "ana@example.com",
            _("Prefers mornings"),
            _("regular, beard"),
            "no",
            "1990-05-31",
            "yes",
        ],
    ]
