"""The committee's record beyond the notes: who took part (attendance) and the members'
agreement to the draft referat."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from delib.extensions import db
from delib.models.base import utcnow

ATTENDANCE_ROLES = ("chair", "secretary", "member")
#: How a role reads in the list and the referat; "" is a role nobody set.
ATTENDANCE_ROLE_LABELS = {"chair": _l("Formand"), "secretary": _l("Sekretær"),
                          "member": _l("Medlem")}


class AttendanceEntry(db.Model):
    """One name on a committee's attendance list as the chair corrected it, or as copied into a
    submitted version (submission_id set), which keeps its list whatever happens later.

    The committee's own rows exist only once the chair corrected the proposal; a removed name
    stays as a row with `present` off, so it is not proposed again.
    """

    __tablename__ = "attendance_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    #: Who the name was proposed from, so a proposal is not offered twice (null: typed in).
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    #: chair, secretary, member or "" (unknown)
    role: Mapped[str] = mapped_column(String(20), default="", server_default="")
    present: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def role_label(self) -> str:
        return str(ATTENDANCE_ROLE_LABELS.get(self.role, ""))


class AgreementRound(db.Model):
    """The chair asks the participants to read the draft referat and say whether they agree.

    A round belongs to the next submission: at submission it is closed, its figures frozen and
    it is tied to the submitted version, which then reads "Godkendt af 9 af 11 deltagere".
    Asked are the committee's participants (joined by code, not removed) while the round runs.
    """

    __tablename__ = "agreement_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission.id", ondelete="SET NULL"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_name: Mapped[str] = mapped_column(String(120), default="")
    closed_at: Mapped[datetime | None]
    #: Frozen when the round closes: how many agreed, and how many were asked.
    agreed_count: Mapped[int | None]
    asked_count: Mapped[int | None]

    committee = relationship("Committee")
    submission = relationship("Submission")
    answers = relationship("AgreementAnswer", back_populates="round",
                           cascade="all, delete-orphan", order_by="AgreementAnswer.id")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class AgreementAnswer(db.Model):
    """One participant's answer in a round: agrees, or a comment; changeable while it is open."""

    __tablename__ = "agreement_answer"
    __table_args__ = (UniqueConstraint("round_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_round.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True)
    #: The name the answer was given under, kept if the participant is removed.
    participant_name: Mapped[str] = mapped_column(String(80))
    agrees: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    round = relationship("AgreementRound", back_populates="answers")
    participant = relationship("Participant")
