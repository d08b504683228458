"""The contribution as a report for the committee's agenda: Word (.docx), a printable page, CSV.

One `Report` is built from either a submitted version (the snapshot rows) or the current draft,
so the three formats can never disagree about what the contribution says.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import Committee, Submission, SubmissionNote, utcnow
from delib.services import follow_ups as follow_up_service
from delib.services.actions import STATUS_LABELS, list_actions
from delib.services.audit import record
from delib.services.contribution import approved_notes
from delib.services.summaries import summaries_by_key

# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ReportNote:
    body: str
    author: str
    written_at: datetime | None
    key_point: bool
    tasks: list[int]
    messages: list[int]
    break_title: str
    subject: str


@dataclass
class ReportAction:
    task_number: int
    title: str
    responsible: str
    due_on: date | None
    status: str


@dataclass
class ReportFollowUp:
    """A previous event's action and how it went, as the committee reports it."""

    task_number: int | None
    title: str
    responsible: str
    due_on: date | None
    status: str
    comment: str


@dataclass
class ReportSection:
    number: int
    title: str
    summary: str
    notes: list[ReportNote] = field(default_factory=list)
    actions: list[ReportAction] = field(default_factory=list)


@dataclass
class Report:
    municipality: str
    committee: str
    event_title: str
    event_dates: str
    talk: str
    theme_meetings: list[str]
    status_line: str
    is_draft: bool
    version: int | None
    tasks: list[ReportSection]
    messages: list[ReportSection]
    actions: list[ReportAction]
    notes: list[ReportNote]
    generated_at: datetime
    #: How the municipality's actions from the previous event went (none at a first summit).
    follow_ups: list[ReportFollowUp] = field(default_factory=list)

    @property
    def filename_stem(self) -> str:
        stem = f"bidrag-{self.municipality}-{self.committee}"
        stem += "-udkast" if self.is_draft else f"-version-{self.version}"
        keep = "".join(ch if ch.isalnum() else "-" for ch in stem.lower())
        return "-".join(part for part in keep.split("-") if part)


def _talk_label(talk) -> str:
    return _("Oplæg %(n)d: %(title)s", n=talk.number, title=talk.title) if talk else ""


def _meeting_label(meeting) -> str:
    return _("Temamøde %(n)d: %(title)s", n=meeting.number, title=meeting.title)


def _event_dates(event) -> str:
    if event.starts_on == event.ends_on:
        return format_date(event.starts_on, "d. MMMM yyyy")
    return f"{format_date(event.starts_on, 'd. MMMM')}–{format_date(event.ends_on, 'd. MMMM yyyy')}"


