"""The database connection settings that are more than a URL: Django's psycopg pool (opt-in).

`DATABASE_POOL=1` gives every process a pool (psycopg_pool, through Django's `OPTIONS["pool"]`)
of DATABASE_POOL_MIN_SIZE..DATABASE_POOL_MAX_SIZE connections; each request (or task) borrows one
and gives it back when it ends, instead of keeping one per thread (`CONN_MAX_AGE`). Tenancy stays
safe on a shared connection (TRAPS #15): django-tenants forgets the search_path it set when the
connection goes back (its wrapper's `close()`) and sets it again before the next borrower's first
query, and `search_path_reset` below clears it on the connection itself as it comes back, so a
connection waiting in the pool belongs to no business. config/tests/test_database_pool.py
interleaves two businesses' requests on one pooled connection. docs/scaling.md: when to use it,
and PgBouncer.
"""


def search_path_reset(conn) -> None:
    """psycopg_pool's `reset`: called on each connection given back, outside any transaction."""
    conn.execute("RESET search_path")
    if not conn.autocommit:
        conn.commit()


def pool_options(env) -> dict:
    """The `OPTIONS["pool"]` of DATABASES["default"], from the environment."""
    return {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
        # Seconds a request waits for a free connection before it fails.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        "reset": search_path_reset,
    }
