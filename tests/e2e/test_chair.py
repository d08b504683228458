"""Journey 2 in a real browser: the chair reviews the committee's notes, edits one, writes a
summary, approves and submits to KL, and downloads the referat as Word and as PDF/A."""

import io
import re

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from delib.extensions import db
from delib.models import Committee, DiscussionSlot, Submission
from delib.services import committees as committee_service
from delib.services import notes as note_service
from delib.services.notes import NoteInput
from tests.e2e.conftest import CHAIR_EMAIL, PASSWORD
from tests.e2e.helpers import assert_accessible, expect, shoot, watch_page

NOTES = [
    ("Børne- og ungepolitikken skal have færre mål og en klarere retning.", [1]),
    ("Skoleledere og dagtilbudsledere skal mødes fast hvert kvartal.", [2]),
    ("Vi skal lukke projekter, som ingen kan forklare værdien af.", [3]),
    ("Del fraværsdata med nabokommunerne og lær af dem.", [4, 3]),
]


@pytest.fixture
def committee_with_notes(live_app, seed):
    """Two participants have written notes in the open break (through the service layer)."""
    with live_app.app_context():
        committee = db.session.get(Committee, seed["committee_id"])
        slot = db.session.get(DiscussionSlot, seed["slot_id"])
        tasks = {t.number: t.id for t in committee.event.tasks}
        writers = [committee_service.join(committee.join_code, name) for name in ("Anna", "Bo")]
        for i, (body, numbers) in enumerate(NOTES):
            note_service.post_note(committee, slot, writers[i % 2],
                                   NoteInput(body=body, task_ids=[tasks[n] for n in numbers],
                                             message_ids=[]),
                                   note_service.new_client_key(), 4000)
        db.session.commit()
        db.session.remove()
    return seed


def sign_in(page, live_server, email=CHAIR_EMAIL, password=PASSWORD):
    page.goto(live_server("/login"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()


def test_chair_reviews_summarises_submits_and_downloads_word(live_server, live_app,
                                                             committee_with_notes, new_context,
                                                             tmp_path):
    seed = committee_with_notes
    page = new_context().new_page()
    problems = watch_page(page)
    sign_in(page, live_server)
    assert_accessible(page, "the chair's committee list")

    page.goto(live_server(f"/udvalg/{seed['committee_id']}"))
    page.get_by_role("link", name="Gennemgå noterne og indsend bidraget til KL").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gennemgang af noterne")
    expect(page.locator("main")).to_contain_text("4 noter er med i bidraget.")
    task_1 = page.locator("section.review-task").first
    expect(task_1.get_by_role("heading", level=2)).to_contain_text("Opgave 1:")
    expect(task_1).to_contain_text(NOTES[0][0])
    assert_accessible(page, "the review screen")
    shoot(page, "review")

    # Edit a note: the change is saved as a new version, the old text stays in the history.
    original = NOTES[0][0]
    edited = "Børne- og ungepolitikken skal have færre mål, en klarere retning og børnenes stemme."
    page.locator(".review-note", has_text=original).get_by_role("link", name="Rediger").click()
    assert_accessible(page, "the chair's note editor")
    page.get_by_label("Note", exact=True).fill(edited)
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.locator(".flash-success")).to_be_visible()
    edited_card = page.locator(".review-note", has_text=edited)
    expect(edited_card).to_contain_text(re.compile(r"redigeret 1 gang\b"))
    edited_card.get_by_role("link", name="Historik").click()
    expect(page.locator("main")).to_contain_text(original)
    expect(page.locator("main")).to_contain_text(edited)
    assert_accessible(page, "a note's history")
    page.go_back()

    # Summarise task 1.
    summary = "Udvalget vil forenkle politikken og inddrage børnene, før den revideres i 2022."
    page.locator("section.review-task").first.get_by_role("link", name="Skriv resumé").click()
    assert_accessible(page, "the summary editor")
    page.get_by_label("Resumé", exact=True).fill(summary)
    page.get_by_role("button", name="Gem resumé").click()
    expect(page.locator(".flash-success")).to_contain_text("Resuméet er gemt")
    expect(page.locator("section.review-task").first.locator(".summary-box")).to_contain_text(
        summary)

    # Approve and submit.
    page.get_by_role("navigation", name="Gennemgang").get_by_role(
        "link", name="Godkend og indsend").click()
    expect(page.locator("main")).to_contain_text("4 godkendte noter")
    expect(page.locator("main")).to_contain_text("Resuméer for 1 af 4 opgaver")
    assert_accessible(page, "the approve page")
    shoot(page, "approve")
    page.get_by_label("Jeg ved, at det indsendte bliver KL's dokument").check()
    page.get_by_role("button", name="Godkend og indsend til KL").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Bidraget er godkendt og indsendt til KL som version 1")

    # The versions page, and the Word report of exactly what was submitted.
    page.get_by_role("navigation", name="Gennemgang").get_by_role(
        "link", name="Indsendte versioner").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Det KL ser")
    assert_accessible(page, "the submitted versions")
    with page.expect_download() as download_info:
        page.locator("tbody").get_by_role("link", name="Word").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    document = Document(io.BytesIO(target.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for table in document.tables for row in table.rows
                      for cell in row.cells)
    assert "Aarhus" in text
    assert summary in text
    assert edited in text and original not in text
    for body, _tasks in NOTES[1:]:
        assert body in text
    assert re.search(r"[Vv]ersion 1", text)
    assert "Sagsfremstilling" in text and "Deltagere" in text

    # The same referat as an archival PDF, from the same row.
    with page.expect_download() as download_info:
        page.locator("tbody").get_by_role("link", name="PDF").click()
    pdf = download_info.value
    assert pdf.suggested_filename.endswith("-version-1.pdf")
    target = tmp_path / pdf.suggested_filename
    pdf.save_as(target)
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert reader.trailer["/Root"]["/Lang"] == "da"
    assert 'pdfaid:part="3"' in reader.xmp_metadata.rdf_root.toxml()
    pdf_text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert summary in pdf_text and "Sagsfremstilling" in pdf_text
    assert edited in pdf_text and original not in pdf_text
    for body, _tasks in NOTES[1:]:
        assert body in pdf_text
    # The note mapped to tasks 4 and 3 is printed once, under task 3, and task 4 refers to it.
    assert pdf_text.count(NOTES[3][0]) == 1 and "Se også note 4. under Opgave 3" in pdf_text

    with live_app.app_context():
        submission = db.session.scalar(select(Submission).where(
            Submission.committee_id == seed["committee_id"], Submission.is_latest))
        assert submission is not None and submission.version == 1
        assert {n.body for n in submission.notes} == {edited} | {b for b, _ in NOTES[1:]}
    assert not problems, "\n".join(problems)
