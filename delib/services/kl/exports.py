"""CSV and Excel exports of the submitted notes, summaries and actions, with their context.

Every text cell passes `delib.sanitize.spreadsheet_cell`, so a note starting with = + - @ is
shown as text and never runs as a formula.

The anonymised export (for publishing) names no municipality, directly or indirectly:
- a row shows its municipality's region and size group only where at least three of the
  exported municipalities share that cell (`MIN_GROUP`); the others are merged into their
  region ("Alle størrelser"), and what is still smaller than three into one nationwide group
  (with the smallest published groups, until it reaches three); with fewer than three
  municipalities in the whole export, their rows are withheld. The island municipalities
  (Fanø, Læsø, Samsø, Ærø: at most two per region) therefore never show as "Ø-kommuner".
  The groups are formed over every sheet of the export together, so the sheets agree.
- authors are left out; municipality names, their genitives and demonyms ("aarhusianske",
  "Københavnerne", "samsingerne") become "[kommunen]" in every text;
- personal data the name guard finds (delib.services.privacy) is masked: "[navn]", "[person]",
  "[cpr]", "[telefon]", "[e-mail]".
The workbook says so in a sheet of its own ("Om anonymiseringen").
"""

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
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
from delib.services import DomainError, privacy, suggestions
from delib.services.follow_ups import STATUS_LABELS as FOLLOW_UP_LABELS
from delib.services.kl import overview
from delib.services.kl.follow_ups import follow_ups_query
from delib.services.municipalities import SIZE_LABELS, size_group

KINDS = ("notes", "summaries", "actions", "follow_ups")
FORMATS = ("csv", "xlsx")
ANONYMISED_NAME = "[kommunen]"
#: The smallest number of municipalities a published region/size group may stand for.
MIN_GROUP = 3
#: Municipality names that are also ordinary words ("på vejen", "en odder", "en skive"): these
#: are replaced only when capitalised, the others in any case ("i aarhus").
_NAMES_THAT_ARE_WORDS = frozenset({"Vejen", "Odder", "Greve", "Tønder", "Skive", "Varde"})
#: How Danish makes inhabitants and adjectives of a place name: Aarhus-ian-ske,
#: Aalborg-ens-isk, Odense-an-er, Københavnsk, Ærø-bo, Vejle-ns-er.
_DEMONYM = r"(?:ian|ean|an|ens|ns|sk|isk|bo|er|ing|ik)[a-zæøå]*"
#: Demonyms that do not start with the name as written.
_IRREGULAR_DEMONYMS = ("københavn", "århusian", "randrusian", "samsing", "fannik", "lollik",
                       "bornholm")
STATUS_LABELS = {"planned": "Planlagt", "under_way": "I gang", "done": "Gennemført"}


@dataclass
class Sheet:
    kind: str
    title: str
    header: list[str]
    rows: list[list]
    #: Anonymised sheets only: each row's municipality (never written to the file).
    municipalities: list[Municipality] = field(default_factory=list)
    #: The anonymisation sheet only: how many rows were withheld.
    withheld: int = 0


def _local(event: Event, instant: datetime | None) -> datetime | None:
    """A stored UTC instant as the event's local wall-clock time (spreadsheets have no zones)."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC).astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)


def _spellings(name: str) -> set[str]:
    """A name and its other spelling: Aarhus/Århus, Aabenraa/Åbenrå."""
    return {name, name.replace("Aa", "Å").replace("aa", "å")}


def _alternation(names) -> str:
    # Longest first, so "Lyngby-Taarbæk" wins over a shorter name inside it.
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


@lru_cache(maxsize=4)
def _name_patterns(names: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """(any case: names, genitives and demonyms; capitalised only: names that are words)."""
    words = {n for n in names if n in _NAMES_THAT_ARE_WORDS}
    spelled = {v for n in names if n not in words for v in _spellings(n)}
    stems = {v.lower() for v in spelled if " " not in v}
    anycase = re.compile(
        rf"(?<!\w)(?:(?:{_alternation(spelled)})(?:'s|s|')?|(?:{_alternation(stems)}){_DEMONYM}"
        rf"|(?:{'|'.join(_IRREGULAR_DEMONYMS)})\w*)(?!\w)", re.IGNORECASE)
    capitalised = re.compile(rf"(?<!\w)(?:{_alternation(words)})s?(?!\w)")
    return anycase, capitalised


def _scrubber():
    """A function that masks a text for publishing: personal data the name guard finds, then
    every municipality's name, genitive and demonym as [kommunen]."""
    rows = db.session.execute(select(Municipality.name, Municipality.official_name)).all()
    names = tuple(sorted({n for row in rows for n in row if n}))
    anycase, capitalised = _name_patterns(names)

    def scrub(text):
        text = privacy.mask(text or "")
        return capitalised.sub(ANONYMISED_NAME, anycase.sub(ANONYMISED_NAME, text))
    return scrub


