"""KL's view of follow-up on commitments: how the previous event's actions went, per task, by
region and size group, with the committees' comments.

It reads the follow-ups submitted with this event's contributions (latest versions only, never
a draft). A follow-up's task is the previous event's task the action was made under.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    FOLLOW_UP_PENDING,
    FOLLOW_UP_STATUSES,
    Event,
    Municipality,
    Submission,
    SubmissionFollowUp,
    Task,
)
from delib.services.kl import overview
from delib.services.municipalities import SIZE_LABELS

#: The columns of every tally: the four answers, then the actions nobody updated.
STATUSES = (*FOLLOW_UP_STATUSES, FOLLOW_UP_PENDING)


@dataclass
class Tally:
    """How many follow-ups of a group have each status."""

    key: str
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class TaskFollowUp:
    """One previous task: its totals, by region and by size group, and the comments."""

    number: int | None
    title: str
    total: Tally
    by_region: list[Tally]
    by_size: list[Tally]
    comments: list = field(default_factory=list)


def _base(event: Event, f: overview.Filters, *columns):
    stmt = (
        select(*columns)
        .select_from(SubmissionFollowUp)
        .join(Submission, Submission.id == SubmissionFollowUp.submission_id)
        .join(Municipality, Municipality.code == SubmissionFollowUp.municipality_code)
        .outerjoin(Task, Task.id == SubmissionFollowUp.task_id)
        .where(Submission.is_latest.is_(True), Submission.event_id == event.id)
    )
    return overview._apply_municipality_filters(stmt, f)


def follow_ups_query(event: Event, f: overview.Filters):
    """Every submitted follow-up (with its Municipality), by task then municipality."""
    return (_base(event, f, SubmissionFollowUp, Municipality)
            .options(selectinload(SubmissionFollowUp.task))
            .order_by(Task.number, Municipality.name, SubmissionFollowUp.id))


def by_task(event: Event, f: overview.Filters) -> list[TaskFollowUp]:
    """Per previous task: how many actions were done, under way, changed, dropped or not
    updated, overall, by region and by size group; with the comments (two queries)."""
    size = overview.size_group_expr().label("size_group")
    rows = db.session.execute(
        _base(event, f, Task.number, Task.short_title, Task.title, Municipality.region_code,
              Municipality.region, size, SubmissionFollowUp.status,
              func.count(SubmissionFollowUp.id).label("n"))
        .group_by(Task.number, Task.short_title, Task.title, Municipality.region_code,
                  Municipality.region, size, SubmissionFollowUp.status))
    tasks: dict = {}
    regions: dict = {}
    sizes: dict = {}
    for row in rows:
        entry = tasks.get(row.number)
        if entry is None:
            entry = tasks[row.number] = TaskFollowUp(
                row.number, row.short_title or row.title or "", Tally("total", _("Alle")), [], [])
        region = regions.setdefault(row.number, {}).setdefault(
            row.region_code, Tally(str(row.region_code), row.region))
        group = sizes.setdefault(row.number, {}).setdefault(row.size_group, Tally(
            row.size_group, str(SIZE_LABELS.get(row.size_group, row.size_group))))
        for tally in (entry.total, region, group):
            tally.counts[row.status] = tally.counts.get(row.status, 0) + row.n
    order = {key: i for i, key in enumerate(overview.SIZE_ORDER)}
    for number, entry in tasks.items():
        entry.by_region = [regions[number][k] for k in sorted(regions[number])]
        entry.by_size = sorted(sizes[number].values(), key=lambda t: order.get(t.key, 99))
    commented = db.session.execute(
        follow_ups_query(event, f).where(SubmissionFollowUp.comment != ""))
    for follow_up, municipality in commented:
        number = follow_up.task.number if follow_up.task else None
        if number in tasks:
            tasks[number].comments.append((follow_up, municipality))
    return sorted(tasks.values(), key=lambda t: (t.number is None, t.number or 0))
