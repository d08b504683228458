"""The chair's review: edit, merge, hide, restore and mark notes; summaries; follow-up actions;
approve and submit the contribution to KL as an immutable snapshot; reopen for a new version.

Nothing here destroys a note: hiding and merging only set columns, and every text a note has
had stays in NoteRevision. Every change is written to the audit log.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    ACTION_STATUSES,
    Action,
    Committee,
    DiscussionSlot,
    Message,
    Note,
    Submission,
    SubmissionAction,
    SubmissionNote,
    SubmissionSummary,
    Summary,
    Task,
    utcnow,
)
from delib.services import DomainError, suggestions
from delib.services import notes as note_service
from delib.services.audit import record
from delib.services.committees import clean_text
from delib.services.notes import NoteConflict, NoteInput
from delib.services.privacy import flag_personal_data

SUMMARY_MAX_LENGTH = 5000
HIDE_REASON_MAX_LENGTH = 500
ACTION_TITLE_MAX_LENGTH = 1000
RESPONSIBLE_MAX_LENGTH = 200

#: How an action's status reads in Danish, in every layer (pages, reports, CSV).
STATUS_LABELS = {"planned": _l("Planlagt"), "under_way": _l("I gang"), "done": _l("Gennemført")}

#: The audit log's verbs as the chair reads them.
AUDIT_LABELS = {
    "note.edit": _l("Note redigeret"),
    "note.merge": _l("Noter lagt sammen"),
    "note.unmerge": _l("Sammenlægning fortrudt"),
    "note.hide": _l("Note skjult"),
    "note.restore": _l("Note gendannet"),
    "note.key_point": _l("Nøglepunkt ændret"),
    "note.suggestion_accept": _l("Forslag til opgave accepteret"),
    "note.suggestion_reject": _l("Forslag til opgave afvist"),
    "summary.save": _l("Resumé gemt"),
    "action.create": _l("Handling oprettet"),
    "action.update": _l("Handling ændret"),
    "submission.submit": _l("Bidrag godkendt og indsendt"),
    "submission.reopen": _l("Bidrag genåbnet"),
    "export.docx": _l("Hentet som Word"),
    "export.csv": _l("Hentet som CSV"),
    "export.print": _l("Vist som udskrift"),
}

#: The audit details' keys as the chair reads them.
AUDIT_DETAIL_LABELS = {
    "body_before": _l("Tekst før"), "body_after": _l("Tekst efter"), "body": _l("Tekst"),
    "tasks_before": _l("Opgaver før"), "tasks_after": _l("Opgaver efter"),
    "messages_before": _l("Budskaber før"), "messages_after": _l("Budskaber efter"),
    "version": _l("Version"), "reason": _l("Begrundelse"),
    "hidden_reason": _l("Var skjult med begrundelsen"),
    "was_merged_into": _l("Var lagt sammen i note"), "originals": _l("Oprindelige noter"),
    "key_point": _l("Nøglepunkt"), "title": _l("Hvad"), "task": _l("Opgave"),
    "responsible": _l("Ansvarlig"), "status": _l("Status"), "due_on": _l("Frist"),
    "source_note": _l("Fra note"), "source_summary": _l("Fra resumé"),
    "before": _l("Før"), "after": _l("Efter"), "notes": _l("Noter"),
    "summaries": _l("Resuméer"), "actions": _l("Handlinger"),
    "show_authors": _l("Forfattere vist for KL"),
    "tasks_added": _l("Opgaver tilføjet"), "messages_added": _l("Budskaber tilføjet"),
    "rejected": _l("Afviste forslag"), "model_version": _l("Modelversion"),
}


def _detail_value(key: str, value) -> str:
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    if key == "status" and value in STATUS_LABELS:
        return str(STATUS_LABELS[value])
    if isinstance(value, dict):
        return "; ".join(f"{AUDIT_DETAIL_LABELS.get(k, k)}: {_detail_value(k, v)}"
                         for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def describe_details(details: dict | None) -> list[tuple[str, str]]:
    """An audit entry's details as (Danish label, readable value) pairs; empty values left out."""
    return [(str(AUDIT_DETAIL_LABELS.get(key, key)), _detail_value(key, value))
            for key, value in (details or {}).items() if value not in (None, "")]


