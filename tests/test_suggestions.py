"""Suggested tasks: stored for a note saved without a task, offered while typing, accepted or
rejected by the writer (break screen) and the chair (review), never ticked silently; and the
provenance of every mapping, through submission to KL's overview, exports and API."""

import csv
import io
import re
import uuid

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import AuditEntry, Note, NoteRevision, NoteSuggestion, Participant
from delib.models.notes import note_messages, note_tasks
from delib.models.review import submission_note_tasks
from delib.services import suggestions as service
from delib.services.kl import api_tokens
from delib.services.language import classifier
from tests.conftest import HX, text_of

#: Notes as committee members jot them; the model maps each clearly (checked in the tests).
LEADERS = "Skoleledere og dagtilbudsledere mødes for sjældent på tværs – fælles retning for 0-18"
PROJECTS = "Alt for mange projekter kører side om side. Luk dem der ikke skaber værdi for børnene"
RESEARCH = ("Samarbejde m. professionshøjskolen om forskning i fravær – del erfaringer m. andre "
            "kommuner")
COFFEE = "Kaffen var kold"
CHAIR_EMAIL = "formand@aarhus.dk"


def _key() -> str:
    return uuid.uuid4().hex


def _ids(items, *numbers):
    return [i.id for i in items if i.number in numbers]


@pytest.fixture
def room(make_user, make_committee, make_client, event):
    """Aarhus' committee in its lunch break: Mette and Jonas in two browsers, the chair Anne."""
    chair = make_user(email=CHAIR_EMAIL, name="Anne Formand")
    committee = make_committee(chair=chair)
    mette, mette_auth = make_client()
    mette_auth.join(committee, name="Mette")
    jonas, jonas_auth = make_client()
    jonas_auth.join(committee, name="Jonas")
    anne, anne_auth = make_client()
    assert anne_auth.login(CHAIR_EMAIL).status_code == 302

    class Room:
        pass

    r = Room()
    r.committee, r.event, r.chair = committee, event, chair
    r.mette, r.jonas, r.anne = mette, jonas, anne
    r.slot = event.slots[0]
    r.url = f"/udvalg/{committee.id}/pauser/{r.slot.id}"
    r.review = f"/udvalg/{committee.id}/gennemgang"
    return r


def post(client, room, body, tasks=(), messages=(), htmx=True, **extra):
    data = {"body": body, "tasks": _ids(room.event.tasks, *tasks),
            "messages": _ids(room.event.messages, *messages), "client_key": _key(), **extra}
    return client.post(f"{room.url}/noter", data=data, headers=HX if htmx else {})


def note_with(body) -> Note:
    return db.session.scalar(select(Note).where(Note.body == body))


def stored(note) -> list[NoteSuggestion]:
    db.session.expire_all()
    return list(db.session.scalars(select(NoteSuggestion).where(NoteSuggestion.note_id == note.id)
                                   .order_by(NoteSuggestion.id)))


def mapping_rows(note, table=note_tasks, column="task_id", subjects=None):
    """(number, source, model_version, decided_by_name) of a note's mappings, by number."""
    number = {s.id: s.number for s in subjects}
    rows = db.session.execute(select(table.c[column], table.c.source, table.c.model_version,
                                     table.c.decided_by_name).where(table.c.note_id == note.id))
    return sorted((number[r[0]], r[1], r[2], r[3]) for r in rows)


def fingerprint():
    """Everything a suggestion decision could change: statuses, mappings, notes' versions."""
    db.session.expire_all()
    return (
        db.session.execute(select(NoteSuggestion.id, NoteSuggestion.status)
                           .order_by(NoteSuggestion.id)).all(),
        db.session.execute(select(note_tasks).order_by(note_tasks.c.note_id,
                                                       note_tasks.c.task_id)).all(),
        db.session.execute(select(note_messages).order_by(note_messages.c.note_id)).all(),
        db.session.execute(select(Note.id, Note.version).order_by(Note.id)).all(),
    )


def decide_on_card(client, note, suggestion, decision, version=None):
    return client.post(f"/noter/{note.id}/forslag", data={
        "suggestion": suggestion.id, "decision": decision,
        "version": note.version if version is None else version})


def decide_in_review(room, note, suggestion, decision, client=None):
    return (client or room.anne).post(f"{room.review}/noter/{note.id}/forslag", data={
        "suggestion": suggestion if suggestion == "alle" else suggestion.id,
        "decision": decision, "version": note.version})


