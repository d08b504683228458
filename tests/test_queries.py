"""The break's hot paths stay cheap as a committee's notes pile up.

The notes list and the 5-second poll run a fixed number of queries however many notes there
are (no query per row), and every query on a table that grows with the summit reads an index,
on SQLite and on PostgreSQL alike (`make test-pg`).
"""

import os
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select

from delib.extensions import db
from delib.models import Note, Participant
from delib.services import notes as note_service
from delib.services.notes import NoteInput
from tests.conftest import HX, text_of

#: Tables that grow with the number of committees, participants and notes: never scanned whole.
GROWING_TABLES = ("note", "note_task", "note_message", "note_revision", "participant", "committee")


@contextmanager
def recorded_queries(app):
    """Every statement the app sends to the database inside the block, with its parameters."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", before)


def _queries(statements):
    """Only the statements that read or write data, not BEGIN/COMMIT/PRAGMA/SAVEPOINT."""
    return [(s, p) for s, p in statements
            if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", s, re.I)]


@pytest.fixture
def break_setup(app, event, make_committee, make_client):
    """A committee, its first break, and a participant's signed-in client."""
    committee = make_committee()
    slot = event.slots[0]
    client, auth = make_client()
    auth.join(committee, name="Mette")
    participant = db.session.scalar(select(Participant).where(Participant.display_name == "Mette"))
    list_url = f"/udvalg/{committee.id}/pauser/{slot.id}/noter"
    page_url = f"/udvalg/{committee.id}/pauser/{slot.id}"
    return committee, slot, client, participant, list_url, page_url


def _post_notes(committee, slot, authors, count, event):
    """Notes from several authors, with several tasks and a message, like a real break."""
    tasks = [t.id for t in event.tasks]
    messages = [m.id for m in event.messages]
    for i in range(count):
        note_service.post_note(
            committee, slot, authors[i % len(authors)],
            NoteInput(body=f"Punkt nummer {i}: sammenhæng mellem skole og dagtilbud",
                      task_ids=tasks[: 1 + i % len(tasks)],
                      message_ids=messages[: i % 2] if messages else []),
            note_service.new_client_key(), 4000,
        )
    db.session.commit()


def _get(app, client, url, headers=None):
    """A request as the server sees it: its own app context, so a fresh, empty session.

    (Inside the test's app context the requests would share its session and find the
    participant, committee and break already loaded, hiding their queries.)
    """
    with app.app_context(), recorded_queries(app) as statements:
        response = client.get(url, headers=headers or {})
    return response, _queries(statements)


def _measure(app, client, list_url, page_url):
    """Query counts of the break page, the list, and an unchanged poll; and the responses."""
    page = _get(app, client, page_url)
    listing = _get(app, client, list_url, HX)
    etag = listing[0].headers["ETag"]
    poll = _get(app, client, list_url, {**HX, "If-None-Match": etag})
    return {"page": page, "list": listing, "poll": poll}


def test_notes_list_and_poll_run_the_same_queries_for_1_and_200_notes(app, event, break_setup,
                                                                      make_client):
    committee, slot, client, mette, list_url, page_url = break_setup
    others = []
    for name in ("Jonas", "Aisha", "Per", "Sofie"):
        _c, other_auth = make_client()
        other_auth.join(committee, name=name)
        others.append(db.session.scalar(
            select(Participant).where(Participant.display_name == name)))

    _post_notes(committee, slot, [mette], 1, event)
    few = _measure(app, client, list_url, page_url)
    assert few["page"][0].status_code == 200
    assert "1 note" in text_of(few["list"][0])
    assert few["poll"][0].status_code == 304

    _post_notes(committee, slot, [mette, *others], 199, event)
    many = _measure(app, client, list_url, page_url)
    assert "200 noter" in text_of(many["list"][0])
    assert "Punkt nummer 198" in text_of(many["list"][0])
    assert many["poll"][0].status_code == 304

    for name in ("page", "list", "poll"):
        assert len(many[name][1]) == len(few[name][1]), (
            f"{name}: {len(few[name][1])} queries with 1 note, {len(many[name][1])} with 200:\n"
            + "\n".join(s for s, _p in many[name][1])
        )
    # The poll every participant sends every few seconds: one query that checks the
    # participant's membership and reads the notes' fingerprint, nothing more.
    assert len(many["poll"][1]) == 1, "\n".join(s for s, _p in many["poll"][1])
    assert len(many["list"][1]) <= 10, "\n".join(s for s, _p in many["list"][1])


def test_poll_answers_200_again_when_someone_adds_a_note(app, event, break_setup):
    committee, slot, client, mette, list_url, _page_url = break_setup
    _post_notes(committee, slot, [mette], 1, event)
    etag = client.get(list_url, headers=HX).headers["ETag"]
    assert client.get(list_url, headers={**HX, "If-None-Match": etag}).status_code == 304
    _post_notes(committee, slot, [mette], 1, event)
    fresh = client.get(list_url, headers={**HX, "If-None-Match": etag})
    assert fresh.status_code == 200
    assert "2 noter" in text_of(fresh)


