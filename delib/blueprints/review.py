"""The chair's review: notes grouped by task, summaries, follow-up actions, approve and submit,
versions, reports (Word, printable page, CSV) and the audit log."""

import io

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from delib.access import load_committee, member_required
from delib.extensions import db
from delib.forms import ConfirmForm
from delib.forms.notes import SuggestionDecisionForm
from delib.forms.review import (
    ActionForm,
    HideForm,
    MergeForm,
    ReviewNoteForm,
    SubmitForm,
    SummaryForm,
)
from delib.models import Action, Note, Summary
from delib.services import DomainError, reports, suggestions
from delib.services import review as service
from delib.services.audit import record
from delib.services.notes import NoteConflict, NoteInput
from delib.web import error_response, is_partial_request, render

bp = Blueprint("review", __name__, url_prefix="/udvalg/<int:committee_id>/gennemgang")

SUBJECT_KINDS = {"opgave": "task", "budskab": "message"}


@bp.app_template_filter("action_status")
def action_status(status: str) -> str:
    """An action's status in Danish."""
    return str(service.STATUS_LABELS.get(status, status))


def _chair(committee_id: int):
    committee, _role = load_committee(committee_id, need="chair")
    return committee


def _load_note(committee, note_id: int) -> Note:
    note = db.session.get(Note, note_id)
    if note is None or note.committee_id != committee.id or note.deleted_at is not None:
        abort(404)
    return note


def _back(committee, anchor: str = ""):
    return redirect(url_for("review.index", committee_id=committee.id) + anchor)


def _add_error(field, message: str) -> None:
    # Before validate() WTForms keeps errors in a tuple; replace it rather than append.
    field.errors = [*field.errors, message]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- review screen


@bp.get("")
@member_required
def index(committee_id: int):
    """The review screen: notes by task, break and talk/theme meeting; summaries and actions."""
    committee = _chair(committee_id)
    tasks, messages = service.review_sections(committee)
    active = service.approved_notes(committee)
    return render("review/index.html", committee=committee, tasks=tasks, messages=messages,
                  set_aside=service.set_aside_notes(committee), active=active,
                  latest=service.latest_submission(committee),
                  locked=service.is_locked(committee),
                  flags={note.id: found for note, found in service.privacy_warnings(active)},
                  unmapped=suggestions.review_queue(committee),
                  suggested=suggestions.suggested_mappings([note.id for note in active]))


def _note_form(committee, note, **kwargs) -> ReviewNoteForm:
    form = ReviewNoteForm(**kwargs)
    event = committee.event
    form.tasks.choices = [(t.id, f"{t.number}. {t.short_title or t.title}") for t in event.tasks]
    form.messages.choices = [(m.id, f"{m.number}. {m.short_title or m.title}")
                             for m in event.messages]
    meetings = list(committee.theme_meetings)
    if note.theme_meeting is not None and note.theme_meeting not in meetings:
        meetings.append(note.theme_meeting)
    form.theme_meeting.choices = [(None, _("Ikke et bestemt temamøde"))] + [
        (m.id, f"{m.number}. {m.title}") for m in meetings]
    return form


@bp.route("/noter/<int:note_id>/rediger", methods=["GET", "POST"])
@member_required
def edit_note(committee_id: int, note_id: int):
    """The chair edits a note's text and re-maps its tasks and messages; a stale save is refused."""
    committee = _chair(committee_id)
    note = _load_note(committee, note_id)
    if request.method == "GET":
        form = _note_form(committee, note, formdata=None)
        form.body.data, form.version.data = note.body, note.version
        form.tasks.data = [t.id for t in note.tasks]
        form.messages.data = [m.id for m in note.messages]
        form.theme_meeting.data = note.theme_meeting_id
        return render("review/edit_note.html", committee=committee, note=note, form=form)
    form = _note_form(committee, note)
    status, conflict = 422, None
    try:
        if not form.validate():
            raise DomainError(_("Et af valgene er ugyldigt. Genindlæs siden, og prøv igen."),
                              field="tasks")
        data = NoteInput(body=form.body.data or "", task_ids=form.tasks.data or [],
                         message_ids=form.messages.data or [],
                         theme_meeting_id=form.theme_meeting.data)
        version = _int(form.version.data)
        if version is None:
            raise DomainError(_("Formularen mangler notens version. Genindlæs siden."))
        service.edit_note(committee, note, current_user, data, version,
                          current_app.config["NOTE_MAX_LENGTH"])
        db.session.commit()
    except NoteConflict as error:
        db.session.rollback()
        status, conflict = 409, error.message
    except StaleDataError:
        db.session.rollback()
        status, conflict = 409, _("Noten blev ændret samtidig af en anden. Se begge versioner.")
    except DomainError as error:
        db.session.rollback()
        _add_error(getattr(form, error.field or "body", form.body), error.message)
    else:
        flash(_("Noten er gemt. Den tidligere version er bevaret i historikken."), "success")
        return _back(committee, f"#note-{note.id}")
    if conflict:
        note = _load_note(committee, note_id)
        form.version.data = note.version
    return render("review/edit_note.html", committee=committee, note=note, form=form,
                  conflict=conflict, status=status)