class SummaryConflict(DomainError):
    """Someone saved the summary after the version this edit started from."""

    def __init__(self, message: str, summary: Summary, attempted: str):
        super().__init__(message, field="body")
        self.summary = summary
        self.attempted = attempted


# ---------------------------------------------------------------- reading


def _note_options():
    return (
        selectinload(Note.tasks), selectinload(Note.messages), selectinload(Note.slot),
        selectinload(Note.talk), selectinload(Note.theme_meeting),
        # The review screen shows edit counts and merge origins: load them with the notes.
        selectinload(Note.revisions), selectinload(Note.merged_from),
    )


def approved_notes(committee: Committee) -> list[Note]:
    """The notes that go into the contribution: not deleted, not hidden, not merged away."""
    return list(db.session.scalars(
        select(Note)
        .where(Note.committee_id == committee.id, Note.deleted_at.is_(None),
               Note.hidden_at.is_(None), Note.merged_into_id.is_(None))
        .options(*_note_options())
        .order_by(Note.created_at, Note.id)
    ))


def set_aside_notes(committee: Committee) -> list[Note]:
    """Hidden and merged-away notes (not the author-deleted ones), restorable by the chair."""
    return list(db.session.scalars(
        select(Note)
        .where(Note.committee_id == committee.id, Note.deleted_at.is_(None),
               (Note.hidden_at.is_not(None)) | (Note.merged_into_id.is_not(None)))
        .options(*_note_options(), selectinload(Note.merged_into))
        .order_by(Note.created_at, Note.id)
    ))


@dataclass
class NoteGroup:
    """Notes from one break about one talk/theme meeting (or none)."""

    slot: DiscussionSlot | None
    subject: str
    notes: list[Note] = field(default_factory=list)


@dataclass
class TaskSection:
    task: Task
    summary: Summary | None
    groups: list[NoteGroup]
    actions: list[Action]

    @property
    def note_count(self) -> int:
        return sum(len(g.notes) for g in self.groups)


@dataclass
class MessageSection:
    message: Message
    summary: Summary | None
    notes: list[Note]


def _subject(note: Note) -> str:
    if note.theme_meeting is not None:
        return _("Temamøde %(n)d: %(title)s", n=note.theme_meeting.number,
                 title=note.theme_meeting.title)
    if note.talk is not None:
        return _("Oplæg %(n)d: %(title)s", n=note.talk.number, title=note.talk.title)
    return ""


def group_notes(notes: list[Note]) -> list[NoteGroup]:
    """Group notes by break (in programme order), then by talk/theme meeting."""
    groups: dict[tuple, NoteGroup] = {}
    for note in notes:
        key = (note.slot.starts_at if note.slot else None, note.slot_id or 0,
               note.theme_meeting.number if note.theme_meeting else 0,
               note.talk_id or 0)
        if key not in groups:
            groups[key] = NoteGroup(note.slot, _subject(note))
        groups[key].notes.append(note)

    def order(key):
        starts_at = key[0]
        return (starts_at is None, starts_at or utcnow(), key[1], key[2], key[3])

    return [groups[k] for k in sorted(groups, key=order)]


def summaries_by_key(committee: Committee) -> dict[str, Summary]:
    """The committee's summaries keyed 'task:<id>' / 'message:<id>'."""
    return {s.key: s for s in db.session.scalars(
        select(Summary).where(Summary.committee_id == committee.id))}