# ---------------------------------------------------------------- stored for unmapped notes


def test_a_note_without_a_task_is_saved_and_gets_suggestions(room):
    response = post(room.mette, room, LEADERS)
    assert response.status_code == 201
    note = note_with(LEADERS)
    assert note.tasks == []
    rows = stored(note)
    assert [(r.kind, r.number, r.status) for r in rows if r.kind == "task"][0] == (
        "task", 2, "open")
    first = rows[0]
    assert first.model_version == classifier.MODEL_VERSION
    assert 0.5 < first.score <= 1
    assert "Skoleledere" in first.reason_words
    # Nothing was ticked for the writer: the note has no task until someone accepts.
    assert db.session.scalar(select(func.count()).select_from(note_tasks)) == 0


def test_a_mapped_note_gets_no_suggestions(room):
    post(room.mette, room, PROJECTS, tasks=(1,))
    note = note_with(PROJECTS)
    assert [t.number for t in note.tasks] == [1]
    assert stored(note) == []
    assert mapping_rows(note, subjects=room.event.tasks) == [(1, "person", None, None)]


def test_the_model_may_abstain(room):
    post(room.mette, room, COFFEE)
    assert stored(note_with(COFFEE)) == []


# ---------------------------------------------------------------- the break screen


def test_the_writers_card_offers_the_suggestions_without_javascript(room):
    response = post(room.mette, room, LEADERS, htmx=False)
    assert response.status_code == 302
    page = text_of(room.mette.get(response.headers["Location"]))
    assert "Noten er gemt." in page
    assert "Noten har ingen opgave endnu. Forslag:" in page
    assert 'Opgave 2 (fordi: "Skoleledere"' in page
    assert "Tilføj Opgave 2" in page and "Afvis Opgave 2" in page
    # Only the writer answers on the card; the others see the note, not the buttons.
    other = text_of(room.jonas.get(room.url))
    assert LEADERS in other and "Tilføj Opgave 2" not in other


def test_the_writer_accepts_a_suggestion_on_the_card(room):
    post(room.mette, room, LEADERS)
    note = note_with(LEADERS)
    suggestion = next(r for r in stored(note) if (r.kind, r.number) == ("task", 2))
    response = decide_on_card(room.mette, note, suggestion, "tilfoej")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{room.url}#note-{note.id}")
    page = text_of(room.mette.get(response.headers["Location"]))
    assert "Opgaven er tilføjet noten." in page
    db.session.expire_all()
    assert [t.number for t in note.tasks] == [2]
    assert mapping_rows(note, subjects=room.event.tasks) == [
        (2, "suggestion", classifier.MODEL_VERSION, "Mette")]
    row = db.session.get(NoteSuggestion, suggestion.id)
    assert (row.status, row.decided_by_name) == ("accepted", "Mette")
    assert row.decided_at is not None
    # A new version with its revision, and the audit log says who accepted what.
    assert note.version == 2
    assert [r.task_numbers for r in note.revisions] == ["", "2"]
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "note.suggestion_accept"))
    assert entry.actor_name == "Mette" and entry.details["tasks_added"] == [2]


def test_a_rejected_suggestion_is_never_offered_again(room):
    post(room.mette, room, LEADERS)
    note = note_with(LEADERS)
    suggestion = next(r for r in stored(note) if (r.kind, r.number) == ("task", 2))
    before = note.updated_at
    response = decide_on_card(room.mette, note, suggestion, "afvis")
    page = text_of(room.mette.get(response.headers["Location"]))
    assert "Forslaget er afvist og vises ikke igen." in page
    assert "Tilføj Opgave 2" not in page
    db.session.expire_all()
    assert db.session.get(NoteSuggestion, suggestion.id).status == "rejected"
    assert note.tasks == [] and note.version == 1  # the note itself is as it was
    assert note.updated_at > before  # so the others' polls bring the changed card
    # The writer rewrites the note (still about leaders): the model would say task 2 again,
    # but the rejection holds.
    response = room.mette.post(f"/noter/{note.id}/rediger", data={
        "body": LEADERS + ". Lav et fast ledernetværk", "tasks": [], "version": note.version})
    assert response.status_code == 302
    assert [(r.kind, r.number, r.status) for r in stored(note) if r.number == 2
            and r.kind == "task"] == [("task", 2, "rejected")]
    assert "Tilføj Opgave 2" not in text_of(room.mette.get(room.url))


