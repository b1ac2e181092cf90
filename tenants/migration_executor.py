"""`migrate_schemas` passes over businesses that have every migration (GET_EXECUTOR_FUNCTION).

With nothing pending, django-tenants still ran Django's whole `migrate` in every schema — the
migration graph, the consistency check, and the post_migrate content types and permissions —
about 2.5 s a business here, so 200 businesses took minutes. Before handing the businesses to
the chosen executor (standard, multiprocessing...), one query per schema reads its recorded
migrations; a schema that holds every migration on disk is left alone (a migration that adds a
model is what adds its content type and permissions, so nothing is missed). The public schema,
and every schema when the command is asked anything particular (an app or a target migration,
--fake, --fake-initial, --plan, --check, --prune, --run-syncdb), go through as before. The
template schema new businesses are cloned from is not a business: `tenants.schema_base` keeps
it current.
"""

from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as tenants_executor
from django_tenants.utils import get_public_schema_name

from tenants.schema_base import migrations_recorded

_PARTICULAR = ("fake", "fake_initial", "plan", "check_unapplied", "prune", "run_syncdb")


def schemas_with_pending(schemas: list[str]) -> list[str]:
    """Those of `schemas` that miss a migration on disk (the public schema always)."""
    expected = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    public = get_public_schema_name()
    return [s for s in schemas if s == public or not expected <= migrations_recorded(s)]


def get_executor(codename: str | None = None):
    base = tenants_executor(codename)

    class SkipCurrent(base):
        def _particular(self) -> bool:
            return bool(
                self.options.get("app_label")
                or self.options.get("migration_name")
                or any(self.options.get(flag) for flag in _PARTICULAR)
            )

        def run_migrations(self, tenants=None):
            tenants = list(tenants or [])
            if tenants and not self._particular():
                pending = schemas_with_pending(tenants)
                skipped = len(tenants) - len(pending)
                if skipped and int(self.options.get("verbosity", 1)) >= 1:
                    print(f"{skipped} of {len(tenants)} schemas have every migration: skipped.")
                tenants = pending
            if tenants:
                return super().run_migrations(tenants=tenants)

    SkipCurrent.__name__ = f"SkipCurrent{base.__name__}"
    return SkipCurrent
