"""Online backup of the SQLite database and a restore that brings every note back."""

import os
import sqlite3
import threading
import uuid

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import Committee, DiscussionSlot, Note, Participant
from delib.services import DomainError
from delib.services import committees as committee_service
from delib.services import notes as note_service
from delib.services.notes import NoteInput
from delib.tasks import backup as backup_service

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="SQLite backup API; PostgreSQL uses pg_dump")


@pytest.fixture
def committee_with_notes(app, event, make_committee):
    committee = make_committee()
    participant = committee_service.join(committee.join_code, "Anna")
    db.session.commit()
    ids = committee.id, participant.id, event.slots[0].id, event.tasks[0].id

    def add(body):
        # Objects are loaded by id in the caller's own session, so a writer thread never
        # borrows the test's session (and its open transaction).
        c, p = db.session.get(Committee, ids[0]), db.session.get(Participant, ids[1])
        note_service.post_note(c, db.session.get(DiscussionSlot, ids[2]), p,
                               NoteInput(body, [ids[3]], []), uuid.uuid4().hex, 4000)
        db.session.commit()

    for i in range(20):
        add(f"Note nummer {i} om æøå")
    return committee, add


def _bodies(path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute("SELECT body FROM note")}
    finally:
        connection.close()


def test_backup_is_a_complete_checked_file(app, committee_with_notes, tmp_path):
    path = backup_service.backup(db.engine, tmp_path / "backups")
    assert path.name.startswith("delib-") and path.suffix == ".sqlite"
    assert path.stat().st_mode & 0o077 == 0, "backups hold personal data: owner only"
    assert _bodies(path) == {f"Note nummer {i} om æøå" for i in range(20)}
    backup_service.check_backup(path)
    assert not list((tmp_path / "backups").glob("*.part"))
    assert backup_service.list_backups(tmp_path / "backups") == [path]


def test_backup_while_notes_are_being_written(app, committee_with_notes, tmp_path):
    """The online backup is a consistent snapshot even while writers keep going."""
    _committee, add = committee_with_notes
    stop = threading.Event()

    def writer():
        with app.app_context():
            n = 0
            while not stop.is_set():
                add(f"Samtidig {n}")
                n += 1
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        path = backup_service.backup(db.engine, tmp_path)
    finally:
        stop.set()
        thread.join()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        notes, revisions = connection.execute(
            "SELECT (SELECT count(*) FROM note), (SELECT count(*) FROM note_revision)").fetchone()
    finally:
        connection.close()
    # Every note in the snapshot came with its first revision: no half-written transaction.
    assert notes == revisions >= 20


def test_restore_brings_back_what_was_backed_up(app, committee_with_notes, tmp_path):
    _committee, add = committee_with_notes
    path = backup_service.backup(db.engine, tmp_path)
    add("Skrevet efter sikkerhedskopien")
    db.session.execute(db.delete(Note).where(Note.body.like("Note nummer 1%")))
    db.session.commit()
    db.session.remove()
    safety = backup_service.restore(db.engine, path)
    bodies = set(db.session.scalars(select(Note.body)))
    assert bodies == {f"Note nummer {i} om æøå" for i in range(20)}
    # The state just before the restore is kept, so a mistaken restore can be undone.
    assert "Skrevet efter sikkerhedskopien" in _bodies(safety)
    # The restored database works for new writes too.
    add("Efter gendannelsen")
    assert db.session.scalar(select(func.count(Note.id))) == 21


def test_restore_refuses_a_file_that_is_not_a_delib_backup(app, committee_with_notes,
                                                          tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DomainError, match="ikke en SQLite-database"):
        backup_service.restore(db.engine, junk)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(DomainError, match="ikke en delib-database"):
        backup_service.restore(db.engine, other)
    with pytest.raises(DomainError, match="findes ikke"):
        backup_service.restore(db.engine, tmp_path / "missing.sqlite")
    assert db.session.scalar(select(func.count(Note.id))) == 20


def test_cli_backup_and_restore(app, runner, committee_with_notes, tmp_path):
    _committee, add = committee_with_notes
    result = runner.invoke(args=["backup", "--dir", str(tmp_path / "kopier")])
    assert result.exit_code == 0, result.output
    assert "Sikkerhedskopi gemt" in result.output
    (path,) = backup_service.list_backups(tmp_path / "kopier")
    add("Efter backup")
    aborted = runner.invoke(args=["restore", str(path)], input="n\n")
    assert aborted.exit_code != 0
    assert db.session.scalar(select(func.count(Note.id))) == 21
    db.session.remove()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Gendannet" in result.output
    assert db.session.scalar(select(func.count(Note.id))) == 20
    bad = runner.invoke(args=["restore", str(tmp_path / "nope.sqlite"), "--yes"])
    assert bad.exit_code != 0 and "findes ikke" in bad.output


def test_default_directory_is_instance_backups(app, runner, committee_with_notes, tmp_path):
    app.config["BACKUP_DIR"] = None
    app.instance_path = str(tmp_path / "instance")
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert len(backup_service.list_backups(tmp_path / "instance" / "backups")) == 1


def test_postgres_is_pointed_at_pg_dump():
    engine = type("E", (), {"dialect": type("D", (), {"name": "postgresql"})()})()
    with pytest.raises(DomainError, match="pg_dump"):
        backup_service.sqlite_path(engine)
