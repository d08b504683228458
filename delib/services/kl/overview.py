"""Read-only queries across the municipalities for KL: participation, tasks × contexts, drill-down.

KL sees only what chairs have submitted: every query on contributions goes through the rows of
`Submission` with `is_latest` set (older versions and drafts never count). Counting is done in
SQL with GROUP BY, so the overview stays fast with 98 municipalities and tens of thousands of
notes; Python only arranges the few aggregate rows into tables.
"""

from dataclasses import dataclass, field
from functools import cached_property

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import (
    and_,
    case,
    distinct,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    Committee,
    DiscussionSlot,
    Event,
    Message,
    Municipality,
    Note,
    Submission,
    SubmissionAction,
    SubmissionNote,
    SubmissionSummary,
    Talk,
    Task,
    ThemeMeeting,
)
from delib.models.review import (
    submission_note_messages,
    submission_note_tasks,
    submission_theme_meetings,
)
from delib.services.municipalities import (
    SIZE_ISLAND,
    SIZE_LABELS,
    SIZE_LARGE,
    SIZE_SMALL,
    SIZE_UNKNOWN,
    size_group_expr,
)

SIZE_ORDER = (SIZE_ISLAND, SIZE_SMALL, SIZE_LARGE, SIZE_UNKNOWN)
#: Marks generated demo contributions (delib/tasks/demo.py) so pages can say so.
DEMO_SUBMITTER = "DEMO – genererede data"
PER_PAGE = 50


# --- filters -----------------------------------------------------------------------------------


#: Notes the committees took over from their discussion groups: leave them out, or only them.
GROUPS_LEFT_OUT, GROUPS_ONLY = "uden", "kun"
GROUP_CHOICES = {GROUPS_LEFT_OUT: _l("Uden gruppernes noter"),
                 GROUPS_ONLY: _l("Kun noter fra kommunernes grupper")}


@dataclass
class Filters:
    """What KL narrows the contributions to. Ids are checked against the event when parsed."""

    task_id: int | None = None
    message_id: int | None = None
    talk_id: int | None = None
    theme_meeting_id: int | None = None
    slot_id: int | None = None
    region_code: int | None = None
    size_group: str | None = None
    municipality_code: int | None = None
    key_points: bool = False
    #: The notes taken over from discussion groups: "uden" leaves them out, "kun" shows only them.
    groups: str | None = None
    #: A recurring theme (services/kl/themes.py): its key, its label, and the ids of its notes,
    #: found among the notes under the other filters.
    theme_key: str | None = None
    theme_label: str | None = None
    theme_note_ids: tuple[int, ...] | None = None
    errors: list[str] = field(default_factory=list)

    def as_args(self) -> dict:
        """The filters as query-string arguments (for links and the export form)."""
        args = {
            "task": self.task_id, "message": self.message_id, "talk": self.talk_id,
            "theme_meeting": self.theme_meeting_id, "slot": self.slot_id,
            "region": self.region_code, "size": self.size_group,
            "municipality": self.municipality_code, "key_points": 1 if self.key_points else None,
            "grupper": self.groups, "tema": self.theme_key,
        }
        return {k: v for k, v in args.items() if v not in (None, "")}


def regions() -> dict[int, str]:
    """Region code → name, for the five regions, in code order."""
    rows = db.session.execute(
        select(Municipality.region_code, Municipality.region)
        .group_by(Municipality.region_code, Municipality.region)
        .order_by(Municipality.region_code)
    )
    return {code: name for code, name in rows}


def events() -> list[Event]:
    """Every event, oldest first (the overview's switch between years)."""
    return list(db.session.scalars(select(Event).order_by(Event.starts_on)))


def municipality_codes() -> list[int]:
    """Every municipality's code (the choices of the municipality filter)."""
    return list(db.session.scalars(select(Municipality.code)))


def size_groups() -> list[tuple[str, str]]:
    """Size group keys with their Danish labels, in display order."""
    return [(key, str(SIZE_LABELS[key])) for key in SIZE_ORDER]


