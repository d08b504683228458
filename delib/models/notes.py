"""Notes captured in the breaks, with their revisions and mapping to tasks and messages."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delib.extensions import db
from delib.models.base import utcnow

note_tasks = Table(
    "note_task",
    db.metadata,
    Column("note_id", ForeignKey("note.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True, index=True),
)

note_messages = Table(
    "note_message",
    db.metadata,
    Column("note_id", ForeignKey("note.id", ondelete="CASCADE"), primary_key=True),
    Column("message_id", ForeignKey("message.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Note(db.Model):
    __table_args__ = (
        # The idempotency key: a resend of the same draft finds the note instead of copying it.
        UniqueConstraint("committee_id", "client_key"),
        # The poll's "anything new?" question reads only this index.
        Index("ix_note_committee_updated", "committee_id", "updated_at"),
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
