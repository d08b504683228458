#!/usr/bin/env bash
# `make serve`: the production server in one command, on this machine.
#   - ordinary pages: gunicorn, sync workers (deploy/gunicorn.conf.py) on HOST:PORT
#   - the break screen's server push: gunicorn, gevent workers (deploy/gunicorn_stream.conf.py)
#     on HOST:STREAM_PORT (default PORT+1); pages open the stream there (DELIB_STREAM_URL).
# gunicorn runs one worker class per master, hence two masters; Ctrl-C (or either one dying)
# stops both. Behind nginx (deploy/nginx.conf) the stream shares the pages' origin instead and
# DELIB_STREAM_URL stays empty.
set -euo pipefail

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
STREAM_PORT=${STREAM_PORT:-$((PORT + 1))}
BIN=${BIN:-.venv/bin}

# Links (and the stream's address) name the host phones use: DELIB_BASE_URL when given (set it
# when serving on 0.0.0.0), else HOST:PORT.
export DELIB_BASE_URL=${DELIB_BASE_URL:-http://$HOST:$PORT}
base_scheme=${DELIB_BASE_URL%%://*}
base_rest=${DELIB_BASE_URL#*://}
base_hostport=${base_rest%%/*}
base_host=${base_hostport%:*}
export DELIB_STREAM_URL=${DELIB_STREAM_URL:-$base_scheme://$base_host:$STREAM_PORT}

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait || true
}
trap stop INT TERM EXIT

GUNICORN_BIND=$HOST:$PORT "$BIN/gunicorn" -c deploy/gunicorn.conf.py wsgi:app &
pids+=($!)
GUNICORN_STREAM_BIND=$HOST:$STREAM_PORT "$BIN/gunicorn" -c deploy/gunicorn_stream.conf.py wsgi:app &
pids+=($!)
echo "delib: pages on http://$HOST:$PORT, stream on $DELIB_STREAM_URL (Ctrl-C stops both)"
# Whichever stops first (a crash, a port in use) takes the other with it.
wait -n
