"""Who is signed in: password hashing and the Flask-Login user loader for staff and participants."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, has_app_context, session
from flask_babel import lazy_gettext as _l

from delib.db import writing_request
from delib.extensions import db

#: Session keys beside Flask-Login's _user_id: a staff session's token (its row in user_session)
#: and a participant's session generation. Without the right one the cookie signs no one in.
STAFF_SESSION_KEY = "_sid"
PARTICIPANT_GENERATION = "_pgen"

_hasher = PasswordHasher()
# Test runs only (PASSWORD_HASH_FAST): the hash records its own cost, so verifying still works
# for every hash whatever the setting.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _current_hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast_hasher
    return _hasher


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _current_hasher().hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; never raises on a bad or missing hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def init_login(login_manager) -> None:
    """Teach Flask-Login to load both kinds of account from the session."""
    from delib.models import Participant

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log ind for at fortsætte.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load(identity: str):
        kind, _, raw = identity.partition(":")
        if not raw.isdigit():
            return None
        if kind == "u":
            return _load_staff(int(raw))
        if kind == "p":
            participant = db.session.get(Participant, int(raw))
            # A new join code (or an admin) raised the generation: this cookie is from before.
            if participant is None or (session.get(PARTICIPANT_GENERATION)
                                       != participant.session_generation):
                return None
            return participant
        return None


def _load_staff(user_id: int):
    """The staff user and their session row in one query, if the session still stands."""
    from delib.services import sessions

    found = sessions.load(user_id, session.get(STAFF_SESSION_KEY),
                          current_app.permanent_session_lifetime)
    if found is None:
        return None
    user, user_session = found
    g.user_session = user_session
    # "Last seen", at most every 5 minutes and only in a writing request: a GET (every poll)
    # stays a pure read, and a reads_first view's reading transaction is never made to write
    # (SQLite's lock, see delib.db). The request's commit (delib/uow.py) keeps it; a request
    # that saves nothing leaves it for the next.
    if writing_request() and sessions.due(user_session):
        db.session.execute(sessions.seen_statement(user_session.id))
    return user


def current_user_session():
    """The signed-in staff user's session row on this request, or None."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return None
    return g.get("user_session")
