"""Sessions the server can end: staff sign-ins as rows, participants by a session generation.

A staff cookie carries a random token; the row (keyed by the token's SHA-256) says whether the
session still stands. Sign-out, a new password and an admin end rows; a participant's cookie
carries their session generation, raised by a new join code or by an admin (OWASP ASVS 5.0,
V7 session management). See docs/security.md.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update
from ua_parser import parse as parse_user_agent

from delib.extensions import db
from delib.models import Participant, User, UserSession, utcnow
from delib.services import DomainError
from delib.services.audit import record

#: last_seen_at is written at most this often per session, so it never costs each request a write.
LAST_SEEN_EVERY = timedelta(minutes=5)
#: Ended and expired rows are kept this long (the sessions page, an admin's question), then
#: dropped at the account's next sign-in.
KEEP_ENDED = timedelta(days=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_of(user_agent: str | None) -> tuple[str, str]:
    """Browser and operating system named by a User-Agent header ("Chrome", "Windows")."""
    if not user_agent:
        return "", ""
    result = parse_user_agent(user_agent[:512])
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    return (("" if browser == "Other" else browser)[:60],
            ("" if system == "Other" else system)[:60])


def start(user: User, user_agent: str | None, lifetime: timedelta,
          now: datetime | None = None) -> str:
    """A new session for the user on this device; returns the token for the cookie."""
    now = now or utcnow()
    # Old rows of this account go here, where a sign-in writes anyway.
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.ended_at < now - KEEP_ENDED,
            UserSession.created_at < now - lifetime - KEEP_ENDED)))
    token = secrets.token_urlsafe(32)
    browser, system = device_of(user_agent)
    db.session.add(UserSession(user_id=user.id, token_hash=_digest(token), browser=browser,
                               os=system, created_at=now, last_seen_at=now))
    db.session.flush()
    return token


def load(user_id: int, token: str | None, lifetime: timedelta,
         now: datetime | None = None) -> tuple[User, UserSession] | None:
    """The user and their session for a cookie's id and token, if it still stands; one query."""
    if not token or not isinstance(token, str):
        return None
    now = now or utcnow()
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.token_hash == _digest(token),
               UserSession.ended_at.is_(None), UserSession.created_at > now - lifetime)
    ).first()
    return (row[0], row[1]) if row else None


def due(user_session: UserSession, now: datetime | None = None) -> bool:
    """True if the session's last_seen_at is older than LAST_SEEN_EVERY."""
    return (now or utcnow()) - user_session.last_seen_at >= LAST_SEEN_EVERY


def seen_statement(session_id: int, now: datetime | None = None):
    """The UPDATE that records a session as seen now (unless another request just did)."""
    now = now or utcnow()
    return (update(UserSession)
            .where(UserSession.id == session_id, UserSession.last_seen_at < now - LAST_SEEN_EVERY)
            .values(last_seen_at=now))


def end_token(token: str | None, now: datetime | None = None) -> None:
    """End the session this token opened (sign-out); unknown or ended tokens do nothing."""
    if not token or not isinstance(token, str):
        return
    db.session.execute(
        update(UserSession).where(UserSession.token_hash == _digest(token),
                                  UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow()))


def end_all(user: User, keep: UserSession | None = None, now: datetime | None = None) -> int:
    """End every open session of the account (but `keep`); returns how many ended."""
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(query.values(ended_at=now or utcnow()))
    return result.rowcount or 0


def active(user: User, lifetime: timedelta, now: datetime | None = None) -> list[UserSession]:
    """The account's sessions that still work, most recently used first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.created_at > now - lifetime)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def end_one(user: User, user_session: UserSession) -> None:
    """The user ends one of their own sessions (another device, or this one)."""
    if user_session.user_id != user.id or user_session.ended_at is not None:
        raise DomainError(_("Sessionen findes ikke eller er allerede afsluttet."))
    user_session.ended_at = utcnow()
    record(user, "session.end", target=f"session:{user_session.id}")
    db.session.flush()


def end_others(user: User, current: UserSession | None) -> int:
    """The user signs out everywhere else; this device stays signed in."""
    count = end_all(user, keep=current)
    record(user, "session.end_others", count=count)
    db.session.flush()
    return count


def end_participant(participant: Participant) -> None:
    """End the participant's session wherever it is (a new generation; the cookie is old)."""
    db.session.execute(
        update(Participant).where(Participant.id == participant.id)
        # access_changed_at: an open stream of theirs ends at the stream process's next tick.
        .values(session_generation=Participant.session_generation + 1,
                access_changed_at=utcnow()))


def end_committee_participants(committee_id: int) -> None:
    """End the sessions of everyone who joined the committee (its join code changed)."""
    db.session.execute(
        update(Participant).where(Participant.committee_id == committee_id)
        .values(session_generation=Participant.session_generation + 1,
                access_changed_at=utcnow()))


def end_for_person(person, by) -> int:
    """An admin ends a person's sessions on every device (a lost phone, a leaving employee)."""
    if isinstance(person, Participant):
        end_participant(person)
        count = 1
        target = f"participant:{person.id}"
    else:
        count = end_all(person)
        target = f"user:{person.id}"
    record(by, "session.end_person", target=target, count=count)
    db.session.flush()
    return count
