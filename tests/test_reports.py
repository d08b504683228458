"""Reports of the contribution: the referat as Word and PDF/A (read back), printable page, CSV."""

import csv
import io
import re
import sys
from datetime import date, datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Mm
from pypdf import PdfReader
from sqlalchemy import select

from delib.extensions import db
from delib.models import AuditEntry, Participant
from delib.services import actions, agreements, attendance, reports, submissions, summaries
from delib.services.notes import NoteInput, curation
from tests.conftest import text_of
from tests.fixtures.committee import build_scene, post
from tests.fixtures.committee import review_url as url


@pytest.fixture
def scene(make_user, make_committee):
    scene = build_scene(make_user, make_committee)
    committee, chair = scene.committee, scene.chair
    curation.set_key_point(committee, scene.notes["absence"], chair, True)
    curation.hide_note(committee, scene.notes["dialogue"], chair, "Dublet")
    summaries.save_summary(committee, scene.task(1), chair, "Politikken skal give retning", 0)
    summaries.save_summary(committee, scene.message(1), chair, "Mere samarbejde på tværs", 0)
    actions.create_action(committee, chair, actions.ActionInput(
        scene.task(3).id, "Fraværsindsats i indskolingen", "Skolechefen",
        date(2021, 6, 30), "under_way"))
    db.session.commit()
    return scene


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def test_docx_of_the_draft_has_the_whole_contribution_in_danish(scene, chair_client):
    response = chair_client.get(url(scene, "/rapport.docx?udkast=1"))
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "udkast.docx" in response.headers["Content-Disposition"]
    text = docx_text(response.data)
    event = scene.committee.event
    assert "Aarhus Kommune – Børne- og Ungeudvalget" in text
    assert event.title in text and "28. januar 2021" in text
    assert "Udkast – ikke godkendt" in text
    assert f"Politisk oplæg: Oplæg 2: {event.talks[1].title}" in text
    assert f"Temamøde 3: {event.theme_meetings[2].title}" in text
    assert f"Temamøde 5: {event.theme_meetings[4].title}" in text
    assert f"Opgave 1: {scene.task(1).title}" in text
    assert "Politikken skal give retning" in text
    assert "Børne- og ungepolitikken skal give mening for lederne" in text
    assert "Nøglepunkt: Fravær skal opdages tidligt i indskolingen" in text
    assert "Vi skal tale mere med lederne" not in text  # hidden
    assert "Budskaber til Christiansborg" in text
    assert f"Budskab 1: {scene.message(1).title}" in text and "Mere samarbejde på tværs" in text
    assert "Opfølgende handlinger" in text
    assert "3 | Fraværsindsats i indskolingen | Skolechefen | 30. juni 2021 | I gang" in text
    # The Word file's order follows the agenda: choices, tasks, messages, actions.
    assert (text.index("Udvalgets valg") < text.index("Opgave 1:")
            < text.index("Budskab 1:") < text.index("Opfølgende handlinger"))


def test_docx_defaults_to_the_latest_submission_and_keeps_old_versions(scene, chair_client):
    submissions.submit(scene.committee, scene.chair, False, True)
    submissions.reopen(scene.committee, scene.chair)
    curation.edit_note(scene.committee, scene.notes["school"], scene.chair,
                      NoteInput("Skolelederne mangler råderum",
                                        [scene.task(2).id], []),
                      scene.notes["school"].version, 4000)
    db.session.commit()
    latest = docx_text(chair_client.get(url(scene, "/rapport.docx")).data)
    assert "Version 1, godkendt og indsendt til KL" in latest
    assert "af Anne Formand" in latest
    assert "Rammerne for skolelederne er for snævre" in latest  # the draft edit is not in v1
    draft = docx_text(chair_client.get(url(scene, "/rapport.docx?udkast=1")).data)
    assert "Skolelederne mangler råderum" in draft

    submissions.submit(scene.committee, scene.chair, True, True)
    db.session.commit()
    second = chair_client.get(url(scene, "/rapport.docx"))
    assert "version-2.docx" in second.headers["Content-Disposition"]
    second_text = docx_text(second.data)
    assert "Skolelederne mangler råderum" in second_text
    assert "Bo Deltager" in second_text  # version 2 shows authors
    first = docx_text(chair_client.get(url(scene, "/rapport.docx?version=1")).data)
    # Version 1 does not show who wrote the notes (Bo is on the attendance list, though).
    assert "Rammerne for skolelederne er for snævre" in first and "· Bo Deltager)" not in first
    assert "· Bo Deltager)" in second_text
    assert chair_client.get(url(scene, "/rapport.docx?version=9")).status_code == 404