def _latest(event_id: int):
    """Join condition: the note/summary/action belongs to a committee's latest submission."""
    return and_(Submission.is_latest.is_(True), Submission.event_id == event_id)


def _apply_municipality_filters(stmt, f: Filters):
    if f.region_code is not None:
        stmt = stmt.where(Municipality.region_code == f.region_code)
    if f.size_group is not None:
        stmt = stmt.where(size_group_expr() == f.size_group)
    if f.municipality_code is not None:
        stmt = stmt.where(Municipality.code == f.municipality_code)
    return stmt


def _apply_note_filters(stmt, f: Filters):
    stmt = _apply_municipality_filters(stmt, f)
    # correlate_except: a matrix of tasks already joins submission_note_task; the EXISTS must
    # still read its own copy, not correlate to that join (which left it without a FROM).
    if f.task_id is not None:
        stmt = stmt.where(exists().where(
            submission_note_tasks.c.submission_note_id == SubmissionNote.id,
            submission_note_tasks.c.task_id == f.task_id).correlate_except(submission_note_tasks))
    if f.message_id is not None:
        stmt = stmt.where(exists().where(
            submission_note_messages.c.submission_note_id == SubmissionNote.id,
            submission_note_messages.c.message_id == f.message_id,
        ).correlate_except(submission_note_messages))
    if f.talk_id is not None:
        stmt = stmt.where(SubmissionNote.talk_id == f.talk_id)
    if f.theme_meeting_id is not None:
        stmt = stmt.where(SubmissionNote.theme_meeting_id == f.theme_meeting_id)
    if f.slot_id is not None:
        stmt = stmt.where(SubmissionNote.slot_id == f.slot_id)
    if f.key_points:
        stmt = stmt.where(SubmissionNote.key_point.is_(True))
    if f.groups == GROUPS_LEFT_OUT:
        stmt = stmt.where(SubmissionNote.source_group == "")
    elif f.groups == GROUPS_ONLY:
        stmt = stmt.where(SubmissionNote.source_group != "")
    if f.theme_note_ids is not None:
        stmt = stmt.where(SubmissionNote.id.in_(f.theme_note_ids))
    return stmt


def _notes_base(event_id: int, columns, municipality: bool = True):
    stmt = (
        select(*columns)
        .select_from(SubmissionNote)
        .join(Submission, Submission.id == SubmissionNote.submission_id)
        .where(_latest(event_id))
    )
    if municipality:
        stmt = stmt.join(Municipality, Municipality.code == SubmissionNote.municipality_code)
    return stmt


def _needs_municipality(f: Filters) -> bool:
    return (f.region_code, f.size_group, f.municipality_code) != (None, None, None)


# --- participation -----------------------------------------------------------------------------


