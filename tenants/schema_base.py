"""The template schema new businesses are cloned from (fast sign-up).

Running every tenant migration for a new business took about 3.6 s. Instead, a schema named
`settings.TENANT_BASE_SCHEMA` ("agendo_base": an underscore, so never a business's slug) is
migrated like any business and never used by one; `schema_clone` copies it with one script of
DDL made from its catalogue — tables, constraints (the no-overlap exclusion constraint with
btree_gist's operator classes, which live in `public`, TRAPS #1), indexes, sequences and the rows
migrations wrote, with the `django_migrations` rows — so the new schema is the same as a migrated
one (a test holds them equal) in a fraction of the time, with no migration to run after it.

The template keeps up with new migrations by itself: before each clone,
`base_schema_ensure` compares the migrations on disk with those recorded in the template and
migrates it if any is missing (once per deploy, under an advisory lock so two sign-ups do not
both do it). `manage.py base_schema` does the same ahead of time (`--rebuild`: from scratch).
It is not a `Tenant` row, so no tenant loop (beat, console, `migrate_schemas`) sees it.
"""

import functools

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists

_LOCK = 0x4147_454E_4442  # pg_advisory_xact_lock key of the template's upkeep ("AGENDB")


def base_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


@functools.cache
def _leaf_migrations() -> frozenset[tuple[str, str]]:
    """The newest migration of every app, as on disk (fixed for the life of a process)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def migrations_recorded(schema: str) -> set[tuple[str, str]]:
    """The (app, name) migrations `schema` holds; none when it has no migrations table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".django_migrations'])
        if not cursor.fetchone()[0]:
            return set()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
        return set(cursor.fetchall())


def base_schema_is_current() -> bool:
    """The template exists and holds every migration on disk. One or two queries."""
    schema = base_schema_name()
    return schema_exists(schema) and _leaf_migrations() <= migrations_recorded(schema)


def base_schema_ensure(*, rebuild: bool = False, verbosity: int = 0) -> bool:
    """Make the template current (create it, or migrate what it misses); `rebuild` drops it
    first. Returns whether anything was done. Safe to call concurrently."""
    schema = base_schema_name()
    if not rebuild and base_schema_is_current():
        return False
    previous = connection.schema_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        if not rebuild and base_schema_is_current():  # someone else did it meanwhile
            return False
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            if rebuild:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=schema,
            interactive=False,
            verbosity=verbosity,
        )
    connection.set_schema(previous) if previous != "public" else connection.set_schema_to_public()
    return True


def schema_clone(schema: str) -> None:
    """Create `schema` as a copy of the template (made current first), data included.

    One round trip of DDL generated from the template's catalogue once per process (and again
    when the template's migrations change): django-tenants' plpgsql `clone_schema` rebuilt
    every table's definition on each call, about 2.5 s here, most of a sign-up.
    """
    _check_schema_name(schema)  # it goes into the DDL below: a valid, unquoted-safe name only
    base_schema_ensure()
    script = _clone_script(frozenset(migrations_recorded(base_schema_name())))
    with connection.cursor() as cursor:
        cursor.execute(
            script.replace(_MARK, f'"{schema}".')
            .replace(_SCHEMA_MARK, f'"{schema}"')
            .replace(_NAME_MARK, schema.replace("'", "''"))
        )
    connection.set_schema_to_public()


_MARK = "\x00schema\x00."  # stands for the new schema's qualified prefix in the cached script
_SCHEMA_MARK = "\x00schema\x00"
_NAME_MARK = "\x00name\x00"  # the new schema's bare name (a slug), inside a string literal

