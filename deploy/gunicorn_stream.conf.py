"""gunicorn settings for delib's stream process (gevent workers).

Run: `gunicorn -c deploy/gunicorn_stream.conf.py wsgi:app`.

The same app as deploy/gunicorn.conf.py, but with gunicorn's gevent worker class: it serves the
server-push route (`/udvalg/<id>/pauser/<id>/stroem`, text/event-stream), where each open break
screen holds one connection all break. A gevent worker keeps thousands of idle streams in one
process for a few kB each; a sync worker would need a process per open stream. gunicorn cannot
mix worker classes under one master, so this is a process group of its own (`make serve` starts
both; in production nginx sends the stream path here, see deploy/nginx.conf).

What both processes share (the Server header without a version, the proxy settings, the
database pool reset in each worker) comes from deploy/gunicorn.conf.py, run here, not copied.
"""

import multiprocessing
import os
import resource
import runpy

# Runs the shared file: it also sets gunicorn's Server header to "delib" in this process.
_shared = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "gunicorn.conf.py"))

bind = os.environ.get("GUNICORN_STREAM_BIND", "127.0.0.1:8001")
forwarded_allow_ips = _shared["forwarded_allow_ips"]
proxy_allow_ips = _shared["proxy_allow_ips"]
errorlog = _shared["errorlog"]
accesslog = _shared["accesslog"]
loglevel = _shared["loglevel"]
keepalive = _shared["keepalive"]
backlog = int(os.environ.get("GUNICORN_STREAM_BACKLOG", "4096"))

worker_class = "gevent"
# One worker per core: each holds its share of the streams, and each has one hub reading the
# change cursor for all of its subscribers (one query per tick per process).
workers = int(os.environ.get("STREAM_WORKERS", multiprocessing.cpu_count()))
# Open streams per worker. The kernel hands new connections to whichever worker accepts first,
# so one worker may hold most of them: each can take all 10,000 plus reconnect headroom.
worker_connections = int(os.environ.get("STREAM_WORKER_CONNECTIONS", "12000"))

# For a gevent worker this is only the heartbeat to the master (a stream may stay open for
# STREAM_MAX_SECONDS); a worker whose loop is blocked this long is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a restart the open streams are cut after this; browsers reconnect with Last-Event-ID.
graceful_timeout = int(os.environ.get("GUNICORN_STREAM_GRACEFUL_TIMEOUT", "5"))
# No recycling: a recycled worker drops thousands of streams at once and they all reconnect in
# the same second. A stream worker runs little Python per connection, so it has little to leak.
max_requests = int(os.environ.get("GUNICORN_STREAM_MAX_REQUESTS", "0"))

# The app is loaded in each worker after gevent has patched threading and socket, so the
# database pool's locks and the hub's watcher are gevent's (loaded in the master before the
# patch, a pool waiting on a real lock would stop every stream of the worker).
preload_app = False

# One file descriptor per open stream (and per socket the app opens): the usual soft limit of
# 1,024 would refuse a worker's 1,021st stream. The limit is per process: raised here, in the
# master, as far as the hard limit allows, and each worker inherits it. Raise the hard limit in
# systemd (LimitNOFILE, see deploy/delib-stream.service) or /etc/security/limits.conf for more.
WANTED_FILES = worker_connections + 1024


def _raise_file_limit(wanted: int) -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def on_starting(server):
    """Raise the open-files limit before any worker is forked, and say what it is."""
    soft, hard = _raise_file_limit(WANTED_FILES)
    if soft < WANTED_FILES:
        server.log.warning("open files limited to %s (hard limit %s): at most ~%s streams "
                           "per worker; raise LimitNOFILE", soft, hard, soft - 1024)
    else:
        server.log.info("open files limit %s: up to %s streams per worker, %s workers", soft,
                        worker_connections, workers)


# With preload_app on (GUNICORN_PRELOAD in the shared file does not apply here) the pool would
# need resetting after fork; the shared hook does that and is harmless otherwise.
post_fork = _shared["post_fork"]


def post_worker_init(worker):
    """After gevent's patch: a pool made before it is dropped (the shared hook does that)."""
    _shared["post_fork"](worker, worker)


def worker_int(worker):
    """A quick shutdown (Ctrl-C, SIGINT/SIGQUIT) ends the worker at once: its streams are cut
    either way and the browsers reconnect. gevent's own exit path would wait for the open
    streams' greenlets until the master kills the worker after the graceful timeout."""
    os._exit(0)
