"""People: staff accounts (chairs, admins, KL) and participants who joined a committee by code."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delib.extensions import db
from delib.models.base import utcnow

ROLE_PARTICIPANT = "participant"
ROLE_CHAIR = "chair"
ROLE_MUNICIPAL_ADMIN = "municipal_admin"
ROLE_KL_ANALYST = "kl_analyst"
ROLE_KL_ADMIN = "kl_admin"
STAFF_ROLES = (ROLE_CHAIR, ROLE_MUNICIPAL_ADMIN, ROLE_KL_ANALYST, ROLE_KL_ADMIN)


class User(UserMixin, db.Model):
    """A staff account with a password: chair/secretary, municipal admin or KL staff."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), default=ROLE_CHAIR)
    #: Chairs and municipal admins belong to a municipality; KL staff do not.
    municipality_code: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.code"), index=True
    )
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The last TOTP time step used to sign in: a code is accepted once (no replay).
    totp_last_step: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality = relationship("Municipality")

    kind = "user"

    def get_id(self) -> str:
        return f"u:{self.id}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def display_name(self) -> str:
        return self.name


class Participant(UserMixin, db.Model):
    """Someone who joined one committee with its code and a display name; no password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(80))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when a chair removes the participant; their session stops working.
    removed_at: Mapped[datetime | None]
    #: Kept in the participant's session cookie at joining: raising it (a new join code) ends
    #: every session made before, which the cookie alone could not tell.
    session_generation: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: When the participant's access last changed (removed, a new generation): the stream
    #: process reads this once per tick for all its subscribers, so an open stream ends at once.
    access_changed_at: Mapped[datetime | None] = mapped_column(index=True)

    committee = relationship("Committee", back_populates="participants")

    kind = "participant"
    role = ROLE_PARTICIPANT
    municipality_code = None

    def get_id(self) -> str:
        return f"p:{self.id}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class UserSession(db.Model):
    """One staff sign-in on one device, which the server can end (sign-out, new password, admin).

    The browser's signed cookie carries a random token; only its SHA-256 is stored, so a copy
    of this table opens no session.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Browser and system ("Chrome", "Windows"): enough to recognise one's own devices on the
    #: sessions page, not a fingerprint. Empty when the user agent says nothing known.
    browser: Mapped[str] = mapped_column(String(60), default="")
    os: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Indexed: the stream process asks once per tick which sessions ended since the last one.
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