def review_sections(committee: Committee) -> tuple[list[TaskSection], list[MessageSection]]:
    """The review screen: per task its summary, grouped notes and actions; per message likewise."""
    notes = approved_notes(committee)
    summaries = summaries_by_key(committee)
    actions = list_actions(committee)
    event = committee.event
    tasks = [
        TaskSection(
            task, summaries.get(f"task:{task.id}"),
            group_notes([n for n in notes if task in n.tasks]),
            [a for a in actions if a.task_id == task.id],
        )
        for task in event.tasks
    ]
    messages = [
        MessageSection(message, summaries.get(f"message:{message.id}"),
                       [n for n in notes if message in n.messages])
        for message in event.messages
    ]
    return tasks, messages


def privacy_warnings(notes: list[Note]) -> list[tuple[Note, list]]:
    """Notes that look like they carry personal data, with what was found."""
    found = []
    for note in notes:
        findings = flag_personal_data(note.body)
        if findings:
            found.append((note, findings))
    return found


# ---------------------------------------------------------------- state


def latest_submission(committee: Committee) -> Submission | None:
    """The newest submitted version of the committee's contribution, if any."""
    return db.session.scalar(
        select(Submission).where(Submission.committee_id == committee.id)
        .order_by(Submission.version.desc()).limit(1)
    )


def is_locked(committee: Committee) -> bool:
    """True while the latest version is submitted and not reopened: the review is frozen."""
    latest = latest_submission(committee)
    return latest is not None and latest.reopened_at is None


def _ensure_open(committee: Committee) -> None:
    if is_locked(committee):
        raise DomainError(_("Bidraget er godkendt og indsendt. Genåbn det, før du ændrer noget."))


def _committee_note(committee: Committee, note: Note) -> None:
    if note.committee_id != committee.id or note.deleted_at is not None:
        raise DomainError(_("Noten findes ikke i dette udvalg."))


# ---------------------------------------------------------------- notes


def edit_note(committee: Committee, note: Note, editor, data: NoteInput,
              based_on_version: int, max_length: int) -> Note:
    """The chair changes a note's text or its tasks/messages; a new revision keeps the old one."""
    _ensure_open(committee)
    _committee_note(committee, note)
    before = (note.body, [t.number for t in note.tasks], [m.number for m in note.messages])
    old_version = note.version
    note_service.update_note(note, editor, data, based_on_version, max_length)
    if note.version != old_version:
        record(editor, "note.edit", committee, target=f"note:{note.id}",
               version=note.version, body_before=before[0], body_after=note.body,
               tasks_before=before[1], tasks_after=[t.number for t in note.tasks],
               messages_before=before[2], messages_after=[m.number for m in note.messages])
    return note


def _check_version(note: Note, based_on_version: int | None) -> None:
    if based_on_version is not None and based_on_version != note.version:
        raise NoteConflict(
            _("Noten er blevet ændret af en anden, mens du så på den. Se den gemte version, "
              "og prøv igen."), note)


def hide_note(committee: Committee, note: Note, actor, reason: str,
              based_on_version: int | None = None) -> Note:
    """Hide a note from the contribution, with a reason; it can always be restored."""
    _ensure_open(committee)
    _committee_note(committee, note)
    reason = clean_text(reason)
    if not reason:
        raise DomainError(_("Skriv hvorfor noten skjules, så andre kan forstå det bagefter."),
                          field="reason")
    if len(reason) > HIDE_REASON_MAX_LENGTH:
        raise DomainError(_("Begrundelsen er for lang: højst %(max)d tegn.",
                            max=HIDE_REASON_MAX_LENGTH), field="reason")
    if note.hidden_at is not None:
        raise DomainError(_("Noten er allerede skjult."))
    if note.merged_into_id is not None:
        raise DomainError(_("Noten er lagt sammen med en anden note og er derfor ikke med."))
    _check_version(note, based_on_version)
    note.hidden_at = utcnow()
    note.hidden_reason = reason
    note.updated_at = note.hidden_at
    db.session.flush()
    record(actor, "note.hide", committee, target=f"note:{note.id}", reason=reason)
    return note


