"""KL's coverage grid: municipality × task, who said something on each task and where the gaps are.

Counted in SQL over the latest submissions (see overview.py); every municipality under the
filters is a row, also the ones that sent nothing, so the gaps show.
"""

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import case, func, select

from delib.extensions import db
from delib.models import Event, Municipality, Submission, SubmissionNote
from delib.models.review import submission_note_tasks
from delib.services.kl.overview import (
    Filters,
    _apply_municipality_filters,
    _latest,
    size_group_expr,
)


@dataclass
class CoverageRow:
    """One municipality in the coverage grid: its notes per task, or no submission at all."""

    code: int
    name: str
    region_code: int
    region: str
    size_group: str
    submitted: bool
    notes: dict[int, int] = field(default_factory=dict)  # task id → notes (only tasks with any)

    def count(self, task_id: int) -> int:
        return self.notes.get(task_id, 0)


@dataclass
class Coverage:
    """The municipality × task grid: every (filtered) municipality is a row, gaps included."""

    tasks: list
    rows: list[CoverageRow]

    @cached_property
    def totals(self) -> dict[int, int]:
        """Task id → how many of the rows' municipalities said something on it."""
        return {t.id: sum(1 for r in self.rows if r.count(t.id)) for t in self.tasks}

    @cached_property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.submitted)

    def by_region(self) -> list[tuple[int, str, list[CoverageRow]]]:
        """(region code, region name, rows) in region order; the rows come sorted by region."""
        groups: list[tuple[int, str, list[CoverageRow]]] = []
        for row in self.rows:
            if not groups or groups[-1][0] != row.region_code:
                groups.append((row.region_code, row.region, []))
            groups[-1][2].append(row)
        return groups


def _coverage_stmt(event_id: int, task_ids: list[int]):
    """Per municipality: submitted or not, and its notes per task; one statement.

    The notes are counted per submission first, one sum per task, so SQLite walks the latest
    submissions in index order and their notes and tasks by primary key without sorting
    20,000 joined rows for a GROUP BY; the per-submission rows (a few per municipality) are
    then summed per municipality. A note is at most once per task, so a plain sum is exact.
    """
    per_submission = (
        select(
            Submission.municipality_code.label("code"),
            *(func.sum(case((submission_note_tasks.c.task_id == tid, 1), else_=0))
              .label(f"t{tid}") for tid in task_ids),
        )
        .select_from(Submission)
        .join(SubmissionNote, SubmissionNote.submission_id == Submission.id, isouter=True)
        .join(submission_note_tasks,
              submission_note_tasks.c.submission_note_id == SubmissionNote.id, isouter=True)
        .where(_latest(event_id))
        .group_by(Submission.id)
        .subquery()
    )
    per_municipality = (
        select(per_submission.c.code,
               *(func.sum(per_submission.c[f"t{tid}"]).label(f"t{tid}") for tid in task_ids))
        .group_by(per_submission.c.code)
        .subquery()
    )
    return (
        select(
            Municipality.code, Municipality.name, Municipality.region_code, Municipality.region,
            size_group_expr().label("size_group"),
            per_municipality.c.code.is_not(None).label("submitted"),
            *(per_municipality.c[f"t{tid}"] for tid in task_ids),
        )
        .outerjoin(per_municipality, per_municipality.c.code == Municipality.code)
        .order_by(Municipality.region_code, Municipality.name)
    )


def coverage(event: Event, f: Filters | None = None) -> Coverage:
    """Which municipalities said something on each task (latest submissions), gaps included."""
    tasks = list(event.tasks)
    ids = [t.id for t in tasks]
    stmt = _coverage_stmt(event.id, ids)
    if f is not None:
        stmt = _apply_municipality_filters(stmt, f)
    rows = []
    for r in db.session.execute(stmt):
        counts = r[6:]
        rows.append(CoverageRow(
            code=r.code, name=r.name, region_code=r.region_code, region=r.region,
            size_group=r.size_group, submitted=bool(r.submitted),
            notes={tid: int(n) for tid, n in zip(ids, counts, strict=True) if n}))
    return Coverage(tasks=tasks, rows=rows)
