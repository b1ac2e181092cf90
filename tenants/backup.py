"""One business's backup in one file, and its restore into a new or the same schema (operators).

The file is gzip'd text: a JSON header line (the tenant row, its domains and WhatsApp routing,
the schema's applied migrations), then for every table of the schema a JSON line naming it and
its columns, its rows in PostgreSQL's COPY text format, and a `\\.` line. COPY's text format is
PostgreSQL's own faithful spelling of every type (ranges, arrays, JSON, time zones), and no row
can be exactly `\\.` (backslashes are escaped), so the file streams in and out in flat memory.
No schema name is inside the data, so it restores under another slug.

The structure is not in the file: a restore builds the schema with this code's migrations and
refuses a backup taken at another set of migrations (restore with the code that made it, then
migrate). Like the rest of the public schema, this module knows no tenant-schema app: it copies
tables, not models.
"""

import datetime as dt
import gzip
import json
from dataclasses import dataclass, field
from typing import IO

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.postgresql_backend.base import is_valid_schema_name
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from tenants.models import Domain, Plan, Tenant, WhatsAppContact, WhatsAppNumber
from tenants.services import tenant_domain_for, whatsapp_number_route

FORMAT = "agendo-tenant-backup"
VERSION = 1
END_OF_TABLE = b"\\.\n"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass
class RestoreResult:
    tenant: Tenant
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_tables(schema: str) -> list[str]:
    """The schema's ordinary tables, by name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        )
        return [name for (name,) in cursor.fetchall()]


def _columns(schema: str, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            [schema, table],
        )
        return [name for (name,) in cursor.fetchall()]


def _migrations(schema: str) -> list[list[str]]:
    if "django_migrations" not in schema_tables(schema):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT app, name FROM {_quote(schema)}.django_migrations ORDER BY app, name"  # noqa: S608
        )
        return [[app, name] for app, name in cursor.fetchall()]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _header(tenant: Tenant) -> dict:
    number = WhatsAppNumber.objects.filter(tenant=tenant).first()
    contacts = WhatsAppContact.objects.filter(tenant=tenant).order_by("pk")
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "schema": tenant.schema_name,
        "tenant": {
            "name": tenant.name,
            "is_active": tenant.is_active,
            "plan": tenant.plan.code if tenant.plan else None,
            "timezone": tenant.timezone,
            "business_type": tenant.business_type,
            "phone": tenant.phone,
            "address": tenant.address,
            "created_at": _iso(tenant.created_at),
        },
        "domains": [
            {"domain": d.domain, "is_primary": d.is_primary}
            for d in Domain.objects.filter(tenant=tenant).order_by("pk")
        ],
        "whatsapp_number": number.phone_number_id if number else "",
        "whatsapp_contacts": [
            {
                "phone_number_id": c.phone_number_id,
                "phone": c.phone,
                "last_sent_at": _iso(c.last_sent_at),
            }
            for c in contacts
        ],
        "migrations": _migrations(tenant.schema_name),
    }


def tenant_backup(*, tenant: Tenant, fileobj: IO[bytes]) -> dict[str, int]:
    """Write the business's backup into `fileobj` (binary); the rows written per table.

    Read in one REPEATABLE READ transaction: every table as of the same moment.
    """
    if tenant.schema_name == get_public_schema_name():
        raise BackupError("The public schema is not a business.")
    schema = tenant.schema_name
    counts: dict[str, int] = {}
    outermost = not connection.in_atomic_block
    with transaction.atomic(), gzip.open(fileobj, "wb") as out:
        if outermost:  # inside a caller's transaction, its snapshot rules
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        out.write(json.dumps(_header(tenant), ensure_ascii=False).encode() + b"\n")
        for table in schema_tables(schema):
            columns = _columns(schema, table)
            out.write(json.dumps({"table": table, "columns": columns}).encode() + b"\n")
            names = ", ".join(_quote(c) for c in columns)
            count = 0
            with connection.cursor() as cursor:
                sql = f"COPY {_quote(schema)}.{_quote(table)} ({names}) TO STDOUT"
                with cursor.copy(sql) as copy:
                    for data in copy:
                        out.write(data)
                        count += bytes(data).count(b"\n")
            out.write(END_OF_TABLE)
            counts[table] = count
    return counts


# --- Restore -------------------------------------------------------------------------------------


def _read_header(source) -> dict:
    try:
        header = json.loads(source.readline())
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"Not an Agendo business backup ({exc}).") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("Not an Agendo business backup.")
    if header.get("version") != VERSION:
        raise BackupError(f"Backup format version {header.get('version')} is not supported.")
    return header


def _schema_has_rows(schema: str) -> bool:
    with connection.cursor() as cursor:
        for table in schema_tables(schema):
            if table == "django_migrations":
                continue
            qualified = f"{_quote(schema)}.{_quote(table)}"
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {qualified})")  # noqa: S608
            if cursor.fetchone()[0]:
                return True
    return False


def _target(header: dict, slug: str, replace: bool, result_warnings: list[str]) -> Tenant:
    """The tenant to restore into: the existing one (with `replace`) or a new one."""
    tenant = Tenant.objects.filter(schema_name=slug).first()
    if tenant is not None:
        if not replace and _schema_has_rows(slug):
            raise BackupError(
                f"The business “{slug}” exists and has data; use --replace to overwrite it."
            )
        return tenant
    if slug == get_public_schema_name() or not is_valid_schema_name(slug):
        raise BackupError(f"“{slug}” cannot be a business's schema name.")
    if schema_exists(slug) and not replace and _schema_has_rows(slug):
        raise BackupError(f"The schema “{slug}” exists and has data; use --replace.")
    data = header["tenant"]
    tenant = Tenant(
        schema_name=slug,
        name=data["name"],
        is_active=data["is_active"],
        plan=Plan.objects.filter(code=data["plan"]).first() if data["plan"] else None,
        timezone=data["timezone"],
        business_type=data["business_type"],
        phone=data["phone"],
        address=data["address"],
    )
    tenant.save(verbosity=0)  # creates the schema and runs this code's migrations in it
    if slug == header["schema"]:  # the business itself, back: its own domains if still free
        for domain in header["domains"]:
            if Domain.objects.filter(domain=domain["domain"]).exists():
                result_warnings.append(f"Domain {domain['domain']} belongs to another business.")
                continue
            Domain.objects.create(tenant=tenant, **domain)
    if not Domain.objects.filter(tenant=tenant, is_primary=True).exists():
        Domain.objects.create(tenant=tenant, domain=tenant_domain_for(slug), is_primary=True)
    return tenant


def _check_same_structure(header: dict, schema: str, tables: list[str]) -> None:
    ours = {tuple(m) for m in _migrations(schema)}
    theirs = {tuple(m) for m in header["migrations"]}
    if ours != theirs:
        missing = sorted(theirs - ours)[:5]
        extra = sorted(ours - theirs)[:5]
        raise BackupError(
            "The backup was taken at other migrations than this code's "
            f"(only in the backup: {missing or 'none'}; only here: {extra or 'none'}). "
            "Restore it with the code that made it, then migrate."
        )
    if set(tables) != set(schema_tables(schema)):
        raise BackupError("The backup's tables differ from this code's; restore with its code.")


def _reset_sequences(schema: str) -> None:
    """Identity and serial counters continue after the restored rows' highest ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = %s"
            " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%%')",
            [schema],
        )
        for table, column in cursor.fetchall():
            qualified, top = f"{_quote(schema)}.{_quote(table)}", f"MAX({_quote(column)})"
            query = f"SELECT setval(%s::regclass, COALESCE({top}, 1), {top} IS NOT NULL) FROM {qualified}"  # noqa: S608, E501
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [qualified, column])
            cursor.execute(query, [cursor.fetchone()[0]])


