"""The break screen: capture notes together, see the others' notes arrive, edit and delete own."""

import json
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from delib.access import (
    load_committee,
    load_note,
    member_required,
    signed_in_participant_generation,
    signed_in_participant_id,
)
from delib.db import begin_writes, reads_first, reads_only_from_here
from delib.extensions import db, limiter
from delib.forms import ConfirmForm, optional_int
from delib.forms.notes import NoteForm, SuggestionDecisionForm
from delib.models import DiscussionSlot
from delib.services import DomainError, suggestions
from delib.services import notes as service
from delib.services.notes import NoteConflict, NoteInput
from delib.services.programme import pick_slot, slot_questions, slot_state
from delib.services.review import latest_submission
from delib.web import is_partial_request, render

bp = Blueprint("notes", __name__)


def _load_slot(committee, slot_id: int) -> DiscussionSlot:
    """The slot, if it belongs to the committee's event; 404 otherwise."""
    slot = db.session.get(DiscussionSlot, slot_id)
    if slot is None or slot.event_id != committee.event_id:
        abort(404)
    return slot


def _note_form(committee, slot, **kwargs) -> NoteForm:
    """A note form with the event's tasks and messages and the committee's theme meetings."""
    form = NoteForm(**kwargs)
    event = committee.event
    form.tasks.choices = [(t.id, f"{t.number}. {t.short_title or t.title}") for t in event.tasks]
    form.messages.choices = [(m.id, f"{m.number}. {m.short_title or m.title}")
                             for m in event.messages]
    meetings = committee.theme_meetings if slot is None or slot.focus == "theme_meetings" else []
    form.theme_meeting.choices = [(None, _("Ikke et bestemt temamøde"))] + [
        (m.id, f"{m.number}. {m.title}") for m in meetings
    ]
    return form


def _input(form: NoteForm) -> NoteInput:
    """What the form says, with anything that is not a number refused in Danish."""
    if not form.validate():
        raise DomainError(_("Et af valgene er ugyldigt. Genindlæs siden, og prøv igen."),
                          field="tasks")
    return NoteInput(body=form.body.data or "", task_ids=form.tasks.data or [],
                     message_ids=form.messages.data or [],
                     theme_meeting_id=form.theme_meeting.data,
                     suggested_task_ids=[i for i in form.suggested_tasks.data or [] if i],
                     suggested_message_ids=[i for i in form.suggested_messages.data or [] if i])


def _list_etag(stamp: service.NotesStamp, committee_id: int, slot_id: int, viewer_id: str) -> str:
    """The list's ETag: the notes' stamp, and who looks (own notes get edit links)."""
    return f"n{committee_id}-{stamp.etag}-s{slot_id}-{viewer_id}-{get_locale()}"


def _not_modified(etag: str):
    response = make_response("", 304)
    return _list_headers(response, etag)


def _list_headers(response, etag: str):
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    response.vary.add("HX-Request")
    return response


def _list_state(committee, slot) -> dict:
    """The list's stamp, ETag and the poll's settings, for the list and its partials."""
    stamp = service.notes_stamp(committee.id)
    return dict(stamp=stamp, etag=_list_etag(stamp, committee.id, slot.id, current_user.get_id()),
                poll_seconds=current_app.config["NOTES_POLL_SECONDS"])


def _break_context(committee, role, slot, form):
    """Everything the break screen and its partials show."""
    now = datetime.now(committee.event.tz)
    return dict(
        committee=committee, role=role, slot=slot, form=form, event=committee.event,
        state=slot_state(committee.event, slot, now), questions=slot_questions(committee, slot),
        notes=service.note_cards(committee.id, slot.id), viewer=current_user,
        submission=latest_submission(committee),
        **_list_state(committee, slot),
    )


@bp.get("/udvalg/<int:committee_id>/pause")
@member_required
def current(committee_id: int):
    """Send the committee to the break that is on now (or the next one)."""
    committee, _role = load_committee(committee_id)
    slot = pick_slot(committee.event, datetime.now(committee.event.tz))
    if slot is None:
        abort(404)
    return redirect(url_for("notes.session", committee_id=committee.id, slot_id=slot.id))


@bp.get("/udvalg/<int:committee_id>/pauser/<int:slot_id>")
@member_required
def session(committee_id: int, slot_id: int):
    """The break screen: countdown, guiding questions, note field and the committee's notes."""
    committee, role = load_committee(committee_id)
    slot = _load_slot(committee, slot_id)
    form = _note_form(committee, slot, formdata=None)
    form.client_key.data = service.new_client_key()
    response = render("notes/session.html", **_break_context(committee, role, slot, form))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/udvalg/<int:committee_id>/pauser/<int:slot_id>/noter")
@limiter.exempt  # no limit applies to it, and checking for one costs every poll in the country
def index(committee_id: int, slot_id: int):
    """The notes list, polled by the break screen: 304 when nothing changed, else the changes."""
    return _participant_poll(committee_id, slot_id) or _list(committee_id, slot_id)


