#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests/data/test_sql.py.
#   eval "$(.ci/postgres.sh start)"   installs PostgreSQL if missing (apt, as root), starts a
#                                     server on a free port in a temp dir and prints
#                                     export PLANNING_TEST_PG_URL=... PLANNING_TEST_PG_DIR=...
#   .ci/postgres.sh stop DIR          stops that server and removes DIR
set -euo pipefail

as_owner() {  # initdb/pg_ctl refuse to run as root: use the postgres account then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

case "${1:-}" in
start)
    if [ -z "$(pg_bin)" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "postgres.sh: PostgreSQL is not installed and apt-get needs root" >&2
            exit 1
        fi
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    fi
    BIN="$(pg_bin)"
    DIR="$(mktemp -d /tmp/planning-pg.XXXXXX)"
    chmod 755 "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_owner "$BIN/initdb" -D "$DIR/data" -U planning --auth=trust -E UTF8 --no-locale \
        >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null \
        || { cat "$DIR/server.log" >&2; exit 1; }
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U planning planning_test
    echo "export PLANNING_TEST_PG_URL=postgresql+psycopg://planning@127.0.0.1:$PORT/planning_test"
    echo "export PLANNING_TEST_PG_DIR=$DIR"
    ;;
stop)
    DIR="${2:?usage: postgres.sh stop DIR}"
    as_owner "$(pg_bin)/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
    rm -rf "$DIR"
    ;;
*)
    echo "usage: postgres.sh start | stop DIR" >&2
    exit 2
    ;;
esac
