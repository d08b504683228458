"""One unit of work per request: the one place that commits and rolls back.

Views never commit or roll back. Every view is wrapped (see `wrap_views`, applied once the
blueprints are registered) so that after it returns:

- a GET, HEAD or OPTIONS never writes: in tests and debug runs a read request that changed the
  session raises (so a test catches it), in production its changes are dropped;
- a state-changing request commits when its answer is < 400 and rolls back when it is >= 400
  or the view raised (a form re-rendered with 422 after a DomainError never half-saves);
- a failing commit (IntegrityError, StaleDataError) rolls back and reaches the error handlers
  in delib/web.py, which answer 409 in Danish.

`unit_of_work()` is for a view that must commit before it answers: the busy note post, which
must release SQLite's write lock before it renders; views that catch a DomainError or a stale
write and answer < 400 (a redirect with a flash message: the request-level commit would
otherwise keep whatever the service wrote before it refused); and the one sanctioned write in
a GET, an export's audit entry.
"""

from contextlib import contextmanager
from functools import wraps

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from delib.db import (
    _READS_ONLY,
    _SAFE_METHODS,
    _WRITING,
    keep_loaded_after_commit,
    reads_first,
    reads_only_from_here,
)
from delib.extensions import db

__all__ = ["GetWroteError", "reads_first", "unit_of_work", "wrap_views"]

_WROTE = "delib.wrote"


class GetWroteError(RuntimeError):
    """A GET (HEAD, OPTIONS) request changed the database: a bug, caught in tests."""


@event.listens_for(Session, "after_flush")
def _remember_flush(session, flush_context):
    # A read request that flushed (and maybe committed) has written, even if the session now
    # looks clean: remembered for the check at the end of the request.
    session.info[_WROTE] = True


def _changed(session) -> bool:
    return bool(session.info.get(_WROTE) or session.new or session.deleted
                or any(session.is_modified(obj) for obj in session.dirty))


@contextmanager
def unit_of_work():
    """Commit what the block writes, at the end of the block; roll back if it raises.

    The block starts a new transaction (SQLite: BEGIN IMMEDIATE, queueing for the write lock)
    and what the view read before stays loaded. After the block the rest of the request only
    reads, in deferred transactions, so rendering the answer holds no write lock.
    """
    session = db.session
    keep_loaded_after_commit(session)
    session.commit()  # ends the reading transaction of a reads_first view
    request.environ.pop(_READS_ONLY, None)
    request.environ[_WRITING] = True  # even in a GET (an export's audit entry)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        request.environ.pop(_WRITING, None)
        reads_only_from_here()
        session.info.pop(_WROTE, None)  # committed on purpose: not a GET that writes


def _finish(response, changed_before: bool) -> None:
    """Commit or roll back the request's session, as the method and the answer's status say."""
    session = db.session()
    if request.method in _SAFE_METHODS:
        if changed_before or not _changed(session):
            return  # nothing written; the session ends with the request
        session.rollback()
        if current_app.testing or current_app.debug:
            raise GetWroteError(f"{request.method} {request.path} wrote to the database")
        return
    if response.status_code >= 400:
        session.rollback()
        return
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise


def in_unit_of_work(view):
    """The view, ending in the request's commit or rollback."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        session = db.session()
        session.info.pop(_WROTE, None)
        # (a test may share its session with the request: what it left pending is not ours)
        changed_before = request.method in _SAFE_METHODS and _changed(session)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()
            raise
        _finish(response, changed_before)
        return response

    wrapped.in_unit_of_work = True
    return wrapped


def wrap_views(app: Flask) -> None:
    """Put every registered view (static files aside) inside the unit of work."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "static" or getattr(view, "in_unit_of_work", False):
            continue
        app.view_functions[endpoint] = in_unit_of_work(view)
