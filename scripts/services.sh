# Sourced by run.sh and test.sh: make PostgreSQL and Redis reachable and export
# DATABASE_URL / REDIS_URL. Uses the servers at those URLs (default 127.0.0.1) when they answer;
# otherwise starts project-local ones from installed binaries under .local/.
# shellcheck shell=bash

_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_local="$_root/.local"

if [ -f "$_root/.env" ]; then
  while IFS='=' read -r _key _value; do
    case "$_key" in ''|\#*) continue ;; esac
    [ -z "${!_key:-}" ] && export "$_key=$_value"
  done < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$_root/.env")
fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/agendo}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

_say() { echo "[services] $*"; }

# host and port of a URL like scheme://user:pass@host:port/db
_url_host() { local rest="${1#*://}"; rest="${rest##*@}"; rest="${rest%%/*}"; echo "${rest%%:*}"; }
_url_port() { local rest="${1#*://}"; rest="${rest##*@}"; rest="${rest%%/*}"; [[ "$rest" == *:* ]] && echo "${rest##*:}" || echo "$2"; }
_url_db() { local rest="${1#*://}"; rest="${rest#*/}"; echo "${rest%%\?*}"; }

_reachable() {  # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

_wait_for() {  # host port seconds
  local i
  for ((i = 0; i < $3 * 4; i++)); do
    _reachable "$1" "$2" && return 0
    sleep 0.25
  done
  return 1
}

_pg_bin() {
  local name=$1 dir
  command -v "$name" 2>/dev/null && return 0
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/$name" ] && { echo "$dir/$name"; return 0; }
  done
  return 1
}

_start_local_postgres() {
  local initdb pg_ctl port=54329 data="$_local/postgres" runas=()
  initdb=$(_pg_bin initdb) && pg_ctl=$(_pg_bin pg_ctl) || return 1
  mkdir -p "$_local"
  if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root
    local user=postgres
    id -u "$user" >/dev/null 2>&1 || { user=agendo-pg; id -u "$user" >/dev/null 2>&1 || useradd --system "$user"; }
    runas=(runuser -u "$user" --)
    mkdir -p "$data"; chown "$user" "$data"; touch "$_local/postgres.log"; chown "$user" "$_local/postgres.log"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    "${runas[@]}" "$initdb" -D "$data" -U postgres --auth=trust >/dev/null || return 1
  fi
  if ! _reachable 127.0.0.1 "$port"; then
    "${runas[@]}" "$pg_ctl" -D "$data" -l "$_local/postgres.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp" start >/dev/null || return 1
  fi
  _wait_for 127.0.0.1 "$port" 15 || return 1
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/$(_url_db "$DATABASE_URL")"
  _say "using PostgreSQL under .local/postgres on port $port"
}

_start_local_redis() {
  local port=63799 db
  command -v redis-server >/dev/null || return 1
  mkdir -p "$_local/redis"
  if ! _reachable 127.0.0.1 "$port"; then
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$_local/redis" \
      --save "" --appendonly no --logfile "$_local/redis.log" >/dev/null || return 1
  fi
  _wait_for 127.0.0.1 "$port" 15 || return 1
  db="${REDIS_URL##*/}"; [[ "$db" =~ ^[0-9]+$ ]] || db=0
  export REDIS_URL="redis://127.0.0.1:$port/$db"
  _say "using Redis under .local/redis on port $port"
}

_ensure_services() {
  local host port
  host=$(_url_host "$DATABASE_URL"); port=$(_url_port "$DATABASE_URL" 5432)
  if ! _reachable "$host" "$port"; then
    if [[ "$host" =~ ^(127\.0\.0\.1|localhost)$ ]] && _start_local_postgres; then :; else
      _say "PostgreSQL is not reachable at $host:$port: install it (apt-get install postgresql) or run 'docker compose up -d postgres redis'"
      return 1
    fi
  fi
  host=$(_url_host "$REDIS_URL"); port=$(_url_port "$REDIS_URL" 6379)
  if ! _reachable "$host" "$port"; then
    if [[ "$host" =~ ^(127\.0\.0\.1|localhost)$ ]] && _start_local_redis; then :; else
      _say "Redis is not reachable at $host:$port: install it (apt-get install redis-server) or run 'docker compose up -d postgres redis'"
      return 1
    fi
  fi
  # Create the database when missing (psycopg from the venv; no psql needed).
  "$_root/.venv/bin/python" - <<'PY' || { _say "could not create the database in $DATABASE_URL"; return 1; }
import os
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

url = urlsplit(os.environ["DATABASE_URL"])
name = url.path.lstrip("/") or "agendo"
admin = url._replace(path="/postgres").geturl()
with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"[services] created database {name}")
PY
}

_ensure_services
