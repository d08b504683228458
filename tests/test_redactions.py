"""Personal data truly gone: "Fjern personoplysninger" on a note removes a passage from every
copy of the note's text, and the database holds it nowhere afterwards."""

import csv
import io
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import JSON, String, Text, cast, func, select

from delib.extensions import db
from delib.models import (
    AuditEntry,
    Note,
    NoteRevision,
    Redaction,
    SearchTerm,
    Submission,
    SubmissionNote,
)
from delib.services import DomainError, actions, groups, redactions, summaries
from delib.services.notes import curation
from tests.conftest import text_of
from tests.fixtures.committee import edit_form, post
from tests.fixtures.committee import review_url as url

NAME = "Mette Hansen"


def everywhere(needle: str) -> list[str]:
    """Every table.column whose text (or JSON) holds the needle, case folded, on any engine."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, (String, Text, JSON)):
                continue
            count = db.session.scalar(select(func.count()).select_from(table).where(
                func.lower(cast(column, Text)).contains(needle.lower())))
            if count:
                found.append(f"{table.name}.{column.name}")
    return found


@pytest.fixture
def kl_client(make_user, make_client):
    """A browser signed in as a KL analyst."""
    make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    client, actions_ = make_client()
    actions_.login("analytiker@kl.dk")
    return client


@pytest.fixture
def case(scene, chair_client):
    """A name in a note that was edited, merged, summarised, made an action and submitted."""
    committee, chair, slot = scene.committee, scene.chair, scene.committee.event.slots[2]
    pupil = post(committee, slot, scene.participant,
                 "Mette Hansen 4.b fravær 30 %, mor ringet til PPR x3", [3])
    chair_client.post(url(scene, f"/noter/{pupil.id}/rediger"), data=edit_form(
        scene, pupil, "Mette Hansen i 4.b: fravær 30 %, AKT inde over, mor ringer til PPR", [3]))
    other = post(committee, slot, scene.participant,
                 "SSP + skole skal tale sammen før fraværet bliver til en sag", [3])
    merged = curation.merge_notes(committee, [pupil, other], chair, "", 4000)
    summaries.save_summary(committee, scene.task(3), chair,
                           "Sager som Mette Hansens viser: PPR, AKT og SSP skal ind tidligere", 0)
    actions.create_action(committee, chair, actions.ActionInput(
        scene.task(3).id, "Fast fraværsmøde med skolen (jf. Mette Hansen)", "Skolechefen"))
    db.session.commit()
    assert chair_client.post(url(scene, "/godkend"),
                             data={"privacy_acknowledged": "y",
                                   "public_access_acknowledged": "y"}).status_code == 302
    assert everywhere(NAME), "the scene must hold the name before the redaction"
    return merged, pupil


def redact(chair_client, scene, note, **form):
    """Choose, see the confirmation page, confirm; returns the confirmation page."""
    address = url(scene, f"/noter/{note.id}/fjern-personoplysninger")
    page = chair_client.post(address, data=form)
    assert page.status_code == 200, text_of(page)
    passages = re.findall(r'name="passages" value="([^"]*)"', page.get_data(as_text=True))
    done = chair_client.post(address + "/bekraeft", data={"passages": passages})
    assert done.status_code == 302
    return page


def test_a_redacted_name_is_found_nowhere(scene, chair_client, case, kl_client, app):
    merged, pupil = case
    assert "1 note" in text_of(kl_client.get("/kl/noter?q=Hansen"))  # found before
    choose = text_of(chair_client.get(url(scene, f"/noter/{merged.id}/fjern-personoplysninger")))
    assert NAME in choose  # the guard's finding, offered to tick

    confirm = text_of(redact(chair_client, scene, merged, findings=[NAME]))
    assert f"»{NAME}« → [fjernet]" in confirm
    for place in ("Noten", f"Note {pupil.id} (lagt sammen", "Historik", "Indsendt version 1: noten",
                  "Resumé", "Handling", "Indsendt version 1: resumé", "Log over ændringer"):
        assert place in confirm

    # Every table and every text column of the database.
    assert everywhere(NAME) == []
    assert everywhere("Hansen") == []
    db.session.expire_all()
    assert db.session.get(Note, merged.id).body.startswith("[fjernet] i 4.b: fravær 30 %")
    assert all("[fjernet]" in r.body for r in db.session.scalars(
        select(NoteRevision).where(NoteRevision.note_id == pupil.id)))
    submitted = db.session.scalar(select(SubmissionNote).where(
        SubmissionNote.note_id == merged.id))
    assert submitted.body.startswith("[fjernet] i 4.b")
    # The search index followed: the note is found by its other words, never by the name.
    terms = set(db.session.scalars(select(SearchTerm.term).where(
        SearchTerm.note_id == submitted.id)))
    assert "fravær" in terms and not {"mette", "hansen", "Mette", "Hansen"} & terms

    # KL: search, CSV and Excel exports.
    assert "[fjernet]" in text_of(kl_client.get("/kl/noter?q=AKT"))
    assert NAME not in text_of(kl_client.get("/kl/noter?q=AKT"))
    assert "0 noter" in text_of(kl_client.get("/kl/noter?q=Hansen"))
    assert "0 noter" in text_of(kl_client.get("/kl/noter?q=mette"))
    notes_csv = kl_client.post("/kl/eksport", data={"format": "csv", "kind": "notes"})
    text = notes_csv.data.decode("utf-8-sig")
    assert "[fjernet] i 4.b" in text and "Hansen" not in text
    workbook = load_workbook(io.BytesIO(kl_client.post(
        "/kl/eksport", data={"format": "xlsx", "kind": "all"}).data))
    cells = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert any("[fjernet]" in c for c in cells) and not any("Hansen" in c for c in cells)

    # The committee's own files of the submitted version.
    docx = Document(io.BytesIO(chair_client.get(url(scene, "/rapport.docx?version=1")).data))
    words = "\n".join(p.text for p in docx.paragraphs) + "\n".join(
        cell.text for table in docx.tables for row in table.rows for cell in row.cells)
    assert "[fjernet]" in words and "Hansen" not in words
    rows = list(csv.reader(io.StringIO(
        chair_client.get(url(scene, "/noter.csv?version=1")).data.decode("utf-8-sig"))))
    assert any("[fjernet]" in cell for row in rows for cell in row)
    assert not any("Hansen" in cell for row in rows for cell in row)

    # The audit log: that it happened, by whom and when; not what.
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "note.redact"))
    assert entry.actor_name == "Anne Formand" and entry.target == f"note:{merged.id}"
    assert entry.details == {"places": entry.details["places"], "versions": [1]}
    log = text_of(chair_client.get(url(scene, "/log")))
    assert "Personoplysninger fjernet" in log and "Anne Formand" in log
    record = db.session.scalar(select(Redaction))
    assert record.note_id == merged.id and record.redacted_by_name == "Anne Formand"

    # The submitted version says that, and when, something was removed after submission.
    submission = db.session.scalar(select(Submission))
    assert submission.redacted_at == record.redacted_at
    versions = text_of(chair_client.get(url(scene, "/versioner")))
    assert "fjernet efter indsendelse" in versions
    kl_page = text_of(kl_client.get(f"/kl/bidrag/{scene.committee.id}"))
    assert "Personoplysninger fjernet efter indsendelse" in kl_page and "Hansen" not in kl_page

    # Every test query above ran after the redaction; the scan again, and the file itself.
    assert everywhere(NAME) == []
    if db.engine.dialect.name == "sqlite":
        db.session.remove()
        db.engine.dispose()  # the last connection checkpoints and removes the log
        path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"Hansen" not in raw and b"hansen" not in raw


def test_the_log_after_commit_holds_no_old_pages(scene, chair_client, case, app):
    """Right after the redaction (no restart), SQLite's write-ahead log was emptied too."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's files only")
    merged, _pupil = case
    redact(chair_client, scene, merged, passage=NAME)
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or b"Hansen" not in wal.read_bytes()
    assert b"Hansen" not in path.read_bytes()