def restore_note(committee: Committee, note: Note, actor) -> Note:
    """Bring a hidden or merged-away note back into the contribution."""
    _ensure_open(committee)
    _committee_note(committee, note)
    if note.hidden_at is None and note.merged_into_id is None:
        raise DomainError(_("Noten er allerede med i bidraget."))
    details = {}
    if note.hidden_at is not None:
        details["hidden_reason"] = note.hidden_reason
        note.hidden_at = None
        note.hidden_reason = ""
    if note.merged_into_id is not None:
        details["was_merged_into"] = note.merged_into_id
        note.merged_into = None
    note.updated_at = utcnow()
    db.session.flush()
    record(actor, "note.restore", committee, target=f"note:{note.id}", **details)
    return note


def merge_notes(committee: Committee, notes: list[Note], actor, body: str,
                max_length: int) -> Note:
    """Merge several notes into one new note; the originals point at it and stay restorable."""
    _ensure_open(committee)
    notes = list({n.id: n for n in notes}.values())
    if len(notes) < 2:
        raise DomainError(_("Vælg mindst to noter, der skal lægges sammen."), field="notes")
    for note in notes:
        _committee_note(committee, note)
        if note.hidden_at is not None or note.merged_into_id is not None:
            raise DomainError(_("En af de valgte noter er skjult eller allerede lagt sammen."),
                              field="notes")
    notes.sort(key=lambda n: (n.created_at, n.id))
    body = clean_text(body) or "\n\n".join(n.body for n in notes)
    if len(body) > max_length:
        raise DomainError(
            _("Den samlede note er for lang: %(length)d tegn, højst %(max)d. Kort den ned.",
              length=len(body), max=max_length), field="body")

    def common(attribute):
        values = {getattr(n, attribute) for n in notes}
        return values.pop() if len(values) == 1 else None

    tasks = sorted({t for n in notes for t in n.tasks}, key=lambda t: t.number)
    messages = sorted({m for n in notes for m in n.messages}, key=lambda m: m.number)
    now = utcnow()
    merged = Note(
        committee=committee, slot_id=common("slot_id"), talk_id=common("talk_id"),
        theme_meeting_id=common("theme_meeting_id"), client_key=f"merge-{uuid.uuid4().hex}",
        body=body, key_point=any(n.key_point for n in notes),
        # The merged point was made when its earliest part was written.
        created_at=notes[0].created_at, updated_at=now,
        **note_service.author_fields(actor),
    )
    merged.tasks = tasks
    merged.messages = messages
    db.session.add(merged)
    db.session.flush()
    db.session.add(note_service._revision(merged, getattr(actor, "display_name", "")))
    for note in notes:
        note.merged_into = merged
        note.updated_at = now
    db.session.flush()
    if not tasks:  # merged from notes without a task: the model suggests for the new text
        suggestions.suggest_for_note(merged.id, body, committee.event)
    record(actor, "note.merge", committee, target=f"note:{merged.id}",
           originals=[n.id for n in notes], body=body)
    return merged


def unmerge_note(committee: Committee, merged: Note, actor) -> list[Note]:
    """Undo a merge: the originals come back and the merged note is hidden (not destroyed)."""
    _ensure_open(committee)
    _committee_note(committee, merged)
    originals = list(merged.merged_from)
    if not originals:
        raise DomainError(_("Noten er ikke lavet ved at lægge noter sammen."))
    now = utcnow()
    for note in originals:
        note.merged_into = None
        note.updated_at = now
    if merged.hidden_at is None:
        merged.hidden_at = now
        merged.hidden_reason = _("Sammenlægningen er fortrudt.")
    merged.updated_at = now
    db.session.flush()
    record(actor, "note.unmerge", committee, target=f"note:{merged.id}",
           originals=[n.id for n in originals])
    return originals


