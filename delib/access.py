"""The one place that decides who may see and do what.

Views call these loaders; they 404 for what does not exist and 403 for what the current person
may not touch, so a participant of one committee never reaches another committee's data.
"""

import inspect
from functools import wraps

from flask import abort, flash, g, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from delib.extensions import db
from delib.models import (
    Action,
    Committee,
    DiscussionSlot,
    Event,
    Note,
    Participant,
    Submission,
    Summary,
    Task,
    User,
    UserSession,
)
from delib.models.accounts import (
    ROLE_CHAIR,
    ROLE_KL_ADMIN,
    ROLE_KL_ANALYST,
    ROLE_MUNICIPAL_ADMIN,
    ROLE_PARTICIPANT,
)
from delib.services import DomainError, contribution, follow_ups, peers, submissions, summaries
from delib.services.kl import api_tokens
from delib.services.kl import contribution as kl_contribution
from delib.services.programme import current_event

KL_ROLES = (ROLE_KL_ANALYST, ROLE_KL_ADMIN)

#: A summary's subject as its URL says it.
SUMMARY_KINDS = {"opgave": "task", "budskab": "message"}


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


def _get_or_404(model, object_id: int, belongs=lambda _obj: True):
    """The row with this id if `belongs(row)`; 404 otherwise, so a guessed id of someone
    else's thing looks the same as one that does not exist."""
    obj = db.session.get(model, object_id)
    if obj is None or not belongs(obj):
        abort(404)
    return obj


def load_user_session(session_id: int) -> UserSession:
    """One of the signed-in staff user's open sessions; 404 for anyone else's or an ended one."""
    return _get_or_404(UserSession, session_id, lambda s: s.user_id == current_user.id
                       and s.ended_at is None)


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


def load_slot(committee: Committee, slot_id: int) -> DiscussionSlot:
    """A break of the committee's event; 404 otherwise."""
    return _get_or_404(DiscussionSlot, slot_id, lambda s: s.event_id == committee.event_id)


def load_committee_note(committee: Committee, note_id: int) -> Note:
    """A live note of this committee (the chair's side); 404 otherwise."""
    return _get_or_404(Note, note_id, lambda n: n.committee_id == committee.id
                       and n.deleted_at is None)


def load_action(committee: Committee, action_id: int) -> Action:
    """A follow-up action of this committee; 404 otherwise."""
    return _get_or_404(Action, action_id, lambda a: a.committee_id == committee.id)


def load_summary(committee: Committee, summary_id: int) -> Summary:
    """A summary written by this committee; 404 otherwise."""
    return _get_or_404(Summary, summary_id, lambda s: s.committee_id == committee.id)


def load_submission(committee: Committee, version: int) -> Submission:
    """One submitted version of the committee's contribution; 404 otherwise."""
    submission = submissions.get_submission(committee, version)
    if submission is None:
        abort(404)
    return submission


def require_submitted(committee: Committee) -> None:
    """Other municipalities' shared contributions open to a committee only once it has
    submitted its own (403, saying so, before that)."""
    from delib.web import error_response

    if contribution.latest_submission(committee) is None:
        abort(error_response(403, _("Andre kommuners bidrag kan ses, når I selv har indsendt "
                                    "jeres bidrag til KL.")))


def load_peer_action(committee: Committee, submission_action_id: int):
    """An action another municipality shared at the committee's event; 404 otherwise (an
    unshared, older or own one looks the same as one that does not exist)."""
    action = peers.shared_action(committee, submission_action_id)
    if action is None:
        abort(404)
    return action


def load_group_note(committee: Committee, note_id: int) -> Note:
    """A note of one of the committee's groups that has sent its notes; 404 otherwise (a
    group's unsent notes stay the group's)."""
    from delib.services import groups

    note = groups.group_note(committee, note_id)
    if note is None:
        abort(404)
    return note


#: What only a municipality's committee does: a discussion group's contribution goes to its
#: committee, never straight to KL (nor to other municipalities, nor the follow-up).
COMMITTEE_ONLY_ENDPOINTS = ("submissions.", "peers.", "follow_ups.update")


def refuse_group_only(committee: Committee) -> None:
    """403, saying why, for a group on a route that only a committee may use."""
    from delib.web import error_response

    if committee.parent_committee_id is not None and (request.endpoint or "").startswith(
            COMMITTEE_ONLY_ENDPOINTS):
        abort(error_response(403, _("En gruppe indsender ikke selv til KL. Send gruppens "
                                    "noter til udvalget fra gruppens side.")))