def test_confirmation_page_changes_nothing_and_names_other_notes(scene, chair_client, case):
    merged, _pupil = case
    db.session.execute(Submission.__table__.update().values(reopened_at=func.now()))
    db.session.commit()
    twin = post(scene.committee, scene.committee.event.slots[0], scene.participant,
                "Tal m. Mette Hansens klasselærer om trivsel", [3])
    page = chair_client.post(url(scene, f"/noter/{merged.id}/fjern-personoplysninger"),
                             data={"passage": "mette   hansen"})
    assert "Teksten står også i 1 anden note" in text_of(page)
    db.session.expire_all()
    assert NAME in db.session.get(Note, merged.id).body
    assert db.session.scalar(select(Redaction)) is None
    redact(chair_client, scene, merged, passage="mette hansen")
    db.session.expire_all()
    assert db.session.get(Note, twin.id).body == "Tal m. Mette Hansens klasselærer om trivsel"
    assert everywhere(NAME) == ["note.body", "note_revision.body"]  # the twin's own


@pytest.mark.parametrize(("form", "message"), [
    ({"passage": "  "}, "Skriv den tekst, der skal fjernes"),
    ({"passage": "Jens Madsen"}, "»Jens Madsen« står ikke i noten"),
    ({"passage": "4"}, "er for kort"),
    ({"passage": "fjernet"}, "er allerede fjernet"),
])
def test_refusals_in_danish(scene, chair_client, form, message):
    note = scene.notes["absence"]
    page = chair_client.post(url(scene, f"/noter/{note.id}/fjern-personoplysninger"), data=form)
    assert page.status_code == 422
    assert message in text_of(page)
    assert db.session.scalar(select(func.count(Redaction.id))) == 0


