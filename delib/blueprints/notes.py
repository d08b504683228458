"""Every change to a note: the break screen (capture notes together, see the others' notes
arrive, edit and delete one's own) and the chair's changes in review (edit, hide, restore,
merge, unmerge, key point, history, suggestion decisions)."""

import json
from datetime import datetime

from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm.exc import StaleDataError

from delib.access import (
    committee_view,
    load_committee,
    load_committee_note,
    load_note,
    load_slot,
    member_required,
    require,
    signed_in_participant_generation,
    signed_in_participant_id,
)
from delib.auth import current_user_session
from delib.blueprints.review import PREFIX
from delib.extensions import limiter
from delib.forms import ConfirmForm, optional_int
from delib.forms.notes import ChairNoteForm, HideForm, MergeForm, NoteForm, SuggestionDecisionForm
from delib.services import DomainError, contribution, groups, privacy, suggestions
from delib.services import notes as service
from delib.services.contribution import latest_submission
from delib.services.notes import NoteConflict, NoteInput, curation
from delib.services.notes.feed import SCREEN, NotesFeed, Viewer, viewer_of
from delib.services.programme import slot_questions
from delib.stream import Subscriber, hub_for, sse
from delib.uow import reads_first, unit_of_work
from delib.web import add_error, error_response, is_partial_request, origin_of, render

bp = Blueprint("notes", __name__)


def _note_form(committee, slot, **kwargs) -> NoteForm:
    """A note form with the event's tasks and messages and the committee's theme meetings."""
    meetings = committee.theme_meetings if slot is None or slot.focus == "theme_meetings" else []
    return NoteForm(event=committee.event, meetings=meetings, **kwargs)


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


def _not_modified(etag: str):
    response = make_response("", 304)
    return _list_headers(response, etag)


def _list_headers(response, etag: str):
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    response.vary.add("HX-Request")
    return response


def _list_state(committee, slot, viewer: Viewer | None = None) -> dict:
    """The list's stamp, ETag, the poll's settings and the stream's address (NotesFeed), for
    the list and its partials."""
    feed = NotesFeed(committee.id, slot.id)
    viewer = viewer or viewer_of(current_user)
    return dict(feed=feed, stamp=feed.stamp(), etag=feed.etag(viewer.key, get_locale()),
                poll_seconds=current_app.config["NOTES_POLL_SECONDS"],
                stream_url=_stream_url(committee.id, slot.id, feed.cursor(),
                                       screen=viewer.kind == "screen"),
                screen=viewer.kind == "screen")


def _stream_url(committee_id: int, slot_id: int, cursor: int, screen: bool = False) -> str:
    """Where the break screen opens its stream: the page's origin, or STREAM_URL's."""
    path = url_for("notes.stream", committee_id=committee_id, slot_id=slot_id, efter=cursor,
                   visning="skaerm" if screen else None)
    return (current_app.config.get("STREAM_URL") or "").rstrip("/") + path


def _break_context(committee, role, slot, form):
    """Everything the break screen and its partials show."""
    now = datetime.now(committee.event.tz)
    return dict(
        committee=committee, role=role, slot=slot, form=form, event=committee.event,
        # A discussion group may have its own time for the break (services/groups.py).
        state=groups.break_state(committee, slot, now),
        questions=slot_questions(committee, slot),
        viewer=current_user, submission=latest_submission(committee),
        **_with_cards(_list_state(committee, slot)),
    )


def _with_cards(state: dict) -> dict:
    """The list's state with its cards, read by the same feed."""
    return dict(state, notes=state["feed"].cards())


@bp.get("/udvalg/<int:committee_id>/pause")
@committee_view()
def current(committee):
    """Send the committee to the break that is on now (or the next one)."""
    slot = groups.pick_break(committee, datetime.now(committee.event.tz))
    require(slot is not None)
    return redirect(url_for("notes.session", committee_id=committee.id, slot_id=slot.id))


@bp.get("/udvalg/<int:committee_id>/pauser/<int:slot_id>")
@committee_view()
def session(committee, role, slot_id: int):
    """The break screen: countdown, guiding questions, note field and the committee's notes."""
    slot = load_slot(committee, slot_id)
    form = _note_form(committee, slot, formdata=None)
    form.client_key.data = service.new_client_key()
    response = render("notes/session.html", **_break_context(committee, role, slot, form))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/udvalg/<int:committee_id>/pauser/<int:slot_id>/noter")