def _participation_rows(event_id: int, draft_counts: bool = True):
    """Per municipality: committees, draft notes, submitted or not, submitted notes (subquery).

    With `draft_counts=False` the draft column is only 1 or 0 (has the municipality written a
    note at all): an EXISTS per committee instead of counting every note of the summit.
    """
    committees = (
        select(Committee.municipality_code.label("code"), func.count().label("n"))
        # A municipality's own discussion groups are not committees, and their notes reach KL
        # only through the committee.
        .where(Committee.event_id == event_id, Committee.parent_committee_id.is_(None))
        .group_by(Committee.municipality_code).subquery()
    )
    if draft_counts:
        notes = (
            select(Committee.municipality_code.label("code"), func.count(Note.id).label("n"))
            .join(Note, Note.committee_id == Committee.id)
            .where(Committee.event_id == event_id, Committee.parent_committee_id.is_(None),
                   Note.deleted_at.is_(None))
            .group_by(Committee.municipality_code).subquery()
        )
    else:
        notes = (
            select(Committee.municipality_code.label("code"), literal(1).label("n"))
            .where(Committee.event_id == event_id, Committee.parent_committee_id.is_(None),
                   exists().where(Note.committee_id == Committee.id, Note.deleted_at.is_(None)))
            .group_by(Committee.municipality_code).subquery()
        )
    submitted = (
        select(Submission.municipality_code.label("code"), func.count().label("n"),
               func.max(Submission.submitted_at).label("last"),
               func.sum(case((Submission.submitted_by_name == DEMO_SUBMITTER, 1), else_=0))
               .label("demo"))
        .where(_latest(event_id)).group_by(Submission.municipality_code).subquery()
    )
    # Grouped by the submission's municipality, not the note's copy of it: the notes are then
    # counted from the index on submission_id alone, without reading the note rows.
    submitted_notes = (
        select(Submission.municipality_code.label("code"), func.count().label("n"))
        .join(SubmissionNote, SubmissionNote.submission_id == Submission.id)
        .where(_latest(event_id)).group_by(Submission.municipality_code).subquery()
    )
    return (
        select(
            Municipality.code, Municipality.name, Municipality.region_code, Municipality.region,
            Municipality.population, size_group_expr().label("size_group"),
            func.coalesce(committees.c.n, 0).label("committees"),
            func.coalesce(notes.c.n, 0).label("draft_notes"),
            func.coalesce(submitted.c.n, 0).label("submissions"),
            submitted.c.last.label("submitted_at"),
            func.coalesce(submitted.c.demo, 0).label("demo"),
            func.coalesce(submitted_notes.c.n, 0).label("submitted_notes"),
        )
        .outerjoin(committees, committees.c.code == Municipality.code)
        .outerjoin(notes, notes.c.code == Municipality.code)
        .outerjoin(submitted, submitted.c.code == Municipality.code)
        .outerjoin(submitted_notes, submitted_notes.c.code == Municipality.code)
    )


def participation_by_municipality(event: Event, f: Filters | None = None) -> list:
    """One row per municipality: committees, notes written, submitted, notes submitted."""
    stmt = _participation_rows(event.id)
    if f is not None:
        stmt = _apply_municipality_filters(stmt, f)
    return list(db.session.execute(stmt.order_by(Municipality.name)))


@dataclass
class Group:
    """Participation of a group of municipalities (all, a region or a size group)."""

    kind: str  # "total", "region" or "size"
    key: str  # "" for the total, the region code as text, or the size group key
    label: str  # the region's name; the size group key; "" for the total
    municipalities: int = 0
    with_committee: int = 0
    with_notes: int = 0
    submitted: int = 0
    notes: int = 0
    demo: int = 0

    def add(self, row) -> None:
        self.municipalities += 1
        self.with_committee += row.committees > 0
        self.with_notes += row.draft_notes > 0
        self.submitted += row.submissions > 0
        self.notes += row.submitted_notes
        self.demo += row.demo


@dataclass
class Participation:
    total: Group
    by_region: list[Group]
    by_size: list[Group]
    demo_submissions: int


def participation(event: Event) -> Participation:
    """Totals of who took part, overall, by region and by size group: one SQL statement.

    SQL counts per municipality (98 rows); Python adds them up into the total, the five
    regions and the size groups, which is cheaper than grouping the same rows three times.
    """
    total = Group("total", "", "")
    by_region: dict[int, Group] = {}
    by_size: dict[str, Group] = {}
    for row in db.session.execute(_participation_rows(event.id, draft_counts=False)):
        region = by_region.get(row.region_code)
        if region is None:
            region = by_region[row.region_code] = Group("region", str(row.region_code),
                                                        row.region)
        size = by_size.get(row.size_group)
        if size is None:
            size = by_size[row.size_group] = Group("size", row.size_group, row.size_group)
        for group in (total, region, size):
            group.add(row)
    order = {key: i for i, key in enumerate(SIZE_ORDER)}
    return Participation(
        total=total, by_region=[by_region[code] for code in sorted(by_region)],
        by_size=sorted(by_size.values(), key=lambda g: order.get(g.key, 99)),
        demo_submissions=total.demo)


# --- tasks × contexts --------------------------------------------------------------------------

ROW_KINDS = ("task", "message")
COL_KINDS = ("talk", "theme_meeting", "slot")