class _Who:
    """The municipality columns of a row, real or anonymised."""

    def __init__(self, anonymise: bool):
        self.anonymise = anonymise

    def header(self) -> list[str]:
        if self.anonymise:
            return [_("Region"), _("Størrelsesgruppe")]
        return [_("Kommune"), _("Kommunekode"), _("Region"), _("Størrelsesgruppe")]

    def cells(self, m: Municipality) -> list:
        if self.anonymise:
            return [None, None]  # filled in by _anonymise, once every sheet is known
        return [m.name, m.code, m.region, str(SIZE_LABELS[size_group(m)])]


def publishable_groups(municipalities) -> dict[int, tuple[str, str] | None]:
    """Municipality code → the (region, size group) labels its rows may show, each standing for
    at least MIN_GROUP of the given municipalities; None where the rows must be withheld."""
    everyone = {m.code: m for m in municipalities}
    all_sizes, nationwide = _("Alle størrelser (sammenlagt)"), _("Hele landet (sammenlagt)")
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for m in everyone.values():
        groups[(m.region, str(SIZE_LABELS[size_group(m)]))].append(m.code)
    # Too small a cell: merged into its region; too small a region: into the nationwide group.
    for label in [k for k, codes in groups.items() if len(codes) < MIN_GROUP]:
        groups[(label[0], all_sizes)] += groups.pop(label)
    for label in [k for k, codes in groups.items() if len(codes) < MIN_GROUP]:
        groups[(nationwide, all_sizes)] += groups.pop(label)
    rest = groups.get((nationwide, all_sizes), [])
    # A nationwide remainder of one or two is told apart by elimination: the smallest published
    # groups join it until it stands for three as well.
    while rest and len(rest) < MIN_GROUP and len(groups) > 1:
        smallest = min((k for k in groups if k != (nationwide, all_sizes)),
                       key=lambda k: (len(groups[k]), k))
        rest += groups.pop(smallest)
    if len(everyone) < MIN_GROUP:
        return dict.fromkeys(everyone)
    return {code: label for label, codes in groups.items() for code in codes}


def _anonymise(all_sheets: list[Sheet]) -> list[Sheet]:
    """Fill in the region and size group of every anonymised row; withhold what must be."""
    labels = publishable_groups({m for s in all_sheets for m in s.municipalities})
    for sheet in all_sheets:
        kept, kept_municipalities = [], []
        for row, m in zip(sheet.rows, sheet.municipalities, strict=True):
            if labels[m.code] is not None:
                row[0], row[1] = labels[m.code]
                kept.append(row)
                kept_municipalities.append(m)
        sheet.rows, sheet.municipalities = kept, kept_municipalities
    return all_sheets


def about_sheet(all_sheets: list[Sheet], withheld: int) -> Sheet:
    """What the anonymisation did, as a sheet of the workbook."""
    lines = [
        _("Anonymiseret til offentliggørelse. Ingen kommune nævnes direkte eller indirekte."),
        _("Region og størrelsesgruppe vises kun, hvor mindst %(n)d af de eksporterede kommuner "
          "deler dem. Mindre grupper er lagt sammen i regionen (\"Alle størrelser "
          "(sammenlagt)\") eller i hele landet (\"Hele landet (sammenlagt)\"). Ø-kommunerne "
          "vises derfor aldrig for sig.", n=MIN_GROUP),
        _("Kommunenavne og indbyggerbetegnelser i teksterne er erstattet af [kommunen]. "
          "Mulige personoplysninger er erstattet af [navn], [person], [cpr], [telefon] og "
          "[e-mail]. Forfattere er udeladt."),
    ]
    if withheld:
        lines.append(_("%(rows)d rækker er udeladt, fordi eksporten omfatter færre end %(n)d "
                       "kommuner.", rows=withheld, n=MIN_GROUP))
    return Sheet("about", _("Om anonymiseringen"), [_("Om anonymiseringen")],
                 [[line] for line in lines], withheld=withheld)


def _finish(sheet: Sheet, found, anonymise: bool, alone: bool) -> Sheet:
    """Keep each row's municipality for anonymising; a sheet exported alone is grouped alone."""
    if anonymise:
        sheet.municipalities = [m for _x, m in found]
        if alone:
            _anonymise([sheet])
    return sheet