@limiter.exempt  # no limit applies to it, and checking for one costs every poll in the country
def index(committee_id: int, slot_id: int):
    """The notes list, polled by the break screen: 304 when nothing changed, else the changes."""
    if request.args.get("visning") == "skaerm":
        # The big screen's fallback poll: nobody's own cards, whoever is signed in.
        return _list(committee_id, slot_id, SCREEN)
    return _participant_poll(committee_id, slot_id) or _list(committee_id, slot_id)


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
    feed = NotesFeed(committee_id, slot_id)
    viewer = Viewer("participant", participant_id)
    if feed.participant_stamp(participant_id, generation) is None:
        return None
    etag = feed.etag(viewer.key, get_locale())
    if etag in request.if_none_match:
        return _not_modified(etag)
    return _changes(feed, etag, viewer)


def _changes(feed: NotesFeed, etag: str, viewer: Viewer):
    """Only the notes changed since the browser's cursor, for delib.js to merge; or None.

    None (the whole list instead) without htmx or a cursor, or after many changes.
    """
    if not is_partial_request():
        return None
    changed = feed.changed_since(request.args.get("efter"))
    if changed is None:
        return None
    response = make_response(feed.changes_html(changed, viewer, etag))
    # Only the out-of-band parts apply: the list element itself stays, and so does its timer.
    response.headers["HX-Reswap"] = "none"
    return _list_headers(response, etag)


@member_required
def _list(committee_id: int, slot_id: int, viewer: Viewer | None = None):
    """The notes list for anyone in the committee: 304, the changes, or the whole list."""
    committee, _role = load_committee(committee_id)
    slot = load_slot(committee, slot_id)
    viewer = viewer or viewer_of(current_user)
    state = _list_state(committee, slot, viewer)
    if state["etag"] in request.if_none_match:
        return _not_modified(state["etag"])
    changes = _changes(state["feed"], state["etag"], viewer)
    if changes is not None:
        return changes
    response = render("notes/list.html", "notes/_list.html", committee=committee, slot=slot,
                      viewer=viewer, oob=False, **_with_cards(state))
    return _list_headers(response, state["etag"])