def set_key_point(committee: Committee, note: Note, actor, value: bool) -> Note:
    """Mark or unmark a note as one of the committee's key points."""
    _ensure_open(committee)
    _committee_note(committee, note)
    if note.key_point != value:
        note.key_point = value
        note.updated_at = utcnow()
        db.session.flush()
        record(actor, "note.key_point", committee, target=f"note:{note.id}", key_point=value)
    return note


# ---------------------------------------------------------------- summaries


def summary_subject(committee: Committee, kind: str, subject_id: int) -> Task | Message:
    """The task or message a summary is about; DomainError if it is not of this event."""
    model = {"task": Task, "message": Message}.get(kind)
    subject = db.session.get(model, subject_id) if model else None
    if subject is None or subject.event_id != committee.event_id:
        raise DomainError(_("Opgaven eller budskabet findes ikke på dette topmøde."))
    return subject


def find_summary(committee: Committee, subject: Task | Message) -> Summary | None:
    """The committee's summary for a task or message, if written."""
    kind = "task" if isinstance(subject, Task) else "message"
    return db.session.scalar(select(Summary).where(
        Summary.committee_id == committee.id, Summary.key == f"{kind}:{subject.id}"))


def save_summary(committee: Committee, subject: Task | Message, editor, body: str,
                 based_on_version: int) -> Summary:
    """Write the chair's summary for a task or message; refuse if someone saved in between.

    `based_on_version` is 0 when the editor started from no summary at all.
    """
    _ensure_open(committee)
    body = clean_text(body)
    if len(body) > SUMMARY_MAX_LENGTH:
        raise DomainError(_("Resuméet er for langt: %(length)d tegn, højst %(max)d.",
                            length=len(body), max=SUMMARY_MAX_LENGTH), field="body")
    summary = find_summary(committee, subject)
    current = summary.version if summary is not None else 0
    if based_on_version != current:
        raise SummaryConflict(
            _("Resuméet er blevet gemt af %(name)s, mens du skrev. Se begge versioner nedenfor.",
              name=summary.updated_by_name or _("en anden")) if summary is not None
            else _("Resuméet findes ikke længere. Genindlæs siden."),
            summary, body)
    is_task = isinstance(subject, Task)
    if summary is None:
        if not body:
            raise DomainError(_("Resuméet er tomt. Skriv et kort resumé, før du gemmer."),
                              field="body")
        if not is_task and not any(subject in n.messages for n in approved_notes(committee)):
            raise DomainError(_("Der er ingen noter til dette budskab at lave resumé af."))
        key = f"{'task' if is_task else 'message'}:{subject.id}"
        summary = Summary(committee=committee, key=key, task=subject if is_task else None,
                          message=None if is_task else subject, body="")
        db.session.add(summary)
    elif summary.body == body:
        return summary
    before = summary.body
    summary.body = body
    summary.updated_at = utcnow()
    summary.updated_by_name = getattr(editor, "display_name", "")
    db.session.flush()  # a concurrent save makes this raise StaleDataError (or IntegrityError)
    record(editor, "summary.save", committee, target=summary.key, version=summary.version,
           body_before=before, body_after=body)
    return summary


# ---------------------------------------------------------------- actions


@dataclass
class ActionInput:
    task_id: int | None
    title: str
    responsible: str = ""
    due_on: date | None = None
    status: str = "planned"


def list_actions(committee: Committee) -> list[Action]:
    """The committee's follow-up actions, by task then due date (undated last)."""
    return list(db.session.scalars(
        select(Action).join(Task, Action.task_id == Task.id)
        .where(Action.committee_id == committee.id)
        .options(selectinload(Action.task))
        .order_by(Task.number, Action.due_on.is_(None), Action.due_on, Action.id)
    ))