def build_report(committee: Committee, submission: Submission | None = None) -> Report:
    """The contribution of a submitted version, or of the current draft when none is given."""
    event = committee.event
    slots = {s.id: s for s in event.slots}
    talks = {t.id: t for t in event.talks}
    meetings = {m.id: m for m in event.theme_meetings}

    def report_note(row, author: str) -> ReportNote:
        slot = slots.get(row.slot_id)
        if row.theme_meeting_id in meetings:
            subject = _meeting_label(meetings[row.theme_meeting_id])
        else:
            subject = _talk_label(talks.get(row.talk_id))
        return ReportNote(
            body=row.body, author=author,
            written_at=getattr(row, "written_at", None) or getattr(row, "created_at", None),
            key_point=row.key_point, tasks=[t.number for t in row.tasks],
            messages=[m.number for m in row.messages],
            break_title=slot.title if slot else "", subject=subject,
        )

    if submission is None:
        rows = approved_notes(committee)
        notes = [report_note(n, n.author_name) for n in rows]
        summaries = {(s.task_id, s.message_id): s.body
                     for s in summaries_by_key(committee).values()}
        actions = [ReportAction(a.task.number, a.title, a.responsible, a.due_on, a.status)
                   for a in list_actions(committee)]
        follow_ups = [
            ReportFollowUp(r.action.task.number if r.action.task else None, r.action.title,
                           r.action.responsible, r.action.due_on, r.status, r.comment)
            for r in follow_up_service.previous_actions(committee)]
        talk, theme_meetings = committee.talk, list(committee.theme_meetings)
        status_line = _("Udkast – ikke godkendt eller indsendt. Udskrevet %(when)s.",
                        when=format_datetime(utcnow(), "d. MMMM yyyy 'kl.' HH.mm"))
    else:
        rows = db.session.scalars(
            select(SubmissionNote).where(SubmissionNote.submission_id == submission.id)
            .options(selectinload(SubmissionNote.tasks), selectinload(SubmissionNote.messages))
            .order_by(SubmissionNote.written_at, SubmissionNote.id))
        notes = [report_note(n, n.author_name) for n in rows]
        summaries = {(s.task_id, s.message_id): s.body for s in submission.summaries}
        task_numbers = {t.id: t.number for t in event.tasks}
        actions = sorted(
            (ReportAction(task_numbers.get(a.task_id, 0), a.title, a.responsible, a.due_on,
                          a.status) for a in submission.actions),
            key=lambda a: (a.task_number, a.due_on is None, a.due_on or date.min))
        follow_ups = [
            ReportFollowUp(f.task.number if f.task else None, f.title, f.responsible, f.due_on,
                           f.status, f.comment)
            for f in follow_up_service.submitted_follow_ups(submission)]
        talk, theme_meetings = submission.talk, sorted(submission.theme_meetings,
                                                       key=lambda m: m.number)
        status_line = _("Version %(version)d, godkendt og indsendt til KL %(when)s af %(name)s.",
                        version=submission.version,
                        when=format_datetime(submission.submitted_at, "d. MMMM yyyy 'kl.' HH.mm"),
                        name=submission.submitted_by_name)
    task_sections = [
        ReportSection(t.number, t.title, summaries.get((t.id, None), ""),
                      [n for n in notes if t.number in n.tasks],
                      [a for a in actions if a.task_number == t.number])
        for t in event.tasks
    ]
    message_sections = [
        ReportSection(m.number, m.title, summaries.get((None, m.id), ""),
                      [n for n in notes if m.number in n.messages])
        for m in event.messages
    ]
    return Report(
        municipality=committee.municipality.name, committee=committee.name,
        event_title=event.title, event_dates=_event_dates(event), talk=_talk_label(talk),
        theme_meetings=[_meeting_label(m) for m in theme_meetings], status_line=status_line,
        is_draft=submission is None, version=getattr(submission, "version", None),
        tasks=task_sections, messages=message_sections, actions=actions, notes=notes,
        generated_at=utcnow(), follow_ups=follow_ups,
    )


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _due(value: date | None) -> str:
    return format_date(value, "d. MMMM yyyy") if value else ""


def _note_meta(note: ReportNote) -> str:
    parts = [p for p in (note.break_title, note.subject) if p]
    if note.author:
        parts.append(note.author)
    if note.written_at:
        parts.append(format_datetime(note.written_at, "HH.mm"))
    return " · ".join(parts)


# ---------------------------------------------------------------- Word


