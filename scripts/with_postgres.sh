#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: initdb in a temporary directory, start it on
# a private unix socket (no TCP port, no system service), create a role and a database owned by it,
# export DATABASE_URL=postgresql://…, run the command, then stop the cluster and delete everything,
# whether the command passed, failed or was interrupted. Exits with the command's status.
#
#   scripts/with_postgres.sh .venv/bin/python -m pytest -q
#
# Environment:
#   PG_BIN        directory of initdb/pg_ctl (default: the newest /usr/lib/postgresql/*/bin)
#   PG_DURABLE=1  keep fsync on (benchmarks); by default the cluster trades durability for speed
#                 (fsync, full_page_writes and synchronous_commit off: it is deleted afterwards)
#   PG_LOG        file that receives the server log (default: inside the temporary directory)
# initdb refuses to run as root: as root the cluster runs as the `postgres` system user.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS…]" >&2
  exit 64
fi

if [ -z "${PG_BIN:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "${PG_BIN:-}" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with_postgres: initdb not found (install Debian's postgresql package or set PG_BIN)" >&2
  exit 69
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/forum-pg.XXXXXX")
chmod 755 "$tmp"
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  owner=${PG_OS_USER:-postgres}
  chown "$owner" "$tmp"
  as_owner=(runuser -u "$owner" --)
fi
data="$tmp/data"
log=${PG_LOG:-$tmp/server.log}
[ -n "${PG_LOG:-}" ] && touch "$log" && { [ ${#as_owner[@]} -eq 0 ] || chown "${PG_OS_USER:-postgres}" "$log"; }

stop() {
  if [ -f "$data/postmaster.pid" ]; then
    "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || \
      "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
child=

"${as_owner[@]}" "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 70; }

options="-c listen_addresses='' -c unix_socket_directories='$tmp' -c max_connections=100"
# Extra server settings, e.g. PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements".
options="$options ${PG_OPTIONS:-}"
if [ "${PG_DURABLE:-0}" = "1" ]; then
  # Comparable with the SQLite default (WAL, synchronous=NORMAL): never corrupt, may lose the
  # last transactions on a power cut.
  options="$options -c synchronous_commit=off"
else
  options="$options -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
fi
"${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "$options" start >/dev/null || {
  cat "$log" >&2; exit 70; }

# The application role is not a superuser: it owns its database, which is enough for the
# migrations, including CREATE EXTENSION unaccent (a trusted extension since PostgreSQL 13).
"${as_owner[@]}" "$PG_BIN/psql" -h "$tmp" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE ROLE forum LOGIN CREATEDB" -c "CREATE DATABASE ${PG_DATABASE:-forum_test} OWNER forum" >/dev/null

export DATABASE_URL="postgresql://forum@/${PG_DATABASE:-forum_test}?host=$tmp"
export PGHOST="$tmp" PGUSER=forum PGDATABASE="${PG_DATABASE:-forum_test}"
# The command runs in the background so that a TERM or INT sent to this script is passed on to it
# (bash would otherwise wait for it to end before running a trap); the cluster is stopped after.
trap 'forward TERM' TERM
trap 'forward INT' INT
forward() {
  kill -s "$1" "$child" 2>/dev/null || true
}
set +e
"$@" <&0 &
child=$!
wait "$child"
status=$?
while kill -0 "$child" 2>/dev/null; do  # woken by a signal: wait for the command to end
  wait "$child"
  status=$?
done
set -e
exit "$status"