def test_open_suggestions_follow_an_edited_text(room):
    post(room.mette, room, LEADERS)
    note = note_with(LEADERS)
    assert ("task", 2) in [(r.kind, r.number) for r in stored(note)]
    response = room.mette.post(f"/noter/{note.id}/rediger", data={
        "body": PROJECTS, "tasks": [], "version": note.version})
    assert response.status_code == 302
    # The leaders' suggestion no longer fits the text: gone; the projects' one is offered.
    assert [(r.kind, r.number, r.status) for r in stored(note) if r.kind == "task"] == [
        ("task", 3, "open")]
    page = text_of(room.mette.get(room.url))
    assert "Tilføj Opgave 3" in page and "Tilføj Opgave 2" not in page


def test_an_answered_or_foreign_suggestion_is_refused_in_danish(room):
    post(room.mette, room, LEADERS)
    post(room.mette, room, PROJECTS)
    leaders, projects = note_with(LEADERS), note_with(PROJECTS)
    own = stored(leaders)[0]
    decide_on_card(room.mette, leaders, own, "afvis")
    before = fingerprint()
    again = decide_on_card(room.mette, leaders, own, "tilfoej")
    assert "Forslaget er allerede besvaret eller findes ikke længere." in text_of(
        room.mette.get(again.headers["Location"]))
    # Another note's suggestion id on this note's form: refused, nothing changes.
    other = stored(projects)[0]
    refused = decide_on_card(room.mette, leaders, other, "tilfoej")
    assert "Forslaget er allerede besvaret" in text_of(room.mette.get(refused.headers["Location"]))
    garbage = room.mette.post(f"/noter/{leaders.id}/forslag",
                              data={"suggestion": "x", "decision": "ja"})
    assert "Forslaget kunne ikke læses." in text_of(room.mette.get(garbage.headers["Location"]))
    assert fingerprint() == before


def test_a_stale_card_is_refused(room):
    post(room.mette, room, LEADERS)
    note = note_with(LEADERS)
    suggestion = stored(note)[0]
    room.mette.post(f"/noter/{note.id}/rediger", data={
        "body": LEADERS + " (rettet)", "tasks": [], "version": 1})
    before = fingerprint()
    response = decide_on_card(room.mette, note, suggestion, "tilfoej", version=1)
    assert "Noten blev ændret samtidig." in text_of(room.mette.get(response.headers["Location"]))
    assert fingerprint() == before


def test_only_the_writer_decides_on_the_card(room, make_committee, make_client):
    post(room.mette, room, LEADERS)
    note = note_with(LEADERS)
    suggestion = stored(note)[0]
    before = fingerprint()
    # Jonas, in the same committee, and Ole from Odense's committee.
    assert decide_on_card(room.jonas, note, suggestion, "tilfoej").status_code == 403
    odense = make_committee(municipality="Odense", name="Odense Børneudvalg")
    ole, ole_auth = make_client()
    ole_auth.join(odense, name="Ole")
    response = decide_on_card(ole, note, suggestion, "tilfoej")
    assert response.status_code == 403
    assert "Du har ikke adgang til denne side." in text_of(response)
    assert LEADERS not in response.get_data(as_text=True)
    # Nor in the review, which is the chairs'.
    assert decide_in_review(room, note, suggestion, "accepter", client=ole).status_code == 403
    assert decide_in_review(room, note, suggestion, "accepter",
                            client=room.mette).status_code == 403
    assert fingerprint() == before


def test_suggestions_while_typing_are_a_post_that_stores_nothing(room):
    url = f"{room.url}/forslag"
    response = room.mette.post(url, data={"body": LEADERS}, headers=HX)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = text_of(response)
    assert "Forslag:" in text and "Opgave 2" in text and '"Skoleledere"' in text
    assert "Tilføj Opgave 2" in text
    task2 = _ids(room.event.tasks, 2)[0]
    assert f'data-field="tasks" data-value="{task2}"' in response.get_data(as_text=True)
    # A ticked task is not suggested again; too little text gives nothing.
    ticked = room.mette.post(url, data={"body": LEADERS, "tasks": [task2]}, headers=HX)
    assert "Opgave 2" not in text_of(ticked)
    assert text_of(room.mette.post(url, data={"body": "Skole"}, headers=HX)) == ""
    assert db.session.scalar(select(func.count()).select_from(NoteSuggestion)) == 0
    # The text never travels in a URL.
    assert room.mette.get(url).status_code == 405