def docx_bytes(report: Report) -> bytes:
    """The report as a Word document, in Danish, ready for the committee's agenda."""
    document = Document()
    document.core_properties.title = _("Bidrag til KL – %(committee)s, %(municipality)s",
                                       committee=report.committee,
                                       municipality=report.municipality)
    document.core_properties.language = "da-DK"
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(_("%(municipality)s Kommune – %(committee)s",
                           municipality=report.municipality, committee=report.committee), 0)
    document.add_paragraph(_("Bidrag til %(event)s, %(dates)s",
                             event=report.event_title, dates=report.event_dates))
    status = document.add_paragraph(report.status_line)
    status.runs[0].italic = True

    document.add_heading(_("Udvalgets valg"), 1)
    document.add_paragraph(_("Politisk oplæg: %(talk)s", talk=report.talk or _("Ikke valgt")))
    if report.theme_meetings:
        document.add_paragraph(_("Temamøder:"))
        for meeting in report.theme_meetings:
            document.add_paragraph(meeting, style="List Bullet")
    else:
        document.add_paragraph(_("Temamøder: Ikke valgt"))

    document.add_heading(_("Topmødeerklæringens opgaver"), 1)
    for section in report.tasks:
        document.add_heading(_("Opgave %(n)d: %(title)s", n=section.number, title=section.title), 2)
        _docx_section(document, section)
        if section.actions:
            document.add_paragraph(_("Opfølgning:")).runs[0].bold = True
            for action in section.actions:
                document.add_paragraph(_action_line(action), style="List Bullet")

    document.add_heading(_("Budskaber til Christiansborg"), 1)
    for section in report.messages:
        document.add_heading(_("Budskab %(n)d: %(title)s", n=section.number, title=section.title),
                             2)
        _docx_section(document, section)

    document.add_heading(_("Opfølgende handlinger"), 1)
    if report.actions:
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells,
                              (_("Opgave"), _("Hvad"), _("Ansvarlig"), _("Frist"), _("Status")),
                              strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for action in report.actions:
            cells = table.add_row().cells
            values = (str(action.task_number), action.title, action.responsible,
                      _due(action.due_on), status_label(action.status))
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
    elif not report.follow_ups:
        document.add_paragraph(_("Ingen opfølgende handlinger endnu."))
    if report.follow_ups:
        document.add_heading(_("Opfølgning på sidste topmøde"), 1)
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, (_("Opgave"), _("Hvad"), _("Ansvarlig"),
                                                    _("Frist"), _("Hvordan gik det?")),
                              strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for f in report.follow_ups:
            status = str(follow_up_service.STATUS_LABELS.get(f.status, f.status))
            values = (str(f.task_number or ""), f.title, f.responsible, _due(f.due_on),
                      f"{status}: {f.comment}" if f.comment else status)
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = f"{report.municipality} · {report.committee} · {report.event_title}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _action_line(action: ReportAction) -> str:
    parts = [action.title]
    if action.responsible:
        parts.append(_("ansvarlig: %(who)s", who=action.responsible))
    if action.due_on:
        parts.append(_("frist: %(due)s", due=_due(action.due_on)))
    parts.append(status_label(action.status).lower())
    return " – ".join(parts)


def _docx_section(document, section: ReportSection) -> None:
    if section.summary:
        document.add_paragraph(_("Resumé:")).runs[0].bold = True
        document.add_paragraph(section.summary)
    if section.notes:
        document.add_paragraph(_("Noter:")).runs[0].bold = True
        for note in section.notes:
            paragraph = document.add_paragraph(style="List Bullet")
            if note.key_point:
                paragraph.add_run(_("Nøglepunkt: ")).bold = True
            paragraph.add_run(note.body)
            meta = _note_meta(note)
            if meta:
                paragraph.add_run(f" ({meta})").italic = True
    if not section.summary and not section.notes:
        document.add_paragraph(_("Ingen noter eller resumé."))


# ---------------------------------------------------------------- CSV


def neutralise_cell(value) -> str:
    """A cell as text that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_bytes(report: Report) -> bytes:
    """The report's notes as CSV for Danish Excel: semicolons, UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Kommune"), _("Udvalg"), _("Opgaver"), _("Budskaber"), _("Pause"),
                     _("Oplæg/temamøde"), _("Note"), _("Nøglepunkt"), _("Skrevet af"),
                     _("Skrevet")])
    for note in report.notes:
        writer.writerow([neutralise_cell(value) for value in (
            report.municipality, report.committee,
            ", ".join(str(n) for n in note.tasks), ", ".join(str(n) for n in note.messages),
            note.break_title, note.subject, note.body, _("ja") if note.key_point else _("nej"),
            note.author,
            format_datetime(note.written_at, "dd-MM-yyyy HH:mm") if note.written_at else "",
        )])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def record_export(actor, committee: Committee, kind: str, report: Report) -> None:
    """Log that the contribution was printed or downloaded ('print', 'docx', 'csv')."""
    record(actor, f"export.{kind}", committee,
           target="draft" if report.is_draft else f"version:{report.version}")
