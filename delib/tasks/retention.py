"""Retention: after an event, its personal data goes; the anonymised contribution stays.

What goes: participants (their names and accounts), author and editor names on notes, summaries,
actions, submissions and the audit log, earlier revisions of notes, and notes that never became
part of the contribution (deleted, hidden or merged away). What stays: the text of the live notes,
their mapping to tasks and messages, summaries, actions and every submitted version, under the
municipality's name.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import aliased

from delib.extensions import db
from delib.models import (
    Action,
    AuditEntry,
    Committee,
    Event,
    Note,
    NoteRevision,
    Participant,
    Submission,
    SubmissionNote,
    Summary,
)
from delib.services import DomainError
from delib.services.audit import record
from delib.services.committees import rotate_join_code
from delib.services.persons import ANONYMOUS


@dataclass
class PurgeReport:
    committees: int = 0
    participants: int = 0
    notes_anonymised: int = 0
    notes_removed: int = 0
    revisions_removed: int = 0
    audit_entries: int = 0


def held_until(event: Event) -> date:
    """The last day the event was held, rehearsals included (a rehearsal is held today)."""
    return event.ends_on + timedelta(days=event.day_offset or 0)


def purge_event(event: Event, older_than_days: int, today: date | None = None) -> PurgeReport:
    """Remove the personal data of an event held more than `older_than_days` days ago."""
    today = today or date.today()
    if older_than_days < 0:
        raise DomainError(_("Antallet af dage kan ikke være negativt."))
    age = (today - held_until(event)).days
    if age < older_than_days:
        raise DomainError(
            _("%(title)s blev holdt for %(ago)s. Personoplysninger slettes først, når der er gået "
              "%(wait)s.", title=event.title,
              ago=ngettext("%(num)d dag siden", "%(num)d dage siden", max(age, 0)),
              wait=ngettext("%(num)d dag", "%(num)d dage", older_than_days)))
    committee_ids = select(Committee.id).where(Committee.event_id == event.id)
    report = PurgeReport(committees=db.session.scalar(
        select(func.count()).select_from(committee_ids.subquery())))
    in_event = Note.committee_id.in_(committee_ids)

    # Notes that are not part of the contribution: gone with their revisions (FK cascade).
    gone = [Note.deleted_at.is_not(None), Note.hidden_at.is_not(None),
            Note.merged_into_id.is_not(None)]
    doomed = select(Note.id).where(in_event, or_(*gone))
    report.revisions_removed += db.session.execute(
        delete(NoteRevision).where(NoteRevision.note_id.in_(doomed))).rowcount
    db.session.execute(update(Note).where(Note.merged_into_id.in_(doomed))
                       .values(merged_into_id=None))
    report.notes_removed = db.session.execute(
        delete(Note).where(in_event, or_(*gone)).execution_options(synchronize_session=False)
    ).rowcount

    # Live notes keep their text (the contribution) without who wrote or edited them.
    report.notes_anonymised = db.session.execute(
        update(Note).where(in_event).values(
            author_name=ANONYMOUS, author_participant_id=None, author_user_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    newer = aliased(NoteRevision)
    live = select(Note.id).where(in_event)
    # Earlier texts may hold what review removed; only the text that stands is kept.
    report.revisions_removed += db.session.execute(
        delete(NoteRevision).where(
            NoteRevision.note_id.in_(live),
            select(newer.id).where(newer.note_id == NoteRevision.note_id,
                                   newer.version > NoteRevision.version).exists(),
        ).execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(update(NoteRevision).where(NoteRevision.note_id.in_(live))
                       .values(edited_by_name="").execution_options(synchronize_session=False))

    db.session.execute(update(Summary).where(Summary.committee_id.in_(committee_ids))
                       .values(updated_by_name="").execution_options(synchronize_session=False))
    db.session.execute(update(Action).where(Action.committee_id.in_(committee_ids))
                       .values(created_by_name="").execution_options(synchronize_session=False))
    submissions = select(Submission.id).where(Submission.committee_id.in_(committee_ids))
    db.session.execute(update(Submission).where(Submission.id.in_(submissions))
                       .values(submitted_by_name="", submitted_by_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(SubmissionNote).where(SubmissionNote.submission_id.in_(submissions))
                       .values(author_name="").execution_options(synchronize_session=False))
    report.audit_entries = db.session.execute(
        update(AuditEntry).where(AuditEntry.committee_id.in_(committee_ids))
        .values(actor_id="", actor_name="", details={})
        .execution_options(synchronize_session=False)
    ).rowcount
    report.participants = db.session.execute(
        delete(Participant).where(Participant.committee_id.in_(committee_ids))
        .execution_options(synchronize_session=False)
    ).rowcount
    # Nobody joins an archived committee with an old code.
    for committee in db.session.scalars(select(Committee).where(Committee.event_id == event.id)):
        rotate_join_code(committee)
    db.session.expire_all()
    record(None, "retention.purge", target=f"event:{event.slug}",
           older_than_days=older_than_days, **asdict(report))
    db.session.flush()
    return report
