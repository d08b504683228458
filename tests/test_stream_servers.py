"""Two real server processes share one database: a note saved through one reaches a stream
held by the other.

As in production (and `make serve`): the pages on gunicorn's sync workers
(deploy/gunicorn.conf.py), the break screen's stream on gunicorn's gevent workers
(deploy/gunicorn_stream.conf.py), both on the test's database: PostgreSQL under `make test-pg`
(as several app servers would share it), a temporary SQLite file (two processes, one file) in
`make test`. Neither process knows the other: the stream learns of the note from the database.
"""

import os
import re
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from delib.extensions import db
from tests.live_server_support import Browser, EventStream, gunicorn, hidden_value, join

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def servers(app, tmp_path, make_committee, event):
    """The page server and the stream server on the test database; yields (page port, stream
    port, committee, other committee, slot)."""
    made = make_committee(municipality="Odense")
    other = make_committee(municipality="Vejle")
    committee = SimpleNamespace(id=made.id, join_code=made.join_code)
    elsewhere = SimpleNamespace(id=other.id, join_code=other.join_code)
    slot = SimpleNamespace(id=event.slots[0].id)
    # Outside a request every transaction here is BEGIN IMMEDIATE (delib/db.py): end it, or this
    # process would hold SQLite's write lock while the servers wait for it.
    db.session.commit()
    db.session.remove()
    page_port, stream_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "DELIB_SECRET_KEY": "stream-servers-test-secret",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "WEB_CONCURRENCY": "2",
        "STREAM_WORKERS": "1",
        "GUNICORN_GRACEFUL_TIMEOUT": "2",
        "GUNICORN_STREAM_GRACEFUL_TIMEOUT": "1",
    }
    env.pop("GUNICORN_ACCESSLOG", None)
    try:
        with gunicorn(["-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--chdir", str(ROOT),
                       "--bind", f"127.0.0.1:{page_port}", "wsgi:app"], env,
                      tmp_path / "pages.log",
                      lambda: Browser(page_port).request("GET", "/deltag")[0] == 200), \
             gunicorn(["-c", str(ROOT / "deploy" / "gunicorn_stream.conf.py"), "--chdir",
                       str(ROOT), "--bind", f"127.0.0.1:{stream_port}", "wsgi:app"], env,
                      tmp_path / "stream.log",
                      lambda: Browser(stream_port).request("GET", "/deltag")[0] == 200):
            yield page_port, stream_port, committee, elsewhere, slot
    finally:
        # The servers held connections of their own; the fixture's drop_all must not wait.
        db.session.remove()


def _on(port: int, browser: Browser) -> Browser:
    """The same browser (its cookies) talking to another port of the same host."""
    other = Browser(port)
    other.cookies = dict(browser.cookies)
    return other


def test_a_note_saved_on_the_page_server_reaches_a_stream_on_the_stream_server(servers):
    """Jonas's stream (stream server) shows Mette's note (page server); an outsider gets none."""
    page_port, stream_port, committee, elsewhere, slot = servers
    mette = join(page_port, committee, "Mette")
    jonas = join(page_port, committee, "Jonas")
    stream_path = f"/udvalg/{committee.id}/pauser/{slot.id}/stroem"

    stream = EventStream(_on(stream_port, jonas), stream_path)
    try:
        assert stream.status == 200
        assert stream.content_type.startswith("text/event-stream")
        assert stream.response.getheader("Server") == "delib"  # the shared config's header
        first = stream.next_event()
        assert first.get("retry") == "3000"

        status, page = mette.request("GET", f"/udvalg/{committee.id}/pauser/{slot.id}")
        assert status == 200
        task_id = re.search(r'name="tasks"[^>]*value="(\d+)"', page).group(1)
        text = "Mette: PPR tættere på dagtilbud, færre henvisninger"
        posted = time.monotonic()
        status, _t = mette.request(
            "POST", f"/udvalg/{committee.id}/pauser/{slot.id}/noter",
            form={"csrf_token": hidden_value(page, "csrf_token"),
                  "client_key": hidden_value(page, "client_key"), "body": text,
                  "tasks": [task_id]})
        assert status == 302, f"note not saved ({status})"

        event = stream.wait_for(lambda e: e["event"] == "notes" and text in e["data"], 15)
        arrived = time.monotonic() - posted
        # The card as the break screen merges it: Mette's note, by Mette, and the new count.
        assert "Mette" in event["data"]
        assert re.search(r'id="note-\d+"', event["data"])
        assert event["id"] and event["id"].isdigit()
        assert arrived < 10
    finally:
        stream.close()

    # Only members get a committee's stream, on this server too.
    outsider = join(page_port, elsewhere, "Kirsten")
    stream = EventStream(_on(stream_port, outsider),
                         f"/udvalg/{committee.id}/pauser/{slot.id}/stroem", timeout=10)
    try:
        assert stream.status in (302, 403, 404)
        assert not stream.content_type.startswith("text/event-stream")
    finally:
        stream.close()
    # ... while the same person gets their own committee's stream from the same server.
    own = EventStream(_on(stream_port, outsider),
                      f"/udvalg/{elsewhere.id}/pauser/{slot.id}/stroem", timeout=10)
    try:
        assert own.status == 200
        assert own.content_type.startswith("text/event-stream")
    finally:
        own.close()
