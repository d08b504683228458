"""A municipality's committee at an event, its chairs, participants and choices."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delib.extensions import db
from delib.models.base import utcnow

committee_chairs = Table(
    "committee_chair",
    db.metadata,
    Column("committee_id", ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)

committee_theme_meetings = Table(
    "committee_theme_meeting",
    db.metadata,
    Column("committee_id", ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_meeting_id", ForeignKey("theme_meeting.id", ondelete="CASCADE"),
           primary_key=True),
)


class Committee(db.Model):
    __table_args__ = (UniqueConstraint("event_id", "municipality_code", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    municipality_code: Mapped[int] = mapped_column(ForeignKey("municipality.code"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    #: Handed out to participants; long and random enough that guessing is hopeless.
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The political talk the committee follows and discusses at 13:30.
    talk_id: Mapped[int | None] = mapped_column(ForeignKey("talk.id", ondelete="SET NULL"))
    #: A discussion group (the school leaders' network, a youth council) hangs under its
    #: municipality's committee for the event: its notes go to that committee, never to KL.
    parent_committee_id: Mapped[int | None] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True
    )
    #: When the group last sent its notes to the committee; its chairs see them from then on.
    sent_to_parent_at: Mapped[datetime | None]

    event = relationship("Event")
    municipality = relationship("Municipality")
    created_by = relationship("User", foreign_keys=[created_by_id])
    talk = relationship("Talk")
    theme_meetings = relationship(
        "ThemeMeeting", secondary=committee_theme_meetings, order_by="ThemeMeeting.number"
    )
    chairs = relationship("User", secondary=committee_chairs, order_by="User.name")
    participants = relationship(
        "Participant", back_populates="committee", order_by="Participant.joined_at"
    )
    parent = relationship("Committee", remote_side=[id], back_populates="groups")
    groups = relationship("Committee", back_populates="parent", order_by="Committee.name")
    #: A group's own times for the event's breaks (empty for a committee).
    own_breaks = relationship("GroupBreak", cascade="all, delete-orphan",
                              back_populates="group")

    @property
    def is_group(self) -> bool:
        return self.parent_committee_id is not None

    @property
    def own_break_by_slot(self) -> dict:
        return {b.slot_id: b for b in self.own_breaks}


class GroupBreak(db.Model):
    """A group's own time for one of the event's breaks (e.g. the theme meetings' discussion
    at the school leaders' next network meeting); the break screen counts down to it.

    Times are the event's local wall-clock time, like the slots, but never shifted by a
    rehearsal: the group chose a real date.
    """

    __tablename__ = "group_break"
    __table_args__ = (UniqueConstraint("group_id", "slot_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("discussion_slot.id", ondelete="CASCADE"),
                                         index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    group = relationship("Committee", back_populates="own_breaks")


class GroupNoteSource(db.Model):
    """A committee note the chair took over from one of its groups: where it came from.

    Kept beside the note (not in it) so the group's name survives the group and marks the
    note in the review and, through the submitted note's note_id, at KL.
    """

    __tablename__ = "group_note_source"
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"),
                                         primary_key=True)
    source_note_id: Mapped[int | None] = mapped_column(
        ForeignKey("note.id", ondelete="SET NULL"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("committee.id", ondelete="SET NULL"), index=True
    )
    group_name: Mapped[str] = mapped_column(String(150))
    taken_over_by_name: Mapped[str] = mapped_column(String(120), default="")
    taken_over_at: Mapped[datetime] = mapped_column(default=utcnow)