def test_printable_page_has_the_content_and_a_print_stylesheet(scene, chair_client, app):
    response = chair_client.get(url(scene, "/rapport?udkast=1"))
    assert response.status_code == 200
    page = text_of(response)
    assert "Aarhus Kommune – Børne- og Ungeudvalget" in page
    assert "Politikken skal give retning" in page
    assert "Nøglepunkt: Fravær skal opdages" in page
    assert "Fraværsindsats i indskolingen" in page and "I gang" in page
    assert "Ctrl+P" in page
    # The same referat as the files: agenda item, attendance, numbered notes, cross-references.
    for words in ("Sagsfremstilling", "Indstilling", "Beslutning", "Deltagere",
                  "Anne Formand, Formand", "3. Nøglepunkt: Fravær skal opdages",
                  "Se også note 3. under Opgave 3"):
        assert words in page, words
    assert page.count("Fravær skal opdages tidligt i indskolingen") == 1
    assert len(CLOCK.findall(page)) == 1  # when it was printed; never one per note
    assert f'href="{url(scene, "/rapport.pdf?udkast=1")}"' in response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert 'class="no-print"' in html and 'style="' not in html
    with app.open_resource("static/delib.css") as stylesheet:
        css = stylesheet.read().decode()
    print_rules = css[css.index("/* review and reports */"):]
    assert "@media print" in print_rules and ".no-print" in print_rules
    # The paper rules the PDF is rendered with, linked for the browser's print as well.
    assert 'href="/static/referat.css" media="print"' in html
    with app.open_resource("static/referat.css") as stylesheet:
        paper = stylesheet.read().decode()
    assert "size: A4" in paper and 'counter(page) " af " counter(pages)' in paper


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_csv_of_notes_neutralises_formulas(scene, chair_client):
    slot = scene.committee.event.slots[0]
    for body in ('=HYPERLINK("http://evil.example","klik")', "+45 ring", "-1 point",
                 "@SUM(A1)"):
        post(scene.committee, slot, scene.participant, body, [4])
    response = chair_client.get(url(scene, "/noter.csv?udkast=1"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = csv_rows(response.data)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Kommune", "Udvalg", "Opgaver"] and "Note" in header
    notes = [row[header.index("Note")] for row in body]
    assert "'=HYPERLINK(\"http://evil.example\",\"klik\")" in notes
    assert "'+45 ring" in notes and "'-1 point" in notes and "'@SUM(A1)" in notes
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)
    absence = next(row for row in body if row[header.index("Note")].startswith("Fravær"))
    assert absence[header.index("Opgaver")] == "3, 4"
    assert absence[header.index("Nøglepunkt")] == "ja"
    assert absence[header.index("Skrevet af")] == "Bo Deltager"
    assert "Vi skal tale mere med lederne om politikken" not in notes


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("plain", "plain"), ("", ""), (None, ""), (3, "3"),
])
def test_neutralise_cell(value, expected):
    assert reports.neutralise_cell(value) == expected


def test_report_file_names_are_safe(scene, chair_client):
    report = reports.build_report(scene.committee)
    assert report.filename_stem == "bidrag-aarhus-børne-og-ungeudvalget-udkast"
    scene.committee.name = "Udvalg for Łódź / \"venskab\"; ✓"
    db.session.commit()
    for path in ("/rapport.docx?udkast=1", "/rapport.pdf?udkast=1", "/noter.csv?udkast=1"):
        response = chair_client.get(url(scene, path))
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and '"venskab"' not in disposition
        encoded = "filename*=UTF-8''bidrag-aarhus-udvalg-for-%C5%82%C3%B3d%C5%BA-venskab"
        assert encoded in disposition


# ---------------------------------------------------------------- the referat, agenda-ready

