"""Several gunicorn workers serve one committee: nothing lives in one process's memory.

The real server (gunicorn, 4 worker processes, production settings with CSRF on) runs on the
test's database (a temporary SQLite file; PostgreSQL under `make test-pg`). Two participants
join with the committee's code and write notes; each response says which worker process served
it, and each participant sees the other's note on a worker other than the one that saved it.
"""

import os
import re
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest

from delib.extensions import db
from tests.live_server_support import PID_APP, Browser, gunicorn, hidden_value, join

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app, tmp_path, make_committee, event):
    """gunicorn with 4 workers on the test database; yields (port, committee, slot)."""
    made = make_committee(municipality="Odense")
    committee = SimpleNamespace(id=made.id, join_code=made.join_code)
    slot = SimpleNamespace(id=event.slots[0].id)
    # Outside a request every transaction here is BEGIN IMMEDIATE (delib/db.py): end it, or this
    # process would hold SQLite's write lock while the workers wait for it.
    db.session.commit()
    db.session.remove()
    (tmp_path / "pidapp.py").write_text(PID_APP)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "DELIB_SECRET_KEY": "workers-test-secret",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), str(ROOT),
                                                    os.environ.get("PYTHONPATH")])),
    }
    try:
        with gunicorn(["--workers", "4", "--bind", f"127.0.0.1:{port}", "--chdir", str(tmp_path),
                       "--graceful-timeout", "2", "pidapp:application"], env,
                      tmp_path / "gunicorn.log",
                      lambda: Browser(port).request("GET", "/deltag")[0] == 200):
            yield port, committee, slot
    finally:
        # The workers held connections of their own; the fixture's drop_all must not wait on them.
        db.session.remove()


def _post_note(browser, committee, slot, text) -> str:
    """Write a note from the break screen as a browser does; the pid of the worker that saved it."""
    status, page = browser.request("GET", f"/udvalg/{committee.id}/pauser/{slot.id}")
    assert status == 200
    task_id = re.search(r'name="tasks"[^>]*value="(\d+)"', page).group(1)
    status, _t = browser.request(
        "POST", f"/udvalg/{committee.id}/pauser/{slot.id}/noter",
        form={"csrf_token": hidden_value(page, "csrf_token"),
              "client_key": hidden_value(page, "client_key"), "body": text, "tasks": [task_id]},
    )
    assert status == 302, f"note not saved ({status})"
    return browser.response.getheader("X-Worker-Pid")


def _read_on_another_worker(browser, committee, slot, not_pid, attempts=200):
    """The notes list as served by a worker other than `not_pid`: (pid, text)."""
    for _ in range(attempts):
        status, text = browser.request(
            "GET", f"/udvalg/{committee.id}/pauser/{slot.id}/noter", headers={"HX-Request": "true"})
        assert status == 200
        pid = browser.response.getheader("X-Worker-Pid")
        if pid != not_pid:
            return pid, text
    pytest.fail(f"every one of {attempts} requests was served by worker {not_pid}")


def test_participants_on_different_workers_see_each_others_notes(server):
    port, committee, slot = server
    mette = join(port, committee, "Mette")
    jonas = join(port, committee, "Jonas")

    mette_pid = _post_note(mette, committee, slot, "Mette: fælles retning for skole og dagtilbud")
    jonas_pid, jonas_sees = _read_on_another_worker(jonas, committee, slot, not_pid=mette_pid)
    assert "Mette: fælles retning for skole og dagtilbud" in jonas_sees

    jonas_note_pid = _post_note(jonas, committee, slot, "Jonas: færre nationale mål")
    mette_reads_pid, mette_sees = _read_on_another_worker(mette, committee, slot,
                                                          not_pid=jonas_note_pid)
    assert "Jonas: færre nationale mål" in mette_sees
    assert "Mette: fælles retning for skole og dagtilbud" in mette_sees
    assert "2 noter" in mette_sees

    served_by = {mette_pid, jonas_pid, jonas_note_pid, mette_reads_pid}
    assert len(served_by) >= 2
    assert all(pid and pid.isdigit() for pid in served_by)

    # The sign-in is a signed cookie: it holds whichever worker answers.
    # Sequential requests often land on the same idle worker (whichever accept() wakes), so
    # keep asking until a second worker has answered, at least 40 times and at most 300.
    pids = set()
    for attempt in range(300):
        status, text = mette.request("GET", f"/udvalg/{committee.id}/pauser/{slot.id}")
        assert status == 200, f"signed out on another worker ({status})"
        assert "Skriv en note" in text
        pids.add(mette.response.getheader("X-Worker-Pid"))
        if attempt >= 40 and len(pids) >= 2:
            break
    assert len(pids) >= 2, "all requests went to one worker; the test proved nothing"
