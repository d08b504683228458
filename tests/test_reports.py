"""Reports of the contribution: Word document, printable page and CSV of the notes."""

import csv
import io
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document

from delib.extensions import db
from delib.services import actions, reports, submissions, summaries
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
    assert "Rammerne for skolelederne er for snævre" in first and "Bo Deltager" not in first
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
    html = response.get_data(as_text=True)
    assert 'class="no-print"' in html and 'style="' not in html
    with app.open_resource("static/delib.css") as stylesheet:
        css = stylesheet.read().decode()
    print_rules = css[css.index("/* review and reports */"):]
    assert "@media print" in print_rules and ".no-print" in print_rules


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
    for path in ("/rapport.docx?udkast=1", "/noter.csv?udkast=1"):
        response = chair_client.get(url(scene, path))
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and '"venskab"' not in disposition
        encoded = "filename*=UTF-8''bidrag-aarhus-udvalg-for-%C5%82%C3%B3d%C5%BA-venskab"
        assert encoded in disposition


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                    reason="LibreOffice is not installed")
def test_docx_converts_to_pdf_with_libreoffice(scene, tmp_path):
    source = tmp_path / "bidrag.docx"
    source.write_bytes(reports.docx_bytes(reports.build_report(scene.committee)))
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([binary, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(source)], check=True, timeout=120, capture_output=True)
    assert (tmp_path / "bidrag.pdf").read_bytes().startswith(b"%PDF")