def _copy_in(source, schema: str, tables: list[str], rows: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        names = ", ".join(f"{_quote(schema)}.{_quote(t)}" for t in tables)
        # Rows the new schema's migrations just wrote have their foreign-key checks pending,
        # which TRUNCATE refuses: run them now; then defer them again (tables come in any order).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        while line := source.readline():
            spec = json.loads(line)
            table, columns = spec["table"], spec["columns"]
            count = 0
            quoted = ", ".join(_quote(c) for c in columns)
            sql = f"COPY {_quote(schema)}.{_quote(table)} ({quoted}) FROM STDIN"
            with cursor.copy(sql) as copy:
                while (row := source.readline()) != END_OF_TABLE:
                    if not row:
                        raise BackupError(f"The backup ends inside table {table}.")
                    copy.write(row)
                    count += 1
            rows[table] = count


def _scan_tables(path_or_file) -> list[str]:
    tables = []
    with gzip.open(path_or_file, "rb") as source:
        _read_header(source)
        while line := source.readline():
            tables.append(json.loads(line)["table"])
            while (row := source.readline()) != END_OF_TABLE:
                if not row:
                    raise BackupError("The backup is cut short.")
    return tables


@transaction.atomic
def tenant_restore(*, path: str, slug: str | None = None, replace: bool = False) -> RestoreResult:
    """Restore the backup at `path` into business `slug` (the backup's own when None).

    A new slug gets a new business (schema, migrations, tenant and domain rows). An existing
    business is overwritten only with `replace`. All of it in one transaction: a refusal or a
    failure halfway leaves the database as it was.
    """
    from tenants.middleware import tenant_cache_clear

    tables = _scan_tables(path)
    with gzip.open(path, "rb") as source:
        header = _read_header(source)
        slug = (slug or header["schema"]).strip().lower()
        warnings: list[str] = []
        tenant = _target(header, slug, replace, warnings)
        connection.set_schema_to_public()
        _check_same_structure(header, slug, tables)
        result = RestoreResult(tenant=tenant, warnings=warnings)
        _copy_in(source, slug, tables, result.rows)
    _reset_sequences(slug)

    if header["whatsapp_number"]:
        try:
            whatsapp_number_route(tenant=tenant, phone_number_id=header["whatsapp_number"])
        except ValueError:
            result.warnings.append(
                f"WhatsApp number {header['whatsapp_number']} stays with the business that uses "
                "it; this copy's replies will not be routed to it."
            )
    if slug == header["schema"]:
        WhatsAppContact.objects.bulk_create(
            [
                WhatsAppContact(
                    tenant=tenant,
                    phone_number_id=c["phone_number_id"],
                    phone=c["phone"],
                    last_sent_at=dt.datetime.fromisoformat(c["last_sent_at"]),
                )
                for c in header["whatsapp_contacts"]
            ],
            ignore_conflicts=True,
        )
    # COPY sends no signal: the business's cached free slots are left behind by hand.
    from scheduling.slot_version import slots_changed

    with schema_context(slug):
        slots_changed()
    transaction.on_commit(tenant_cache_clear)
    return result