@dataclass
class Cell:
    municipalities: int = 0
    notes: int = 0


@dataclass
class Matrix:
    """Counts of municipalities and notes per row (task/message) and column (context)."""

    rows: list
    columns: list  # objects, plus None for notes outside any context of this kind
    cells: dict
    row_totals: dict
    column_totals: dict
    total: Cell
    row_kind: str
    col_kind: str

    def cell(self, row_id, col_id) -> Cell:
        return self.cells.get((row_id, col_id), Cell())

    @cached_property
    def max_notes(self) -> int:
        # Cached: the page asks for it once per cell (for the bar widths).
        return max((c.notes for c in self.cells.values()), default=0)

    def width(self, value: int) -> int:
        """A bar width 0–100 relative to the fullest cell (for the w-N CSS classes)."""
        top = self.max_notes
        return round(100 * value / top) if top else 0


def _row_assoc(kind: str):
    if kind == "task":
        return submission_note_tasks, submission_note_tasks.c.task_id
    return submission_note_messages, submission_note_messages.c.message_id


def matrix(event: Event, rows: str = "task", cols: str = "talk",
           f: Filters | None = None) -> Matrix:
    """Municipalities and notes per task (or message) and talk/theme meeting/break, in SQL."""
    return matrices(event, rows, (cols,), f)[0]


#: Position of each context in the rows of `_matrix_groups`.
_CONTEXT_AT = {"talk": 1, "theme_meeting": 2, "slot": 3}


def _matrix_groups(event: Event, rows: str, items: list, f: Filters) -> list:
    """Notes per (submission, talk, theme meeting, break), one SQL statement.

    Each row: municipality, talk, theme meeting, break, the number of notes with at least one
    task (or message), then the number of notes with each of `items`. A note is once in its
    group and at most once per task, so a count per task is a plain sum; only "notes with any
    task" needs DISTINCT, because a note with two tasks is joined twice. Grouping by submission
    first (the municipality follows from it) lets SQLite walk ix_submission_note_contexts in
    order instead of sorting every joined note; the few hundred groups are added up in Python.
    """
    assoc, row_col = _row_assoc(rows)
    stmt = (
        select(
            Submission.municipality_code, SubmissionNote.talk_id,
            SubmissionNote.theme_meeting_id, SubmissionNote.slot_id,
            func.count(distinct(SubmissionNote.id)),
            *(func.sum(case((row_col == item.id, 1), else_=0)) for item in items),
        )
        .select_from(Submission)
        .join(SubmissionNote, SubmissionNote.submission_id == Submission.id)
        .join(assoc, assoc.c.submission_note_id == SubmissionNote.id)
        .where(_latest(event.id))
        .group_by(Submission.id, SubmissionNote.talk_id, SubmissionNote.theme_meeting_id,
                  SubmissionNote.slot_id)
    )
    if _needs_municipality(f):  # the join costs a lookup per note; skip it if unused
        stmt = stmt.join(Municipality, Municipality.code == SubmissionNote.municipality_code)
    return db.session.execute(_apply_note_filters(stmt, f)).all()


def _sum_per_municipality(groups: list, at: int | None) -> dict:
    """The count columns of the groups added up per (context at position `at`, municipality).

    With `at=None` per municipality alone (the key's context is None).
    """
    sums: dict = {}
    for g in groups:
        key = (None if at is None else g[at], g[0])
        found = sums.get(key)
        if found is None:
            sums[key] = list(g[4:])
        else:
            for i, n in enumerate(g[4:]):
                found[i] += n
    return sums


def _cells(sums: dict, ids: list) -> tuple[dict, dict]:
    """(cells per (row id, context), totals per context) from `_sum_per_municipality`.

    Each key holds one municipality once, so a municipality count is a plain increment.
    """
    cells: dict = {}
    totals: dict = {}
    for (col, _municipality), (any_row, *per_row) in sums.items():
        total = totals.get(col)
        if total is None:
            total = totals[col] = Cell()
        total.municipalities += 1
        total.notes += int(any_row)
        for rid, n in zip(ids, per_row, strict=True):
            if n:
                cell = cells.get((rid, col))
                if cell is None:
                    cell = cells[(rid, col)] = Cell()
                cell.municipalities += 1
                cell.notes += int(n)
    return cells, totals


