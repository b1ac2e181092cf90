"""Django's psycopg pool with django-tenants (DATABASE_POOL=1): one pooled connection serves
two businesses' requests in turn, and no request ever reads the other business's schema
(TRAPS #15: a search_path left on a shared connection once added a user to the wrong tenant)."""

import pytest
from django.db import close_old_connections, connections

from config.database import pool_options, search_path_reset
from conftest import host_client
from scheduling.models import BusinessSettings


@pytest.fixture
def pooled(db, django_db_blocker):
    """The default connection swapped for one drawing on a pool of a single connection."""
    original = connections["default"]
    settings_dict = {
        **original.settings_dict,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            **original.settings_dict.get("OPTIONS", {}),
            "pool": {"min_size": 1, "max_size": 1, "timeout": 5, "reset": search_path_reset},
        },
    }
    wrapper = type(original)(settings_dict, alias="default")
    connections["default"] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        wrapper.close_pool()
        connections["default"] = original


def _idle_search_path(pool) -> str:
    """The search_path of the pool's connection while no request holds it."""
    with pool.connection() as conn:
        return conn.execute("SHOW search_path").fetchone()[0]


def test_two_businesses_interleaved_on_one_pooled_connection_never_see_each_other(pooled):
    from django_tenants.utils import schema_context

    names = {}
    for schema in ("alpha", "beta"):
        with schema_context(schema):
            names[schema] = BusinessSettings.load().display_name
        pooled.close()  # back to the pool before the next business
    assert names["alpha"] and names["beta"] and names["alpha"] != names["beta"]
    clients = {schema: host_client(f"{schema}.localhost") for schema in names}

    for schema in ["alpha", "beta", "alpha", "alpha", "beta", "beta", "alpha"]:
        response = clients[schema].get("/")
        close_old_connections()  # request_finished's handler (the test client leaves it out)
        other = "beta" if schema == "alpha" else "alpha"
        page = response.content.decode()
        assert response.status_code == 200
        assert names[schema] in page and names[other] not in page, (schema, "saw", other)
        # Given back after the request: the connection waiting in the pool has no business.
        assert pooled.connection is None
        assert _idle_search_path(pooled.pool) == '"$user", public'

    stats = pooled.pool.get_stats()
    assert stats["pool_max"] == 1 and stats.get("connections_num", 1) == 1  # one connection
    assert stats["requests_num"] >= 14  # every request (and every look) borrowed it


def test_the_pool_is_opt_in_and_resets_the_search_path_of_what_it_takes_back(settings):
    import environ

    env = environ.Env()
    options = pool_options(env)
    assert options["reset"] is search_path_reset and options["min_size"] <= options["max_size"]
    # Off by default: the test settings (like production's defaults) keep CONN_MAX_AGE.
    assert "pool" not in settings.DATABASES["default"].get("OPTIONS", {})