def _changes_poll(app, client, list_url, committee, slot, authors, event, count):
    """A poll after `count` new notes, sent as delib.js sends it: old ETag and cursor."""
    listing = client.get(list_url, headers=HX)
    cursor = re.search(r'data-cursor="(\d+)"', listing.get_data(as_text=True)).group(1)
    _post_notes(committee, slot, authors, count, event)
    return _get(app, client, f"{list_url}?efter={cursor}",
                {**HX, "If-None-Match": listing.headers["ETag"]})


def test_a_poll_for_changes_runs_the_same_queries_for_1_and_200_notes(app, event, break_setup):
    committee, slot, client, mette, list_url, _page_url = break_setup
    few, few_queries = _changes_poll(app, client, list_url, committee, slot, [mette], event, 1)
    assert few.headers["HX-Reswap"] == "none"
    assert "1 note" in text_of(few)
    # Many notes, all older than the poll's overlap: they are not sent again.
    _post_notes(committee, slot, [mette], 199, event)
    for note in db.session.scalars(select(Note)):
        note.updated_at -= timedelta(hours=1)
    db.session.commit()
    _post_notes(committee, slot, [mette], 1, event)  # the browser has this one: within overlap
    many, many_queries = _changes_poll(app, client, list_url, committee, slot, [mette], event, 1)
    assert many.headers["HX-Reswap"] == "none"
    assert "202 noter" in text_of(many)
    assert many.get_data(as_text=True).count('class="note-card') == 2
    # The participant's membership and the fingerprint, the changed cards with their tasks and
    # messages, and the count: four queries, whatever the number of notes.
    assert len(many_queries) == len(few_queries) == 4, "\n".join(s for s, _p in many_queries)
    for statement, parameters in many_queries:
        plan = _plan(statement, parameters)
        assert not _scans_of_growing_tables(plan), f"a query scans a table:\n{statement}\n{plan}"


