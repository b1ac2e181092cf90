#!/usr/bin/env bash
# `make test`: lint, then every test against real PostgreSQL and Redis. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# shellcheck source=scripts/services.sh
. scripts/services.sh
export DJANGO_SETTINGS_MODULE=config.settings.test
# Browser tests drive Debian's Chromium with Playwright (`playwright install` cannot download here).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] installing Chromium for the browser tests (apt-get)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "[test] Chromium missing: install it (apt-get install chromium) or the browser tests are skipped"
  fi
fi
# The catalogue test runs makemessages, which needs GNU gettext's xgettext and msgmerge.
if ! command -v xgettext >/dev/null 2>&1 || ! command -v msgmerge >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] installing GNU gettext for the translation catalogue test (apt-get)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
  else
    echo "[test] GNU gettext missing: install it (apt-get install gettext) or the catalogue test is skipped"
  fi
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Two processes (pytest-xdist), a file's tests on one of them: each has its own test database,
# Redis database and key prefix (config/settings/test.py). PYTEST_WORKERS=0 runs in this process.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