def test_a_tick_from_a_suggestion_keeps_its_provenance(room):
    task2, task3 = _ids(room.event.tasks, 2)[0], _ids(room.event.tasks, 3)[0]
    message1 = _ids(room.event.messages, 1)[0]
    response = post(room.mette, room, LEADERS, tasks=(2, 3), messages=(1,),
                    suggested_tasks=[task2, _ids(room.event.tasks, 4)[0]],
                    suggested_messages=[])
    assert response.status_code == 201
    note = note_with(LEADERS)
    # Task 2 came from the suggestion; task 3 she ticked herself; a "suggested" task 4 she
    # did not tick is no mapping at all.
    assert mapping_rows(note, subjects=room.event.tasks) == [
        (2, "suggestion", classifier.MODEL_VERSION, "Mette"), (3, "person", None, None)]
    assert mapping_rows(note, note_messages, "message_id", room.event.messages) == [
        (1, "person", None, None)]
    assert stored(note) == []  # mapped: nothing to suggest
    assert task3 and message1


# ---------------------------------------------------------------- review


def test_the_chair_sees_unmapped_notes_with_suggestions(room):
    post(room.mette, room, LEADERS)
    post(room.jonas, room, PROJECTS, tasks=(3,))
    page = text_of(room.anne.get(room.review))
    section = page[page.index("Noter uden opgave"):page.index("Opgave 1:")]
    assert LEADERS in section and PROJECTS not in section
    assert "ingen opgave" in section and "sikkerhed" in section and "%" in section
    assert '"Skoleledere"' in section and "Acceptér Opgave 2" in section
    assert "Afvis Opgave 2" in section and "Acceptér alle forslag" in section


def test_the_chair_accepts_one_and_rejects_another(room):
    post(room.mette, room, "PPR og skolerne taler ikke sammen, AKT-indsatsen hænger i luften")
    note = note_with("PPR og skolerne taler ikke sammen, AKT-indsatsen hænger i luften")
    rows = [r for r in stored(note) if r.kind == "task"]
    assert len(rows) >= 2, [(r.kind, r.number) for r in stored(note)]
    accepted, rejected = rows[0], rows[1]
    response = decide_in_review(room, note, accepted, "accepter")
    assert response.status_code == 302 and response.headers["Location"].endswith("#uden-opgave")
    db.session.expire_all()
    response = decide_in_review(room, note, rejected, "afvis")
    page = text_of(room.anne.get(response.headers["Location"]))
    assert "1 forslag er afvist og vises ikke igen." in page
    db.session.expire_all()
    assert [t.number for t in note.tasks] == [accepted.number]
    assert mapping_rows(note, subjects=room.event.tasks) == [
        (accepted.number, "suggestion", classifier.MODEL_VERSION, "Anne Formand")]
    statuses = {r.id: r.status for r in stored(note)}
    assert statuses[accepted.id] == "accepted" and statuses[rejected.id] == "rejected"
    # The note now sits under its task with a marker saying where the mapping came from.
    task_heading = f"Opgave {accepted.number}:"
    after = page[page.index(task_heading):]
    assert note.body in after
    assert f"Opgave {accepted.number}: foreslået, accepteret af Anne Formand" in after
    assert {e.action for e in db.session.scalars(select(AuditEntry))} >= {
        "note.suggestion_accept", "note.suggestion_reject"}


def test_accept_all_lists_what_will_be_mapped_then_maps_exactly_that(room):
    post(room.mette, room, LEADERS)
    post(room.jonas, room, RESEARCH)
    post(room.jonas, room, COFFEE)
    confirm = room.anne.get(f"{room.review}/forslag/accepter-alle")
    assert confirm.status_code == 200
    text = text_of(confirm)
    assert "Disse koblinger bliver lavet." in text
    assert LEADERS in text and RESEARCH in text and COFFEE not in text
    shown = [int(v) for v in re.findall(
        r'name="suggestion" value="(\d+)"', confirm.get_data(as_text=True))]
    assert shown
    # A note written after the page was shown: its suggestions were not seen, so not mapped.
    post(room.mette, room, PROJECTS)
    late = note_with(PROJECTS)
    response = room.anne.post(f"{room.review}/forslag/accepter-alle",
                              data={"suggestion": shown})
    page = text_of(room.anne.get(response.headers["Location"]))
    assert f"{len(shown)} forslag er accepteret." in page
    db.session.expire_all()
    assert 2 in [t.number for t in note_with(LEADERS).tasks]
    assert 4 in [t.number for t in note_with(RESEARCH).tasks]
    assert note_with(COFFEE).tasks == [] and late.tasks == []
    assert all(r.status == "open" for r in stored(late))
    rows = db.session.execute(select(note_tasks.c.source, note_tasks.c.model_version,
                                     note_tasks.c.decided_by_name)).all()
    assert set(rows) == {("suggestion", classifier.MODEL_VERSION, "Anne Formand")}
    # COFFEE has no task and no suggestion: the chair still sees it, to map it by hand.
    section = page[page.index("Noter uden opgave"):page.index("Opgave 1:")]
    assert COFFEE in section and "Ingen forslag: vælg opgaven selv." in section


