"""No lost notes: the real server is killed mid-burst; every acknowledged note survives.

gunicorn (3 workers, production settings, CSRF on) runs in its own session on a temporary SQLite
file. Several participants post notes at once from parallel threads and record a note only when
the server acknowledged it (201). The whole process group gets SIGKILL in the middle of the
burst; the server is started again on the same file. Then: every acknowledged note is there with
its text, `PRAGMA integrity_check` is ok, no writer ever saw "database is locked" or a 5xx, and
resending with the same idempotency key (as the browser does after a failure) returns the note
already saved instead of a copy, also for notes committed just before the kill but never answered.
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from http.client import HTTPException
from pathlib import Path

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import Note
from tests.live_server_support import Browser, hidden_value

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 6
WORKERS = 3

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="kills a server on a SQLite file")


class Server:
    """gunicorn in its own process group, so SIGKILL takes the master and every worker."""

    def __init__(self, database_url: str, tmp_path: Path):
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.process = None
        self.port = None
        self.log = None

    def start(self):
        if self.port is None:  # a restart keeps the address, as a real server does
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DELIB_SECRET_KEY": "durability-test-secret",
            # The burst is far above a person's pace; limits are tested in test_limits.py.
            "DELIB_RATELIMIT_ENABLED": "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")])),
        }
        self.log = open(self.tmp_path / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
             f"127.0.0.1:{self.port}", "--chdir", str(ROOT), "wsgi:app"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                if Browser(self.port).request("GET", "/deltag", timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.flush()
                pytest.fail("gunicorn did not start:\n"
                            + Path(self.log.name).read_text(encoding="utf-8"))
            time.sleep(0.2)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log and not self.log.closed:
            self.log.close()


class Participant:
    """One person at a laptop: joins, then posts notes as fast as the server answers."""

    def __init__(self, port, committee_id, join_code, slot_id, name):
        self.browser = Browser(port)
        self.committee_id, self.slot_id = committee_id, slot_id
        status, page = self.browser.request("GET", f"/deltag/{join_code}")
        assert status == 200
        status, _ = self.browser.request("POST", "/deltag", form={
            "csrf_token": hidden_value(page, "csrf_token"), "code": join_code,
            "display_name": name})
        assert status == 302, f"join failed ({status})"
        self.refresh()
        self.acknowledged: dict[str, str] = {}  # client_key -> body
        self.unanswered: dict[str, str] = {}
        self.errors: list[str] = []

    def refresh(self):
        status, page = self.browser.request(
            "GET", f"/udvalg/{self.committee_id}/pauser/{self.slot_id}")
        assert status == 200
        self.token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        self.task_id = re.search(r'name="tasks"[^>]*value="(\d+)"', page).group(1)

    def send(self, key, body):
        """POST a note the way htmx does; (status, text) or raises OSError."""
        return self.browser.request(
            "POST", f"/udvalg/{self.committee_id}/pauser/{self.slot_id}/noter",
            form={"client_key": key, "body": body, "tasks": [self.task_id]},
            headers={"HX-Request": "true", "X-CSRFToken": self.token})

    def burst(self, killed: threading.Event):
        while not killed.is_set():
            key = uuid.uuid4().hex
            body = f"Note {key[:12]} om trivsel i skolen æøå"
            self.unanswered[key] = body
            try:
                status, text = self.send(key, body)
            except (OSError, HTTPException):
                if not killed.is_set():
                    time.sleep(0.05)  # the kill is on its way; the key stays unanswered
                continue
            if status == 201:
                self.acknowledged[key] = body
                del self.unanswered[key]
            elif not killed.is_set():
                self.errors.append(f"{status}: {text[:200]}")
                del self.unanswered[key]
            if "database is locked" in text:
                self.errors.append("database is locked")


@pytest.fixture
def setting(app, make_committee, event, tmp_path):
    committee = make_committee(municipality="Vejle")
    ids = committee.id, committee.join_code, event.slots[0].id
    # Outside a request every transaction here begins IMMEDIATE: end it before the workers write.
    db.session.commit()
    db.session.remove()
    server = Server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    yield server, ids
    server.stop()
    db.session.remove()


def test_acknowledged_notes_survive_sigkill_and_resends_make_no_copies(app, setting):
    server, (committee_id, join_code, slot_id) = setting
    server.start()
    people = [Participant(server.port, committee_id, join_code, slot_id, f"Deltager {i}")
              for i in range(CLIENTS)]
    killed = threading.Event()
    threads = [threading.Thread(target=p.burst, args=(killed,)) for p in people]
    for thread in threads:
        thread.start()
    # Kill once the burst is well under way (or after a while on a slow machine).
    deadline = time.monotonic() + 12
    while (sum(len(p.acknowledged) for p in people) < 30 * CLIENTS
           and time.monotonic() < deadline):
        time.sleep(0.05)
    killed.set()
    server.kill()
    for thread in threads:
        thread.join(timeout=60)

    acknowledged = {k: v for p in people for k, v in p.acknowledged.items()}
    assert len(acknowledged) >= 20, "the burst never got going; the test proved nothing"
    errors = [e for p in people for e in p.errors]
    assert not errors, f"writers saw errors before the kill: {errors[:5]}"

    database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()

    server.start()
    db.session.remove()
    stored = dict(db.session.execute(
        select(Note.client_key, Note.body).where(Note.committee_id == committee_id)).all())
    db.session.remove()
    missing = [k for k in acknowledged if stored.get(k) != acknowledged[k]]
    assert not missing, f"{len(missing)} acknowledged notes lost, e.g. {missing[:3]}"
    # Committed-but-unanswered writes are why the idempotency key exists.
    committed_unanswered = [k for p in people for k in p.unanswered if k in stored]

    # The browser resends what it has no answer for, and (after a reload) a few acknowledged
    # drafts too: each comes back as the note already saved, never as a copy.
    for person in people:
        person.refresh()
        resend = list(person.unanswered.items()) + list(person.acknowledged.items())[:5]
        for key, body in resend:
            status, text = person.send(key, body)
            expected = 200 if key in stored else 201
            assert status == expected, (key, status, text[:200])
            assert body in text
    db.session.remove()
    counts = db.session.execute(
        select(Note.client_key, func.count(Note.id)).where(Note.committee_id == committee_id)
        .group_by(Note.client_key).having(func.count(Note.id) > 1)).all()
    assert counts == [], f"duplicates after resend: {counts[:3]}"
    total = db.session.scalar(select(func.count(Note.id)).where(Note.committee_id
                                                                == committee_id))
    sent = {k for p in people for k in (*p.acknowledged, *p.unanswered)}
    assert total == len(sent), "every sent note is now saved exactly once"
    db.session.remove()
    print(f"acknowledged {len(acknowledged)}, committed but unanswered "
          f"{len(committed_unanswered)}, resent {sum(len(p.unanswered) for p in people)}")


def test_parallel_writers_never_see_database_is_locked(app, setting):
    """Many participants saving at the same moment all succeed: writes queue, they never fail."""
    server, (committee_id, join_code, slot_id) = setting
    server.start()
    people = [Participant(server.port, committee_id, join_code, slot_id, f"Skriver {i}")
              for i in range(8)]
    start = threading.Barrier(len(people))
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def write(person):
        start.wait()  # everyone presses "Gem" at once
        for i in range(10):
            status, text = person.send(uuid.uuid4().hex, f"Samtidig note {i}")
            with lock:
                results.append((status, text))

    threads = [threading.Thread(target=write, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = [s for s, _ in results]
    assert statuses.count(201) == 80, {s: statuses.count(s) for s in set(statuses)}
    assert not any("database is locked" in t for _, t in results)
    server.stop()
    db.session.remove()
    assert db.session.scalar(select(func.count(Note.id))) == 80