@bp.post("/noter/<int:note_id>/forslag")
@member_required
def decide_suggestion(committee_id: int, note_id: int):
    """Accept or reject one suggestion for a note (or all of the note's, suggestion=alle)."""
    committee = _chair(committee_id)
    note = _load_note(committee, note_id)
    form = SuggestionDecisionForm()
    decision = request.form.get("decision")
    chosen = "all" if form.suggestion.data == "alle" else [_int(form.suggestion.data)]
    try:
        if not form.validate() or decision not in ("accepter", "afvis") or chosen == [None]:
            raise DomainError(_("Forslaget kunne ikke læses. Genindlæs siden, og prøv igen."))
        decide = suggestions.accept if decision == "accepter" else suggestions.reject
        count = decide(note, chosen, current_user._get_current_object(),
                       based_on_version=_int(form.version.data))
        db.session.commit()
    except (NoteConflict, StaleDataError):
        db.session.rollback()
        flash(_("Noten blev ændret samtidig. Se den igen, og svar på forslaget."), "error")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(ngettext("%(num)d forslag er accepteret.", "%(num)d forslag er accepteret.", count)
              if decision == "accepter" else
              ngettext("%(num)d forslag er afvist og vises ikke igen.",
                       "%(num)d forslag er afvist og vises ikke igen.", count), "success")
    return _back(committee, "#uden-opgave")