def notes_sheet(event: Event, f: overview.Filters, search=None,
                anonymise: bool = False, alone: bool = True) -> Sheet:
    """Every submitted note under the filters (and search), one row each, with its context."""
    who, scrub = _Who(anonymise), _scrubber() if anonymise else (lambda t: t)
    labels = overview.context_labels(event)
    header = who.header() + [
        _("Indsendt version"), _("Indsendt"), _("Pause"), _("Politisk oplæg"), _("Temamøde"),
        _("Opgaver"), _("Budskaber til Christiansborg"), _("Koblingernes oprindelse"),
        _("Nøglepunkt"),
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
    return _finish(Sheet("notes", _("Noter"), header, rows), found, anonymise, alone)


def summaries_sheet(event: Event, f: overview.Filters, anonymise: bool = False,
                    alone: bool = True) -> Sheet:
    """The chairs' submitted summaries per task and message."""
    who, scrub = _Who(anonymise), _scrubber() if anonymise else (lambda t: t)
    header = who.header() + [_("Opgave"), _("Budskab til Christiansborg"), _("Opsummering")]
    rows = []
    found = db.session.execute(overview.summaries_query(event, f)).all()
    for s, m in found:
        rows.append(who.cells(m) + [
            f"{s.task.number}. {s.task.short_title or s.task.title}" if s.task else "",
            f"{s.message.number}. {s.message.short_title or s.message.title}" if s.message else "",
            scrub(s.body)])
    return _finish(Sheet("summaries", _("Opsummeringer"), header, rows), found, anonymise, alone)


def actions_sheet(event: Event, f: overview.Filters, anonymise: bool = False,
                  alone: bool = True) -> Sheet:
    """The submitted follow-up actions: what, who, by when, status."""
    who, scrub = _Who(anonymise), _scrubber() if anonymise else (lambda t: t)
    header = who.header() + [_("Opgave"), _("Handling"), _("Ansvarlig"), _("Frist"),
                             _("Status")]
    rows = []
    found = db.session.execute(overview.actions_query(event, f)).all()
    for a, m in found:
        rows.append(who.cells(m) + [
            f"{a.task.number}. {a.task.short_title or a.task.title}" if a.task else "",
            scrub(a.title), scrub(a.responsible), a.due_on,
            STATUS_LABELS.get(a.status, a.status)])
    return _finish(Sheet("actions", _("Handlinger"), header, rows), found, anonymise, alone)


def follow_ups_sheet(event: Event, f: overview.Filters, anonymise: bool = False,
                     alone: bool = True) -> Sheet:
    """How the previous event's actions went, as submitted with this event's contributions."""
    who, scrub = _Who(anonymise), _scrubber() if anonymise else (lambda t: t)
    header = who.header() + [_("Opgave (sidste topmøde)"), _("Handling"), _("Ansvarlig"),
                             _("Frist"), _("Status ved sidste topmøde"), _("Opfølgning"),
                             _("Kommentar")]
    rows = []
    found = db.session.execute(follow_ups_query(event, f)).all()
    for x, m in found:
        rows.append(who.cells(m) + [
            f"{x.task.number}. {x.task.short_title or x.task.title}" if x.task else "",
            scrub(x.title), scrub(x.responsible), x.due_on,
            STATUS_LABELS.get(x.previous_status, x.previous_status),
            str(FOLLOW_UP_LABELS.get(x.status, x.status)), scrub(x.comment)])
    return _finish(Sheet("follow_ups", _("Opfølgning"), header, rows), found, anonymise, alone)


def sheets(event: Event, f: overview.Filters, kinds=KINDS, search=None,
           anonymise: bool = False) -> list[Sheet]:
    """The requested sheets, in the order notes, summaries, actions, follow-ups (anonymised:
    grouped over all of them, and followed by the sheet that says how)."""
    out = []
    if "notes" in kinds:
        out.append(notes_sheet(event, f, search, anonymise, alone=False))
    if "summaries" in kinds:
        out.append(summaries_sheet(event, f, anonymise, alone=False))
    if "actions" in kinds:
        out.append(actions_sheet(event, f, anonymise, alone=False))
    if "follow_ups" in kinds:
        out.append(follow_ups_sheet(event, f, anonymise, alone=False))
    if anonymise:
        before = sum(len(s.rows) for s in out)
        _anonymise(out)
        out.append(about_sheet(out, before - sum(len(s.rows) for s in out)))
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
    if anonymise and found[-1].withheld:
        raise DomainError(_(
            "Udtrækket omfatter færre end %(n)d kommuner, så hver kommune ville kunne genkendes. "
            "Vælg bredere filtre for at hente det anonymiseret.", n=MIN_GROUP))
    if fmt == "csv":
        # One kind per CSV file: the anonymisation note is the workbook's, not a second file.
        data, mimetype = to_csv(found[0]), "text/csv; charset=utf-8"
    else:
        data = to_xlsx(found, title=event.title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit.record(actor, f"export.{fmt}", target=kind, event=event.slug, anonymised=anonymise,
                 filters=f.as_args(), query=prepared.query,
                 rows=sum(len(s.rows) for s in found if s.kind != "about"))
    return Download(data, mimetype, filename(event, kind, fmt, anonymise))
