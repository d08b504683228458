"""Who is signed in: password hashing and the Flask-Login user loader for staff and participants."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from delib.extensions import db

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
    from delib.models import Participant, User

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log ind for at fortsætte.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load(identity: str):
        kind, _, raw = identity.partition(":")
        if not raw.isdigit():
            return None
        model = {"u": User, "p": Participant}.get(kind)
        return db.session.get(model, int(raw)) if model else None