@bp.route("/forslag/accepter-alle", methods=["GET", "POST"])
@member_required
def accept_all_suggestions(committee_id: int):
    """Accept every open suggestion, after a confirmation step that lists what gets mapped."""
    committee = _chair(committee_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        shown = [i for i in (_int(v) for v in request.form.getlist("suggestion")) if i]
        try:
            count = suggestions.accept_all_for_committee(
                committee, current_user._get_current_object(), shown)
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            flash(_("En af noterne blev ændret samtidig. Se forslagene igen."), "error")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(ngettext("%(num)d forslag er accepteret.", "%(num)d forslag er accepteret.",
                           count), "success")
        return _back(committee, "#uden-opgave")
    return render("review/suggestions.html", committee=committee, form=form,
                  pending=suggestions.pending_for_committee(committee),
                  locked=service.is_locked(committee))


@bp.get("/noter/<int:note_id>/historik")
@member_required
def history(committee_id: int, note_id: int):
    """Every version of a note: who, when, what; and what it was merged from or into."""
    committee = _chair(committee_id)
    note = _load_note(committee, note_id)
    return render("review/history.html", committee=committee, note=note)


@bp.post("/noter/<int:note_id>/noeglepunkt")
@member_required
def key_point(committee_id: int, note_id: int):
    """Mark or unmark a note as a key point."""
    committee = _chair(committee_id)
    note = _load_note(committee, note_id)
    form = ConfirmForm()
    try:
        if not form.validate():
            abort(400)
        service.set_key_point(committee, note, current_user, request.form.get("value") == "1")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if is_partial_request():
            # Shown in the page's message area; the toggle itself is left as it was.
            return error_response(422, error.message)
        flash(error.message, "error")
        return _back(committee)
    if is_partial_request():
        return render("review/_key_point.html", committee=committee, note=note, locked=False)
    return _back(committee, f"#note-{note.id}")


@bp.route("/noter/<int:note_id>/skjul", methods=["GET", "POST"])
@member_required
def hide(committee_id: int, note_id: int):
    """Hide a note from the contribution with a reason (it stays restorable)."""
    committee = _chair(committee_id)
    note = _load_note(committee, note_id)
    form = HideForm()
    if request.method == "GET":
        form.version.data = note.version
        return render("review/hide.html", committee=committee, note=note, form=form)
    try:
        form.validate()
        service.hide_note(committee, note, current_user, form.reason.data or "",
                          _int(form.version.data))
        db.session.commit()
    except (NoteConflict, StaleDataError):
        db.session.rollback()
        note = _load_note(committee, note_id)
        form.version.data = note.version
        _add_error(form.reason, _("Noten er blevet ændret, mens du så på den. Læs den gemte "
                                  "version herover, og skjul igen, hvis den stadig skal skjules."))
        return render("review/hide.html", committee=committee, note=note, form=form, status=409)
    except DomainError as error:
        db.session.rollback()
        _add_error(form.reason, error.message)
        return render("review/hide.html", committee=committee, note=note, form=form, status=422)
    flash(_("Noten er skjult. Du kan gendanne den under »Skjulte og sammenlagte noter«."),
          "success")
    return _back(committee)


@bp.post("/noter/<int:note_id>/gendan")
@member_required
def restore(committee_id: int, note_id: int):
    """Bring a hidden or merged-away note back into the contribution."""
    committee = _chair(committee_id)
    note = _load_note(committee, note_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        service.restore_note(committee, note, current_user)
        db.session.commit()
        flash(_("Noten er gendannet og er med i bidraget igen."), "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    return _back(committee, f"#note-{note.id}")


@bp.route("/saml", methods=["GET", "POST"])
@member_required
def merge(committee_id: int):
    """Merge several notes into one: choose on the review screen, then write the merged text."""
    committee = _chair(committee_id)
    form = MergeForm(formdata=request.form if request.method == "POST" else request.args)
    active = {n.id: n for n in service.approved_notes(committee)}
    form.notes.choices = [(n.id, n.body) for n in active.values()]
    chosen_ids = [i for i in (form.notes.data or []) if i in active]
    chosen = [active[i] for i in chosen_ids]
    if request.method == "GET":
        if len(chosen) < 2:
            flash(_("Vælg mindst to noter, der skal lægges sammen."), "error")
            return _back(committee)
        form.body.data = form.body.data or "\n\n".join(n.body for n in chosen)
        return render("review/merge.html", committee=committee, form=form, chosen=chosen)
    try:
        if len(chosen_ids) != len(form.notes.data or []):
            raise DomainError(_("En af de valgte noter er ikke længere med i bidraget."),
                              field="notes")
        merged = service.merge_notes(committee, chosen, current_user._get_current_object(),
                                     form.body.data or "", current_app.config["NOTE_MAX_LENGTH"])
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("En af noterne blev ændret samtidig. Se dem igen, og læg dem sammen på ny."),
              "error")
        return _back(committee)
    except DomainError as error:
        db.session.rollback()
        _add_error(form.body, error.message)
        return render("review/merge.html", committee=committee, form=form, chosen=chosen,
                      status=422)
    flash(_("Noterne er lagt sammen. De oprindelige noter kan gendannes."), "success")
    return _back(committee, f"#note-{merged.id}")


@bp.route("/noter/<int:note_id>/opdel", methods=["GET", "POST"])
@member_required
def unmerge(committee_id: int, note_id: int):
    """Undo a merge after a confirmation step: the originals return, the merged note is hidden."""
    committee = _chair(committee_id)
    note = _load_note(committee, note_id)
    if not note.merged_from:
        flash(_("Noten er ikke lavet ved at lægge noter sammen."), "error")
        return _back(committee)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            service.unmerge_note(committee, note, current_user)
            db.session.commit()
            flash(_("Sammenlægningen er fortrudt; de oprindelige noter er med igen."), "success")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        return _back(committee)
    return render("review/unmerge.html", committee=committee, note=note, form=form)


# ---------------------------------------------------------------- summaries


@bp.route("/resume/<any(opgave, budskab):kind>/<int:subject_id>", methods=["GET", "POST"])
@member_required
def summary(committee_id: int, kind: str, subject_id: int):
    """Write the summary of a task or message; a save over someone else's newer text is refused."""
    committee = _chair(committee_id)
    try:
        subject = service.summary_subject(committee, SUBJECT_KINDS[kind], subject_id)
    except DomainError:
        abort(404)
    saved = service.find_summary(committee, subject)
    form = SummaryForm()
    context = dict(committee=committee, kind=kind, subject=subject, form=form)
    if request.method == "GET":
        form.body.data = saved.body if saved else ""
        form.version.data = saved.version if saved else 0
        return render("review/summary.html", saved=saved, **context)
    conflict = None
    try:
        version = _int(form.version.data)
        if version is None:
            raise DomainError(_("Formularen mangler resuméets version. Genindlæs siden."))
        service.save_summary(committee, subject, current_user, form.body.data or "", version)
        db.session.commit()
    except service.SummaryConflict as error:
        db.session.rollback()
        conflict = error.message
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        conflict = _("Resuméet blev gemt samtidig af en anden. Se begge versioner nedenfor.")
    except DomainError as error:
        db.session.rollback()
        _add_error(form.body, error.message)
        return render("review/summary.html", saved=saved, status=422, **context)
    else:
        flash(_("Resuméet er gemt."), "success")
        return _back(committee, f"#{kind}-{subject.id}")
    saved = service.find_summary(committee, subject)
    form.version.data = saved.version if saved else 0
    return render("review/summary.html", saved=saved, conflict=conflict, status=409, **context)


# ---------------------------------------------------------------- actions


@bp.get("/handlinger")
@member_required
def actions(committee_id: int):
    """The committee's follow-up actions and their status; participants see them too."""
    committee, role = load_committee(committee_id)
    return render("review/actions.html", committee=committee, role=role,
                  actions=service.list_actions(committee), labels=service.STATUS_LABELS)


def _action_form(committee, **kwargs) -> ActionForm:
    form = ActionForm(**kwargs)
    form.task.choices = [(None, _("Vælg opgave"))] + [
        (t.id, f"{t.number}. {t.short_title or t.title}") for t in committee.event.tasks]
    return form


def _action_input(form: ActionForm) -> service.ActionInput:
    if form.due_on.errors:
        raise DomainError(form.due_on.errors[0], field="due_on")
    return service.ActionInput(task_id=form.task.data, title=form.title.data or "",
                               responsible=form.responsible.data or "",
                               due_on=form.due_on.data, status=form.status.data or "")


def _action_source(committee, form: ActionForm):
    note_id, summary_id = _int(form.source_note.data), _int(form.source_summary.data)
    note = _load_note(committee, note_id) if note_id else None
    summary = db.session.get(Summary, summary_id) if summary_id else None
    if summary is not None and summary.committee_id != committee.id:
        abort(404)
    return note, summary


@bp.route("/handlinger/ny", methods=["GET", "POST"])
@member_required
def new_action(committee_id: int):
    """Create a follow-up action, optionally from a note (?note=) or a summary (?resume=)."""
    committee = _chair(committee_id)
    form = _action_form(committee)
    if request.method == "GET":
        form = _action_form(committee, formdata=None)
        form.source_note.data = request.args.get("note", "")
        form.source_summary.data = request.args.get("resume", "")
        form.task.data = _int(request.args.get("opgave"))
        note, summary = _action_source(committee, form)
        source = note or summary
        if source is not None:
            form.title.data = source.body
            task = (note.tasks[0] if note is not None and note.tasks
                    else getattr(summary, "task", None))
            form.task.data = task.id if task else None
        return render("review/action_form.html", committee=committee, form=form, action=None,
                      source_note=note, source_summary=summary)
    note, summary = _action_source(committee, form)
    try:
        form.validate()
        service.create_action(committee, current_user, _action_input(form), note, summary)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _add_error(getattr(form, error.field or "title", form.title), error.message)
        return render("review/action_form.html", committee=committee, form=form, action=None,
                      source_note=note, source_summary=summary, status=422)
    flash(_("Handlingen er oprettet."), "success")
    return redirect(url_for("review.actions", committee_id=committee.id))


@bp.route("/handlinger/<int:action_id>/rediger", methods=["GET", "POST"])
@member_required
def edit_action(committee_id: int, action_id: int):
    """Change a follow-up action: its text, who is responsible, the due date, the status."""
    committee = _chair(committee_id)
    action = db.session.get(Action, action_id)
    if action is None or action.committee_id != committee.id:
        abort(404)
    if request.method == "GET":
        form = _action_form(committee, formdata=None, obj=action)
        form.task.data = action.task_id
        return render("review/action_form.html", committee=committee, form=form, action=action,
                      source_note=action.source_note, source_summary=action.source_summary)
    form = _action_form(committee)
    try:
        form.validate()
        service.update_action(committee, action, current_user, _action_input(form))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _add_error(getattr(form, error.field or "title", form.title), error.message)
        return render("review/action_form.html", committee=committee, form=form, action=action,
                      source_note=action.source_note, source_summary=action.source_summary,
                      status=422)
    flash(_("Handlingen er gemt."), "success")
    return redirect(url_for("review.actions", committee_id=committee.id))


# ---------------------------------------------------------------- approve and submit


@bp.route("/godkend", methods=["GET", "POST"])
@member_required
def approve(committee_id: int):
    """Approve and submit the contribution to KL, after seeing the personal-data warnings."""
    committee = _chair(committee_id)
    form = SubmitForm()
    status = 200
    if request.method == "POST":
        status = 422
        try:
            form.validate()
            submission = service.submit(committee, current_user, bool(form.show_authors.data),
                                        bool(form.privacy_acknowledged.data))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash(_("Bidraget blev indsendt samtidig af en anden. Se versionerne."), "error")
            return redirect(url_for("review.versions", committee_id=committee.id))
        except DomainError as error:
            db.session.rollback()
            _add_error(getattr(form, error.field or "", form.privacy_acknowledged),
                error.message)
        else:
            flash(_("Bidraget er godkendt og indsendt til KL som version %(n)d.",
                    n=submission.version), "success")
            return redirect(url_for("review.versions", committee_id=committee.id))
    notes = service.approved_notes(committee)
    tasks, messages = service.review_sections(committee)
    return render("review/approve.html", committee=committee, form=form, notes=notes,
                  tasks=tasks, messages=messages, warnings=service.privacy_warnings(notes),
                  locked=service.is_locked(committee),
                  actions=service.list_actions(committee), status=status)


@bp.route("/genaabn", methods=["GET", "POST"])
@member_required
def reopen(committee_id: int):
    """Reopen the submitted contribution for a new version, after a confirmation step."""
    committee = _chair(committee_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            service.reopen(committee, current_user)
            db.session.commit()
            flash(_("Bidraget er genåbnet. KL ser den indsendte version, indtil du indsender "
                    "igen."), "success")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        return _back(committee)
    return render("review/reopen.html", committee=committee, form=form,
                  latest=service.latest_submission(committee))


@bp.get("/versioner")
@member_required
def versions(committee_id: int):
    """Every submitted version of the contribution, newest first."""
    committee = _chair(committee_id)
    return render("review/versions.html", committee=committee,
                  submissions=service.list_submissions(committee),
                  counts=service.submission_counts(committee),
                  locked=service.is_locked(committee))


@bp.get("/versioner/<int:version>")
@member_required
def version(committee_id: int, version: int):
    """One submitted version, exactly as it was submitted."""
    committee = _chair(committee_id)
    submission = service.get_submission(committee, version)
    if submission is None:
        abort(404)
    return render("review/report.html", committee=committee,
                  report=reports.build_report(committee, submission), submission=submission,
                  labels=service.STATUS_LABELS)


# ---------------------------------------------------------------- reports


def _report_source(committee):
    """The submission a report is for: ?version=N, ?udkast=1 for the draft, else the latest."""
    if request.args.get("udkast"):
        return None
    if "version" in request.args:
        submission = service.get_submission(committee, _int(request.args["version"]) or 0)
        if submission is None:
            abort(404)
        return submission
    return service.latest_submission(committee)


def _export(committee, kind: str, report) -> None:
    record(current_user, f"export.{kind}", committee,
           target="draft" if report.is_draft else f"version:{report.version}")
    db.session.commit()


def _download(body: bytes, filename: str, mimetype: str):
    # send_file writes an ASCII filename plus an RFC 5987 filename* for names like "Ærø".
    response = send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True,
                         download_name=filename, etag=False, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/rapport")
@member_required
def report(committee_id: int):
    """The contribution as a printable page (print stylesheet) for the committee's agenda."""
    committee = _chair(committee_id)
    submission = _report_source(committee)
    data = reports.build_report(committee, submission)
    _export(committee, "print", data)
    return render("review/report.html", committee=committee, report=data,
                  submission=submission, labels=service.STATUS_LABELS)


@bp.get("/rapport.docx")
@member_required
def report_docx(committee_id: int):
    """The contribution as a Word document."""
    committee = _chair(committee_id)
    data = reports.build_report(committee, _report_source(committee))
    body = reports.docx_bytes(data)
    _export(committee, "docx", data)
    return _download(body, f"{data.filename_stem}.docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@bp.get("/noter.csv")
@member_required
def notes_csv(committee_id: int):
    """The contribution's notes as CSV (spreadsheet formulas neutralised)."""
    committee = _chair(committee_id)
    data = reports.build_report(committee, _report_source(committee))
    body = reports.csv_bytes(data)
    _export(committee, "csv", data)
    return _download(body, f"{data.filename_stem}.csv", "text/csv")


@bp.get("/log")
@member_required
def audit(committee_id: int):
    """The committee's audit log: who did what when."""
    committee = _chair(committee_id)
    entries = [(entry, service.describe_details(entry.details))
               for entry in service.audit_log(committee)]
    return render("review/audit.html", committee=committee, entries=entries,
                  labels=service.AUDIT_LABELS)