# `LIKE ... INCLUDING ALL` copies indexes and their constraints (primary, unique, exclusion)
# as the catalogue holds them — an index's predicate is not re-parsed from text, which would
# come back written differently — but names them afresh. This gives each the template's name:
# LIKE creates a table's indexes in the order of their OIDs in the template, so the n-th of
# each table here is the n-th there. Renaming an index renames its constraint too. Two passes,
# so a fresh name that is another index's own never collides.
_INDEX_NAMES = """DO $clone$
DECLARE r record;
BEGIN
    CREATE TEMP TABLE clone_index_names AS
    SELECT n.oid AS new_oid, b.relname AS wanted FROM (
        SELECT i.indexrelid AS oid, c.relname AS tbl,
            row_number() OVER (PARTITION BY i.indrelid ORDER BY i.indexrelid) AS k
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = '\x00name\x00')
    ) n JOIN (
        SELECT ic.relname, tc.relname AS tbl,
            row_number() OVER (PARTITION BY i.indrelid ORDER BY i.indexrelid) AS k
        FROM pg_index i JOIN pg_class tc ON tc.oid = i.indrelid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE tc.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = '%(base)s')
    ) b ON b.tbl = n.tbl AND b.k = n.k;
    FOR r IN SELECT new_oid FROM clone_index_names LOOP
        EXECUTE format('ALTER INDEX %s RENAME TO %I', r.new_oid::regclass, 'clone_' || r.new_oid);
    END LOOP;
    FOR r IN SELECT new_oid, wanted FROM clone_index_names LOOP
        EXECUTE format('ALTER INDEX %s RENAME TO %I', r.new_oid::regclass, r.wanted);
    END LOOP;
    DROP TABLE clone_index_names;
END
$clone$"""


@functools.lru_cache(maxsize=1)
def _clone_script(_migrations: frozenset) -> str:
    """The statements that rebuild the template under another name (the key: its migrations).

    Tables with their columns, defaults, identity, CHECK constraints and storage (`LIKE`), the
    template's rows and identity positions, then primary, unique, exclusion and foreign keys,
    the other indexes, functions and triggers with their own names and definitions, read from
    the catalogue with an empty search path, so every name comes qualified and the template's
    can be renamed.
    """
    base = base_schema_name()
    old = f"{base}."
    rows: list[str] = [
        f"CREATE SCHEMA {_SCHEMA_MARK}",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        search_path = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('search_path', '', false)")
        try:
            cursor.execute(
                """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.oid""",
                [base],
            )
            tables = [name for (name,) in cursor.fetchall()]
            for table in tables:
                rows.append(
                    f'CREATE TABLE {_MARK}"{table}" (LIKE "{base}"."{table}" INCLUDING ALL)'
                )
            for table in tables:
                cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{base}"."{table}")')  # noqa: S608
                if cursor.fetchone()[0]:
                    rows.append(
                        f'INSERT INTO {_MARK}"{table}" OVERRIDING SYSTEM VALUE '  # noqa: S608
                        f'SELECT * FROM "{base}"."{table}"'
                    )
            cursor.execute(
                """SELECT c.relname, a.attname, s.relname
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_depend d ON d.refobjid = c.oid AND d.refobjsubid = a.attnum
                    AND d.deptype = 'i' AND d.classid = 'pg_class'::regclass
                JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                WHERE n.nspname = %s AND a.attidentity <> ''""",
                [base],
            )
            for _table, _column, sequence in cursor.fetchall():
                cursor.execute(
                    "SELECT format_type(seqtypid, NULL) FROM pg_sequence "
                    "WHERE seqrelid = %s::regclass",
                    [f'"{base}"."{sequence}"'],
                )
                (kind,) = cursor.fetchone()
                cursor.execute(f'SELECT last_value, is_called FROM "{base}"."{sequence}"')  # noqa: S608
                value, called = cursor.fetchone()
                # LIKE makes identity sequences bigint whatever the column: as the template's.
                rows.append(f'ALTER SEQUENCE {_MARK}"{sequence}" AS {kind}')
                rows.append(
                    f"SELECT setval('{_MARK}\"{sequence}\"', {int(value)}, "
                    f"{'true' if called else 'false'})"
                )
            rows.append(_INDEX_NAMES.replace("%(base)s", base))
            cursor.execute(
                """SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %s AND k.contype = 'f' ORDER BY c.oid, k.oid""",
                [base],
            )
            for table, name, definition in cursor.fetchall():
                rows.append(
                    f'ALTER TABLE {_MARK}"{table}" ADD CONSTRAINT "{name}" '
                    + definition.replace(old, _MARK)
                )
            cursor.execute(
                """SELECT pg_get_functiondef(p.oid) FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s
                ORDER BY p.oid""",
                [base],
            )
            rows += [definition.replace(old, _MARK) for (definition,) in cursor.fetchall()]
            cursor.execute(
                """SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
                JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %s AND NOT t.tgisinternal ORDER BY t.oid""",
                [base],
            )
            rows += [definition.replace(old, _MARK) for (definition,) in cursor.fetchall()]
        finally:
            cursor.execute("SELECT set_config('search_path', %s, false)", [search_path])
    return ";\n".join(rows) + ";"
