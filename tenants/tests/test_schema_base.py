"""New businesses are clones of the migrated template schema: the same as a migrated one."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tenants.schema_base import base_schema_ensure, base_schema_is_current, base_schema_name

pytestmark = pytest.mark.django_db


def _catalogue(schema: str) -> dict[str, list]:
    """Everything a migration lays down in `schema`, with the schema's name taken out."""
    queries = {
        # The position among live columns (a clone has no dropped ones left to count).
        "columns": """SELECT c.relname, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                a.attname, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, a.attidentity, a.attgenerated, a.attcollation,
                pg_get_expr(d.adbin, d.adrelid)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind IN ('r', 'p')
                AND a.attnum > 0 AND NOT a.attisdropped""",
        "relations": """SELECT relname, relkind, relpersistence FROM pg_class
            WHERE relnamespace = %(ns)s::regnamespace AND relkind <> 't'""",
        "constraints": """SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),
                k.condeferrable, k.condeferred, k.convalidated
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE k.connamespace = %(ns)s::regnamespace""",
        "indexes": """SELECT indexname, tablename, indexdef FROM pg_indexes
            WHERE schemaname = %(ns)s""",
        "sequences": """SELECT sequencename, data_type, start_value, increment_by, max_value,
                cycle, last_value FROM pg_sequences WHERE schemaname = %(ns)s""",
        "functions": """SELECT proname, pg_get_functiondef(oid) FROM pg_proc
            WHERE pronamespace = %(ns)s::regnamespace""",
        "triggers": """SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid)
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal""",
        "migrations": "SELECT app, name FROM {schema}.django_migrations",
    }
    out = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('search_path', '', false)")  # every name qualified
        try:
            for key, sql in queries.items():
                cursor.execute(sql.format(schema=f'"{schema}"'), {"ns": schema})
                rows = [
                    tuple(
                        str(v).replace(f'"{schema}".', "<s>.").replace(f"{schema}.", "<s>.")
                        for v in row
                    )
                    for row in cursor.fetchall()
                ]
                out[key] = sorted(rows)
        finally:
            cursor.execute("SELECT set_config('search_path', 'public', false)")
            connection.set_schema_to_public()
    return out


def test_a_cloned_business_is_the_same_as_a_migrated_schema(tenant_alpha):
    # The template is made by running every migration; alpha (conftest) was cloned from it.
    assert base_schema_is_current()
    template, cloned = _catalogue(base_schema_name()), _catalogue(tenant_alpha.schema_name)
    for key in template:
        if key != "sequences":  # positions move as alpha's rows are written
            assert cloned[key] == template[key], key
    assert [row[:6] for row in cloned["sequences"]] == [row[:6] for row in template["sequences"]]
    assert len(template["columns"]) > 200 and len(template["indexes"]) > 100
    assert template["migrations"]  # migrations' own rows came along

    # The no-overlap guarantee is there, with btree_gist's operator classes from `public`
    # (TRAPS #1): a clone holds no extension of its own.
    exclusions = [row for row in cloned["constraints"] if row[2] == "x"]
    assert len(exclusions) == 1 and "EXCLUDE USING gist" in exclusions[0][3]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'btree_gist'"
        )
        assert cursor.fetchone() == ("public",)


def test_a_clone_refuses_an_overlapping_booking(tenant_beta):
    from django.db import IntegrityError, transaction

    from bookings.tests.factories import BookingFactory

    with schema_context(tenant_beta.schema_name):
        first = BookingFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            BookingFactory(service=first.service, resource=first.resource, client=first.client)


def test_the_template_is_migrated_when_a_migration_is_missing(monkeypatch):
    from tenants import schema_base

    schema = base_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE id = '  # noqa: S608
            f'(SELECT max(id) FROM "{schema}".django_migrations) RETURNING app, name'
        )
        app, name = cursor.fetchone()
    assert not base_schema_is_current()
    calls = []

    def migrate(command, **options):  # stands for migrate_schemas: records what it would
        calls.append((command, options["schema_name"]))
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{schema}".django_migrations (app, name, applied) '  # noqa: S608
                "VALUES (%s, %s, now())",
                [app, name],
            )

    monkeypatch.setattr(schema_base, "call_command", migrate)
    assert base_schema_ensure() is True
    assert calls == [("migrate_schemas", schema)]
    assert base_schema_is_current()
    assert base_schema_ensure() is False  # current: nothing to do
    assert len(calls) == 1


def test_migrate_schemas_passes_over_schemas_that_have_every_migration(tenant_alpha, monkeypatch):
    from tenants.migration_executor import get_executor, schemas_with_pending

    schemas = ["public", tenant_alpha.schema_name, "beta"]
    assert schemas_with_pending(schemas) == ["public"]
    with connection.cursor() as cursor:
        cursor.execute(
            'DELETE FROM "beta".django_migrations WHERE id = '
            '(SELECT max(id) FROM "beta".django_migrations)'
        )
    assert schemas_with_pending(schemas) == ["public", "beta"]

    ran = []
    executor = get_executor("standard")
    monkeypatch.setattr(
        executor.__bases__[0], "run_migrations", lambda self, tenants=None: ran.append(tenants)
    )
    executor([], {"verbosity": 0}).run_migrations(tenants=list(schemas))
    # Asked for something particular (here --fake), every schema goes through.
    executor([], {"verbosity": 0, "fake": True}).run_migrations(tenants=list(schemas))
    assert ran == [["public", "beta"], schemas]