def load_summary_subject(committee: Committee, kind: str, subject_id: int):
    """The task ('opgave') or message ('budskab') of the committee's event a summary is about;
    404 otherwise."""
    try:
        return summaries.summary_subject(committee, SUMMARY_KINDS[kind], subject_id)
    except (KeyError, DomainError):
        abort(404)


def load_participant(committee: Committee, participant_id: int) -> Participant:
    """A participant still in this committee; 404 (saying so) otherwise."""
    from delib.web import error_response

    participant = db.session.get(Participant, participant_id)
    if (participant is None or participant.committee_id != committee.id
            or participant.removed_at is not None):
        abort(error_response(404, _("Deltageren findes ikke.")))
    return participant


def load_person(kind: str, person_id: int, may_manage) -> User | Participant:
    """A staff user ('bruger') or participant ('deltager') the current person may manage (the
    `may_manage(actor, person)` rule); 404 if missing, 403 if not theirs."""
    model = {"bruger": User, "deltager": Participant}.get(kind)
    person = db.session.get(model, person_id) if model is not None else None
    if person is None:
        abort(404)
    if not may_manage(current_user, person):
        abort(403)
    return person


def load_signing_in_user(user_id: int) -> User:
    """The staff user half-way through signing in (password given, code awaited); 403 if the
    account is gone or switched off meanwhile."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        abort(403)
    return user


def require(condition: bool, status: int = 404) -> None:
    """Refuse the request (404 by default) unless the condition holds."""
    if not condition:
        abort(status)


def committee_view(need: str = ROLE_PARTICIPANT):
    """A view of one committee: signed in, the committee loaded and the role checked.

    The view gets `committee` (and `role`, if it asks for it) instead of `committee_id`;
    need='chair' admits chairs only, need='participant' anyone in the committee.
    """

    def decorator(view):
        wants_role = "role" in inspect.signature(view).parameters

        @wraps(view)
        def wrapped(committee_id: int, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorized()
            committee, role = load_committee(committee_id, need=need)
            refuse_group_only(committee)
            if wants_role:
                kwargs["role"] = role
            return view(committee=committee, **kwargs)

        return wrapped

    return decorator


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


# --- KL's area (delib/blueprints/kl) ---------------------------------------------------------

kl_required = staff_required(*KL_ROLES)


def kl_event(slug: str | None) -> Event | None:
    """The event with this slug, else the current one; None if there is none."""
    return db.session.scalar(select(Event).where(Event.slug == slug)) if slug else current_event()


def kl_view(view):
    """A view of KL's overview: KL staff only, handed the `event` it is about.

    The event is ?event=<slug> (or a posted `event`), else the current one; 404 if there is
    none. With a slug, every link the page builds stays with that event (see the blueprint's
    url_defaults).
    """

    @wraps(view)
    @kl_required
    def wrapped(*args, **kwargs):
        slug = request.args.get("event") or request.form.get("event")
        event = kl_event(slug)
        if event is None:
            abort(404)
        if slug:
            g.kl_event_slug = event.slug
        return view(*args, event=event, **kwargs)

    return wrapped


def load_kl_submission(committee_id: int) -> Submission:
    """The committee's latest submitted version, for KL; 404 when it has submitted none (KL
    never sees a draft)."""
    submission = kl_contribution.latest_submission(committee_id)
    if submission is None:
        abort(404)
    return submission


def load_previous_action(committee: Committee, submission_action_id: int):
    """One of the municipality's actions from its previous event that this committee follows
    up on; 404 for any other (another municipality's, a draft, this event's)."""
    action = follow_ups.previous_action(committee, submission_action_id)
    if action is None:
        abort(404)
    return action


def load_kl_task(event: Event, task_id: int) -> Task:
    """A task of the event KL is looking at; 404 otherwise."""
    return _get_or_404(Task, task_id, lambda t: t.event_id == event.id)


def load_api_token(token_id: int):
    """One of the signed-in KL user's own API tokens; 404 for anyone else's."""
    token = api_tokens.token_of(current_user, token_id)
    if token is None:
        abort(404)
    return token


def api_user() -> User | None:
    """The KL account behind the request's `Authorization: Bearer <token>`, or None."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    return api_tokens.verify(secret.strip()) if scheme.lower() == "bearer" else None
