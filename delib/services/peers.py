"""Peers: what comparable municipalities chose to share with other municipalities, per task,
and taking one of their actions over ("vil vi også") as a draft of one's own.

Only the latest submitted version of a contribution whose chair ticked "må deles med andre
kommuner", at the same event, from another municipality, is ever read here; and of it only the
summaries, the key points and the actions: never who wrote a note, never a draft.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from delib.extensions import db
from delib.models import (
    Action,
    Committee,
    Municipality,
    Submission,
    SubmissionAction,
    SubmissionNote,
    SubmissionSummary,
)
from delib.models.review import submission_note_tasks
from delib.services import DomainError
from delib.services.actions import ActionInput, create_action
from delib.services.contribution import is_locked
from delib.services.municipalities import SIZE_UNKNOWN, size_group

COMPARE_REGION = "region"
COMPARE_SIZE = "size"
COMPARE_CHOSEN = "chosen"
COMPARE_LABELS = {
    COMPARE_REGION: _l("Samme region"),
    COMPARE_SIZE: _l("Samme størrelse"),
    COMPARE_CHOSEN: _l("Kommuner jeg vælger"),
}


@dataclass
class PeerContribution:
    """What one municipality shared under one task."""

    submission: Submission
    municipality: Municipality
    summary: str = ""
    key_points: list[str] = field(default_factory=list)
    actions: list[SubmissionAction] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.summary or self.key_points or self.actions)


def _shared(committee: Committee):
    """The condition every row read here meets: shared, latest, same event, another
    municipality."""
    return (Submission.event_id == committee.event_id, Submission.is_latest.is_(True),
            Submission.shared_with_peers.is_(True),
            Submission.municipality_code != committee.municipality_code)


def shared_submissions(committee: Committee) -> list[Submission]:
    """Every other municipality's shared, latest submitted contribution at the committee's
    event, by municipality name."""
    return list(db.session.scalars(
        select(Submission).join(Municipality, Municipality.code == Submission.municipality_code)
        .where(*_shared(committee))
        .options(joinedload(Submission.municipality))
        .order_by(Municipality.name, Submission.committee_id)))


def comparable(committee: Committee, shared: list[Submission], compare: str,
               chosen: list[int] | tuple = ()) -> list[Submission]:
    """The shared contributions of municipalities like the committee's: the same region, the
    same size group (none while its own size is unknown), or the ones the chair picked."""
    own = committee.municipality
    if compare == COMPARE_REGION:
        return [s for s in shared if s.municipality.region_code == own.region_code]
    if compare == COMPARE_SIZE:
        group = size_group(own)
        if group == SIZE_UNKNOWN:
            return []
        # At most 97 rows: the size rule (island, inhabitants) is applied as written once.
        return [s for s in shared if size_group(s.municipality) == group]
    picked = set(chosen)
    return [s for s in shared if s.municipality_code in picked]


def by_task(submissions: list[Submission]) -> dict[int, list[PeerContribution]]:
    """Per task id: each municipality's summary, key points and actions (three queries).

    The notes are read as their text only; the author's name never leaves the database here.
    """
    ids = [s.id for s in submissions]
    if not ids:
        return {}
    parts: dict[tuple[int, int], PeerContribution] = {}

    def part(submission_id: int, task_id: int) -> PeerContribution:
        key = (task_id, submission_id)
        if key not in parts:
            submission = by_id[submission_id]
            parts[key] = PeerContribution(submission, submission.municipality)
        return parts[key]

    by_id = {s.id: s for s in submissions}
    for submission_id, task_id, body in db.session.execute(
            select(SubmissionSummary.submission_id, SubmissionSummary.task_id,
                   SubmissionSummary.body)
            .where(SubmissionSummary.submission_id.in_(ids),
                   SubmissionSummary.task_id.is_not(None))):
        if body.strip():
            part(submission_id, task_id).summary = body
    for submission_id, task_id, body in db.session.execute(
            select(SubmissionNote.submission_id, submission_note_tasks.c.task_id,
                   SubmissionNote.body)
            .join(submission_note_tasks,
                  submission_note_tasks.c.submission_note_id == SubmissionNote.id)
            .where(SubmissionNote.submission_id.in_(ids), SubmissionNote.key_point.is_(True))
            .order_by(SubmissionNote.written_at, SubmissionNote.id)):
        part(submission_id, task_id).key_points.append(body)
    for action in db.session.scalars(
            select(SubmissionAction)
            .where(SubmissionAction.submission_id.in_(ids), SubmissionAction.task_id.is_not(None))
            .order_by(SubmissionAction.id)):
        part(action.submission_id, action.task_id).actions.append(action)
    grouped: dict[int, list[PeerContribution]] = {}
    order = {s.id: n for n, s in enumerate(submissions)}
    for (task_id, _submission_id), contribution in sorted(
            parts.items(), key=lambda item: (item[0][0], order[item[0][1]])):
        grouped.setdefault(task_id, []).append(contribution)
    return grouped


def taken_over(committee: Committee) -> set[tuple[int, str]]:
    """(peer committee id, title) of every peer action this committee has taken over.

    A peer's new version copies its actions into new rows, so an action counts as taken over
    by the committee it came from and its text, not by the row it was taken from.
    """
    return {(committee_id, title) for committee_id, title in db.session.execute(
        select(Submission.committee_id, SubmissionAction.title)
        .join(SubmissionAction, SubmissionAction.submission_id == Submission.id)
        .join(Action, Action.source_submission_action_id == SubmissionAction.id)
        .where(Action.committee_id == committee.id))}


def shared_action(committee: Committee, submission_action_id: int) -> SubmissionAction | None:
    """A peer action the committee may see and take over; None for any other."""
    return db.session.scalar(
        select(SubmissionAction)
        .join(Submission, Submission.id == SubmissionAction.submission_id)
        .where(SubmissionAction.id == submission_action_id, *_shared(committee))
        .options(joinedload(SubmissionAction.submission).joinedload(Submission.municipality)))


def take_over(committee: Committee, actor, peer_action: SubmissionAction) -> Action:
    """"Vil vi også": the peer's action becomes a planned action of this committee under the same
    task, its source kept; who is responsible and by when are this committee's to fill in."""
    if shared_action(committee, peer_action.id) is None:
        raise DomainError(_("Handlingen er ikke delt med jeres kommune."))
    municipality = peer_action.submission.municipality.name
    if is_locked(committee):
        raise DomainError(_("Jeres bidrag er indsendt. Genåbn det, før I tager en handling med "
                            "fra %(municipality)s.", municipality=municipality))
    if (peer_action.submission.committee_id, peer_action.title) in taken_over(committee):
        raise DomainError(_("I har allerede taget den handling med fra %(municipality)s.",
                            municipality=municipality))
    return create_action(committee, actor,
                         ActionInput(task_id=peer_action.task_id, title=peer_action.title,
                                     status="planned"),
                         source_submission_action=peer_action)
