"""CSV and Excel exports of the submitted notes, summaries and actions, with their context.

Every text cell passes `delib.sanitize.spreadsheet_cell`, so a note starting with = + - @ is
shown as text and never runs as a formula. The anonymised export (for publishing) replaces the
municipality with its region and size group, leaves out authors, and replaces municipality
names inside the texts with "[kommunen]".
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import Event, Municipality, SubmissionNote
from delib.sanitize import spreadsheet_cell
from delib.services import DomainError, suggestions
from delib.services.follow_ups import STATUS_LABELS as FOLLOW_UP_LABELS
from delib.services.kl import overview
from delib.services.kl.follow_ups import follow_ups_query
from delib.services.municipalities import SIZE_LABELS, size_group

KINDS = ("notes", "summaries", "actions", "follow_ups")
FORMATS = ("csv", "xlsx")
ANONYMISED_NAME = "[kommunen]"
STATUS_LABELS = {"planned": "Planlagt", "under_way": "I gang", "done": "Gennemført"}


@dataclass
class Sheet:
    kind: str
    title: str
    header: list[str]
    rows: list[list]


def _local(event: Event, instant: datetime | None) -> datetime | None:
    """A stored UTC instant as the event's local wall-clock time (spreadsheets have no zones)."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC).astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)


@lru_cache(maxsize=4)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern:
    # Longest first, so "Lyngby-Taarbæk" wins over a shorter name inside it; a genitive s too.
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})s?(?!\w)")


def _scrubber():
    """A function that replaces every municipality's name in a text with [kommunen]."""
    rows = db.session.execute(select(Municipality.name, Municipality.official_name)).all()
    names = tuple(sorted({n for row in rows for n in row if n}))
    pattern = _name_pattern(names)
    return lambda text: pattern.sub(ANONYMISED_NAME, text or "")


class _Who:
    """The municipality columns of a row, real or anonymised."""

    def __init__(self, anonymise: bool):
        self.anonymise = anonymise

    def header(self) -> list[str]:
        if self.anonymise:
            return [_("Region"), _("Størrelsesgruppe")]
        return [_("Kommune"), _("Kommunekode"), _("Region"), _("Størrelsesgruppe")]

    def cells(self, m: Municipality) -> list:
        group = str(SIZE_LABELS[size_group(m)])
        if self.anonymise:
            return [m.region, group]
        return [m.name, m.code, m.region, group]


def notes_sheet(event: Event, f: overview.Filters, search=None,
                anonymise: bool = False) -> Sheet:
    """Every submitted note under the filters (and search), one row each, with its context."""
    who, scrub = _Who(anonymise), _scrubber() if anonymise else (lambda t: t)
    labels = overview.context_labels(event)
    header = who.header() + [
        _("Indsendt version"), _("Indsendt"), _("Pause"), _("Politisk oplæg"), _("Temamøde"),
        _("Opgaver"), _("Budskaber til Christiansborg"), _("Koblingernes oprindelse"),
        _("Hovedpointe"),
    ] + ([] if anonymise else [_("Skrevet af")]) + [_("Skrevet"), _("Note")]
    stmt = overview.notes_query(event, f, search).options(
        selectinload(SubmissionNote.submission))
    found = db.session.execute(stmt).all()
    # Who set each mapping: a person, or an accepted suggestion (which model, accepted by whom).
    mappings = suggestions.submitted_mappings([note.id for note, _m in found])
    rows = []
    for note, m in found:
        row = who.cells(m) + [
            note.submission.version, _local(event, note.submission.submitted_at),
            labels["slot"].get(note.slot_id, ""), labels["talk"].get(note.talk_id, ""),
            labels["theme_meeting"].get(note.theme_meeting_id, ""),
            "; ".join(f"{t.number}. {t.short_title or t.title}" for t in note.tasks),
            "; ".join(f"{x.number}. {x.short_title or x.title}" for x in note.messages),
            "; ".join(link.describe(names=not anonymise) for link in mappings.get(note.id, [])),
            _("Ja") if note.key_point else _("Nej"),
        ] + ([] if anonymise else [note.author_name]) + [
            _local(event, note.written_at), scrub(note.body)]
        rows.append(row)
    return Sheet("notes", _("Noter"), header, rows)


def summaries_sheet(event: Event, f: overview.Filters, anonymise: bool = False) -> Sheet:
    """The chairs' submitted summaries per task and message."""
    who, scrub = _Who(anonymise), _scrubber() if anonymise else (lambda t: t)
    header = who.header() + [_("Opgave"), _("Budskab til Christiansborg"), _("Opsummering")]
    rows = []
    for s, m in db.session.execute(overview.summaries_query(event, f)):
        rows.append(who.cells(m) + [
            f"{s.task.number}. {s.task.short_title or s.task.title}" if s.task else "",
            f"{s.message.number}. {s.message.short_title or s.message.title}" if s.message else "",
            scrub(s.body)])
    return Sheet("summaries", _("Opsummeringer"), header, rows)