def _plan(statement, parameters):
    """The database's plan for a statement, as one lower-case text."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            rows = cursor.fetchall()
            return "\n".join(str(row[-1]) for row in rows)
        # Forbid sequential scans: if the plan still has one, no index can answer the query.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        rows = cursor.fetchall()
        raw.rollback()
        return "\n".join(str(row[0]) for row in rows)
    finally:
        raw.close()


def _scans_of_growing_tables(plan: str) -> list[str]:
    found = []
    for line in plan.splitlines():
        for table in GROWING_TABLES:
            # SQLite: "SCAN note" (a whole-table or whole-index walk) instead of "SEARCH note".
            # PostgreSQL: "Seq Scan on note".
            if re.search(rf"\bSCAN {table}\b", line) or re.search(rf"Seq Scan on {table}\b", line):
                found.append(line.strip())
    return found


def test_every_query_of_the_list_and_the_poll_reads_an_index(app, event, break_setup):
    committee, slot, client, mette, list_url, page_url = break_setup
    _post_notes(committee, slot, [mette], 30, event)
    measured = _measure(app, client, list_url, page_url)
    checked = 0
    for name in ("list", "poll"):
        for statement, parameters in measured[name][1]:
            plan = _plan(statement, parameters)
            scans = _scans_of_growing_tables(plan)
            assert not scans, f"{name} query scans a table:\n{statement}\n{plan}"
            checked += 1
    assert checked >= 5


def test_the_poll_fingerprint_index_exists_on_this_database(app):
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(db.engine).get_indexes("note")}
    assert indexes.get("ix_note_committee_updated") == ["committee_id", "updated_at"]
    assert "ix_note_slot_id" in indexes


def _post(app, client, committee, slot, event, text):
    """A note posted from the break screen with htmx, as the server sees it (own app context)."""
    # Outside a request the test's own session begins IMMEDIATE (delib/db.py): end its
    # transaction, or the request would wait for the write lock this test holds.
    url = f"/udvalg/{committee.id}/pauser/{slot.id}/noter"
    data = {"body": text, "tasks": [event.tasks[0].id], "client_key": note_service.new_client_key()}
    db.session.commit()  # (and touch no model object after this: reloading would begin again)
    with app.app_context(), recorded_queries(app) as statements:
        response = client.post(url, headers=HX, data=data)
    return response, statements


def test_posting_a_note_runs_the_same_queries_for_1_and_200_notes(app, event, break_setup):
    committee, slot, client, mette, list_url, _page_url = break_setup
    few, few_statements = _post(app, client, committee, slot, event, "Første note")
    assert few.status_code == 201
    _post_notes(committee, slot, [mette], 198, event)
    many, many_statements = _post(app, client, committee, slot, event, "Note nummer 200")
    assert many.status_code == 201
    assert "200 noter" in text_of(many)
    assert len(_queries(many_statements)) == len(_queries(few_statements)), "\n".join(
        s for s, _p in _queries(many_statements))


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's write lock")
def test_a_note_post_holds_the_write_lock_only_for_the_write(app, event, break_setup):
    committee, slot, client, mette, _list_url, _page_url = break_setup
    response, statements = _post(app, client, committee, slot, event, "Låsen slippes")
    assert response.status_code == 201 and "Låsen slippes" in text_of(response)
    begins = [s.strip().upper() for s, _p in statements if s.strip().upper().startswith("BEGIN")]
    # Reading (who, which committee, the programme) and rendering the answer run in deferred
    # transactions; only the write itself holds SQLite's one write lock, so other participants'
    # posts queue for milliseconds, not for a whole request.
    assert begins == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN"], begins
    texts = [s for s, _p in statements]
    locked = texts[texts.index(next(t for t in texts if t.upper().startswith("BEGIN IMMEDIATE"))):]
    locked = locked[: next(i for i, t in enumerate(locked) if t.strip().upper() == "BEGIN")]
    for table in ("participant", "committee", "discussion_slot", "event"):
        assert not [t for t in locked if re.search(rf"\bFROM {table}\b", t)], (table, locked)
    assert any(t.startswith("INSERT INTO note ") for t in locked)


def _kl_overview(app, make_user, make_client):
    make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    client, actions = make_client()
    actions.login("analytiker@kl.dk")
    return client


def test_the_kl_overview_runs_the_same_queries_for_1_and_60_submitted_notes(
        app, event, make_committee, make_user, make_client):
    from delib.tasks.demo import NoteSpec, make_submission

    client = _kl_overview(app, make_user, make_client)
    tasks, talk = event.tasks, event.talks[0]
    slot = next(s for s in event.slots if s.focus == "talk")
    make_submission(make_committee(municipality="Aarhus"),
                    [NoteSpec("Første bidrag om fravær", tasks=[tasks[0]])])
    db.session.commit()
    few = _get(app, client, "/kl/")
    assert "Kommuner der har indsendt 1 af 98" in text_of(few[0])

    for name in ("Odense", "Læsø", "Esbjerg"):
        make_submission(make_committee(municipality=name), [
            NoteSpec(f"{name}: punkt {i}", tasks=[tasks[i % len(tasks)]], talk_id=talk.id,
                     slot_id=slot.id, messages=[event.messages[i % len(event.messages)]])
            for i in range(20)])
    db.session.commit()
    many = _get(app, client, "/kl/")
    assert many[0].status_code == 200
    assert "Kommuner der har indsendt 4 af 98" in text_of(many[0])
    assert "Indsendte noter 61" in text_of(many[0])
    assert len(many[1]) == len(few[1]), "\n".join(s for s, _p in many[1])


#: KL's overview reads these; they grow with every submitted contribution.
SUBMITTED_TABLES = ("submission", "submission_note", "submission_note_task",
                    "submission_note_message")


def test_every_query_of_the_kl_overview_reads_an_index(app, event, make_committee, make_user,
                                                        make_client):
    from delib.tasks.demo import NoteSpec, make_submission

    client = _kl_overview(app, make_user, make_client)
    tasks, messages = event.tasks, event.messages
    for k, name in enumerate(("Aarhus", "Odense", "Læsø")):
        make_submission(make_committee(municipality=name), [
            NoteSpec(f"{name}: punkt {i}", tasks=tasks[: 1 + i % 2], talk_id=event.talks[i % 2].id,
                     slot_id=event.slots[(i + k) % 3].id, messages=[messages[i % len(messages)]])
            for i in range(6)])
    db.session.commit()
    response, statements = _get(app, client, "/kl/")
    assert "Indsendte noter 18" in text_of(response)
    checked, matrix_plans = 0, []
    for statement, parameters in statements:
        plan = _plan(statement, parameters)
        scans = [line.strip() for line in plan.splitlines()
                 for table in GROWING_TABLES + SUBMITTED_TABLES
                 if re.search(rf"\bSCAN {table}\b", line)
                 or re.search(rf"Seq Scan on {table}\b", line)]
        assert not scans, f"an overview query scans a table:\n{statement}\n{plan}"
        checked += 1
        if "JOIN submission_note_task" in statement or "JOIN submission_note_message" in statement:
            matrix_plans.append(plan)
    assert checked >= 5 and len(matrix_plans) == 2, matrix_plans
    if db.engine.dialect.name == "sqlite":
        # The matrices read a submission's notes in context order from their index, so the
        # database never sorts the 20,000 joined notes for the GROUP BY.
        for plan in matrix_plans:
            assert "ix_submission_note_contexts" in plan, plan
            assert "TEMP B-TREE FOR GROUP BY" not in plan, plan