# A clock time as the old referat put on every note ("14.05", "9:30").
CLOCK = re.compile(r"\b\d{1,2}[.:]\d{2}\b")
ABSENCE = "Fravær skal opdages tidligt i indskolingen"


@pytest.fixture
def submitted(scene):
    """Version 1, submitted after the chair corrected the attendance list and one of the two
    members agreed to the draft referat."""
    committee, chair = scene.committee, scene.chair
    db.session.add(Participant(committee=committee, display_name="Karin Holm"))
    db.session.flush()
    attendance.add(committee, chair, name="Lise Kjær", role="secretary")
    agreements.open_round(committee, chair)
    agreements.answer(committee, scene.participant, True, "")
    submission = submissions.submit(committee, chair, False, True,
                                    public_access_acknowledged=True)
    db.session.commit()
    return submission


def heading_levels(document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs
            if p.style.name.startswith(("Heading", "Title"))]


def test_docx_referat_is_a4_danish_with_properties_and_page_numbers(scene, submitted,
                                                                    chair_client):
    response = chair_client.get(url(scene, "/rapport.docx"))
    document = Document(io.BytesIO(response.data))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    for margin in (section.left_margin, section.right_margin, section.top_margin):
        assert abs(margin - Cm(2.5)) < Mm(0.1)  # Word stores margins in twentieths of a point

    # Danish proofing on the defaults and on every style Word can apply.
    styles = document.styles.element
    default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert default.find(qn("w:lang")).get(qn("w:val")) == "da-DK"
    checked = 0
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) == "numbering":
            continue
        lang = style.find(qn("w:rPr")).find(qn("w:lang"))
        assert lang is not None and lang.get(qn("w:val")) == "da-DK", style.get(qn("w:styleId"))
        checked += 1
    assert checked > 20

    props = document.core_properties
    assert props.author == "Børne- og Ungeudvalget, Aarhus Kommune"
    assert props.last_modified_by == props.author
    assert "python-docx" not in f"{props.author} {props.last_modified_by} {props.comments}"
    event = scene.committee.event
    assert "Børne- og Ungeudvalget" in props.title and "Aarhus" in props.title
    assert event.title in props.title
    assert props.subject == f"Bidrag til {event.title}, 28. januar 2021"
    assert "Aarhus Kommune" in props.keywords and event.title in props.keywords
    assert props.language == "da-DK"

    footer = section.footer
    assert "Aarhus · Børne- og Ungeudvalget" in footer.paragraphs[0].text
    pages = footer.paragraphs[1]
    instructions = [t.text.strip() for t in pages._p.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert pages.text == "Side 1 af 1"  # what shows until Word fills in the fields


def test_docx_referat_has_headings_each_note_once_and_no_clock_times(scene, submitted,
                                                                     chair_client):
    document = Document(io.BytesIO(chair_client.get(url(scene, "/rapport.docx")).data))
    levels = heading_levels(document)
    assert levels[0] == ("Title", "Aarhus Kommune – Børne- og Ungeudvalget")
    task_1 = levels.index(("Heading 2", f"Opgave 1: {scene.task(1).title}"))
    assert levels[task_1 + 1:task_1 + 3] == [("Heading 3", "Resumé"), ("Heading 3", "Noter")]
    task_3 = levels.index(("Heading 2", f"Opgave 3: {scene.task(3).title}"))
    assert levels[task_3 + 1:task_3 + 3] == [("Heading 3", "Noter"), ("Heading 3", "Opfølgning")]
    for heading in ("Dagsordenspunkt", "Deltagere", "Udvalgets valg",
                    "Topmødeerklæringens opgaver", "Budskaber til Christiansborg",
                    "Opfølgende handlinger"):
        assert ("Heading 1", heading) in levels
    # No heading left as a bold plain paragraph ("Resumé:" in Normal style).
    assert not [p.text for p in document.paragraphs
                if p.text in ("Resumé:", "Noter:", "Opfølgning:")]

    # The absence note is mapped to tasks 3 and 4: printed once, under task 3, with a bookmark;
    # task 4 refers to it with a REF field to that bookmark.
    paragraphs = document.paragraphs
    holding = [p for p in paragraphs if ABSENCE in p.text]
    assert len(holding) == 1
    bookmark = holding[0]._p.find(qn("w:bookmarkStart")).get(qn("w:name"))
    number = holding[0].text.split(".")[0]
    assert holding[0].text.startswith(f"{number}.\tNøglepunkt: {ABSENCE}")
    texts = [p.text for p in paragraphs]
    task_4 = texts.index(f"Opgave 4: {scene.task(4).title}")
    reference = next(p for p in paragraphs[task_4:] if p.text.startswith("Se også note"))
    assert reference.text == f"Se også note {number}. under Opgave 3"
    ref = [t.text.strip() for t in reference._p.iter(qn("w:instrText"))]
    assert ref == [f"REF {bookmark} \\h"]
    assert texts.index(reference.text) < texts.index(f"Budskab 1: {scene.message(1).title}")
    assert sum(ABSENCE in t for t in texts) == 1
    # Message 1 refers to the policy note printed under task 1.
    assert "Se også note 1. under Opgave 1" in texts
    assert sum("Børne- og ungepolitikken skal give mening" in t for t in texts) == 1

    # No clock time on the notes: the one time in the file is when it was submitted.
    notes = [p.text for p in paragraphs if p._p.find(qn("w:bookmarkStart")) is not None]
    assert len(notes) == 3 and not any(CLOCK.search(n) for n in notes)
    assert len(CLOCK.findall(docx_text(document_bytes(document)))) == 1


def document_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_referat_has_attendance_agreement_agenda_item_and_kl_link(scene, submitted,
                                                                       chair_client, app):
    data = chair_client.get(url(scene, "/rapport.docx")).data
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    event = scene.committee.event

    # The agenda item, ready to paste: facts, the proposal, and Beslutning left empty.
    facts = texts[texts.index("Sagsfremstilling") + 1:texts.index("Indstilling")]
    assert facts[0].startswith(f"Børne- og Ungeudvalget drøftede på {event.title}")
    assert facts[1].startswith(f"Udvalget fulgte: Oplæg 2: {event.talks[1].title}; Temamøde 3")
    assert ("Bidraget rummer 3 noter. 1 af dem er markeret som nøglepunkt. Udvalget skrev "
            "resumé for 1 af 4 opgaver. Udvalget aftalte 1 opfølgende handling.") in facts
    assert any("indsendte bidraget til KL" in f and "(version 1)" in f for f in facts)
    assert "Udvalgets medlemmer læste udkastet: Godkendt af 1 af 2 deltagere." in facts
    proposal = texts[texts.index("Indstilling") + 1]
    assert proposal.startswith("Det indstilles, at udvalget tager bidraget til")
    assert "godkender de opfølgende handlinger" in proposal
    decision = texts.index("Beslutning")
    assert texts[decision + 1] == "" and texts[decision + 2] == "Deltagere"

    attendees = texts[texts.index("Deltagere") + 1:texts.index("Udvalgets valg")]
    assert "Anne Formand, Formand" in attendees and "Lise Kjær, Sekretær" in attendees
    assert any(a.startswith("Bo Deltager") for a in attendees)
    assert "Godkendt af 1 af 2 deltagere" in attendees

    links = [rel.target_ref for rel in document.part.rels.values()
             if rel.reltype.endswith("/hyperlink")]
    assert links == [f"{app.config['BASE_URL']}/kl/bidrag/{scene.committee.id}"]
    assert any(p.text == f"Bidraget på KL's side: {links[0]}" for p in document.paragraphs)
    assert "Personoplysninger fjernet" not in "\n".join(texts)


def test_referat_says_when_personal_data_was_removed_after_submission(scene, submitted,
                                                                      chair_client):
    submitted.redacted_at = datetime(2021, 2, 3, 9, 15)
    db.session.commit()
    text = docx_text(chair_client.get(url(scene, "/rapport.docx")).data)
    assert "Personoplysninger fjernet efter indsendelse 3. februar 2021 kl. 10.15" in text
    page = text_of(chair_client.get(url(scene, "/rapport?version=1")))
    assert "Personoplysninger fjernet efter indsendelse 3. februar 2021" in page
    # The draft has nothing removed after submission to tell.
    assert "Personoplysninger fjernet" not in docx_text(
        chair_client.get(url(scene, "/rapport.docx?udkast=1")).data)


def test_docx_referat_is_danish_whatever_the_chair_reads(scene, submitted, chair_client):
    chair_client.post("/sprog", data={"lang": "en", "next": "/"})
    assert "The committee's choices" in text_of(chair_client.get(url(scene, "/rapport")))
    document = Document(io.BytesIO(chair_client.get(url(scene, "/rapport.docx")).data))
    levels = heading_levels(document)
    assert ("Heading 1", "Udvalgets valg") in levels and ("Heading 1", "Dagsordenspunkt") in levels
    reader = PdfReader(io.BytesIO(chair_client.get(url(scene, "/rapport.pdf")).data))
    assert "Udvalgets valg" in reader.pages[1].extract_text() + reader.pages[0].extract_text()


# ---------------------------------------------------------------- PDF/A


def pdf_fonts(reader: PdfReader):
    """Every font the pages use, with its descendants (Type0 fonts keep the glyphs there)."""
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            yield font
            for descendant in font.get("/DescendantFonts", []):
                yield descendant.get_object()


def test_pdf_referat_is_pdfa_a4_danish_with_fonts_embedded(scene, submitted, chair_client, app):
    response = chair_client.get(url(scene, "/rapport.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "version-1.pdf" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "da"
    fonts = list(pdf_fonts(reader))
    assert fonts
    for font in fonts:
        if font["/Subtype"] == "/Type0":
            continue  # its glyphs are in the descendant font, checked here too
        descriptor = font["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
    assert any("DejaVu" in str(f["/BaseFont"]) for f in fonts)

    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)
    assert reader.metadata.title.startswith("Referat: Børne- og Ungeudvalget, Aarhus Kommune")
    assert reader.metadata.author == "Børne- og Ungeudvalget, Aarhus Kommune"

    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for number in (1, 2, 3, 4):
        assert " ".join(f"Opgave {number}: {scene.task(number).title}".split()) in flat
    assert "Politikken skal give retning" in flat and ABSENCE in flat
    assert flat.count(ABSENCE) == 1 and f"3. Nøglepunkt: {ABSENCE}" in flat
    assert "Se også note 3. under Opgave 3" in flat
    for words in ("Sagsfremstilling", "Indstilling", "Beslutning", "Anne Formand, Formand",
                  "Lise Kjær, Sekretær", "Godkendt af 1 af 2 deltagere",
                  f"{app.config['BASE_URL']}/kl/bidrag/{scene.committee.id}"):
        assert words in flat, words
    pages = len(reader.pages)
    assert f"Side 1 af {pages}" in flat and f"Side {pages} af {pages}" in flat
    assert len(CLOCK.findall(flat)) == 1  # the submission's time, never one per note

    logged = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("export.%"))).all()
    assert logged == ["export.pdf"]


def test_pdf_of_the_draft_and_who_may_fetch_it(scene, chair_client, make_client):
    reader = PdfReader(io.BytesIO(chair_client.get(url(scene, "/rapport.pdf?udkast=1")).data))
    flat = " ".join("\n".join(p.extract_text() for p in reader.pages).split())
    assert "Udkast – ikke godkendt eller indsendt" in flat
    assert "Vi skal tale mere med lederne" not in flat  # hidden
    assert "Deltagere" in flat and "Anne Formand" in flat
    assert "Når bidraget er indsendt, kan KL læse det her: http" in flat
    participant_client, participant_auth = make_client()
    participant_auth.join(scene.committee, name="Deltager")
    assert participant_client.get(url(scene, "/rapport.pdf?udkast=1")).status_code == 403


def test_pdf_without_the_pdf_libraries_is_a_danish_503(scene, chair_client, monkeypatch):
    # What a server without Debian's pango sees: importing WeasyPrint fails.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = chair_client.get(url(scene, "/rapport.pdf?udkast=1"))
    assert response.status_code == 503
    assert "Serveren kan ikke lave PDF-filer lige nu" in text_of(response)
    assert not db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "export.pdf")).all()
    # The Word file still comes.
    assert chair_client.get(url(scene, "/rapport.docx?udkast=1")).status_code == 200