def matrices(event: Event, rows: str = "task", cols=COL_KINDS,
             f: Filters | None = None) -> list[Matrix]:
    """Several matrices with the same rows (tasks or messages) from one SQL statement.

    Cells and row totals count notes per task (a note with two tasks is in two rows); column
    totals and the grand total count each note once (notes with any task).
    """
    if rows not in ROW_KINDS or not cols or any(c not in COL_KINDS for c in cols):
        raise ValueError(f"unknown matrix {rows} × {cols}")
    f = f or Filters()
    row_items = list(event.tasks if rows == "task" else event.messages)
    ids = [item.id for item in row_items]
    groups = _matrix_groups(event, rows, row_items, f)
    by_row, overall = _cells(_sum_per_municipality(groups, None), ids)
    row_totals = {rid: cell for (rid, _none), cell in by_row.items()}
    total = overall.get(None, Cell())
    result = []
    for kind in cols:
        cells, column_totals = _cells(_sum_per_municipality(groups, _CONTEXT_AT[kind]), ids)
        columns = list({"talk": event.talks, "theme_meeting": event.theme_meetings,
                        "slot": event.slots}[kind])
        if None in column_totals:
            columns.append(None)
        result.append(Matrix(rows=row_items, columns=columns, cells=cells,
                             row_totals=row_totals, column_totals=column_totals, total=total,
                             row_kind=rows, col_kind=kind))
    return result


# --- drill-down --------------------------------------------------------------------------------


class RowPagination(SelectPagination):
    """Flask-SQLAlchemy's page of a select, with rows of several entities (note, municipality)
    instead of one entity's scalars. One page is always there, even with nothing on it."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(stmt))

    @property
    def pages(self) -> int:
        return max(1, super().pages)


def notes_query(event: Event, f: Filters, search=None):
    """SubmissionNote rows (with Municipality) KL may see under these filters, stable order."""
    stmt = _apply_note_filters(_notes_base(event.id, [SubmissionNote, Municipality]), f)
    rank = ()
    if search is not None and search.active:
        # Best matches first (the word as typed, then its forms, then compounds).
        stmt = stmt.join(search.ranking, search.ranking.c.note_id == SubmissionNote.id)
        rank = (search.ranking.c.rank,)
    return stmt.options(
        selectinload(SubmissionNote.tasks), selectinload(SubmissionNote.messages)
    ).order_by(*rank, Municipality.name, SubmissionNote.written_at, SubmissionNote.id)


def notes_page(event: Event, f: Filters, search=None, page: int = 1,
               per_page: int = PER_PAGE) -> RowPagination:
    """One page of submitted notes (with their municipality) under the filters and search,
    with the total count."""
    return RowPagination(select=notes_query(event, f, search), session=db.session(),
                         page=max(1, page), per_page=per_page, max_per_page=None,
                         error_out=False)


def _submission_filters(stmt, f: Filters):
    stmt = _apply_municipality_filters(stmt, f)
    if f.talk_id is not None:
        stmt = stmt.where(Submission.talk_id == f.talk_id)
    if f.theme_meeting_id is not None:
        stmt = stmt.where(exists().where(
            submission_theme_meetings.c.submission_id == Submission.id,
            submission_theme_meetings.c.theme_meeting_id == f.theme_meeting_id))
    return stmt


def summaries_query(event: Event, f: Filters):
    """Submitted summaries (with Municipality) for the filtered task or message, by municipality.

    Summaries belong to a whole contribution, so talk and theme meeting filters pick the
    committees that followed them; the break filter does not apply.
    """
    stmt = (
        select(SubmissionSummary, Municipality)
        .join(Submission, Submission.id == SubmissionSummary.submission_id)
        .join(Municipality, Municipality.code == SubmissionSummary.municipality_code)
        .where(_latest(event.id), SubmissionSummary.body != "")
        .options(selectinload(SubmissionSummary.task), selectinload(SubmissionSummary.message))
    )
    if f.task_id is not None:
        stmt = stmt.where(SubmissionSummary.task_id == f.task_id)
    if f.message_id is not None:
        stmt = stmt.where(SubmissionSummary.message_id == f.message_id)
    return _submission_filters(stmt, f).order_by(Municipality.name, SubmissionSummary.id)


def actions_query(event: Event, f: Filters):
    """Submitted follow-up actions (with Municipality) under the filters, by municipality."""
    stmt = (
        select(SubmissionAction, Municipality)
        .join(Submission, Submission.id == SubmissionAction.submission_id)
        .join(Municipality, Municipality.code == SubmissionAction.municipality_code)
        .where(_latest(event.id))
        .options(selectinload(SubmissionAction.task))
    )
    if f.task_id is not None:
        stmt = stmt.where(SubmissionAction.task_id == f.task_id)
    return _submission_filters(stmt, f).order_by(Municipality.name, SubmissionAction.id)


def summaries(event: Event, f: Filters) -> list:
    """The summaries for a drill-down page."""
    return list(db.session.execute(summaries_query(event, f)))


def actions(event: Event, f: Filters) -> list:
    """The follow-up actions for a drill-down page."""
    return list(db.session.execute(actions_query(event, f)))


def context_labels(event: Event) -> dict:
    """Titles of the event's slots, talks and theme meetings by id, to label note rows."""
    return {
        "slot": {s.id: s.title for s in event.slots},
        "talk": {t.id: t.title for t in event.talks},
        "theme_meeting": {t.id: t.title for t in event.theme_meetings},
    }