class _Viewer(NamedTuple):
    """Who looks at the cards (own notes get edit links), without loading the account."""

    kind: str
    id: int


def _participant_poll(committee_id: int, slot_id: int):
    """A participant's poll, answered from the signed session and a few indexed queries.

    Every participant in the country polls every few seconds: this answers "nothing new" (304)
    and "these changed" without loading the participant, the committee or the slot. The first
    query checks the membership itself; anything else (staff, no ETag or cursor, a stale
    session, many changes) goes the full way with every access check.
    """
    if not request.if_none_match:
        return None
    participant_id = signed_in_participant_id()
    generation = signed_in_participant_generation()
    if participant_id is None or generation is None:
        return None
    stamp = service.participant_notes_stamp(committee_id, participant_id, generation)
    if stamp is None:
        return None
    etag = _list_etag(stamp, committee_id, slot_id, f"p:{participant_id}")
    if etag in request.if_none_match:
        return _not_modified(etag)
    return _changes(committee_id, slot_id, stamp, etag, _Viewer("participant", participant_id))


def _changes(committee_id: int, slot_id: int, stamp, etag: str, viewer):
    """Only the notes changed since the browser's cursor, for delib.js to merge; or None.

    None (the whole list instead) without htmx or a cursor, or after many changes.
    """
    since = service.cursor_time(request.args.get("efter")) if is_partial_request() else None
    if since is None:
        return None
    overlap = timedelta(seconds=current_app.config["NOTES_POLL_OVERLAP_SECONDS"])
    changed = service.note_cards_changed_since(committee_id, slot_id, since - overlap,
                                               current_app.config["NOTES_POLL_MAX_CHANGES"])
    if changed is None:
        return None
    # Rendered without Flask's context processors: Flask-Login's would load the signed-in
    # account for every poll, and these cards only need `viewer`.
    html = current_app.jinja_env.get_template("notes/_changes.html").render(
        changed=changed, viewer=viewer, stamp=stamp, etag=etag,
        count=service.count_live_notes(committee_id, slot_id))
    response = make_response(html)
    # Only the out-of-band parts apply: the list element itself stays, and so does its timer.
    response.headers["HX-Reswap"] = "none"
    return _list_headers(response, etag)


@member_required
def _list(committee_id: int, slot_id: int):
    """The notes list for anyone in the committee: 304, the changes, or the whole list."""
    committee, _role = load_committee(committee_id)
    slot = _load_slot(committee, slot_id)
    state = _list_state(committee, slot)
    if state["etag"] in request.if_none_match:
        return _not_modified(state["etag"])
    changes = _changes(committee.id, slot.id, state["stamp"], state["etag"], current_user)
    if changes is not None:
        return changes
    response = render("notes/list.html", "notes/_list.html", committee=committee, slot=slot,
                      notes=service.note_cards(committee.id, slot.id), viewer=current_user,
                      oob=False, **state)
    return _list_headers(response, state["etag"])


@bp.post("/udvalg/<int:committee_id>/pauser/<int:slot_id>/noter")
@reads_first
@member_required
@limiter.limit(lambda: current_app.config.get("NOTES_RATE_LIMIT", "30 per minute"),
               key_func=lambda: current_user.get_id())
def create(committee_id: int, slot_id: int):
    """Post a note; a resend with the same key returns the note already saved."""
    committee, role = load_committee(committee_id)
    slot = _load_slot(committee, slot_id)
    form = _note_form(committee, slot)
    begin_writes(db.session)  # SQLite's write lock from here to the commit: milliseconds
    try:
        # The account itself, not Flask-Login's proxy: the note keeps a reference to its author.
        note, created = service.post_note(
            committee, slot, current_user._get_current_object(), _input(form),
            form.client_key.data or "", current_app.config["NOTE_MAX_LENGTH"])
    except DomainError as error:
        db.session.rollback()  # nothing was written; and the lock is not held while rendering
        reads_only_from_here()
        getattr(form, error.field or "body").errors.append(error.message)
        context = _break_context(committee, role, slot, form)
        return render("notes/session.html", "notes/_form.html", status=422, **context)
    db.session.commit()
    reads_only_from_here()  # rendering the answer must not hold SQLite's write lock
    if not is_partial_request():
        flash(_("Noten er gemt.") if created else _("Noten var allerede gemt."), "success")
        return redirect(url_for("notes.session", committee_id=committee.id, slot_id=slot.id)
                        + f"#note-{note.id}")
    return _saved_answer(committee, slot, note, status=201 if created else 200)