def _validated_action(committee: Committee, data: ActionInput) -> tuple[Task, str, str]:
    title = clean_text(data.title)
    if not title:
        raise DomainError(_("Skriv hvad der skal gøres."), field="title")
    if len(title) > ACTION_TITLE_MAX_LENGTH:
        raise DomainError(_("Beskrivelsen er for lang: højst %(max)d tegn.",
                            max=ACTION_TITLE_MAX_LENGTH), field="title")
    responsible = clean_text(data.responsible)
    if len(responsible) > RESPONSIBLE_MAX_LENGTH:
        raise DomainError(_("Ansvarlig er for lang: højst %(max)d tegn.",
                            max=RESPONSIBLE_MAX_LENGTH), field="responsible")
    task = db.session.get(Task, data.task_id) if data.task_id else None
    if task is None or task.event_id != committee.event_id:
        raise DomainError(_("Vælg hvilken af de fire opgaver handlingen hører under."),
                          field="task")
    if data.status not in ACTION_STATUSES:
        raise DomainError(_("Vælg en status: planlagt, i gang eller gennemført."), field="status")
    return task, title, responsible


def create_action(committee: Committee, actor, data: ActionInput, source_note: Note | None = None,
                  source_summary: Summary | None = None) -> Action:
    """Turn a note or a summary (or a fresh idea) into a follow-up action under a task."""
    task, title, responsible = _validated_action(committee, data)
    if source_note is not None:
        _committee_note(committee, source_note)
    if source_summary is not None and source_summary.committee_id != committee.id:
        raise DomainError(_("Resuméet findes ikke i dette udvalg."))
    action = Action(committee=committee, task=task, title=title, responsible=responsible,
                    due_on=data.due_on, status=data.status, source_note=source_note,
                    source_summary=source_summary,
                    created_by_name=getattr(actor, "display_name", ""))
    db.session.add(action)
    db.session.flush()
    record(actor, "action.create", committee, target=f"action:{action.id}", title=title,
           task=task.number, responsible=responsible, status=data.status,
           due_on=data.due_on.isoformat() if data.due_on else None,
           source_note=getattr(source_note, "id", None),
           source_summary=getattr(source_summary, "id", None))
    return action


def update_action(committee: Committee, action: Action, actor, data: ActionInput) -> Action:
    """Change an action (its status above all); the follow-up goes on after submission."""
    if action.committee_id != committee.id:
        raise DomainError(_("Handlingen findes ikke i dette udvalg."))
    task, title, responsible = _validated_action(committee, data)
    before = {"title": action.title, "responsible": action.responsible,
              "status": action.status, "task": action.task.number,
              "due_on": action.due_on.isoformat() if action.due_on else None}
    action.task, action.title, action.responsible = task, title, responsible
    action.due_on, action.status = data.due_on, data.status
    after = {"title": title, "responsible": responsible, "status": data.status,
             "task": task.number, "due_on": data.due_on.isoformat() if data.due_on else None}
    if before != after:
        action.updated_at = utcnow()
        db.session.flush()
        record(actor, "action.update", committee, target=f"action:{action.id}",
               before=before, after=after)
    return action


# ---------------------------------------------------------------- submission


