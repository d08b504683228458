"""Staff accounts: passwords, invitations and set-up links, and the second factor (TOTP).

Participants have no account (they join one committee by code: a deliberate exception to
multi-factor sign-in, see docs/security.md). Staff sign in with a password and, for KL admins
always and for others by choice, a time-based one-time code from an authenticator app.
"""

import hashlib
import time

import pyotp
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from delib.auth import check_password, hash_password
from delib.extensions import db
from delib.models import Municipality, User
from delib.models.accounts import (
    ROLE_CHAIR,
    ROLE_KL_ADMIN,
    ROLE_KL_ANALYST,
    ROLE_MUNICIPAL_ADMIN,
    STAFF_ROLES,
)
from delib.sanitize import one_line
from delib.services import DomainError
from delib.services.audit import record
from delib.services.sessions import end_all as end_all_sessions

PASSWORD_MIN = 10
PASSWORD_MAX = 256
#: Roles that cannot sign in without a second factor.
TOTP_REQUIRED_ROLES = (ROLE_KL_ADMIN,)
#: Roles that may turn a second factor on (everyone with a password).
TOTP_ROLES = STAFF_ROLES
ISSUER = "delib (KL)"
_LINK_SALT = "delib.password-link"

ROLE_LABELS = {
    ROLE_CHAIR: _l("Formand eller udvalgssekretær"),
    ROLE_MUNICIPAL_ADMIN: _l("Kommunal administrator"),
    ROLE_KL_ANALYST: _l("KL-analytiker"),
    ROLE_KL_ADMIN: _l("KL-administrator"),
}


# --------------------------------------------------------------------------- passwords


def check_new_password(user: User, password: str, repeat: str) -> None:
    """Refuse a weak or mistyped new password, in Danish."""
    password = password or ""
    if password != (repeat or ""):
        raise DomainError(_("De to adgangskoder er ikke ens."), field="repeat")
    if len(password) < PASSWORD_MIN:
        raise DomainError(_("Adgangskoden skal være mindst %(n)d tegn.", n=PASSWORD_MIN),
                          field="password")
    if len(password) > PASSWORD_MAX:
        raise DomainError(_("Adgangskoden må højst være %(n)d tegn.", n=PASSWORD_MAX),
                          field="password")
    lowered = password.lower()
    if user.email and (lowered == user.email.lower() or lowered == user.email.split("@")[0]):
        raise DomainError(_("Adgangskoden må ikke være din e-mail."), field="password")
    if len(set(password)) < 4:
        raise DomainError(_("Adgangskoden er for let at gætte."), field="password")


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """A signed-in staff user changes their password; the current one must be right."""
    if not check_password(user.password_hash, current or ""):
        raise DomainError(_("Din nuværende adgangskode er forkert."), field="current")
    check_new_password(user, new, repeat)
    user.password_hash = hash_password(new)
    # A credential change ends every session of the account, this one too: the view signs
    # this device in afresh, and another device (or a copied cookie) is signed out.
    end_all_sessions(user)
    record(user, "account.password")
    db.session.flush()


def set_password(user: User, new: str, repeat: str) -> None:
    """Set a password from an invitation or set-up link (the link is then used up)."""
    check_new_password(user, new, repeat)
    user.password_hash = hash_password(new)
    # A new password from a link (perhaps because the old one leaked) signs out every device.
    end_all_sessions(user)
    record(user, "account.password_link")
    db.session.flush()


def _fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier link stops working.
    return hashlib.sha256((user.password_hash or "-").encode()).hexdigest()[:16]


def password_token(user: User, secret_key: str) -> str:
    """A signed, single-use token for a password set-up link."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_LINK_SALT)
    return serializer.dumps({"u": user.id, "f": _fingerprint(user)})


def user_from_token(token: str, secret_key: str, max_age: int) -> User:
    """The user a set-up link is for; DomainError if it is forged, expired or used."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_LINK_SALT)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise DomainError(_("Linket er udløbet. Bed om et nyt.")) from error
    except BadSignature as error:
        raise DomainError(_("Linket er ugyldigt. Tjek, at du har kopieret det hele.")) from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise DomainError(_("Linket er ugyldigt. Tjek, at du har kopieret det hele."))
    if data.get("f") != _fingerprint(user):
        raise DomainError(_("Linket er allerede brugt. Bed om et nyt."))
    return user


