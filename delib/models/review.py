"""The chair's review and the contribution to KL: summaries, follow-up actions, submissions, audit.

A submission is an immutable snapshot stored as rows (not a blob), so KL's overview can count,
filter and search it in SQL. KL reads only rows of submissions with `is_latest` set.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from delib.extensions import db
from delib.models.base import utcnow
from delib.models.notes import provenance_columns

ACTION_STATUSES = ("planned", "under_way", "done")
#: How a status reads, wherever it is shown (review, reports, the audit log).
ACTION_STATUS_LABELS = {"planned": _l("Planlagt"), "under_way": _l("I gang"),
                        "done": _l("Gennemført")}


class Summary(db.Model):
    """The chair's short summary for one task or one message to Christiansborg."""

    __table_args__ = (UniqueConstraint("committee_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    #: "task:<task_id>" or "message:<message_id>": one summary per task/message per committee.
    key: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_name: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(default=1)

    committee = relationship("Committee")
    task = relationship("Task")
    message = relationship("Message")
    __mapper_args__ = {"version_id_col": version}


class Action(db.Model):
    """A follow-up action under a task: what, who, by when, and how far it has come."""

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    #: A role or a name ("Skolechefen", "Udvalgsformanden").
    responsible: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    #: planned, under_way, done
    status: Mapped[str] = mapped_column(String(20), default="planned")
    source_note_id: Mapped[int | None] = mapped_column(ForeignKey("note.id", ondelete="SET NULL"))
    source_summary_id: Mapped[int | None] = mapped_column(
        ForeignKey("summary.id", ondelete="SET NULL")
    )
    #: "Vil vi også": the action another municipality shared, taken over as a draft here.
    source_submission_action_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission_action.id", ondelete="SET NULL"), index=True
    )
    #: The municipality it came from, kept even if that submission goes ("Fra Aarhus").
    source_municipality_code: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.code")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_name: Mapped[str] = mapped_column(String(120), default="")

    committee = relationship("Committee")
    task = relationship("Task")
    source_note = relationship("Note")
    source_summary = relationship("Summary")
    source_submission_action = relationship("SubmissionAction")
    source_municipality = relationship("Municipality")


submission_theme_meetings = Table(
    "submission_theme_meeting",
    db.metadata,
    Column("submission_id", ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_meeting_id", ForeignKey("theme_meeting.id", ondelete="CASCADE"),
           primary_key=True),
)


class Submission(db.Model):
    """One submitted version of a committee's contribution to KL; never changed afterwards."""

    __table_args__ = (
        UniqueConstraint("committee_id", "version"),
        Index("ix_submission_latest", "is_latest", "event_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    version: Mapped[int]
    #: Only the newest submitted version of a committee is what KL sees.
    is_latest: Mapped[bool] = mapped_column(default=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_by_name: Mapped[str] = mapped_column(String(120))
    #: The chair's choice: show KL who wrote each note (default: only the municipality).
    show_authors: Mapped[bool] = mapped_column(default=False)
    #: The chair's choice: other municipalities' chairs may see the summaries, key points and
    #: actions of this version, under the municipality's name (never authors; off by default).
    shared_with_peers: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    talk_id: Mapped[int | None] = mapped_column(ForeignKey("talk.id", ondelete="SET NULL"))
    #: Set when the chair reopens the contribution to work on a new version.
    reopened_at: Mapped[datetime | None]
    #: When personal data was last removed from this version after it was submitted
    #: (services/redactions.py); the version says so wherever it is shown.
    redacted_at: Mapped[datetime | None]

    committee = relationship("Committee")
    event = relationship("Event")
    municipality = relationship("Municipality")
    talk = relationship("Talk")
    theme_meetings = relationship("ThemeMeeting", secondary=submission_theme_meetings)
    notes = relationship("SubmissionNote", back_populates="submission",
                         cascade="all, delete-orphan", order_by="SubmissionNote.id")
    summaries = relationship("SubmissionSummary", back_populates="submission",
                             cascade="all, delete-orphan", order_by="SubmissionSummary.id")
    actions = relationship("SubmissionAction", back_populates="submission",
                           cascade="all, delete-orphan", order_by="SubmissionAction.id")


submission_note_tasks = Table(
    "submission_note_task",
    db.metadata,
    Column("submission_note_id", ForeignKey("submission_note.id", ondelete="CASCADE"),
           primary_key=True),
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True, index=True),
    # Copied from note_task at submission: a submitted mapping keeps who set it.
    *provenance_columns(),
)

submission_note_messages = Table(
    "submission_note_message",
    db.metadata,
    Column("submission_note_id", ForeignKey("submission_note.id", ondelete="CASCADE"),
           primary_key=True),
    Column("message_id", ForeignKey("message.id", ondelete="CASCADE"), primary_key=True,
           index=True),
    *provenance_columns(),
)


class SubmissionNote(db.Model):
    """An approved note as submitted, with its context copied for KL's queries."""

    __tablename__ = "submission_note"
    __table_args__ = (
        # KL's overview groups a submission's notes by their contexts: with this index the
        # database reads them in that order (and never the note rows with their text).
        Index("ix_submission_note_contexts", "submission_id", "talk_id", "theme_meeting_id",
              "slot_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    note_id: Mapped[int | None] = mapped_column(ForeignKey("note.id", ondelete="SET NULL"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_slot.id", ondelete="SET NULL")
    )
    talk_id: Mapped[int | None] = mapped_column(ForeignKey("talk.id", ondelete="SET NULL"))
    theme_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme_meeting.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    #: Empty unless the chair chose to show authors to KL.
    author_name: Mapped[str] = mapped_column(String(80), default="")
    key_point: Mapped[bool] = mapped_column(default=False)
    #: The discussion group the chair took this note over from (""): KL sees it marked.
    source_group: Mapped[str] = mapped_column(String(150), default="", server_default="")
    written_at: Mapped[datetime]

    submission = relationship("Submission", back_populates="notes")
    tasks = relationship("Task", secondary=submission_note_tasks, order_by="Task.number")
    messages = relationship("Message", secondary=submission_note_messages,
                            order_by="Message.number")


class SubmissionSummary(db.Model):
    __tablename__ = "submission_summary"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)

    submission = relationship("Submission", back_populates="summaries")
    task = relationship("Task")
    message = relationship("Message")


class SubmissionAction(db.Model):
    __tablename__ = "submission_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20))

    submission = relationship("Submission", back_populates="actions")
    task = relationship("Task")


class AuditEntry(db.Model):
    """Who did what when: note edits, merges, hides, submissions, exports, sign-ins."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int | None] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True
    )
    #: "u:<id>" or "p:<id>", kept as text so the entry outlives the account.
    actor_id: Mapped[str] = mapped_column(String(40), default="")
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    #: A dotted verb: note.edit, note.merge, note.hide, note.restore, submission.submit, export.docx
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


FOLLOW_UP_STATUSES = ("done", "under_way", "changed", "dropped")
#: A previous action the next committee has not updated yet (only in submitted copies).
FOLLOW_UP_PENDING = "pending"
FOLLOW_UP_STATUS_LABELS = {"done": _l("Gennemført"), "under_way": _l("I gang"),
                           "changed": _l("Ændret"), "dropped": _l("Droppet"),
                           FOLLOW_UP_PENDING: _l("Ikke opdateret")}


class ActionFollowUp(db.Model):
    """The next event's committee on one of its municipality's previously submitted actions."""

    __tablename__ = "action_follow_up"
    __table_args__ = (UniqueConstraint("committee_id", "submission_action_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    submission_action_id: Mapped[int] = mapped_column(
        ForeignKey("submission_action.id", ondelete="CASCADE"), index=True)
    #: done, under_way, changed, dropped
    status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_by_name: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    committee = relationship("Committee")
    submission_action = relationship("SubmissionAction")
    __mapper_args__ = {"version_id_col": version}


class SubmissionFollowUp(db.Model):
    """A previous action and how it went, as submitted with the next contribution."""

    __tablename__ = "submission_follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    submission_action_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission_action.id", ondelete="SET NULL"))
    #: The previous event's task the action was under (its number and title stay readable).
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    #: The status the action had when it was submitted at the previous event.
    previous_status: Mapped[str] = mapped_column(String(20))
    #: done, under_way, changed, dropped, or pending (not updated before submission)
    status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")

    # A backref keeps Submission's own declaration untouched.
    submission = relationship("Submission", backref=backref(
        "follow_ups", cascade="all, delete-orphan", order_by="SubmissionFollowUp.id"))
    task = relationship("Task")