def submit(committee: Committee, approver, show_authors: bool,
           privacy_acknowledged: bool) -> Submission:
    """Approve and submit the contribution: a new immutable version that KL sees from now on."""
    _ensure_open(committee)
    notes = approved_notes(committee)
    summaries = [s for s in summaries_by_key(committee).values() if s.body]
    if not notes and not summaries:
        raise DomainError(_("Der er hverken noter eller resuméer at indsende endnu."))
    if privacy_warnings(notes) and not privacy_acknowledged:
        raise DomainError(
            _("Nogle noter ser ud til at indeholde personoplysninger. Ret eller skjul dem, "
              "eller bekræft at du har set advarslerne, før du indsender."),
            field="privacy_acknowledged")
    version = (db.session.scalar(select(func.max(Submission.version))
                                 .where(Submission.committee_id == committee.id)) or 0) + 1
    # KL sees only the newest version: clear the flag on the older ones in the same transaction.
    db.session.execute(update(Submission).where(Submission.committee_id == committee.id)
                       .values(is_latest=False))
    common = {"event_id": committee.event_id, "municipality_code": committee.municipality_code}
    submission = Submission(
        committee=committee, version=version, is_latest=True, submitted_at=utcnow(),
        submitted_by_id=approver.id if getattr(approver, "kind", "") == "user" else None,
        submitted_by_name=getattr(approver, "display_name", ""), show_authors=show_authors,
        talk=committee.talk, theme_meetings=list(committee.theme_meetings), **common,
    )
    copies = []
    for note in notes:
        row = SubmissionNote(
            note_id=note.id, slot_id=note.slot_id, talk_id=note.talk_id,
            theme_meeting_id=note.theme_meeting_id, body=note.body,
            author_name=note.author_name if show_authors else "", key_point=note.key_point,
            written_at=note.created_at, **common,
        )
        copies.append((note, row))
        submission.notes.append(row)
    for summary in summaries:
        submission.summaries.append(SubmissionSummary(
            task_id=summary.task_id, message_id=summary.message_id, body=summary.body, **common))
    for action in list_actions(committee):
        submission.actions.append(SubmissionAction(
            task_id=action.task_id, title=action.title, responsible=action.responsible,
            due_on=action.due_on, status=action.status, **common))
    db.session.add(submission)
    db.session.flush()
    # The mappings are copied with who set them (a person, or an accepted suggestion).
    suggestions.copy_mappings([(note.id, row.id) for note, row in copies], show_authors)
    record(approver, "submission.submit", committee, target=f"submission:{submission.id}",
           version=version, notes=len(notes), summaries=len(summaries),
           actions=len(submission.actions), show_authors=show_authors)
    return submission


def reopen(committee: Committee, actor) -> Submission:
    """Reopen the submitted contribution for changes; KL keeps seeing it until the next submit."""
    latest = latest_submission(committee)
    if latest is None:
        raise DomainError(_("Bidraget er ikke indsendt endnu, så der er intet at genåbne."))
    if latest.reopened_at is not None:
        raise DomainError(_("Bidraget er allerede genåbnet."))
    latest.reopened_at = utcnow()
    db.session.flush()
    record(actor, "submission.reopen", committee, target=f"submission:{latest.id}",
           version=latest.version)
    return latest


def list_submissions(committee: Committee) -> list[Submission]:
    """Every submitted version, newest first."""
    return list(db.session.scalars(
        select(Submission).where(Submission.committee_id == committee.id)
        .order_by(Submission.version.desc())))


def submission_counts(committee: Committee) -> dict[int, dict[str, int]]:
    """Per submitted version: how many notes, summaries and actions it holds (three queries)."""
    counts: dict[int, dict[str, int]] = {}
    for name, model in (("notes", SubmissionNote), ("summaries", SubmissionSummary),
                        ("actions", SubmissionAction)):
        rows = db.session.execute(
            select(model.submission_id, func.count(model.id))
            .join(Submission, Submission.id == model.submission_id)
            .where(Submission.committee_id == committee.id)
            .group_by(model.submission_id))
        for submission_id, count in rows:
            counts.setdefault(submission_id, {"notes": 0, "summaries": 0, "actions": 0})
            counts[submission_id][name] = count
    return counts


def get_submission(committee: Committee, version: int) -> Submission | None:
    """One submitted version of the committee's contribution."""
    return db.session.scalar(select(Submission).where(
        Submission.committee_id == committee.id, Submission.version == version))


def audit_log(committee: Committee, limit: int = 500):
    """The committee's audit entries, newest first."""
    from delib.models import AuditEntry

    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.committee_id == committee.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)))
