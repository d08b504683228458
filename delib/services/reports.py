"""The contribution as the committee's referat: Word (.docx), archival PDF (PDF/A), a printable
page, CSV.

One `Report` is built from either a submitted version (the snapshot rows) or the current draft,
so the formats can never disagree about what the contribution says. The Word file and the PDF
are ready for the municipality's agenda: A4, Danish, page numbers, real headings, each note once,
an agenda item (Sagsfremstilling, Indstilling, Beslutning) and who took part.
"""

import csv
import io
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import Committee, Submission, SubmissionNote, utcnow
from delib.services import DomainError, agreements, attendance
from delib.services import follow_ups as follow_up_service
from delib.services.actions import STATUS_LABELS, list_actions
from delib.services.audit import record
from delib.services.contribution import approved_notes
from delib.services.summaries import summaries_by_key

# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The print stylesheet of the referat: A4, "Side X af Y", fonts; the PDF is rendered with it.
PRINT_STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "referat.css"

#: The proofing language of every style in the Word file.
LANGUAGE = "da-DK"


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
    #: Its number in the referat (1, 2, ...), in the order it first appears.
    number: int = 0
    #: The section that holds it ("Opgave 3"); every other section refers to it there.
    home: str = ""

    @property
    def anchor(self) -> str:
        return f"note-{self.number}"


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
    #: Every note mapped to this task or message (KL's page lists them all).
    notes: list[ReportNote] = field(default_factory=list)
    actions: list[ReportAction] = field(default_factory=list)
    #: "Opgave 3" or "Budskab 1": how a cross-reference names the section.
    label: str = ""

    @property
    def held_notes(self) -> list[ReportNote]:
        """The notes the referat prints here (each note is printed once, in its first section)."""
        return [n for n in self.notes if n.home == self.label]

    @property
    def see_also(self) -> list[ReportNote]:
        """Notes of this section printed under another section: a cross-reference each."""
        return [n for n in self.notes if n.home != self.label]


@dataclass(frozen=True)
class AgendaItem:
    """The referat shaped as an item on the committee's agenda; Beslutning is left blank."""

    facts: list[str]
    proposal: str


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
    #: Who took part (attendance.Attendee: name, role), as the chair corrected it.
    attendees: list = field(default_factory=list)
    #: "Godkendt af 9 af 11 deltagere" when the members read the draft before submission.
    agreement: str | None = None
    #: Set when personal data was removed from this submitted version after submission.
    redaction_line: str = ""
    #: Approved notes mapped to no task and no message (printed once, at the end).
    other_notes: list[ReportNote] = field(default_factory=list)
    agenda: AgendaItem | None = None
    #: KL's page of the committee's submitted contribution (absolute, from BASE_URL).
    kl_url: str = ""
    #: The day the referat is dated: the submission's, or today for a draft.
    dated: date | None = None

    @property
    def filename_stem(self) -> str:
        stem = f"bidrag-{self.municipality}-{self.committee}"
        stem += "-udkast" if self.is_draft else f"-version-{self.version}"
        keep = "".join(ch if ch.isalnum() else "-" for ch in stem.lower())
        return "-".join(part for part in keep.split("-") if part)

    @property
    def heading(self) -> str:
        return _("%(municipality)s Kommune – %(committee)s", municipality=self.municipality,
                 committee=self.committee)

    @property
    def kl_label(self) -> str:
        if self.is_draft:
            return _("Når bidraget er indsendt, kan KL læse det her: ")
        return _("Bidraget på KL's side: ")

    @property
    def author(self) -> str:
        """Who the files say wrote them: the committee, never the library."""
        return _("%(committee)s, %(municipality)s Kommune", committee=self.committee,
                 municipality=self.municipality)

    @property
    def title(self) -> str:
        return _("Referat: %(committee)s, %(municipality)s Kommune – %(event)s",
                 committee=self.committee, municipality=self.municipality,
                 event=self.event_title)

    @property
    def subject(self) -> str:
        return _("Bidrag til %(event)s, %(dates)s", event=self.event_title,
                 dates=self.event_dates)

    @property
    def keywords(self) -> list[str]:
        return [_("Referat"), self.event_title, _("Topmødeerklæringen"),
                f"{self.municipality} Kommune", self.committee]


def _talk_label(talk) -> str:
    return _("Oplæg %(n)d: %(title)s", n=talk.number, title=talk.title) if talk else ""


def _meeting_label(meeting) -> str:
    return _("Temamøde %(n)d: %(title)s", n=meeting.number, title=meeting.title)


def _event_dates(event) -> str:
    if event.starts_on == event.ends_on:
        return format_date(event.starts_on, "d. MMMM yyyy")
    return f"{format_date(event.starts_on, 'd. MMMM')}–{format_date(event.ends_on, 'd. MMMM yyyy')}"


