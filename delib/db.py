"""Database engine set-up: SQLite pragmas, write transactions that wait their turn, URL handling."""

import sqlite3
from functools import wraps

from flask import after_this_request, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READS_ONLY = "delib.reads_only"
_WRITING = "delib.writing"  # inside delib.uow.unit_of_work: the write begins IMMEDIATE


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` spelling and pick psycopg 3 as the driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _is_sqlite(dbapi_connection) -> bool:
    return isinstance(dbapi_connection, sqlite3.Connection)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    # We issue BEGIN ourselves (see _sqlite_begin), so pysqlite must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged note survives a power cut, not only a process crash.
    cursor.execute("PRAGMA synchronous=FULL")
    # Freed space is overwritten with zeros: text the chair removed (services/redactions.py),
    # or an edited note's old text, is not left readable in the file's free pages. The cost is
    # writing the zeros; our rows are small.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # A deferred transaction that upgrades from read to write fails at once with
    # "database is locked" when another writer got there first, busy timeout or not.
    # Writes therefore begin IMMEDIATE and queue for the lock; reads stay deferred so
    # polls never wait behind writers (WAL lets them read a snapshot).
    if has_request_context() and not request.environ.get(_WRITING) and (
            request.method in _SAFE_METHODS or request.environ.get(_READS_ONLY)):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def writing_request() -> bool:
    """True in a request whose transactions begin as writes (a POST outside reads_first): a
    small extra write there takes no lock the request does not hold already."""
    return (has_request_context() and request.method not in _SAFE_METHODS
            and not request.environ.get(_READS_ONLY))


def reads_only_from_here() -> None:
    """The rest of this request only reads: its next transactions begin deferred.

    A write request begins IMMEDIATE, so it holds SQLite's single write lock from its first
    query to its commit, and again from the first query after that commit. Rendering the answer
    after the commit (the whole notes list, for a note post) would hold every other writer back.
    Call this right after the commit; writing again in the same request would risk "database is
    locked".
    """
    if has_request_context():
        request.environ[_READS_ONLY] = True


def reads_first(view):
    """Decorator for a write view that reads a lot before it writes a little.

    A write request begins IMMEDIATE at its first query, so it would hold SQLite's one write
    lock while it loads the person, the committee and the programme and checks the form, and
    every other writer in the country would queue behind that. Such a view reads in a deferred
    transaction instead, and writes in `with delib.uow.unit_of_work():`.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        request.environ[_READS_ONLY] = True
        return view(*args, **kwargs)

    return wrapped


def keep_loaded_after_commit(session) -> None:
    """This request's next commit leaves loaded objects as they are instead of expiring them.

    By default a commit expires everything, so rendering the answer afterwards reloads the
    person, committee, note and programme row by row. For an answer that only shows what this
    request itself just wrote, that is a dozen queries for nothing. The session lives for one
    request: the setting is undone when the request ends.
    """
    current = session()
    if current.expire_on_commit:
        current.expire_on_commit = False
        if has_request_context():
            @after_this_request
            def _restore(response):
                current.expire_on_commit = True
                return response