def test_a_note_merged_from_unmapped_notes_gets_suggestions(room):
    post(room.mette, room, LEADERS)
    post(room.jonas, room, "Ledernetværk på tværs af skole og dagtilbud")
    ids = [note_with(LEADERS).id, note_with("Ledernetværk på tværs af skole og dagtilbud").id]
    response = room.anne.post(f"{room.review}/saml", data={"notes": ids, "body": ""})
    assert response.status_code == 302
    merged = db.session.scalar(select(Note).where(Note.client_key.like("merge-%")))
    assert any((r.kind, r.number, r.status) == ("task", 2, "open") for r in stored(merged))


# ---------------------------------------------------------------- the review lock


def _submit(room):
    response = room.anne.post(f"{room.review}/godkend", data={"privacy_acknowledged": "y",
                                                                "public_access_acknowledged": "y"})
    assert response.status_code == 302, text_of(response)


def test_nothing_changes_on_a_submitted_contribution(room):
    post(room.mette, room, LEADERS)
    post(room.jonas, room, PROJECTS, tasks=(3,))
    _submit(room)
    note = note_with(LEADERS)
    suggestion = stored(note)[0]
    before = fingerprint()
    refusal = "Bidraget er godkendt og indsendt. Genåbn det, før du ændrer noget."
    attempts = (
        (room.anne, lambda: decide_in_review(room, note, suggestion, "accepter")),
        (room.anne, lambda: decide_in_review(room, note, "alle", "afvis")),
        (room.anne, lambda: room.anne.post(f"{room.review}/forslag/accepter-alle",
                                           data={"suggestion": [suggestion.id]})),
        (room.mette, lambda: decide_on_card(room.mette, note, suggestion, "tilfoej")),
    )
    for client, attempt in attempts:
        response = attempt()
        assert response.status_code == 302
        assert refusal in text_of(client.get(response.headers["Location"]))
    assert fingerprint() == before
    # The review shows the suggestions, but no buttons to answer them.
    page = text_of(room.anne.get(room.review))
    assert LEADERS in page and "Acceptér Opgave 2" not in page
    assert "Acceptér alle forslag" not in page


# ---------------------------------------------------------------- submission and KL


@pytest.fixture
def submitted(room, make_user, make_client):
    """Aarhus submits: one mapping accepted from a suggestion, two set by people."""
    post(room.mette, room, LEADERS)
    post(room.jonas, room, PROJECTS, tasks=(3,), messages=(1,))
    note = note_with(LEADERS)
    task2 = next(r for r in stored(note) if (r.kind, r.number) == ("task", 2))
    decide_in_review(room, note, task2, "accepter")
    _submit(room)
    make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    kl, kl_auth = make_client()
    kl_auth.login("analytiker@kl.dk")
    room.kl = kl
    return room


def test_submission_copies_the_provenance(submitted):
    db.session.expire_all()
    rows = db.session.execute(
        select(submission_note_tasks.c.source, submission_note_tasks.c.model_version,
               submission_note_tasks.c.decided_by_name)
        .order_by(submission_note_tasks.c.source)).all()
    # The chair did not choose to show KL the authors: who accepted stays in the committee.
    assert rows == [("person", None, None), ("suggestion", classifier.MODEL_VERSION, None)]


def test_submission_names_who_accepted_when_authors_are_shown(room):
    post(room.mette, room, LEADERS)
    note = note_with(LEADERS)
    decide_on_card(room.mette, note, stored(note)[0], "tilfoej")
    response = room.anne.post(f"{room.review}/godkend",
                              data={"privacy_acknowledged": "y", "show_authors": "y",
                                    "public_access_acknowledged": "y"})
    assert response.status_code == 302
    assert db.session.execute(select(submission_note_tasks.c.decided_by_name)).scalars().all() \
        == ["Mette"]