def test_a_note_of_another_committee_is_refused(scene, chair_client, make_committee, make_user):
    odense = make_committee(municipality="Odense", chair=make_user(municipality="Odense"))
    theirs = post(odense, odense.event.slots[0], odense.chairs[0], "Ahmed i 7.a mangler SFO-plads",
                  [2])
    address = url(scene, f"/noter/{theirs.id}/fjern-personoplysninger")
    assert chair_client.get(address).status_code == 404
    assert chair_client.post(address + "/bekraeft", data={"passages": ["Ahmed"]}).status_code \
        == 404
    with pytest.raises(DomainError, match="Noten findes ikke i dette udvalg"):
        redactions.plan_redaction(scene.committee, theirs, ["Ahmed"])
    assert db.session.get(Note, theirs.id).body == "Ahmed i 7.a mangler SFO-plads"


def test_participants_cannot_redact(scene, client, auth):
    note = scene.notes["absence"]
    assert auth.join(scene.committee, "Karin").status_code == 302
    address = url(scene, f"/noter/{note.id}/fjern-personoplysninger")
    assert client.get(address).status_code == 403
    assert client.post(address + "/bekraeft", data={"passages": ["Fravær"]}).status_code == 403
    assert db.session.get(Note, note.id).body == "Fravær skal opdages tidligt i indskolingen"


def test_review_offers_the_action_even_when_submitted(scene, chair_client):
    chair_client.post(url(scene, "/godkend"), data={"public_access_acknowledged": "y"})
    page = chair_client.get(url(scene)).get_data(as_text=True)
    assert "Fjern personoplysninger" in page


def test_a_passage_is_a_word_whatever_its_case_and_spacing():
    compiled = redactions.pattern(["Bo", "Mette  Hansen"])
    assert redactions.scrub("Bo og Bolig; BO", compiled) == "[fjernet] og Bolig; [fjernet]"
    assert redactions.scrub("mette\nhansens mor", compiled) == "[fjernet]s mor"
    assert redactions.scrub("Jensen", redactions.pattern(["Jens"])) == "Jensen"
    assert redactions.scrub("ring 20 30 40 50", redactions.pattern(["20 30 40 50"])) == \
        "ring [fjernet]"


def test_a_note_taken_over_from_a_group_is_redacted_in_the_group_too(scene, chair_client):
    group = groups.create_group(scene.committee, "Skoleledernetværket", scene.chair)
    db.session.commit()
    source = post(group, scene.committee.event.slots[2], scene.chair,
                  "Skoleleder: Yusuf Ali (6.a) har ikke været i SFO siden uge 40", [3])
    groups.send_to_committee(group, scene.chair)
    copy = groups.take_over(scene.committee, source, scene.chair)
    db.session.commit()
    assert len(everywhere("Yusuf Ali")) >= 2  # the group's note and the committee's copy

    confirm = text_of(redact(chair_client, scene, copy, passage="Yusuf Ali"))
    assert f"Note {source.id} (lagt sammen eller overtaget fra en gruppe)" in confirm
    db.session.expire_all()
    assert db.session.get(Note, source.id).body.startswith("Skoleleder: [fjernet] (6.a)")
    assert everywhere("Yusuf") == []


def test_a_name_already_edited_out_is_removed_from_the_history(scene, chair_client):
    note = post(scene.committee, scene.committee.event.slots[0], scene.participant,
                "Fatima Nielsen 2.x — mistrivsel, forældre vil ikke PPR", [1])
    chair_client.post(url(scene, f"/noter/{note.id}/rediger"), data=edit_form(
        scene, note, "En elev i indskolingen: mistrivsel, forældre vil ikke PPR", [1]))
    history = url(scene, f"/noter/{note.id}/historik")
    assert "Fatima Nielsen" in text_of(chair_client.get(history))

    redact(chair_client, scene, note, passage="Fatima Nielsen")
    page = text_of(chair_client.get(history))
    assert "Fatima" not in page and "[fjernet] 2.x — mistrivsel" in page
    assert everywhere("Fatima") == []
