"""Settings that matter in production: deploy checks, tenant-aware cache keys, DB health checks."""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def _run_with_prod_settings(*args: str) -> subprocess.CompletedProcess:
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(60))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": secret,
    }
    return subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_pass_the_deploy_checks():
    result = _run_with_prod_settings("check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output, output


def test_production_database_connections_are_health_checked():
    # TRAPS #14: persistent connections need health checks, or a PostgreSQL restart means 500s.
    script = (
        "from django.conf import settings; import json; "
        "db = settings.DATABASES['default']; "
        "print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
    )
    result = _run_with_prod_settings("shell", "-c", script)
    assert result.returncode == 0, result.stderr
    conn_max_age, health_checks = json.loads(result.stdout.strip().splitlines()[-1])
    assert health_checks is True
    assert conn_max_age is None or conn_max_age > 0  # persistent, which is why checks matter


def test_database_connection_health_checks_are_on(db):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_cache_keys_carry_the_schema(tenant_alpha, tenant_beta):
    # TRAPS #8: without the schema in the key, rate limits and cached pages leak across tenants.
    with schema_context("alpha"):
        cache.set("rate-limit:login:1.2.3.4", "alpha's value", 60)
        assert cache.get("rate-limit:login:1.2.3.4") == "alpha's value"
        alpha_key = cache.make_key("rate-limit:login:1.2.3.4")
    with schema_context("beta"):
        assert cache.get("rate-limit:login:1.2.3.4") is None
        cache.set("rate-limit:login:1.2.3.4", "beta's value", 60)
        beta_key = cache.make_key("rate-limit:login:1.2.3.4")
    with schema_context("alpha"):
        assert cache.get("rate-limit:login:1.2.3.4") == "alpha's value"
    assert cache.get("rate-limit:login:1.2.3.4") is None  # the public schema has its own, too
    assert alpha_key != beta_key
    assert "alpha" in alpha_key
    assert "beta" in beta_key
