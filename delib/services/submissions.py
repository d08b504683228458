"""Approve and submit the contribution to KL as an immutable snapshot; reopen for a new
version; the submitted versions."""


from flask_babel import gettext as _
from sqlalchemy import func, select, update

from delib.extensions import db
from delib.models import (
    Committee,
    GroupNoteSource,
    Submission,
    SubmissionAction,
    SubmissionNote,
    SubmissionSummary,
    utcnow,
)
from delib.services import DomainError, agreements, attendance, follow_ups, suggestions
from delib.services.actions import list_actions
from delib.services.audit import record
from delib.services.contribution import (
    approved_notes,
    ensure_open,
    latest_submission,
    privacy_warnings,
)
from delib.services.summaries import summaries_by_key


def submit(committee: Committee, approver, show_authors: bool,
           privacy_acknowledged: bool, share_with_peers: bool = False,
           public_access_acknowledged: bool | None = None) -> Submission:
    """Approve and submit the contribution: a new immutable version that KL sees from now on.

    With share_with_peers, other municipalities' chairs see its summaries, key points and
    actions too (services/peers.py); the choice is made anew for every version.
    public_access_acknowledged is the chair's answer on the approve page (what KL receives
    becomes KL's document, open to aktindsigt): False refuses; None is a caller that asks no
    one (demo data), recorded as such in the audit log.
    """
    ensure_open(committee)
    notes = approved_notes(committee)
    summaries = [s for s in summaries_by_key(committee).values() if s.body]
    if not notes and not summaries:
        raise DomainError(_("Der er hverken noter eller resuméer at indsende endnu."))
    if privacy_warnings(notes) and not privacy_acknowledged:
        raise DomainError(
            _("Nogle noter ser ud til at indeholde personoplysninger. Ret eller skjul dem, "
              "eller bekræft at du har set advarslerne, før du indsender."),
            field="privacy_acknowledged")
    if public_access_acknowledged is False:
        raise DomainError(
            _("Bekræft, at du ved, at det indsendte bliver KL's dokument, som offentligheden "
              "kan søge aktindsigt i. Intet er indsendt."),
            field="public_access_acknowledged")
    version = (db.session.scalar(select(func.max(Submission.version))
                                 .where(Submission.committee_id == committee.id)) or 0) + 1
    # KL sees only the newest version: clear the flag on the older ones in the same transaction.
    db.session.execute(update(Submission).where(Submission.committee_id == committee.id)
                       .values(is_latest=False))
    common = {"event_id": committee.event_id, "municipality_code": committee.municipality_code}
    submission = Submission(
        committee=committee, version=version, is_latest=True, submitted_at=utcnow(),
        submitted_by_id=approver.id if getattr(approver, "kind", "") == "user" else None,
        submitted_by_name=getattr(approver, "display_name", ""), show_authors=show_authors,
        shared_with_peers=share_with_peers,
        talk=committee.talk, theme_meetings=list(committee.theme_meetings), **common,
    )
    copies = []
    # Notes the chair took over from the municipality's discussion groups stay marked at KL.
    from_groups = dict(db.session.execute(
        select(GroupNoteSource.note_id, GroupNoteSource.group_name)
        .where(GroupNoteSource.note_id.in_([note.id for note in notes]))).all())
    for note in notes:
        row = SubmissionNote(
            note_id=note.id, slot_id=note.slot_id, talk_id=note.talk_id,
            theme_meeting_id=note.theme_meeting_id, body=note.body,
            author_name=note.author_name if show_authors else "", key_point=note.key_point,
            source_group=from_groups.get(note.id, ""), written_at=note.created_at, **common,
        )
        copies.append((note, row))
        submission.notes.append(row)
    for summary in summaries:
        submission.summaries.append(SubmissionSummary(
            task_id=summary.task_id, message_id=summary.message_id, body=summary.body, **common))
    for action in list_actions(committee):
        submission.actions.append(SubmissionAction(
            task_id=action.task_id, title=action.title, responsible=action.responsible,
            due_on=action.due_on, status=action.status, **common))
    db.session.add(submission)
    db.session.flush()
    # How the previous event's actions went travels with this contribution, frozen like it.
    followed_up = follow_ups.copy_into(submission, committee)
    db.session.flush()
    # The mappings are copied with who set them (a person, or an accepted suggestion).
    suggestions.copy_mappings([(note.id, row.id) for note, row in copies], show_authors)
    # The version keeps who took part and how many members agreed, whatever changes later.
    attendees = attendance.copy_into(submission, committee)
    agreement = agreements.attach_to_submission(submission, committee)
    record(approver, "submission.submit", committee, target=f"submission:{submission.id}",
           version=version, notes=len(notes), summaries=len(summaries),
           actions=len(submission.actions), follow_ups=followed_up,
           show_authors=show_authors, shared_with_peers=share_with_peers,
           public_access_acknowledged=public_access_acknowledged, attendees=attendees,
           agreed=agreement.agreed_count if agreement else None,
           asked=agreement.asked_count if agreement else None)
    return submission


def reopen(committee: Committee, actor) -> Submission:
    """Reopen the submitted contribution for changes; KL keeps seeing it until the next submit."""
    latest = latest_submission(committee)
    if latest is None:
        raise DomainError(_("Bidraget er ikke indsendt endnu, så der er intet at genåbne."))
    if latest.reopened_at is not None:
        raise DomainError(_("Bidraget er allerede genåbnet."))
    latest.reopened_at = utcnow()
    db.session.flush()
    record(actor, "submission.reopen", committee, target=f"submission:{latest.id}",
           version=latest.version)
    return latest


def list_submissions(committee: Committee) -> list[Submission]:
    """Every submitted version, newest first."""
    return list(db.session.scalars(
        select(Submission).where(Submission.committee_id == committee.id)
        .order_by(Submission.version.desc())))


def submission_counts(committee: Committee) -> dict[int, dict[str, int]]:
    """Per submitted version: how many notes, summaries and actions it holds (three queries)."""
    counts: dict[int, dict[str, int]] = {}
    for name, model in (("notes", SubmissionNote), ("summaries", SubmissionSummary),
                        ("actions", SubmissionAction)):
        rows = db.session.execute(
            select(model.submission_id, func.count(model.id))
            .join(Submission, Submission.id == model.submission_id)
            .where(Submission.committee_id == committee.id)
            .group_by(model.submission_id))
        for submission_id, count in rows:
            counts.setdefault(submission_id, {"notes": 0, "summaries": 0, "actions": 0})
            counts[submission_id][name] = count
    return counts


def get_submission(committee: Committee, version: int) -> Submission | None:
    """One submitted version of the committee's contribution."""
    return db.session.scalar(select(Submission).where(
        Submission.committee_id == committee.id, Submission.version == version))
