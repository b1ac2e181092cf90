#!/usr/bin/env bash
# `make clean-local`: stop the PostgreSQL and Redis that services.sh started under .local/, then
# remove .local/ (and the cluster kept in /var/tmp when the checkout was closed to postgres).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

data="$PWD/.local/postgres"
if [ -L "$data" ]; then
  data=$(readlink "$data")
fi
if [ -f "$data/postmaster.pid" ]; then
  pg_ctl=$(command -v pg_ctl || printf '%s\n' /usr/lib/postgresql/*/bin/pg_ctl | sort -rV | head -n1)
  owner=$(stat -c %U "$data")
  if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
    (cd / && runuser -u "$owner" -- "$pg_ctl" -D "$data" stop -m fast >/dev/null)
  else
    "$pg_ctl" -D "$data" stop -m fast >/dev/null
  fi
  echo "[clean-local] stopped PostgreSQL (.local/postgres)"
fi

if [ -f .local/redis.pid ]; then
  pid=$(cat .local/redis.pid)
  if [[ "$pid" =~ ^[0-9]+$ ]] && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "[clean-local] stopped Redis (.local/redis)"
  fi
fi

if [ -L .local/postgres ]; then
  rm -rf "$(dirname "$(readlink .local/postgres)")"
fi
rm -rf .local
echo "[clean-local] removed .local"
