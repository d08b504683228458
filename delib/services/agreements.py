"""Members agree to the draft referat: the chair opens a round, each participant (joined by the
committee's code) marks "Enig" or comments, and the submission records "Godkendt af 9 af 11
deltagere".

Asked are the committee's participants (joined by code and not removed) while the round runs;
the figures are frozen when the round closes, at the latest at submission.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    Action,
    AgreementAnswer,
    AgreementRound,
    AuditEntry,
    Committee,
    Note,
    Participant,
    Submission,
    Summary,
    utcnow,
)
from delib.services import DomainError
from delib.services.audit import record
from delib.services.contribution import ensure_open

COMMENT_MAX = 2000

#: Audit verbs that change what the referat says (the chair's review of notes, summaries,
#: actions); an edit's own row time is not enough when a note is hidden or an action deleted.
_DRAFT_VERBS = ("note.%", "summary.%", "action.%", "group.take_over")


@dataclass(frozen=True)
class Tally:
    agreed: int
    asked: int


@dataclass(frozen=True)
class Overview:
    """What the chair's page shows of a round."""

    round: AgreementRound
    tally: Tally
    #: Every answer, with whether it was given before the draft last changed.
    answers: list[tuple[AgreementAnswer, bool]]
    #: Participants asked who have not answered yet (names).
    waiting: list[str]
    draft_changed_at: datetime | None


def current_round(committee: Committee) -> AgreementRound | None:
    """The round for the next submission (open or closed), if the chair opened one."""
    return db.session.scalar(
        select(AgreementRound).where(AgreementRound.committee_id == committee.id,
                                     AgreementRound.submission_id.is_(None))
        .order_by(AgreementRound.id.desc()).limit(1))


def open_round(committee: Committee, actor) -> AgreementRound:
    """Ask the participants to read the draft referat and say whether they agree."""
    if committee.is_group:
        raise DomainError(_("En gruppe sender ikke et referat til KL; bed udvalgets "
                            "deltagere om at læse udkastet fra udvalgets side."))
    ensure_open(committee)
    current = current_round(committee)
    if current is not None and current.is_open:
        raise DomainError(_("Deltagerne er allerede bedt om at læse udkastet."))
    if not _asked_count(committee):
        raise DomainError(_("Ingen deltagere er med i udvalget endnu. Del koden først, så de "
                            "kan læse udkastet."))
    round_ = AgreementRound(committee_id=committee.id, opened_at=utcnow(),
                            opened_by_name=getattr(actor, "display_name", "") or "")
    db.session.add(round_)
    db.session.flush()
    record(actor, "agreement.open", committee, target=f"agreement_round:{round_.id}")
    return round_


def close_round(committee: Committee, actor) -> AgreementRound:
    """Stop taking answers; the figures are frozen as they stand."""
    round_ = current_round(committee)
    if round_ is None or not round_.is_open:
        raise DomainError(_("Der er ingen åben runde at lukke."))
    _close(round_, committee)
    record(actor, "agreement.close", committee, target=f"agreement_round:{round_.id}",
           agreed=round_.agreed_count, asked=round_.asked_count)
    return round_


def answer(committee: Committee, participant, agrees: bool | None,
           comment: str) -> AgreementAnswer:
    """A participant's answer ("Enig", or a comment); a new answer replaces the earlier one.

    `agrees` None means the participant chose neither.
    """
    if getattr(participant, "kind", "") != "participant" or \
            participant.committee_id != committee.id or participant.removed_at is not None:
        raise DomainError(_("Kun udvalgets deltagere kan svare på udkastet."))
    round_ = current_round(committee)
    if round_ is None or not round_.is_open:
        raise DomainError(_("Formanden har ikke bedt om svar på udkastet lige nu. Runden er "
                            "lukket eller ikke startet."))
    if agrees is None:
        raise DomainError(_("Vælg, om du er enig i udkastet."), field="answer")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("Kommentaren må højst være %(max)d tegn.", max=COMMENT_MAX),
                          field="comment")
    if not agrees and not comment:
        raise DomainError(_("Skriv en kommentar, så formanden ved, hvad du ikke er enig i."),
                          field="comment")
    row = db.session.scalar(select(AgreementAnswer).where(
        AgreementAnswer.round_id == round_.id, AgreementAnswer.participant_id == participant.id))
    if row is None:
        row = AgreementAnswer(round=round_, participant_id=participant.id)
        db.session.add(row)
    row.participant_name = participant.display_name
    row.agrees = agrees
    row.comment = comment
    row.answered_at = utcnow()
    db.session.flush()
    record(participant, "agreement.answer", committee, target=f"agreement_round:{round_.id}",
           agrees=agrees)
    return row


def own_answer(committee: Committee, participant) -> AgreementAnswer | None:
    """The participant's answer in the current round, if any."""
    round_ = current_round(committee)
    if round_ is None or getattr(participant, "kind", "") != "participant":
        return None
    return db.session.scalar(select(AgreementAnswer).where(
        AgreementAnswer.round_id == round_.id, AgreementAnswer.participant_id == participant.id))


