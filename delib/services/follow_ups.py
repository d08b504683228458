"""Follow-up on commitments: the next event's committee says how its municipality's actions from
the previous event went (done, under way, changed, dropped, with a comment), and the update goes
to KL with the next contribution.

The previous event is the latest earlier event with a submission from the same municipality;
its actions are the `submission_action` rows of that event's latest submitted versions, so a
draft action never shows and another municipality's never do.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    FOLLOW_UP_PENDING,
    FOLLOW_UP_STATUS_LABELS,
    FOLLOW_UP_STATUSES,
    ActionFollowUp,
    Committee,
    Event,
    Submission,
    SubmissionAction,
    SubmissionFollowUp,
    Task,
    utcnow,
)
from delib.services import DomainError
from delib.services.audit import record
from delib.services.committees import clean_text
from delib.services.contribution import ensure_open

COMMENT_MAX_LENGTH = 500
STATUS_LABELS = FOLLOW_UP_STATUS_LABELS


@dataclass
class PreviousAction:
    """A previously submitted action and this committee's update on it (None until made)."""

    action: SubmissionAction
    follow_up: ActionFollowUp | None

    @property
    def status(self) -> str:
        return self.follow_up.status if self.follow_up else FOLLOW_UP_PENDING

    @property
    def comment(self) -> str:
        return self.follow_up.comment if self.follow_up else ""


def previous_event(committee: Committee) -> Event | None:
    """The latest event before the committee's with a submission from its municipality.

    None for a discussion group: the committee it feeds reports on the municipality's actions.
    """
    if committee.parent_committee_id is not None:
        return None
    return db.session.scalar(
        select(Event).join(Submission, Submission.event_id == Event.id)
        .where(Submission.municipality_code == committee.municipality_code,
               Submission.is_latest.is_(True), Event.starts_on < committee.event.starts_on)
        .order_by(Event.starts_on.desc()).limit(1))


def _previous_actions_query(committee: Committee, event: Event):
    return (
        select(SubmissionAction)
        .join(Submission, Submission.id == SubmissionAction.submission_id)
        .outerjoin(Task, Task.id == SubmissionAction.task_id)
        .where(Submission.is_latest.is_(True), Submission.event_id == event.id,
               Submission.municipality_code == committee.municipality_code)
        .options(selectinload(SubmissionAction.task))
        .order_by(Task.number, SubmissionAction.due_on.is_(None), SubmissionAction.due_on,
                  SubmissionAction.id))


def previous_actions(committee: Committee) -> list[PreviousAction]:
    """The previous event's submitted actions of the municipality, with this committee's
    updates (two queries)."""
    event = previous_event(committee)
    if event is None:
        return []
    actions = list(db.session.scalars(_previous_actions_query(committee, event)))
    updates = {f.submission_action_id: f for f in db.session.scalars(
        select(ActionFollowUp).where(
            ActionFollowUp.committee_id == committee.id,
            ActionFollowUp.submission_action_id.in_([a.id for a in actions])))} if actions else {}
    return [PreviousAction(a, updates.get(a.id)) for a in actions]


def previous_action(committee: Committee, submission_action_id: int) -> SubmissionAction | None:
    """One of the previous actions this committee follows up on; None for any other."""
    event = previous_event(committee)
    if event is None:
        return None
    return db.session.scalar(_previous_actions_query(committee, event).where(
        SubmissionAction.id == submission_action_id))


def update_follow_up(committee: Committee, action: SubmissionAction, actor, status: str,
                     comment: str, version: int | None = None) -> ActionFollowUp:
    """Say how a previous action went: done, under way, changed or dropped, with a comment.

    `version` is the update's version the chair saw (0 for none yet); None skips the check.
    """
    ensure_open(committee)
    if previous_action(committee, action.id) is None:
        raise DomainError(_("Handlingen hører ikke til kommunens forrige bidrag."))
    if status not in FOLLOW_UP_STATUSES:
        raise DomainError(_("Vælg en status: gennemført, i gang, ændret eller droppet."),
                          field="status")
    comment = clean_text(comment or "")
    if len(comment) > COMMENT_MAX_LENGTH:
        raise DomainError(_("Kommentaren er for lang: højst %(max)d tegn.",
                            max=COMMENT_MAX_LENGTH), field="comment")
    follow_up = db.session.scalar(select(ActionFollowUp).where(
        ActionFollowUp.committee_id == committee.id,
        ActionFollowUp.submission_action_id == action.id))
    # The form carries the version it showed (0: no update yet); a newer one means another
    # chair saved in between, and silently overwriting their update would lose it.
    if version is not None and (follow_up.version if follow_up else 0) != version:
        raise DomainError(_("En anden har opdateret handlingen imens. Se den nye status, "
                            "og gem igen, hvis din stadig skal gælde."), field="status")
    before = {"status": follow_up.status, "comment": follow_up.comment} if follow_up else None
    after = {"status": status, "comment": comment}
    if before == after:
        return follow_up
    if follow_up is None:
        follow_up = ActionFollowUp(committee=committee, submission_action=action)
        db.session.add(follow_up)
    follow_up.status, follow_up.comment = status, comment
    follow_up.updated_by_name = getattr(actor, "display_name", "")
    follow_up.updated_at = utcnow()
    db.session.flush()
    record(actor, "follow_up.update", committee, target=f"submission_action:{action.id}",
           title=action.title, before=before, after=after)
    return follow_up


def copy_into(submission: Submission, committee: Committee) -> int:
    """Copy every previous action and its update (or 'not updated') into the submission."""
    rows = previous_actions(committee)
    for row in rows:
        a = row.action
        submission.follow_ups.append(SubmissionFollowUp(
            event_id=submission.event_id, municipality_code=submission.municipality_code,
            submission_action_id=a.id, task_id=a.task_id, title=a.title,
            responsible=a.responsible, due_on=a.due_on, previous_status=a.status,
            status=row.status, comment=row.comment))
    return len(rows)


def submitted_follow_ups(submission: Submission) -> list[SubmissionFollowUp]:
    """The follow-ups as they were submitted with one version."""
    return list(db.session.scalars(
        select(SubmissionFollowUp).where(SubmissionFollowUp.submission_id == submission.id)
        .options(selectinload(SubmissionFollowUp.task)).order_by(SubmissionFollowUp.id)))
