"""Notes captured in the breaks, with their revisions and mapping to tasks and messages."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delib.extensions import db
from delib.models.base import utcnow

#: Who set a mapping of a note to a task or message: a person ticked it, or a person accepted
#: the model's suggestion (then model_version and decided_by_name say which model and who).
MAPPING_SOURCES = ("person", "suggestion")


def provenance_columns() -> list[Column]:
    """The provenance columns of a mapping table (note and submitted note alike)."""
    return [
        Column("source", String(20), nullable=False, default="person",
               server_default="person"),
        Column("model_version", String(60), nullable=True),
        Column("decided_by_name", String(120), nullable=True),
    ]


note_tasks = Table(
    "note_task",
    db.metadata,
    Column("note_id", ForeignKey("note.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True, index=True),
    *provenance_columns(),
)

note_messages = Table(
    "note_message",
    db.metadata,
    Column("note_id", ForeignKey("note.id", ondelete="CASCADE"), primary_key=True),
    Column("message_id", ForeignKey("message.id", ondelete="CASCADE"), primary_key=True,
           index=True),
    *provenance_columns(),
)


class Note(db.Model):
    __table_args__ = (
        # The idempotency key: a resend of the same draft finds the note instead of copying it.
        UniqueConstraint("committee_id", "client_key"),
        # The poll's "anything new?" question reads only this index.
        Index("ix_note_committee_updated", "committee_id", "updated_at"),
        # The stream process's tick: every note changed since the last tick, all committees.
        Index("ix_note_updated_at", "updated_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_slot.id", ondelete="SET NULL"), index=True
    )
    #: The talk the committee had chosen when the note was written, if the break was about it.
    talk_id: Mapped[int | None] = mapped_column(ForeignKey("talk.id", ondelete="SET NULL"))
    #: In a theme-meeting break: which of the committee's theme meetings the note is about.
    theme_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme_meeting.id", ondelete="SET NULL")
    )
    client_key: Mapped[str] = mapped_column(String(64))
    author_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: The name shown with the note, kept even if the participant is later removed.
    author_name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Soft delete by the author: the note leaves every list but stays restorable.
    deleted_at: Mapped[datetime | None]
    #: Review: hidden notes leave the contribution but are never destroyed, and can be restored.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    #: Review: a note merged into another points at it; the merged note lists its originals.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("note.id", ondelete="SET NULL"), index=True
    )
    #: Review: the chair marks the points that matter most.
    key_point: Mapped[bool] = mapped_column(default=False)
    #: Optimistic locking: an UPDATE with a stale version raises StaleDataError.
    version: Mapped[int] = mapped_column(default=1)

    committee = relationship("Committee")
    slot = relationship("DiscussionSlot")
    talk = relationship("Talk")
    theme_meeting = relationship("ThemeMeeting")
    author_participant = relationship("Participant")
    author_user = relationship("User")
    tasks = relationship("Task", secondary=note_tasks, order_by="Task.number")
    messages = relationship("Message", secondary=note_messages, order_by="Message.number")
    merged_into = relationship("Note", remote_side=[id], back_populates="merged_from")
    merged_from = relationship("Note", back_populates="merged_into")
    #: Suggestions awaiting the writer's or the chair's answer (see services/suggestions.py).
    open_suggestions = relationship(
        "NoteSuggestion", viewonly=True,
        primaryjoin="and_(Note.id == NoteSuggestion.note_id, NoteSuggestion.status == 'open')",
        order_by="[NoteSuggestion.kind.desc(), NoteSuggestion.score.desc()]",
    )
    revisions = relationship(
        "NoteRevision",
        back_populates="note",
        order_by="NoteRevision.version",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def task_numbers(self) -> list[int]:
        return [task.number for task in self.tasks]

    @property
    def message_numbers(self) -> list[int]:
        return [message.number for message in self.messages]

    @property
    def theme_meeting_number(self) -> int | None:
        return self.theme_meeting.number if self.theme_meeting else None

    @property
    def is_live(self) -> bool:
        """On the break screen: not deleted, hidden, or merged into another note."""
        return self.deleted_at is None and self.hidden_at is None and self.merged_into_id is None


class NoteRevision(db.Model):
    """Every saved text of a note: who, when, what."""

    __tablename__ = "note_revision"
    __table_args__ = (UniqueConstraint("note_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    task_numbers: Mapped[str] = mapped_column(String(64), default="")
    message_numbers: Mapped[str] = mapped_column(String(64), default="")
    edited_by_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    note: Mapped[Note] = relationship(back_populates="revisions")


class NoteSuggestion(db.Model):
    """A task or message the model suggested for a note, until a person accepts or rejects it.

    One row per (note, kind, number): a rejected suggestion stays rejected and is never offered
    again for that note, whatever later model versions say.
    """

    __tablename__ = "note_suggestion"
    __table_args__ = (
        UniqueConstraint("note_id", "kind", "number"),
        CheckConstraint("kind IN ('task', 'message')", name="ck_note_suggestion_kind"),
        CheckConstraint("status IN ('open', 'accepted', 'rejected')",
                        name="ck_note_suggestion_status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"))
    #: "task" or "message"; `number` is Task.number / Message.number of the note's event.
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    #: The words of the note that led to the suggestion, one per line, as written.
    reason: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="open")
    decided_by_name: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    note: Mapped[Note] = relationship()

    @property
    def reason_words(self) -> list[str]:
        return [w for w in self.reason.split("\n") if w]


class Redaction(db.Model):
    """That personal data was removed from a note (and every copy of it): by whom and when.

    Deliberately without the removed text: keeping it here would keep what was removed.
    """

    __tablename__ = "redaction"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True)
    note_id: Mapped[int | None] = mapped_column(
        ForeignKey("note.id", ondelete="SET NULL"), index=True)
    redacted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    redacted_by_name: Mapped[str] = mapped_column(String(120))
    redacted_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How many texts were changed (the note, its revisions, copies, the audit log's entries).
    places: Mapped[int] = mapped_column(default=0)

    note = relationship("Note")
