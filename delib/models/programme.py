"""The event and its programme: items, talks, theme meetings, discussion slots, tasks, messages.

Programme times are stored as naive *local* times of the event's time zone, as printed in the
programme; `Event.day_offset` shifts them for rehearsals ("as if today").
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delib.extensions import db


class Event(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Copenhagen")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: How many political talks a committee chooses (the programme says one).
    max_talks: Mapped[int] = mapped_column(default=1)
    #: "Up to three theme meetings" in 2021; data, so a later summit can differ.
    max_theme_meetings: Mapped[int] = mapped_column(default=3)
    #: Days added to every programme time, so a past event can be rehearsed as if today.
    day_offset: Mapped[int] = mapped_column(default=0)
    #: A preliminary programme (dates known, items placeholders until KL fills them in).
    preliminary: Mapped[bool] = mapped_column(default=False)

    items: Mapped[list["ProgrammeItem"]] = relationship(
        back_populates="event", order_by="ProgrammeItem.starts_at", cascade="all, delete-orphan"
    )
    talks: Mapped[list["Talk"]] = relationship(
        back_populates="event", order_by="Talk.number", cascade="all, delete-orphan"
    )
    theme_meetings: Mapped[list["ThemeMeeting"]] = relationship(
        back_populates="event", order_by="ThemeMeeting.number", cascade="all, delete-orphan"
    )
    slots: Mapped[list["DiscussionSlot"]] = relationship(
        back_populates="event", order_by="DiscussionSlot.starts_at", cascade="all, delete-orphan"
    )
    tasks: Mapped[list["Task"]] = relationship(
        back_populates="event", order_by="Task.number", cascade="all, delete-orphan"
    )
    messages: Mapped[list["Message"]] = relationship(
        back_populates="event", order_by="Message.number", cascade="all, delete-orphan"
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def shifted(self, local: datetime) -> datetime:
        """A programme time as an aware datetime, rehearsal shift applied."""
        return (local + timedelta(days=self.day_offset)).replace(tzinfo=self.tz)

    @property
    def shifted_start(self) -> date:
        return self.starts_on + timedelta(days=self.day_offset)

    @property
    def shifted_end(self) -> date:
        return self.ends_on + timedelta(days=self.day_offset)


class ProgrammeItem(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(String(300))
    #: plenary, keynote, break, discussion, talks, theme_meetings
    kind: Mapped[str] = mapped_column(String(32), default="plenary")
    description: Mapped[str] = mapped_column(Text, default="")
    speakers: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="items")


class Talk(db.Model):
    """A political talk (oplæg); the committee chooses one and discusses it in a break."""

    __table_args__ = (UniqueConstraint("event_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    suggested_theme_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme_meeting.id", ondelete="SET NULL")
    )

    event: Mapped[Event] = relationship(back_populates="talks")
    suggested_theme_meeting: Mapped["ThemeMeeting | None"] = relationship()


class ThemeMeeting(db.Model):
    __tablename__ = "theme_meeting"
    __table_args__ = (UniqueConstraint("event_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)

    event: Mapped[Event] = relationship(back_populates="theme_meetings")


class DiscussionSlot(db.Model):
    """A break for municipal discussions (kommunale drøftelser)."""

    __tablename__ = "discussion_slot"
    __table_args__ = (UniqueConstraint("event_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: What the committee discusses: "general" (the slot's own questions), "talk" (the chosen
    #: political talk) or "theme_meetings" (the chosen theme meetings).
    focus: Mapped[str] = mapped_column(String(32), default="general")
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)

    event: Mapped[Event] = relationship(back_populates="slots")


class Task(db.Model):
    """One of the declaration's tasks for the municipalities (opgave)."""

    __table_args__ = (UniqueConstraint("event_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    short_title: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="tasks")


class Message(db.Model):
    """One of the declaration's messages to Christiansborg (budskab)."""

    __table_args__ = (UniqueConstraint("event_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    short_title: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="messages")