def tally(round_: AgreementRound) -> Tally:
    """Agreed and asked: frozen for a closed round, counted now for an open one."""
    if not round_.is_open and round_.asked_count is not None:
        return Tally(round_.agreed_count or 0, round_.asked_count)
    return Tally(_agreed_count(round_), _asked_count(round_.committee))


def overview(committee: Committee) -> Overview | None:
    """The current round with its answers, who has not answered, and when the draft changed."""
    round_ = current_round(committee)
    if round_ is None:
        return None
    answers = list(db.session.scalars(
        select(AgreementAnswer).where(AgreementAnswer.round_id == round_.id)
        .options(selectinload(AgreementAnswer.participant))
        .order_by(AgreementAnswer.answered_at)))
    answered = [a.participant_id for a in answers if a.participant_id is not None]
    waiting = list(db.session.scalars(
        select(Participant.display_name).where(
            Participant.committee_id == committee.id, Participant.removed_at.is_(None),
            Participant.id.not_in(answered))
        .order_by(Participant.joined_at))) if round_.is_open else []
    changed = draft_changed_at(committee)
    return Overview(round_, tally(round_),
                    [(a, changed is not None and a.answered_at < changed) for a in answers],
                    waiting, changed)


def draft_changed_at(committee: Committee) -> datetime | None:
    """When the notes, summaries or actions the referat shows last changed."""
    stamps = db.session.execute(select(
        select(func.max(Note.updated_at)).where(Note.committee_id == committee.id)
        .scalar_subquery(),
        select(func.max(Summary.updated_at)).where(Summary.committee_id == committee.id)
        .scalar_subquery(),
        select(func.max(Action.updated_at)).where(Action.committee_id == committee.id)
        .scalar_subquery(),
        select(func.max(AuditEntry.created_at)).where(
            AuditEntry.committee_id == committee.id,
            or_(*(AuditEntry.action.like(verb) for verb in _DRAFT_VERBS))).scalar_subquery(),
    )).one()
    stamps = [stamp for stamp in stamps if stamp is not None]
    return max(stamps) if stamps else None


def attach_to_submission(submission: Submission, committee: Committee) -> AgreementRound | None:
    """At submission: close the current round (if any) and tie it to the submitted version."""
    round_ = current_round(committee)
    if round_ is None:
        return None
    if round_.is_open:
        _close(round_, committee)
    round_.submission_id = submission.id
    db.session.flush()
    return round_


def agreement_line(submission: Submission) -> str | None:
    """"Godkendt af 9 af 11 deltagere" for a version whose draft the members read; None when
    no round was held before it was submitted."""
    round_ = db.session.scalar(select(AgreementRound).where(
        AgreementRound.submission_id == submission.id).order_by(AgreementRound.id.desc())
        .limit(1))
    if round_ is None:
        return None
    return _line(tally(round_))


def agreement_lines(submissions: list[Submission]) -> dict[int, str]:
    """agreement_line for several versions at once (the versions page), in one query."""
    ids = [s.id for s in submissions]
    rounds = db.session.scalars(select(AgreementRound).where(
        AgreementRound.submission_id.in_(ids)).order_by(AgreementRound.id)) if ids else []
    return {round_.submission_id: _line(tally(round_)) for round_ in rounds}


def answers_of(participant) -> list[dict]:
    """A participant's answers, for the export of a person's data (services/persons.py)."""
    rows = db.session.scalars(select(AgreementAnswer).where(
        AgreementAnswer.participant_id == participant.id).order_by(AgreementAnswer.id))
    return [{"round": row.round_id, "agrees": row.agrees, "comment": row.comment,
             "answered_at": row.answered_at.isoformat()} for row in rows]


def forget_participant(participant) -> int:
    """A participant's data deleted: their answers (name and comment) go. Closed rounds keep
    their frozen figures, so a submitted "Godkendt af 9 af 11" does not change."""
    return db.session.execute(
        delete(AgreementAnswer).where(AgreementAnswer.participant_id == participant.id)
        .execution_options(synchronize_session=False)).rowcount


# --- internals --------------------------------------------------------------------------------

def _line(figures: Tally) -> str:
    return ngettext("Godkendt af %(agreed)d af %(num)d deltager",
                    "Godkendt af %(agreed)d af %(num)d deltagere",
                    figures.asked, agreed=figures.agreed)


def _close(round_: AgreementRound, committee: Committee) -> None:
    round_.agreed_count = _agreed_count(round_)
    round_.asked_count = _asked_count(committee)
    round_.closed_at = utcnow()
    db.session.flush()


def _asked_count(committee: Committee) -> int:
    return db.session.scalar(select(func.count(Participant.id)).where(
        Participant.committee_id == committee.id, Participant.removed_at.is_(None))) or 0


def _agreed_count(round_: AgreementRound) -> int:
    """Answers that agree, from participants still in the committee."""
    return db.session.scalar(
        select(func.count(AgreementAnswer.id))
        .join(Participant, Participant.id == AgreementAnswer.participant_id)
        .where(AgreementAnswer.round_id == round_.id, AgreementAnswer.agrees.is_(True),
               Participant.removed_at.is_(None))) or 0
