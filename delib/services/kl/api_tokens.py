"""API tokens for KL analysts: create, verify, revoke. Only a SHA-256 of a secret is stored."""

import hashlib
import hmac
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from delib.extensions import db
from delib.models import ApiToken, User, utcnow
from delib.models.accounts import ROLE_KL_ADMIN, ROLE_KL_ANALYST
from delib.sanitize import one_line
from delib.services import DomainError, audit

KL_ROLES = (ROLE_KL_ANALYST, ROLE_KL_ADMIN)
# A public marker, not a secret.
TOKEN_PREFIX = "delib_"  # noqa: S105  # nosec B105


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for a KL account; returns the row and the secret (shown once, never stored)."""
    if user.role not in KL_ROLES or not user.active:
        raise DomainError(_("Kun aktive KL-analytikere og KL-administratorer kan få en API-nøgle."))
    name = one_line(name)[:120] or _("API-nøgle")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_digest(secret), prefix=secret[:12])
    db.session.add(token)
    db.session.flush()
    audit.record(user, "api_token.create", target=f"api_token:{token.id}")
    return token, secret


def verify(secret: str | None) -> User | None:
    """The KL account behind a presented secret, or None (unknown, revoked, or no longer KL)."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = _digest(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # The lookup is by hash; compare again in constant time for good measure.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    user = token.user
    if token.revoked_at is not None or not user.active or user.role not in KL_ROLES:
        return None
    return user


def revoke(token: ApiToken) -> None:
    """Stop a token from working, at once (its owner revokes it)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()
    audit.record(token.user, "api_token.revoke", target=f"api_token:{token.id}")


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first (revoked ones too, so the list tells the whole story)."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_of(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens, or None."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None