# --------------------------------------------------------------------------- invitations


def invitable_roles(inviter: User) -> list[str]:
    """The roles this person may hand out."""
    if inviter.role == ROLE_KL_ADMIN:
        return list(STAFF_ROLES)
    if inviter.role == ROLE_MUNICIPAL_ADMIN:
        return [ROLE_CHAIR, ROLE_MUNICIPAL_ADMIN]
    return []


def invite_user(inviter: User, email: str, name: str, role: str,
                municipality_code: int | None) -> User:
    """Create a staff account without a password; the invitee sets one through a link."""
    email = (email or "").strip().lower()
    name = one_line(name)
    if role not in invitable_roles(inviter):
        raise DomainError(_("Du kan ikke invitere nogen med den rolle."), field="role")
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise DomainError(_("Skriv en gyldig e-mailadresse."), field="email")
    if not name or len(name) > 120:
        raise DomainError(_("Skriv personens navn (højst 120 tegn)."), field="name")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise DomainError(_("Der findes allerede en bruger med den e-mail."), field="email")
    if inviter.role == ROLE_MUNICIPAL_ADMIN:
        municipality_code = inviter.municipality_code
    municipality = None
    if role in (ROLE_CHAIR, ROLE_MUNICIPAL_ADMIN):
        if municipality_code:
            municipality = db.session.get(Municipality, municipality_code)
        if municipality is None:
            raise DomainError(_("Vælg personens kommune."), field="municipality")
    user = User(email=email, name=name, role=role, municipality=municipality,
                password_hash=None)
    db.session.add(user)
    db.session.flush()
    record(inviter, "account.invite", target=f"user:{user.id}", role=role)
    return user


# --------------------------------------------------------------------------- second factor


def authenticate(email: str, password: str) -> User | None:
    """The active staff user with this e-mail (any case) and password; None otherwise."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is not None and user.active and check_password(user.password_hash, password):
        return user
    return None


def needs_second_factor(user: User) -> bool:
    """True if signing in takes a one-time code (or setting one up) after the password."""
    return bool(user.totp_secret) or user.role in TOTP_REQUIRED_ROLES


def new_totp_secret() -> str:
    """A fresh random base32 secret (160 bits) for an authenticator app."""
    return pyotp.random_base32(32)


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// link an authenticator app reads."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def format_secret(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def verify_totp(user: User, secret: str, code: str, now: float | None = None) -> None:
    """Accept a current code once; refuse wrong, malformed or replayed codes in Danish."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        raise DomainError(_("Skriv den sekscifrede kode fra din godkendelsesapp."), field="code")
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    # One step either side allows for a phone clock that is a little off.
    for offset in (0, -1, 1):
        step = int(now // totp.interval) + offset
        if totp.at(step * totp.interval) == code:
            if user.totp_last_step is not None and step <= user.totp_last_step:
                raise DomainError(_("Koden er allerede brugt. Vent på den næste kode."),
                                  field="code")
            user.totp_last_step = step
            db.session.flush()
            return
    raise DomainError(_("Koden er forkert eller udløbet. Prøv den nye kode fra appen."),
                      field="code")


def enable_totp(user: User, secret: str, code: str) -> None:
    """Turn the second factor on, once the user has shown their app makes the right codes."""
    if user.role not in TOTP_ROLES:
        raise DomainError(_("Totrinsbekræftelse er for medarbejdere med konto."))
    verify_totp(user, secret, code)
    user.totp_secret = secret
    record(user, "account.totp_on")
    db.session.flush()


def disable_totp(user: User, code: str) -> None:
    """Turn the second factor off (never for roles that must have it)."""
    if user.role in TOTP_REQUIRED_ROLES:
        raise DomainError(_("KL-administratorer skal bruge totrinsbekræftelse."), field="code")
    if not user.totp_secret:
        raise DomainError(_("Totrinsbekræftelse er ikke slået til."), field="code")
    verify_totp(user, user.totp_secret, code)
    user.totp_secret = None
    user.totp_last_step = None
    record(user, "account.totp_off")
    db.session.flush()
