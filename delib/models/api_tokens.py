"""Bearer tokens for KL's read-only JSON API; only a hash of each token is stored."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delib.extensions import db
from delib.models.base import utcnow


class ApiToken(db.Model):
    """A KL analyst's API token. The secret is shown once; the database keeps its SHA-256."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: What the token is for ("Analyse-notebook"), so its owner can tell tokens apart.
    name: Mapped[str] = mapped_column(String(120))
    #: SHA-256 hex of the secret: tokens are 256-bit random, so a slow hash adds nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the secret, to recognise a token in a list without storing it.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user = relationship("User")