def build_report(committee: Committee, submission: Submission | None = None,
                 kl_url: str = "") -> Report:
    """The contribution of a submitted version, or of the current draft when none is given;
    `kl_url` is KL's page of the contribution, for the referat files to link to."""
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

    redaction_line = ""
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
        agreement, dated = None, utcnow().date()
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
        agreement, dated = agreements.agreement_line(submission), submission.submitted_at.date()
        redacted_at = getattr(submission, "redacted_at", None)
        if redacted_at:
            redaction_line = _("Personoplysninger fjernet efter indsendelse %(when)s",
                               when=format_datetime(redacted_at, "d. MMMM yyyy 'kl.' HH.mm"))
    task_sections = [
        ReportSection(t.number, t.title, summaries.get((t.id, None), ""),
                      [n for n in notes if t.number in n.tasks],
                      [a for a in actions if a.task_number == t.number],
                      label=_("Opgave %(n)d", n=t.number))
        for t in event.tasks
    ]
    message_sections = [
        ReportSection(m.number, m.title, summaries.get((None, m.id), ""),
                      [n for n in notes if m.number in n.messages],
                      label=_("Budskab %(n)d", n=m.number))
        for m in event.messages
    ]
    other_notes = _number_notes(task_sections + message_sections, notes)
    report = Report(
        municipality=committee.municipality.name, committee=committee.name,
        event_title=event.title, event_dates=_event_dates(event), talk=_talk_label(talk),
        theme_meetings=[_meeting_label(m) for m in theme_meetings], status_line=status_line,
        is_draft=submission is None, version=getattr(submission, "version", None),
        tasks=task_sections, messages=message_sections, actions=actions, notes=notes,
        generated_at=utcnow(), follow_ups=follow_ups,
        attendees=attendance.attendees(committee, submission), agreement=agreement,
        redaction_line=redaction_line, other_notes=other_notes, kl_url=kl_url, dated=dated,
    )
    report.agenda = _agenda_item(report, submission)
    return report


def _number_notes(sections: list[ReportSection], notes: list[ReportNote]) -> list[ReportNote]:
    """Number the notes in the order the referat prints them; each note's first section holds
    it. Returns the notes no section holds (no task, no message)."""
    number = 0
    for section in sections:
        for note in section.notes:
            if not note.number:
                number += 1
                note.number, note.home = number, section.label
    others = [n for n in notes if not n.number]
    for note in others:
        number += 1
        note.number, note.home = number, _("Øvrige noter")
    return others


def _agenda_item(report: Report, submission: Submission | None) -> AgendaItem:
    """A short factual Sagsfremstilling and an Indstilling, built from the contribution."""
    facts = [_("%(committee)s drøftede på %(event)s (%(dates)s) topmødeerklæringens "
               "opgaver til kommunerne og budskaberne til Christiansborg i de kommunale "
               "drøftelser.", committee=report.committee, event=report.event_title,
               dates=report.event_dates)]
    chosen = [c for c in [report.talk, *report.theme_meetings] if c]
    if chosen:
        # No full stop of ours: a talk's title may end with its own question mark.
        facts.append(_("Udvalget fulgte: %(chosen)s", chosen="; ".join(chosen)))
    key_points = sum(1 for n in report.notes if n.key_point)
    summaries = sum(1 for s in report.tasks if s.summary)
    counts = [ngettext("Bidraget rummer %(num)d note.", "Bidraget rummer %(num)d noter.",
                       len(report.notes))]
    if key_points:
        counts.append(ngettext("%(num)d af dem er markeret som nøglepunkt.",
                               "%(num)d af dem er markeret som nøglepunkter.", key_points))
    counts.append(_("Udvalget skrev resumé for %(done)d af %(total)d opgaver.",
                    done=summaries, total=len(report.tasks)))
    if report.actions:
        counts.append(ngettext("Udvalget aftalte %(num)d opfølgende handling.",
                               "Udvalget aftalte %(num)d opfølgende handlinger.",
                               len(report.actions)))
    facts.append(" ".join(counts))
    if submission is None:
        facts.append(_("Bidraget er endnu ikke godkendt og indsendt til KL."))
    else:
        facts.append(_("Formanden godkendte og indsendte bidraget til KL den %(when)s (version "
                       "%(version)d).", version=submission.version,
                       when=format_date(submission.submitted_at, "d. MMMM yyyy")))
    if report.agreement:
        facts.append(_("Udvalgets medlemmer læste udkastet: %(line)s.", line=report.agreement))
    if report.actions:
        proposal = _("Det indstilles, at udvalget tager bidraget til %(event)s til efterretning "
                     "og godkender de opfølgende handlinger med ansvarlige og frister.",
                     event=report.event_title)
    else:
        proposal = _("Det indstilles, at udvalget tager bidraget til %(event)s til efterretning.",
                     event=report.event_title)
    return AgendaItem(facts, proposal)


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _due(value: date | None) -> str:
    return format_date(value, "d. MMMM yyyy") if value else ""


