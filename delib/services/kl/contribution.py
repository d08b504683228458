"""One municipality's whole submitted contribution, as KL sees it: its latest submitted version.

KL never sees a draft: a committee that has not submitted has no page here, and a committee
that reopened its contribution shows KL the version it submitted last until it submits again.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from delib.extensions import db
from delib.models import Event, Submission
from delib.services import agreements
from delib.services.reports import Report, build_report


@dataclass(frozen=True)
class Version:
    number: int
    submitted_at: datetime
    submitted_by: str
    latest: bool
    #: When personal data was removed from this version after submission (services/redactions).
    redacted_at: datetime | None = None


@dataclass
class Contribution:
    submission: Submission
    report: Report
    versions: list[Version]
    agreement: str | None


@dataclass(frozen=True)
class Links:
    """Which committee a latest submitted version, and a municipality, has its page under."""
    by_submission: dict[int, int]
    by_municipality: dict[int, int]


def submitted_committees(event: Event) -> Links:
    """The committees with a submitted contribution to this event, so KL's pages can link a
    municipality's name to its whole contribution: one query for the page."""
    rows = db.session.execute(
        select(Submission.id, Submission.committee_id, Submission.municipality_code)
        .where(Submission.is_latest.is_(True), Submission.event_id == event.id)
        .order_by(Submission.committee_id)).all()
    by_municipality: dict[int, int] = {}
    for _id, committee_id, code in rows:
        # A municipality with two submitting committees links to its first; the other is
        # reached from its own notes, summaries and actions.
        by_municipality.setdefault(code, committee_id)
    return Links({sid: cid for sid, cid, _code in rows}, by_municipality)


def latest_submission(committee_id: int) -> Submission | None:
    """The committee's latest submitted version; None when it has never submitted."""
    return db.session.scalar(select(Submission).where(
        Submission.committee_id == committee_id, Submission.is_latest.is_(True)))


def _versions(committee_id: int) -> list[Version]:
    rows = db.session.execute(
        select(Submission.version, Submission.submitted_at, Submission.submitted_by_name,
               Submission.is_latest, Submission.redacted_at)
        .where(Submission.committee_id == committee_id).order_by(Submission.version.desc()))
    return [Version(*row) for row in rows]


def contribution(submission: Submission) -> Contribution:
    """Everything of a submitted version that KL reads: tasks with notes and summaries,
    messages to Christiansborg, actions, follow-ups, the versions and the agreement line."""
    # Authors are already blank in a version submitted without "show KL who wrote the notes".
    report = build_report(submission.committee, submission)
    return Contribution(submission, report, _versions(submission.committee_id),
                        agreements.agreement_line(submission))
