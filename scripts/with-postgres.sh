#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server:
#   scripts/with-postgres.sh .venv/bin/python -m pytest -q
# Installs Debian's postgresql package if it is missing (needs root or sudo), creates a cluster in a
# temporary directory (owned by the `postgres` user when run as root), listens on a unix socket
# only, creates a database, exports TEST_DATABASE_URL (and PG_TEST_URL) for the command, then
# stops the server and removes the cluster whatever happens.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

find_pg_bin() {
    local dir
    # Debian keeps the server binaries out of PATH, one directory per major version.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "PostgreSQL is not installed and neither root nor sudo is available:" >&2
        echo "install Debian's postgresql package, then run this again." >&2
        exit 1
    fi
}

if ! PG_BIN=$(find_pg_bin); then
    echo "Installing PostgreSQL (Debian package postgresql)..." >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_BIN=$(find_pg_bin) || { echo "PostgreSQL installed, but initdb was not found." >&2; exit 1; }
fi

# The server refuses to run as root: as root, the cluster belongs to the `postgres` user.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/delib-pg.XXXXXX")
chmod 755 "$PG_TMP"
[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_TMP"
PG_DATA="$PG_TMP/data"
PG_SOCK="$PG_TMP"
PG_USER=delib
PG_DB=delib_test

cleanup() {
    local status=$?
    if [ -f "$PG_DATA/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; exit 1; }

# A test server: durability off (the cluster is thrown away), unix socket only, no TCP port.
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/server.log" -w -t 60 start -o \
    "-c listen_addresses='' -k $PG_SOCK -c fsync=off -c synchronous_commit=off \
     -c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB" >/dev/null \
    || { cat "$PG_TMP/server.log" >&2; exit 1; }

"$PG_BIN/createdb" -h "$PG_SOCK" -U "$PG_USER" "$PG_DB" 2>/dev/null \
    || as_pg "$PG_BIN/createdb" -h "$PG_SOCK" -U "$PG_USER" "$PG_DB"

export TEST_DATABASE_URL="postgresql+psycopg://$PG_USER@/$PG_DB?host=$PG_SOCK"
export PG_TEST_URL="$TEST_DATABASE_URL"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') at $PG_SOCK (database $PG_DB)" >&2

# Not exec: the trap must still stop the server when the command ends.
"$@"