@bp.get("/udvalg/<int:committee_id>/pauser/<int:slot_id>/stroem")
@limiter.exempt  # a member's stream is never refused with 429 (access is checked below)
@committee_view()
def stream(committee, role, slot_id: int):
    """The break's notes pushed as Server-Sent Events: what changed since the browser's cursor
    at once, then every change as it is saved, until access ends (delib/stream.py)."""
    slot = load_slot(committee, slot_id)
    viewer = SCREEN if request.args.get("visning") == "skaerm" else viewer_of(current_user)
    locale = str(get_locale())
    user_session = current_user_session()
    subscriber = Subscriber(
        committee.id, slot.id, viewer, locale,
        generation=signed_in_participant_generation() if viewer.kind == "participant" else None,
        session_id=user_session.id if user_session is not None else None,
        csrf=generate_csrf() if viewer.kind != "screen" else "")
    hub = hub_for(current_app._get_current_object())
    # Registered before the catch-up is read: a change saved in between comes twice (the
    # browser merges by id), never not at all.
    hub.subscribe(subscriber)
    first = []
    try:
        feed = NotesFeed(committee.id, slot.id)
        cursor = request.headers.get("Last-Event-ID") or request.args.get("efter")
        changed = feed.changed_since(cursor, limit=None)
        if changed:
            first.append(sse("notes", feed.changes_html(changed, viewer,
                                                        feed.etag(viewer.key, locale)),
                             feed.cursor()))
    except BaseException:
        hub.unsubscribe(subscriber)
        raise
    response = current_app.response_class(hub.events(subscriber, first),
                                          mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx passes each event on at once
    return response


@bp.after_request
def _stream_cors(response):
    """The stream on its own origin (STREAM_URL) answers the app's own origin only."""
    if request.endpoint == "notes.stream" and current_app.config.get("STREAM_URL"):
        response.headers["Access-Control-Allow-Origin"] = origin_of(
            current_app.config.get("BASE_URL") or request.host_url)
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Headers"] = "Last-Event-ID"
        response.vary.add("Origin")
    return response


@bp.get("/udvalg/<int:committee_id>/pauser/<int:slot_id>/skaerm")
@committee_view()
def screen(committee, role, slot_id: int):
    """The break on the committee room's big screen: countdown, questions and the notes as
    they arrive, in large type; read-only."""
    slot = load_slot(committee, slot_id)
    now = datetime.now(committee.event.tz)
    state = _list_state(committee, slot, SCREEN)
    response = render("notes/screen.html", committee=committee, slot=slot, event=committee.event,
                      state=groups.break_state(committee, slot, now),
                      questions=slot_questions(committee, slot), viewer=SCREEN,
                      **_with_cards(state))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/udvalg/<int:committee_id>/pauser/<int:slot_id>/noter")
@reads_first
@committee_view()
# Refused only by the per-person note limit, counted in the database (services.notes.post_note)
# so it holds across workers and servers; never by an address a whole room shares.
@limiter.exempt
def create(committee, role, slot_id: int):
    """Post a note; a resend with the same key returns the note already saved."""
    slot = load_slot(committee, slot_id)
    form = _note_form(committee, slot)
    try:
        # SQLite's write lock from here to the end of the block: milliseconds. Rendering the
        # answer afterwards holds no lock.
        with unit_of_work():
            # The account itself, not Flask-Login's proxy: the note keeps its author.
            note, created = service.post_note(
                committee, slot, current_user._get_current_object(), _input(form),
                form.client_key.data or "", current_app.config["NOTE_MAX_LENGTH"])
    except DomainError as error:
        getattr(form, error.field or "body").errors.append(error.message)
        context = _break_context(committee, role, slot, form)
        return render("notes/session.html", "notes/_form.html", status=422, **context)
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
@committee_view()
@limiter.limit(lambda: current_app.config.get("SUGGEST_RATE_LIMIT", "120 per minute"),
               key_func=lambda: current_user.get_id())
def suggest(committee, slot_id: int):
    """While a note is typed: the model's suggested tasks and messages, as chips by the boxes,
    and the name guard's warning when the text seems to identify a person.

    A POST, so the note's text never lands in a URL or a log; nothing is stored.
    """
    slot = load_slot(committee, slot_id)
    form = _note_form(committee, slot)
    ticked = {"task": set(form.tasks.data or []), "message": set(form.messages.data or [])}
    offers = [offer for offer in suggestions.offers_for_text(committee.event, form.body.data)
              if offer.target_id not in ticked[offer.kind]]
    response = render("notes/_suggestions.html", offers=offers,
                      findings=privacy.flag_personal_data(form.body.data or ""))
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
        with unit_of_work():
            decide(note, [suggestion_id], current_user._get_current_object(),
                   based_on_version=optional_int(form.version.data))
    except (NoteConflict, StaleDataError):
        flash(_("Noten blev ændret samtidig. Se den igen, og svar på forslaget."), "error")
    except DomainError as error:
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
        with unit_of_work():
            service.update_note(note, current_user, _input(form), version,
                                current_app.config["NOTE_MAX_LENGTH"])
    except NoteConflict as error:
        status, conflict = 409, error
        note = load_note(note_id, for_edit=True)
        form.version.data = note.version
    except StaleDataError:
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
        flash(_("Noten er slettet."), "success")
        return redirect(_back_to(note))
    return render("notes/confirm_delete.html", note=note, form=form)


def _back_to(note) -> str:
    """Where a note lives: its break screen, or the committee page for notes without a break."""
    if note.slot_id:
        return url_for("notes.session", committee_id=note.committee_id, slot_id=note.slot_id)
    return url_for("committees.show", committee_id=note.committee_id)


# ---------------------------------------------------------------- the chair's changes in review
# Same rooms as the author's changes, under the review's address (PREFIX) so bookmarks hold.


def _to_review(committee, anchor: str = ""):
    return redirect(url_for("review.index", committee_id=committee.id) + anchor)


def _chair_note_form(committee, note, **kwargs) -> ChairNoteForm:
    """The chair's note form: the committee's theme meetings, and the note's own if it is not
    one of them any more."""
    meetings = list(committee.theme_meetings)
    if note.theme_meeting is not None and note.theme_meeting not in meetings:
        meetings.append(note.theme_meeting)
    return ChairNoteForm(event=committee.event, meetings=meetings, **kwargs)


@bp.route(f"{PREFIX}/noter/<int:note_id>/rediger", methods=["GET", "POST"])
@committee_view(need="chair")
def chair_edit(committee, note_id: int):
    """The chair edits a note's text and re-maps its tasks and messages; a stale save is refused."""
    note = load_committee_note(committee, note_id)
    if request.method == "GET":
        form = _chair_note_form(committee, note, formdata=None)
        form.body.data, form.version.data = note.body, note.version
        form.tasks.data = [t.id for t in note.tasks]
        form.messages.data = [m.id for m in note.messages]
        form.theme_meeting.data = note.theme_meeting_id
        return render("notes/chair_edit.html", committee=committee, note=note, form=form)
    form = _chair_note_form(committee, note)
    status, conflict = 422, None
    try:
        if not form.validate():
            raise DomainError(_("Et af valgene er ugyldigt. Genindlæs siden, og prøv igen."),
                              field="tasks")
        data = NoteInput(body=form.body.data or "", task_ids=form.tasks.data or [],
                         message_ids=form.messages.data or [],
                         theme_meeting_id=form.theme_meeting.data)
        version = optional_int(form.version.data)
        if version is None:
            raise DomainError(_("Formularen mangler notens version. Genindlæs siden."))
        with unit_of_work():
            curation.edit_note(committee, note, current_user, data, version,
                               current_app.config["NOTE_MAX_LENGTH"])
    except NoteConflict as error:
        status, conflict = 409, error.message
    except StaleDataError:
        status, conflict = 409, _("Noten blev ændret samtidig af en anden. Se begge versioner.")
    except DomainError as error:
        add_error(getattr(form, error.field or "body", form.body), error.message)
    else:
        flash(_("Noten er gemt. Den tidligere version er bevaret i historikken."), "success")
        return _to_review(committee, f"#note-{note.id}")
    if conflict:
        note = load_committee_note(committee, note_id)
        form.version.data = note.version
    return render("notes/chair_edit.html", committee=committee, note=note, form=form,
                  conflict=conflict, status=status)


@bp.post(f"{PREFIX}/noter/<int:note_id>/forslag")
@committee_view(need="chair")
def chair_decide_suggestion(committee, note_id: int):
    """Accept or reject one suggestion for a note (or all of the note's, suggestion=alle)."""
    note = load_committee_note(committee, note_id)
    form = SuggestionDecisionForm()
    decision = request.form.get("decision")
    chosen = "all" if form.suggestion.data == "alle" else [optional_int(form.suggestion.data)]
    try:
        if not form.validate() or decision not in ("accepter", "afvis") or chosen == [None]:
            raise DomainError(_("Forslaget kunne ikke læses. Genindlæs siden, og prøv igen."))
        decide = suggestions.accept if decision == "accepter" else suggestions.reject
        with unit_of_work():
            count = decide(note, chosen, current_user._get_current_object(),
                           based_on_version=optional_int(form.version.data))
    except (NoteConflict, StaleDataError):
        flash(_("Noten blev ændret samtidig. Se den igen, og svar på forslaget."), "error")
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(ngettext("%(num)d forslag er accepteret.", "%(num)d forslag er accepteret.", count)
              if decision == "accepter" else
              ngettext("%(num)d forslag er afvist og vises ikke igen.",
                       "%(num)d forslag er afvist og vises ikke igen.", count), "success")
    return _to_review(committee, "#uden-opgave")


@bp.route(f"{PREFIX}/forslag/accepter-alle", methods=["GET", "POST"])
@committee_view(need="chair")
def accept_all_suggestions(committee):
    """Accept every open suggestion, after a confirmation step that lists what gets mapped."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        shown = [i for i in (optional_int(v) for v in request.form.getlist("suggestion")) if i]
        try:
            with unit_of_work():
                count = suggestions.accept_all_for_committee(
                    committee, current_user._get_current_object(), shown)
        except StaleDataError:
            flash(_("En af noterne blev ændret samtidig. Se forslagene igen."), "error")
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(ngettext("%(num)d forslag er accepteret.", "%(num)d forslag er accepteret.",
                           count), "success")
        return _to_review(committee, "#uden-opgave")
    return render("notes/accept_suggestions.html", committee=committee, form=form,
                  pending=suggestions.pending_for_committee(committee),
                  locked=contribution.is_locked(committee))


@bp.get(f"{PREFIX}/noter/<int:note_id>/historik")
@committee_view(need="chair")
def history(committee, note_id: int):
    """Every version of a note: who, when, what; and what it was merged from or into."""
    note = load_committee_note(committee, note_id)
    return render("notes/history.html", committee=committee, note=note)


@bp.post(f"{PREFIX}/noter/<int:note_id>/noeglepunkt")
@committee_view(need="chair")
def key_point(committee, note_id: int):
    """Mark or unmark a note as a key point."""
    note = load_committee_note(committee, note_id)
    require(ConfirmForm().validate(), 400)
    try:
        with unit_of_work():
            curation.set_key_point(committee, note, current_user,
                                   request.form.get("value") == "1")
    except DomainError as error:
        if is_partial_request():
            # Shown in the page's message area; the toggle itself is left as it was.
            return error_response(422, error.message)
        flash(error.message, "error")
        return _to_review(committee)
    if is_partial_request():
        return render("notes/_key_point.html", committee=committee, note=note, locked=False)
    return _to_review(committee, f"#note-{note.id}")


@bp.route(f"{PREFIX}/noter/<int:note_id>/skjul", methods=["GET", "POST"])
@committee_view(need="chair")
def hide(committee, note_id: int):
    """Hide a note from the contribution with a reason (it stays restorable)."""
    note = load_committee_note(committee, note_id)
    form = HideForm()
    if request.method == "GET":
        form.version.data = note.version
        return render("notes/hide.html", committee=committee, note=note, form=form)
    try:
        form.validate()
        with unit_of_work():
            curation.hide_note(committee, note, current_user, form.reason.data or "",
                               optional_int(form.version.data))
    except (NoteConflict, StaleDataError):
        note = load_committee_note(committee, note_id)
        form.version.data = note.version
        add_error(form.reason, _("Noten er blevet ændret, mens du så på den. Læs den gemte "
                                 "version herover, og skjul igen, hvis den stadig skal skjules."))
        return render("notes/hide.html", committee=committee, note=note, form=form, status=409)
    except DomainError as error:
        add_error(form.reason, error.message)
        return render("notes/hide.html", committee=committee, note=note, form=form, status=422)
    flash(_("Noten er skjult. Du kan gendanne den under »Skjulte og sammenlagte noter«."),
          "success")
    return _to_review(committee)


@bp.post(f"{PREFIX}/noter/<int:note_id>/gendan")
@committee_view(need="chair")
def restore(committee, note_id: int):
    """Bring a hidden or merged-away note back into the contribution."""
    note = load_committee_note(committee, note_id)
    require(ConfirmForm().validate(), 400)
    try:
        with unit_of_work():
            curation.restore_note(committee, note, current_user)
        flash(_("Noten er gendannet og er med i bidraget igen."), "success")
    except DomainError as error:
        flash(error.message, "error")
    return _to_review(committee, f"#note-{note.id}")


@bp.route(f"{PREFIX}/saml", methods=["GET", "POST"])
@committee_view(need="chair")
def merge(committee):
    """Merge several notes into one: choose on the review screen, then write the merged text."""
    form = MergeForm(formdata=request.form if request.method == "POST" else request.args)
    active = {n.id: n for n in contribution.approved_notes(committee)}
    form.notes.choices = [(n.id, n.body) for n in active.values()]
    chosen_ids = [i for i in (form.notes.data or []) if i in active]
    chosen = [active[i] for i in chosen_ids]
    if request.method == "GET":
        if len(chosen) < 2:
            flash(_("Vælg mindst to noter, der skal lægges sammen."), "error")
            return _to_review(committee)
        form.body.data = form.body.data or "\n\n".join(n.body for n in chosen)
        return render("notes/merge.html", committee=committee, form=form, chosen=chosen)
    try:
        if len(chosen_ids) != len(form.notes.data or []):
            raise DomainError(_("En af de valgte noter er ikke længere med i bidraget."),
                              field="notes")
        with unit_of_work():
            merged = curation.merge_notes(committee, chosen, current_user._get_current_object(),
                                          form.body.data or "",
                                          current_app.config["NOTE_MAX_LENGTH"])
    except StaleDataError:
        flash(_("En af noterne blev ændret samtidig. Se dem igen, og læg dem sammen på ny."),
              "error")
        return _to_review(committee)
    except DomainError as error:
        add_error(form.body, error.message)
        return render("notes/merge.html", committee=committee, form=form, chosen=chosen,
                      status=422)
    flash(_("Noterne er lagt sammen. De oprindelige noter kan gendannes."), "success")
    return _to_review(committee, f"#note-{merged.id}")


@bp.route(f"{PREFIX}/noter/<int:note_id>/opdel", methods=["GET", "POST"])
@committee_view(need="chair")
def unmerge(committee, note_id: int):
    """Undo a merge after a confirmation step: the originals return, the merged note is hidden."""
    note = load_committee_note(committee, note_id)
    if not note.merged_from:
        flash(_("Noten er ikke lavet ved at lægge noter sammen."), "error")
        return _to_review(committee)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                curation.unmerge_note(committee, note, current_user)
            flash(_("Sammenlægningen er fortrudt; de oprindelige noter er med igen."), "success")
        except DomainError as error:
            flash(error.message, "error")
        return _to_review(committee)
    return render("notes/unmerge.html", committee=committee, note=note, form=form)