def test_kl_overview_counts_mappings_by_source(submitted):
    page = text_of(submitted.kl.get("/kl/"))
    assert "Opgavekoblinger: 1 sat af deltagere/formand, 1 accepterede forslag" in page
    counts = service.provenance_counts(submitted.event)
    assert (counts.person, counts.suggestion, counts.total) == (1, 1, 2)
    from delib.services.kl.overview import Filters

    only_task3 = service.provenance_counts(submitted.event,
                                           Filters(task_id=_ids(submitted.event.tasks, 3)[0]))
    assert (only_task3.person, only_task3.suggestion) == (1, 0)


def test_the_export_carries_each_mappings_provenance(submitted):
    response = submitted.kl.post("/kl/eksport", data={"format": "csv", "kind": "notes"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")),
                               delimiter=";"))
    by_body = {row["Note"]: row for row in rows}
    assert by_body[LEADERS]["Koblingernes oprindelse"] == (
        f"Opgave 2: foreslået ({classifier.MODEL_VERSION}), accepteret")
    assert by_body[PROJECTS]["Koblingernes oprindelse"] == (
        "Opgave 3: sat af en person; Budskab 1: sat af en person")


def test_the_api_notes_carry_their_mappings(submitted, make_user):
    analyst = make_user(role="kl_analyst", email="api@kl.dk", municipality=None)
    _row, secret = api_tokens.create_token(analyst, "Notebook")
    db.session.commit()
    data = submitted.kl.get("/api/v1/notes", headers={"Authorization": f"Bearer {secret}"})
    items = {n["body"]: n for n in data.get_json()["items"]}
    assert items[LEADERS]["mappings"] == [{
        "kind": "task", "number": 2, "source": "suggestion",
        "model_version": classifier.MODEL_VERSION, "accepted_by": None}]
    assert [m["source"] for m in items[PROJECTS]["mappings"]] == ["person", "person"]
    schema = submitted.kl.get("/api/openapi.json").get_json()
    assert "mappings" in schema["components"]["schemas"]["Note"]["properties"]


# ---------------------------------------------------------------- the demo


def test_the_demo_committee_has_unmapped_notes_with_suggestions(make_committee, event):
    from delib.tasks.demo import add_committee_demo_notes

    committee = make_committee()
    add_committee_demo_notes(committee, event.slots[0])
    db.session.commit()
    queue = service.review_queue(committee)
    assert len(queue) == 2 and all(item.suggestions for item in queue)
    assert all(p.display_name.endswith("(demo)")
               for p in db.session.scalars(select(Participant)))
    assert db.session.scalar(select(func.count()).select_from(NoteRevision)) >= len(queue)


# ---------------------------------------------------------------- the break screen stays cheap


def _changes_poll_queries(app, client, room, bodies, tasks=()):
    """Queries of a poll for changes after these notes (without a task) were written."""
    from tests.test_queries import _get

    list_url = f"{room.url}/noter"
    listing = client.get(list_url, headers=HX)
    cursor = re.search(r'data-cursor="(\d+)"', listing.get_data(as_text=True)).group(1)
    for body in bodies:
        post(client, room, body, tasks=tasks)
    response, queries = _get(app, client, f"{list_url}?efter={cursor}",
                             {**HX, "If-None-Match": listing.headers["ETag"]})
    return response, queries


def test_unmapped_cards_cost_one_query_more_whatever_their_number(app, room):
    """A poll that brings cards without a task reads their suggestions in one more query
    (the unchanged poll, a 304, is not touched: tests/test_queries.py)."""
    _response, mapped = _changes_poll_queries(app, room.mette, room, ["Ledernetværk 0-18"],
                                              tasks=(2,))
    few_response, few = _changes_poll_queries(app, room.mette, room, [LEADERS])
    assert "Tilføj Opgave 2" in text_of(few_response)
    bodies = [f"{PROJECTS} ({i})" for i in range(12)]
    many_response, many = _changes_poll_queries(app, room.mette, room, bodies)
    assert text_of(many_response).count("Tilføj Opgave 3") == 12
    assert len(many) == len(few) == len(mapped) + 1, "\n".join(s for s, _p in many)
    from tests.test_queries import _plan

    statement, parameters = next((s, p) for s, p in many if "FROM note_suggestion" in s)
    plan = _plan(statement, parameters)
    assert not re.search(r"\bSCAN note_suggestion\b|Seq Scan on note_suggestion", plan), plan
