"""The one place that decides who may see and do what.

Views call these loaders; they 404 for what does not exist and 403 for what the current person
may not touch, so a participant of one committee never reaches another committee's data.
"""

from functools import wraps

from flask import abort, flash, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user

from delib.extensions import db
from delib.models import Committee, Note, UserSession
from delib.models.accounts import (
    ROLE_CHAIR,
    ROLE_KL_ADMIN,
    ROLE_KL_ANALYST,
    ROLE_MUNICIPAL_ADMIN,
    ROLE_PARTICIPANT,
)

KL_ROLES = (ROLE_KL_ANALYST, ROLE_KL_ADMIN)


def committee_role(actor, committee: Committee) -> str | None:
    """The actor's role in this committee: 'chair', 'participant' or None."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.role == ROLE_PARTICIPANT:
        return ROLE_PARTICIPANT if actor.committee_id == committee.id else None
    same_municipality = actor.municipality_code == committee.municipality_code
    if actor.role == ROLE_MUNICIPAL_ADMIN and same_municipality:
        return ROLE_CHAIR
    if actor.role == ROLE_CHAIR and any(c.id == actor.id for c in committee.chairs):
        return ROLE_CHAIR
    return None


def signed_in_participant_id() -> int | None:
    """The participant id in the signed session cookie, without loading the account; or None.

    Only for an answer whose query checks the membership itself (the break screen's unchanged
    poll, see services.notes.participant_notes_stamp); everything else uses current_user, which
    loads the account and checks it is active.
    """
    kind, _sep, raw = str(session.get("_user_id") or "").partition(":")
    return int(raw) if kind == "p" and raw.isdigit() else None


def signed_in_participant_generation() -> int | None:
    """The participant's session generation in the signed cookie (checked against the row by
    the query that answers, like signed_in_participant_id)."""
    from delib.auth import PARTICIPANT_GENERATION

    generation = session.get(PARTICIPANT_GENERATION)
    return generation if isinstance(generation, int) else None


def load_user_session(session_id: int) -> UserSession:
    """One of the signed-in staff user's open sessions; 404 for anyone else's or an ended one."""
    user_session = db.session.get(UserSession, session_id)
    if (user_session is None or user_session.user_id != current_user.id
            or user_session.ended_at is not None):
        abort(404)
    return user_session


def can_manage_committees(actor) -> bool:
    """Chairs and municipal admins create and run committees."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.role in (ROLE_CHAIR, ROLE_MUNICIPAL_ADMIN)
    )


def can_edit_note(actor, note: Note) -> bool:
    """Authors edit and delete their own notes while the committee's page is theirs."""
    if note.deleted_at is not None or committee_role(actor, note.committee) is None:
        return False
    if actor.role == ROLE_PARTICIPANT:
        return note.author_participant_id == actor.id
    return note.author_user_id == actor.id


def load_committee(committee_id: int, need: str = ROLE_PARTICIPANT) -> tuple[Committee, str]:
    """The committee and the current person's role in it; 404 if missing, 403 if not theirs.

    need='chair' demands chair rights; need='participant' admits chairs too.
    """
    committee = db.session.get(Committee, committee_id)
    if committee is None:
        abort(404)
    role = committee_role(current_user, committee)
    if role is None or (need == ROLE_CHAIR and role != ROLE_CHAIR):
        abort(403)
    return committee, role


def load_note(note_id: int, for_edit: bool = False) -> Note:
    """A note the current person may see (or edit); 404 if missing or deleted, 403 otherwise."""
    note = db.session.get(Note, note_id)
    if note is None or note.deleted_at is not None:
        abort(404)
    if committee_role(current_user, note.committee) is None:
        abort(403)
    if for_edit and not can_edit_note(current_user, note):
        abort(403)
    return note


def staff_required(*roles: str):
    """Views for signed-in staff with one of these roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def member_required(view):
    """Views for anyone signed in, participant or staff; the committee check comes after."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _unauthorized()
        return view(*args, **kwargs)

    return wrapped


def _unauthorized():
    """To the login page; for htmx the whole browser goes there.

    htmx follows a redirect inside the page, so a poll or a post from a removed participant
    would otherwise swap the login page into the notes list. HX-Redirect sends the browser.
    """
    from delib.extensions import login_manager
    from delib.web import is_partial_request

    if signed_in_participant_id() is not None:
        # A participant whose session ended (removed, or a new join code): say why, in Danish,
        # and where to go; the staff sign-in message would mislead.
        flash(_("Du er ikke længere logget ind i udvalget: formanden har fjernet dig eller "
                "lavet en ny kode. Bed om den nye kode, og deltag igen."), "info")
        from flask_login import login_url

        response = redirect(login_url(login_manager.login_view, next_url=request.url))
    else:
        response = login_manager.unauthorized()
    if is_partial_request() and response.status_code in (301, 302, 303, 307, 308):
        response.headers["HX-Redirect"] = response.headers["Location"]
        del response.headers["Location"]
        response.status_code = 200
        response.set_data(b"")
    return response


chair_required = staff_required(ROLE_CHAIR, ROLE_MUNICIPAL_ADMIN)
