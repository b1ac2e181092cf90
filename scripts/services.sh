# shellcheck shell=bash
# Sourced (`. scripts/services.sh`) by run.sh, test.sh and the Makefile: make PostgreSQL and Redis
# reachable and export DATABASE_URL / REDIS_URL.
#
# Uses the servers those URLs name (defaults: 127.0.0.1:5432 and :6379) when they answer. When a
# local one does not, starts a project-local server from the installed binaries under the
# git-ignored .local/ (PostgreSQL on 127.0.0.1:54329, Redis on 127.0.0.1:63799) and points the URL
# at it. `make clean-local` stops them. Prints one short line; returns 1 with a hint when impossible.

_svc_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_svc_local="$_svc_root/.local"
_svc_pg_port=54329
_svc_redis_port=63799

_svc_say() { echo "[services] $*"; }

# .env: KEY=VALUE lines only (optional `export `, optional quotes); the environment wins.
_svc_load_env() {
  local _svc_line _svc_key _svc_value
  [ -f "$_svc_root/.env" ] || return 0
  while IFS= read -r _svc_line || [ -n "$_svc_line" ]; do
    _svc_line="${_svc_line%$'\r'}"
    [[ "$_svc_line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    _svc_key="${BASH_REMATCH[2]}"
    _svc_value="${BASH_REMATCH[3]}"
    [ -n "${!_svc_key+set}" ] && continue
    if [[ "$_svc_value" =~ ^\"(.*)\"$ || "$_svc_value" =~ ^\'(.*)\'$ ]]; then
      _svc_value="${BASH_REMATCH[1]}"
    fi
    export "$_svc_key=$_svc_value"
  done <"$_svc_root/.env"
}

# Parts of scheme://user:pass@host:port/path?query
_svc_hostport() { local r="${1#*://}"; r="${r##*@}"; r="${r%%/*}"; echo "${r%%\?*}"; }
_svc_host() { local hp; hp=$(_svc_hostport "$1"); hp="${hp%:*}"; hp="${hp#[}"; echo "${hp%]}"; }
_svc_port() { local hp; hp=$(_svc_hostport "$1"); [[ "$hp" =~ :([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}" || echo "$2"; }
_svc_path() { local r="${1#*://}"; [[ "$r" == */* ]] || return 0; r="${r#*/}"; echo "${r%%\?*}"; }
_svc_is_local() { [[ "$1" =~ ^(127\.0\.0\.1|localhost|::1)$ ]]; }

_svc_tcp_open() {  # host port: a TCP connection opens within 2 s
  python3 -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()' \
    "$1" "$2" 2>/dev/null
}

_svc_pg_bin() {  # PATH first, then the newest /usr/lib/postgresql/*/bin
  local dir
  command -v "$1" 2>/dev/null && return 0
  while read -r dir; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
  return 1
}

_svc_pg_status() {  # host port -> 0 accepting connections, 1 up but not ready yet, 2 no answer
  local isready rc
  if isready=$(_svc_pg_bin pg_isready); then
    "$isready" -q -h "$1" -p "$2" -U postgres -t 2 >/dev/null 2>&1
    rc=$?
    case $rc in 0) return 0 ;; 1) return 1 ;; *) return 2 ;; esac
  fi
  _svc_tcp_open "$1" "$2" && return 0
  return 2
}

_svc_redis_status() {  # host port -> 0 answers, 1 loading, 2 no answer
  local out
  if command -v redis-cli >/dev/null 2>&1; then
    out=$(timeout 3 redis-cli -h "$1" -p "$2" ping 2>&1) || true
    case "$out" in
      *PONG* | *NOAUTH* | *WRONGPASS*) return 0 ;;  # a password is the app's business
      *LOADING*) return 1 ;;
      *) return 2 ;;
    esac
  fi
  _svc_tcp_open "$1" "$2" && return 0
  return 2
}

_svc_wait() {  # status-function host port: up to ~15 s
  local i
  for ((i = 0; i < 60; i++)); do
    "$1" "$2" "$3" && return 0
    sleep 0.25
  done
  return 1
}

_svc_start_postgres() {
  local initdb pg_ctl data="$_svc_local/postgres" log="$_svc_local/postgres.log" user base
  local -a as=()
  _svc_pg_status 127.0.0.1 "$_svc_pg_port" && return 0  # already started by an earlier run
  _svc_why="initdb/pg_ctl not found: install postgresql (apt-get install postgresql)"
  initdb=$(_svc_pg_bin initdb) && pg_ctl=$(_svc_pg_bin pg_ctl) || return 1
  _svc_why="the PostgreSQL under .local/postgres did not start (see .local/postgres.log)"
  mkdir -p "$_svc_local" || return 1
  if [ "$(id -u)" = 0 ]; then
    # initdb and postgres refuse to run as root: use the postgres system user, or make one.
    user=postgres
    if ! id -u "$user" >/dev/null 2>&1; then
      user=agendo-pg
      id -u "$user" >/dev/null 2>&1 ||
        useradd --system --no-create-home --shell /usr/sbin/nologin "$user" || return 1
    fi
    as=(runuser -u "$user" --)
    if [ ! -L "$data" ] && ! "${as[@]}" test -x "$_svc_local"; then
      # The checkout lies under a directory closed to that user (e.g. /root): keep the cluster
      # in /var/tmp and leave a symlink at .local/postgres.
      base="/var/tmp/agendo-pg-$(printf '%s' "$_svc_root" | sha256sum | cut -c1-12)"
      mkdir -p "$base" && chmod 755 "$base" || return 1
      [ -d "$data" ] && { rmdir "$data" 2>/dev/null || return 1; }
      ln -sfn "$base/postgres" "$data"
      ln -sfn "$base/postgres.log" "$log"
    fi
    if [ -L "$data" ]; then
      base=$(dirname "$(readlink "$data")")
      data="$base/postgres"
      log="$base/postgres.log"
    fi
    mkdir -p "$data" && touch "$log" || return 1
    [ "$(stat -c %U "$data")" = "$user" ] || chown -R "$user" "$data"
    chown "$user" "$log"
  else
    mkdir -p "$data" || return 1
  fi
  chmod 700 "$data"
  if [ ! -s "$data/PG_VERSION" ]; then
    (cd / && "${as[@]}" "$initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C) >>"$log" 2>&1 || return 1
    # TCP on 127.0.0.1 only, no Unix socket (its path could be too long for the checkout).
    printf '\n# agendo (scripts/services.sh)\nlisten_addresses = '\''127.0.0.1'\''\nport = %s\nunix_socket_directories = '\'''\''\n' \
      "$_svc_pg_port" >>"$data/postgresql.conf"
  fi
  (cd / && "${as[@]}" "$pg_ctl" -D "$data" -l "$log" -w -t 15 start) >/dev/null 2>&1 || return 1
  _svc_wait _svc_pg_status 127.0.0.1 "$_svc_pg_port"
}

_svc_start_redis() {
  local server
  _svc_redis_status 127.0.0.1 "$_svc_redis_port" && return 0  # already started by an earlier run
  _svc_why="redis-server not found: install redis (apt-get install redis-server)"
  server=$(command -v redis-server || { [ -x /usr/sbin/redis-server ] && echo /usr/sbin/redis-server; }) || return 1
  [ -n "$server" ] || return 1
  _svc_why="the Redis under .local/redis did not start (see .local/redis.log)"
  mkdir -p "$_svc_local/redis" || return 1
  "$server" --daemonize yes --bind 127.0.0.1 --port "$_svc_redis_port" --dir "$_svc_local/redis" \
    --save "" --appendonly no --logfile "$_svc_local/redis.log" --pidfile "$_svc_local/redis.pid" \
    >/dev/null 2>&1 || return 1
  _svc_wait _svc_redis_status 127.0.0.1 "$_svc_redis_port"
}

# Create the database named in DATABASE_URL when missing.
_svc_create_db() {
  local name admin
  name=$(_svc_path "$DATABASE_URL")
  name="${name:-agendo}"
  if [ -x "$_svc_root/.venv/bin/python" ]; then
    "$_svc_root/.venv/bin/python" - "$name" <<'PY'
import os
import sys
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

name = sys.argv[1]
admin = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"[services] created database {name}")
PY
  elif command -v psql >/dev/null 2>&1; then
    admin="${DATABASE_URL#*://}"
    admin="${DATABASE_URL%%://*}://${admin%%/*}/postgres"
    if [ -z "$(psql "$admin" -XtAc "SELECT 1 FROM pg_database WHERE datname = '${name//\'/\'\'}'")" ]; then
      psql "$admin" -Xqc "CREATE DATABASE \"${name//\"/\"\"}\"" && _svc_say "created database $name"
    fi
  else
    _svc_say "cannot create database $name: run scripts/bootstrap.sh first, or install psql"
    return 1
  fi
}

_svc_main() {
  local host port db rc hint="or run 'docker compose up -d postgres redis'"
  _svc_why=""
  _svc_load_env
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/agendo}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

  host=$(_svc_host "$DATABASE_URL")
  port=$(_svc_port "$DATABASE_URL" 5432)
  _svc_pg_status "$host" "$port"
  rc=$?
  [ $rc = 1 ] && { _svc_wait _svc_pg_status "$host" "$port"; rc=$?; }
  if [ $rc != 0 ]; then
    if ! _svc_is_local "$host"; then
      _svc_say "PostgreSQL not reachable at $host:$port: check DATABASE_URL"
      return 1
    elif _svc_start_postgres; then
      _svc_say "PostgreSQL not answering at $host:$port; using .local/postgres on 127.0.0.1:$_svc_pg_port"
      db=$(_svc_path "$DATABASE_URL")
      export DATABASE_URL="postgres://postgres@127.0.0.1:$_svc_pg_port/${db:-agendo}"
    else
      _svc_say "PostgreSQL not reachable at $host:$port, and $_svc_why, $hint"
      return 1
    fi
  fi

  host=$(_svc_host "$REDIS_URL")
  port=$(_svc_port "$REDIS_URL" 6379)
  _svc_redis_status "$host" "$port"
  rc=$?
  [ $rc = 1 ] && { _svc_wait _svc_redis_status "$host" "$port"; rc=$?; }
  if [ $rc != 0 ]; then
    if ! _svc_is_local "$host"; then
      _svc_say "Redis not reachable at $host:$port: check REDIS_URL"
      return 1
    elif _svc_start_redis; then
      _svc_say "Redis not answering at $host:$port; using .local/redis on 127.0.0.1:$_svc_redis_port"
      db=$(_svc_path "$REDIS_URL")
      [[ "$db" =~ ^[0-9]+$ ]] || db=0
      export REDIS_URL="redis://127.0.0.1:$_svc_redis_port/$db"
    else
      _svc_say "Redis not reachable at $host:$port, and $_svc_why, $hint"
      return 1
    fi
  fi

  _svc_create_db || { _svc_say "could not create the database of DATABASE_URL"; return 1; }
  _svc_say "PostgreSQL $(_svc_hostport "$DATABASE_URL"), Redis $(_svc_hostport "$REDIS_URL"): ready"
}

_svc_main || return 1
