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