def note_meta(note: ReportNote) -> str:
    """Where a note came from and who wrote it; no clock time (it says nothing on an agenda)."""
    parts = [p for p in (note.break_title, note.subject) if p]
    if note.author:
        parts.append(note.author)
    return " · ".join(parts)


# ---------------------------------------------------------------- Word


def docx_bytes(report: Report) -> bytes:
    """The report as a Word document, in Danish, ready for the committee's agenda."""
    document = Document()
    _page_setup(document, report)
    _danish_proofing(document)
    _core_properties(document, report)
    document.styles["Normal"].font.size = Pt(11)

    document.add_heading(report.heading, 0)
    document.add_paragraph(report.subject)
    status = document.add_paragraph(report.status_line)
    status.runs[0].italic = True
    if report.redaction_line:
        document.add_paragraph().add_run(report.redaction_line).bold = True
    if report.kl_url:
        paragraph = document.add_paragraph(report.kl_label)
        _hyperlink(paragraph, report.kl_url, report.kl_url)

    agenda = report.agenda
    document.add_heading(_("Dagsordenspunkt"), 1)
    document.add_heading(_("Sagsfremstilling"), 2)
    for fact in agenda.facts:
        document.add_paragraph(fact)
    document.add_heading(_("Indstilling"), 2)
    document.add_paragraph(agenda.proposal)
    document.add_heading(_("Beslutning"), 2)
    document.add_paragraph()  # left for the committee to fill in

    document.add_heading(_("Deltagere"), 1)
    for attendee in report.attendees:
        line = f"{attendee.name}, {attendee.role}" if attendee.role else attendee.name
        document.add_paragraph(line, style="List Bullet")
    if not report.attendees:
        document.add_paragraph(_("Deltagerlisten er ikke udfyldt."))
    if report.agreement:
        document.add_paragraph(report.agreement)

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
            document.add_heading(_("Opfølgning"), 3)
            for action in section.actions:
                document.add_paragraph(_action_line(action), style="List Bullet")

    document.add_heading(_("Budskaber til Christiansborg"), 1)
    for section in report.messages:
        document.add_heading(_("Budskab %(n)d: %(title)s", n=section.number, title=section.title),
                             2)
        _docx_section(document, section)

    if report.other_notes:
        document.add_heading(_("Øvrige noter"), 1)
        for note in report.other_notes:
            _docx_note(document, note)

    document.add_heading(_("Opfølgende handlinger"), 1)
    if report.actions:
        table = _docx_table(document, (_("Opgave"), _("Hvad"), _("Ansvarlig"), _("Frist"),
                                       _("Status")))
        for action in report.actions:
            values = (str(action.task_number), action.title, action.responsible,
                      _due(action.due_on), status_label(action.status))
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    elif not report.follow_ups:
        document.add_paragraph(_("Ingen opfølgende handlinger endnu."))
    if report.follow_ups:
        document.add_heading(_("Opfølgning på sidste topmøde"), 1)
        table = _docx_table(document, (_("Opgave"), _("Hvad"), _("Ansvarlig"), _("Frist"),
                                       _("Hvordan gik det?")))
        for f in report.follow_ups:
            status = str(follow_up_service.STATUS_LABELS.get(f.status, f.status))
            values = (str(f.task_number or ""), f.title, f.responsible, _due(f.due_on),
                      f"{status}: {f.comment}" if f.comment else status)
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_setup(document, report: Report) -> None:
    """A4 with the margins of a Danish agenda appendix; "Side X af Y" in the footer."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.5)
    section.header_distance = section.footer_distance = Cm(1.25)
    footer = section.footer.paragraphs[0]
    footer.text = f"{report.municipality} · {report.committee} · {report.event_title}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pages = section.footer.add_paragraph(style="Footer")
    pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Word (and LibreOffice) fill the fields in on every page; the "1" is what shows before.
    pages.add_run(_("Side") + " ")
    _field(pages, "PAGE", "1")
    pages.add_run(" " + _("af") + " ")
    _field(pages, "NUMPAGES", "1")


def _danish_proofing(document) -> None:
    """Danish (da-DK) as the language of the defaults and of every style, so Word checks the
    spelling in Danish whatever the reader's own settings are."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    r_pr_default = defaults.find(qn("w:rPrDefault"))
    if r_pr_default is None:
        r_pr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, r_pr_default)
    r_pr = r_pr_default.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = OxmlElement("w:rPr")
        r_pr_default.append(r_pr)
    _set_language(r_pr)
    for style in document.styles:
        if style.type != WD_STYLE_TYPE.LIST:  # numbering styles carry no run properties
            _set_language(style.element.get_or_add_rPr())


# The children of w:rPr that the schema puts after w:lang.
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


