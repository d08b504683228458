"""The chair's changes to a note: edit, hide, restore, merge, unmerge, key point.

Nothing here destroys a note: hiding and merging only set columns, and every text a note has
had stays in NoteRevision. Every change is written to the audit log.
"""

import uuid

from flask_babel import gettext as _

from delib.extensions import db
from delib.models import (
    Committee,
    Note,
    utcnow,
)
from delib.services import DomainError, suggestions
from delib.services import notes as note_service
from delib.services.audit import record
from delib.services.committees import clean_text
from delib.services.contribution import committee_note, ensure_open
from delib.services.notes import NoteConflict, NoteInput

HIDE_REASON_MAX_LENGTH = 500


def edit_note(committee: Committee, note: Note, editor, data: NoteInput,
              based_on_version: int, max_length: int) -> Note:
    """The chair changes a note's text or its tasks/messages; a new revision keeps the old one."""
    ensure_open(committee)
    committee_note(committee, note)
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
    ensure_open(committee)
    committee_note(committee, note)
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
    ensure_open(committee)
    committee_note(committee, note)
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
    ensure_open(committee)
    notes = list({n.id: n for n in notes}.values())
    if len(notes) < 2:
        raise DomainError(_("Vælg mindst to noter, der skal lægges sammen."), field="notes")
    for note in notes:
        committee_note(committee, note)
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
    ensure_open(committee)
    committee_note(committee, merged)
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
    ensure_open(committee)
    committee_note(committee, note)
    if note.key_point != value:
        note.key_point = value
        note.updated_at = utcnow()
        db.session.flush()
        record(actor, "note.key_point", committee, target=f"note:{note.id}", key_point=value)
    return note