def actions_sheet(event: Event, f: overview.Filters, anonymise: bool = False) -> Sheet:
    """The submitted follow-up actions: what, who, by when, status."""
    who, scrub = _Who(anonymise), _scrubber() if anonymise else (lambda t: t)
    header = who.header() + [_("Opgave"), _("Handling"), _("Ansvarlig"), _("Frist"),
                             _("Status")]
    rows = []
    for a, m in db.session.execute(overview.actions_query(event, f)):
        rows.append(who.cells(m) + [
            f"{a.task.number}. {a.task.short_title or a.task.title}" if a.task else "",
            scrub(a.title), scrub(a.responsible), a.due_on,
            STATUS_LABELS.get(a.status, a.status)])
    return Sheet("actions", _("Handlinger"), header, rows)


def follow_ups_sheet(event: Event, f: overview.Filters, anonymise: bool = False) -> Sheet:
    """How the previous event's actions went, as submitted with this event's contributions."""
    who, scrub = _Who(anonymise), _scrubber() if anonymise else (lambda t: t)
    header = who.header() + [_("Opgave (sidste topmøde)"), _("Handling"), _("Ansvarlig"),
                             _("Frist"), _("Status ved sidste topmøde"), _("Opfølgning"),
                             _("Kommentar")]
    rows = []
    for x, m in db.session.execute(follow_ups_query(event, f)):
        rows.append(who.cells(m) + [
            f"{x.task.number}. {x.task.short_title or x.task.title}" if x.task else "",
            scrub(x.title), scrub(x.responsible), x.due_on,
            STATUS_LABELS.get(x.previous_status, x.previous_status),
            str(FOLLOW_UP_LABELS.get(x.status, x.status)), scrub(x.comment)])
    return Sheet("follow_ups", _("Opfølgning"), header, rows)


def sheets(event: Event, f: overview.Filters, kinds=KINDS, search=None,
           anonymise: bool = False) -> list[Sheet]:
    """The requested sheets, in the order notes, summaries, actions, follow-ups."""
    out = []
    if "notes" in kinds:
        out.append(notes_sheet(event, f, search, anonymise))
    if "summaries" in kinds:
        out.append(summaries_sheet(event, f, anonymise))
    if "actions" in kinds:
        out.append(actions_sheet(event, f, anonymise))
    if "follow_ups" in kinds:
        out.append(follow_ups_sheet(event, f, anonymise))
    return out


def _cell(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return spreadsheet_cell(value)


def to_csv(sheet: Sheet) -> bytes:
    """One sheet as CSV for Danish Excel: UTF-8 with BOM, semicolons, every text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(sheet.header)
    for row in sheet.rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(all_sheets: list[Sheet], title: str = "") -> bytes:
    """The sheets as one Excel workbook: bold frozen header, filters, readable column widths."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in all_sheets:
        ws = workbook.create_sheet(sheet.title[:31])
        ws.append(sheet.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([spreadsheet_cell(v) for v in row])
        ws.freeze_panes = "A2"
        if sheet.rows:
            ws.auto_filter.ref = ws.dimensions
        for i, heading in enumerate(sheet.header, start=1):
            longest = max([len(str(heading))] + [len(str(r[i - 1] or "")) for r in
                                                 sheet.rows[:200]])
            ws.column_dimensions[get_column_letter(i)].width = min(80, max(10, longest + 2))
    if title:
        workbook.properties.title = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(event: Event, kind: str, fmt: str, anonymise: bool) -> str:
    """A download name like butm2021-noter-anonymiseret.csv."""
    names = {"notes": "noter", "summaries": "opsummeringer", "actions": "handlinger",
             "follow_ups": "opfoelgning", "all": "bidrag"}
    return f"{event.slug}-{names[kind]}{'-anonymiseret' if anonymise else ''}.{fmt}"


@dataclass
class Download:
    """An export ready to send: the file's bytes, its type and its name."""

    data: bytes
    mimetype: str
    filename: str


def export(actor, event: Event, f: overview.Filters, fmt: str, kind: str, query: str = "",
           anonymise: bool = False) -> Download:
    """The notes, summaries and actions (or one kind) under the filters and search, as CSV or
    Excel, optionally anonymised; the export is audited."""
    from delib.services import audit
    from delib.services.kl import search

    if f.errors:
        raise DomainError(f.errors[0])
    if fmt not in FORMATS or kind not in (*KINDS, "all") or (fmt == "csv" and kind == "all"):
        raise DomainError(_("Vælg et format og hvad der skal eksporteres. "
                            "CSV indeholder én slags ad gangen."))
    prepared = search.prepare(query)
    found = sheets(event, f, KINDS if kind == "all" else (kind,), search=prepared,
                   anonymise=anonymise)
    if fmt == "csv":
        data, mimetype = to_csv(found[0]), "text/csv; charset=utf-8"
    else:
        data = to_xlsx(found, title=event.title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit.record(actor, f"export.{fmt}", target=kind, event=event.slug, anonymised=anonymise,
                 filters=f.as_args(), query=prepared.query, rows=sum(len(s.rows) for s in found))
    return Download(data, mimetype, filename(event, kind, fmt, anonymise))
