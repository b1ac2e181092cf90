"""TRAPS #1: btree_gist lives in the public schema, where every tenant schema can use it."""

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context


def test_btree_gist_extension_lives_in_the_public_schema(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname
            FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'btree_gist'
            """
        )
        rows = cursor.fetchall()
    assert rows == [("public",)]


@pytest.mark.parametrize("schema", ["alpha", "beta"])
def test_every_tenant_schema_can_build_a_no_overlap_constraint(tenant_alpha, tenant_beta, schema):
    # `r WITH =` on an integer in a GiST index needs btree_gist's operator classes.
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert schema in cursor.fetchone()[0]
        cursor.execute(
            "CREATE TEMP TABLE no_overlap_probe "
            "(r int, during tstzrange, EXCLUDE USING gist (r WITH =, during WITH &&))"
        )
        cursor.execute(
            "INSERT INTO no_overlap_probe VALUES "
            "(1, tstzrange('2030-01-01 10:00+00', '2030-01-01 11:00+00')), "
            "(1, tstzrange('2030-01-01 11:00+00', '2030-01-01 12:00+00')), "
            "(2, tstzrange('2030-01-01 10:00+00', '2030-01-01 11:00+00'))"
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "INSERT INTO no_overlap_probe VALUES "
                "(1, tstzrange('2030-01-01 10:30+00', '2030-01-01 10:45+00'))"
            )
        cursor.execute("DROP TABLE no_overlap_probe")


@pytest.mark.parametrize("schema", ["public", "alpha", "beta"])
def test_two_factor_tables_exist_for_operators_and_every_business(tenant_alpha, schema):
    # allauth.mfa is in SHARED_APPS and TENANT_APPS (TRAPS #3): migrate_schemas builds its table
    # in the public schema (operators) and in each business's (its team).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name = 'mfa_authenticator'",
            [schema],
        )
        assert cursor.fetchone() == (1,)