def _saved_answer(committee, slot, note, status: int):
    """The htmx answer to a saved note: its card and the new count, out of band."""
    count = service.count_live_notes(committee.id, slot.id)
    if request.form.get("errors_shown") or request.headers.get("X-Delib-Form") != "keep":
        # The form shows errors from an earlier try, or no script of ours is there to empty
        # it: a fresh one replaces it.
        fresh = _note_form(committee, slot, formdata=None)
        fresh.client_key.data = service.new_client_key()
        return render("notes/_created.html", status=status, committee=committee, slot=slot,
                      form=fresh, saved_note=note, viewer=current_user, count=count)
    # The form stays where it is (focus, caret and a phone's keyboard with it): delib.js empties
    # it and gives it the next note's key. The saved key tells it which draft is now saved, so
    # a pending retry for it is dropped and a form that has moved on is left alone.
    response = render("notes/_saved.html", status=status, saved_note=note, viewer=current_user,
                      count=count)
    response.headers["HX-Reswap"] = "none"
    response.headers["HX-Trigger"] = json.dumps(
        {"delib:note-saved": {"clientKey": service.new_client_key(), "savedKey": note.client_key}})
    return response


@bp.post("/udvalg/<int:committee_id>/pauser/<int:slot_id>/forslag")
@reads_first  # only reads: no write lock for a request sent while someone types
@member_required
@limiter.limit(lambda: current_app.config.get("SUGGEST_RATE_LIMIT", "120 per minute"),
               key_func=lambda: current_user.get_id())
def suggest(committee_id: int, slot_id: int):
    """While a note is typed: the model's suggested tasks and messages, as chips by the boxes.

    A POST, so the note's text never lands in a URL or a log; nothing is stored.
    """
    committee, _role = load_committee(committee_id)
    slot = _load_slot(committee, slot_id)
    form = _note_form(committee, slot)
    ticked = {"task": set(form.tasks.data or []), "message": set(form.messages.data or [])}
    offers = [offer for offer in suggestions.offers_for_text(committee.event, form.body.data)
              if offer.target_id not in ticked[offer.kind]]
    response = render("notes/_suggestions.html", offers=offers)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/noter/<int:note_id>/forslag")
@member_required
def decide_suggestion(note_id: int):
    """The writer accepts ("Tilføj") or rejects ("Afvis") a suggestion shown on their note."""
    note = load_note(note_id, for_edit=True)
    form = SuggestionDecisionForm()
    decision = request.form.get("decision")
    try:
        suggestion_id = optional_int(form.suggestion.data)
        if not form.validate() or decision not in ("tilfoej", "afvis") or not suggestion_id:
            raise DomainError(_("Forslaget kunne ikke læses. Genindlæs siden, og prøv igen."))
        decide = suggestions.accept if decision == "tilfoej" else suggestions.reject
        decide(note, [suggestion_id], current_user._get_current_object(),
               based_on_version=optional_int(form.version.data))
        db.session.commit()
    except (NoteConflict, StaleDataError):
        db.session.rollback()
        flash(_("Noten blev ændret samtidig. Se den igen, og svar på forslaget."), "error")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Opgaven er tilføjet noten.") if decision == "tilfoej"
              else _("Forslaget er afvist og vises ikke igen."), "success")
    return redirect(_back_to(note) + f"#note-{note.id}")


@bp.route("/noter/<int:note_id>/rediger", methods=["GET", "POST"])
@member_required
def update(note_id: int):
    """Edit one's own note; a save based on an old version is refused and both are shown."""
    note = load_note(note_id, for_edit=True)
    form = _note_form(note.committee, note.slot)
    if request.method == "GET":
        form = _note_form(note.committee, note.slot, formdata=None, obj=None)
        form.body.data = note.body
        form.tasks.data = [t.id for t in note.tasks]
        form.messages.data = [m.id for m in note.messages]
        form.theme_meeting.data = note.theme_meeting_id
        form.version.data = note.version
        return render("notes/edit.html", form=form, note=note)
    status, conflict = 422, None
    try:
        version = int(form.version.data or 0)
        service.update_note(note, current_user, _input(form), version,
                            current_app.config["NOTE_MAX_LENGTH"])
        db.session.commit()
    except NoteConflict as error:
        status, conflict = 409, error
        form.version.data = note.version
    except StaleDataError:
        db.session.rollback()
        note = load_note(note_id, for_edit=True)
        status, conflict = 409, NoteConflict(_("Noten blev ændret samtidig af en anden."), note)
        form.version.data = note.version
    except (DomainError, ValueError) as error:
        message = getattr(error, "message", _("Ugyldig version. Genindlæs siden."))
        getattr(form, getattr(error, "field", None) or "body").errors.append(message)
    else:
        flash(_("Noten er gemt."), "success")
        return redirect(_back_to(note) + f"#note-{note.id}")
    return render("notes/edit.html", form=form, note=note, conflict=conflict, status=status)


@bp.route("/noter/<int:note_id>/slet", methods=["GET", "POST"])
@member_required
def delete(note_id: int):
    """Delete one's own note, after a confirmation step."""
    note = load_note(note_id, for_edit=True)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        service.delete_note(note)
        db.session.commit()
        flash(_("Noten er slettet."), "success")
        return redirect(_back_to(note))
    return render("notes/confirm_delete.html", note=note, form=form)


def _back_to(note) -> str:
    """Where a note lives: its break screen, or the committee page for notes without a break."""
    if note.slot_id:
        return url_for("notes.session", committee_id=note.committee_id, slot_id=note.slot_id)
    return url_for("committees.show", committee_id=note.committee_id)
