#!/usr/bin/env bash
# Stop the PostgreSQL and Redis that services.sh started under .local/, then remove .local/.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -f .local/postgres/PG_VERSION ]; then
  pg_ctl=$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | head -n1)
  owner=$(stat -c %U .local/postgres)
  if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
    runuser -u "$owner" -- "$pg_ctl" -D .local/postgres stop -m fast
  else
    "$pg_ctl" -D .local/postgres stop -m fast
  fi
fi
command -v redis-cli >/dev/null && redis-cli -p 63799 shutdown nosave 2>/dev/null
rm -rf .local
echo "[clean-local] done"