def _set_language(r_pr) -> None:
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        following = next((child for child in r_pr
                          if child.tag in {qn(t) for t in _AFTER_LANG}), None)
        if following is None:
            r_pr.append(lang)
        else:
            following.addprevious(lang)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), LANGUAGE)


def _core_properties(document, report: Report) -> None:
    properties = document.core_properties
    properties.author = properties.last_modified_by = report.author
    properties.title = report.title
    properties.subject = report.subject
    properties.keywords = "; ".join(report.keywords)
    properties.category = _("Referat")
    properties.comments = report.status_line
    properties.language = LANGUAGE
    properties.created = properties.modified = report.generated_at
    properties.revision = report.version or 1


def _field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES, REF ...) with the result shown until Word updates it."""
    def char(kind):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    char("separate")
    paragraph.add_run(shown)
    char("end")


def _bookmark(paragraph, name: str, bookmark_id: int, text: str) -> None:
    """`text` as a run inside a bookmark, the target of a cross-reference (REF field)."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    paragraph._p.append(start)
    paragraph.add_run(text).bold = True
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    paragraph._p.append(end)


def _bookmark_name(note: ReportNote) -> str:
    # Names starting with "_Ref" are the hidden bookmarks Word's own cross-references use.
    return f"_RefNote{note.number}"


def _hyperlink(paragraph, url: str, text: str) -> None:
    part = paragraph.part
    relation = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = paragraph.add_run(text)
    run.font.underline = True
    run.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
    link.append(run._r)
    paragraph._p.append(link)


def _docx_table(document, headings):
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    header = table.rows[0]
    # The heading row repeats on every page the table runs over.
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, text in zip(header.cells, headings, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    return table


def _action_line(action: ReportAction) -> str:
    parts = [action.title]
    if action.responsible:
        parts.append(_("ansvarlig: %(who)s", who=action.responsible))
    if action.due_on:
        parts.append(_("frist: %(due)s", due=_due(action.due_on)))
    parts.append(status_label(action.status).lower())
    return " – ".join(parts)


def _docx_note(document, note: ReportNote) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.left_indent = Cm(0.8)
    paragraph.paragraph_format.first_line_indent = Cm(-0.8)
    _bookmark(paragraph, _bookmark_name(note), note.number, f"{note.number}.")
    paragraph.add_run("\t")
    if note.key_point:
        paragraph.add_run(_("Nøglepunkt: ")).bold = True
    paragraph.add_run(note.body)
    meta = note_meta(note)
    if meta:
        paragraph.add_run(f" ({meta})").italic = True


def _docx_section(document, section: ReportSection) -> None:
    if section.summary:
        document.add_heading(_("Resumé"), 3)
        document.add_paragraph(section.summary)
    if section.notes:
        document.add_heading(_("Noter"), 3)
        for note in section.held_notes:
            _docx_note(document, note)
        for note in section.see_also:
            # A real Word cross-reference: a REF field to the note's bookmark (\h: a link).
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Cm(0.8)
            paragraph.add_run(_("Se også note") + " ")
            _field(paragraph, f"REF {_bookmark_name(note)} \\h", f"{note.number}.")
            paragraph.add_run(" " + _("under %(section)s", section=note.home))
    if not section.summary and not section.notes:
        document.add_paragraph(_("Ingen noter eller resumé."))


# ---------------------------------------------------------------- PDF


class PdfUnavailable(DomainError):
    """The server cannot make PDFs right now (WeasyPrint or Debian's pango is missing)."""


def pdf_bytes(html: str) -> bytes:
    """The referat's print view (HTML) as an archival PDF/A-3b: A4, Danish, fonts embedded."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:  # OSError: pango's libraries are not installed
        raise PdfUnavailable(_(
            "Serveren kan ikke lave PDF-filer lige nu (der mangler et programbibliotek). Hent "
            "referatet som Word, eller brug den udskriftsvenlige side. Sig det gerne til "
            "driften.")) from error
    # The page is ours and the notes are escaped text, but nothing in it may make the server
    # fetch a URL or read a file: no protocol is allowed, the stylesheet is read here.
    fetcher = URLFetcher(allowed_protocols=(), fail_on_errors=False)
    stylesheet = CSS(string=PRINT_STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)
    with warnings.catch_warnings():
        # WeasyPrint leaves its sRGB profile file open when it writes PDF/A (ResourceWarning).
        warnings.simplefilter("ignore", ResourceWarning)
        return HTML(string=html, url_fetcher=fetcher).write_pdf(
            stylesheets=[stylesheet], pdf_variant="pdf/a-3b")


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
    """Log that the contribution was printed or downloaded ('print', 'docx', 'pdf', 'csv')."""
    record(actor, f"export.{kind}", committee,
           target="draft" if report.is_draft else f"version:{report.version}")
