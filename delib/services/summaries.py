"""The chair's summary of each task and message; a save over a newer text is refused."""


from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    Committee,
    Message,
    Note,
    Summary,
    Task,
    note_messages,
    note_tasks,
    utcnow,
)
from delib.services import DomainError
from delib.services.audit import record
from delib.services.committees import clean_text
from delib.services.contribution import approved_notes, ensure_open

SUMMARY_MAX_LENGTH = 5000


class SummaryConflict(DomainError):
    """Someone saved the summary after the version this edit started from."""

    def __init__(self, message: str, summary: Summary, attempted: str):
        super().__init__(message, field="body")
        self.summary = summary
        self.attempted = attempted


def summaries_by_key(committee: Committee) -> dict[str, Summary]:
    """The committee's summaries keyed 'task:<id>' / 'message:<id>'."""
    return {s.key: s for s in db.session.scalars(
        select(Summary).where(Summary.committee_id == committee.id))}


def summary_subject(committee: Committee, kind: str, subject_id: int) -> Task | Message:
    """The task or message a summary is about; DomainError if it is not of this event."""
    model = {"task": Task, "message": Message}.get(kind)
    subject = db.session.get(model, subject_id) if model else None
    if subject is None or subject.event_id != committee.event_id:
        raise DomainError(_("Opgaven eller budskabet findes ikke på dette topmøde."))
    return subject


def notes_about(committee: Committee, subject: Task | Message) -> list[Note]:
    """The notes in the contribution mapped to this task or message, key points first: what the
    chair summarises."""
    link, column = ((note_tasks, note_tasks.c.task_id) if isinstance(subject, Task)
                    else (note_messages, note_messages.c.message_id))
    return list(db.session.scalars(
        select(Note).join(link, link.c.note_id == Note.id)
        .where(column == subject.id, Note.committee_id == committee.id,
               Note.deleted_at.is_(None), Note.hidden_at.is_(None),
               Note.merged_into_id.is_(None))
        .options(selectinload(Note.slot))
        .order_by(Note.key_point.desc(), Note.created_at, Note.id)))


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
    ensure_open(committee)
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