def submitted_municipality_codes(event: Event) -> set[int]:
    """Codes of municipalities with a submitted contribution (latest versions)."""
    return set(db.session.scalars(
        select(distinct(Submission.municipality_code)).where(_latest(event.id))))


def describe(event: Event, f: Filters) -> list[str]:
    """The active filters in words, for headings and export metadata."""
    parts = []
    lookups = (
        (f.task_id, Task, _("Opgave")), (f.message_id, Message, _("Budskab")),
        (f.talk_id, Talk, _("Oplæg")), (f.theme_meeting_id, ThemeMeeting, _("Temamøde")),
        (f.slot_id, DiscussionSlot, _("Pause")),
    )
    for value, model, label in lookups:
        if value is not None:
            item = db.session.get(model, value)
            number = getattr(item, "number", None)
            title = getattr(item, "short_title", "") or item.title
            parts.append(f"{label} {number}: {title}" if number else f"{label}: {title}")
    if f.region_code is not None:
        parts.append(regions().get(f.region_code, ""))
    if f.size_group is not None:
        parts.append(str(SIZE_LABELS[f.size_group]))
    if f.municipality_code is not None:
        parts.append(db.session.get(Municipality, f.municipality_code).name)
    if f.key_points:
        parts.append(_("Kun nøglepunkter"))
    if f.groups:
        parts.append(str(GROUP_CHOICES[f.groups]))
    if f.theme_label:
        parts.append(_("Tema: %(label)s", label=f.theme_label))
    return parts



def note_texts(event: Event, f: Filters):
    """(id, body, municipality code, name, region, size group) of the filtered notes, by id."""
    stmt = _notes_base(event.id, [SubmissionNote.id, SubmissionNote.body,
                                  Municipality.code, Municipality.name, Municipality.region,
                                  size_group_expr()])
    return db.session.execute(_apply_note_filters(stmt, f).order_by(SubmissionNote.id))


def note_fingerprint(event: Event, f: Filters) -> tuple:
    """(count, smallest id, largest id) of the filtered notes: changes when a contribution does."""
    stmt = _notes_base(event.id, [func.count(), func.min(SubmissionNote.id),
                                  func.max(SubmissionNote.id)])
    return tuple(db.session.execute(_apply_note_filters(stmt, f)).one())
