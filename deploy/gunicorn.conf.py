"""gunicorn settings for delib: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every setting can be overridden from the environment, so one file serves every app server.
The app itself reads DATABASE_URL and DELIB_* (DELIB_SECRET_KEY, DELIB_RATELIMIT_STORAGE_URI, ...).
"""

import multiprocessing
import os

import gunicorn
import gunicorn.http.wsgi

# The Server header names no product and no version (OWASP ASVS: no version disclosure); the
# response module copied the name at import, so both places are set.
gunicorn.SERVER = gunicorn.http.wsgi.SERVER = "delib"
gunicorn.SERVER_SOFTWARE = gunicorn.http.wsgi.SERVER_SOFTWARE = "delib"

# Behind nginx on the same host (or a private network): never bind a public address here.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: each request is short (a poll is a few indexed queries) and nginx buffers slow
# clients, so one process per request in flight is enough. 2 x cores + 1 keeps every core busy
# while a worker waits on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))

# Recycle workers now and then so a slow leak can never grow all day; jitter keeps them from
# restarting together in the middle of a break.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))

# Load the app once in the master, then fork: less memory, faster worker restarts. Database
# connections are opened lazily in each worker (SQLAlchemy's pool is created per process).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"

# nginx logs every request; gunicorn's access log is off unless asked for.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# Trust X-Forwarded-* only from the proxy in front (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips


def post_fork(server, worker):
    """Each worker starts with no database connections inherited from the master."""
    try:
        from delib.extensions import db

        app = getattr(server.app, "callable", None)
        if app is not None and "sqlalchemy" in getattr(app, "extensions", {}):
            with app.app_context():
                db.engine.dispose(close=False)
    except Exception:  # noqa: BLE001 - a failed dispose must never stop a worker from starting
        server.log.exception("post_fork: could not reset the database pool")
