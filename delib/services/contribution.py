"""What goes to KL: the notes in the contribution, the ones set aside, personal-data warnings,
and the lock (once submitted, nothing changes until the chair reopens)."""


from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    Committee,
    Note,
    Submission,
)
from delib.services import DomainError
from delib.services.privacy import flag_personal_data


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


def privacy_warnings(notes: list[Note]) -> list[tuple[Note, list]]:
    """Notes that look like they carry personal data, with what was found."""
    found = []
    for note in notes:
        findings = flag_personal_data(note.body)
        if findings:
            found.append((note, findings))
    return found


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


def ensure_open(committee: Committee) -> None:
    if is_locked(committee):
        raise DomainError(_("Bidraget er godkendt og indsendt. Genåbn det, før du ændrer noget."))


def committee_note(committee: Committee, note: Note) -> None:
    """Refuse a note that is not a live note of this committee."""
    if note.committee_id != committee.id or note.deleted_at is not None:
        raise DomainError(_("Noten findes ikke i dette udvalg."))
