"""The break spike, measured: `make bench` (or `python bench/run.py --help`).

1. Generates a fresh SQLite database in a temporary directory with the 2021 programme, the 98
   municipalities, N committees x M participants (signed in with real session cookies and CSRF
   tokens, as the app issues them) and a KL analyst.
2. Starts the real servers as production runs them: the pages on gunicorn's sync workers
   (deploy/gunicorn.conf.py), the stream on gunicorn's gevent workers
   (deploy/gunicorn_stream.conf.py), and a bare Flask "hello" (bench/hello.py) served like the
   pages, as the yardstick.
3. Saturation: each endpoint in turn with a fixed number of concurrent clients; its throughput is
   printed as a ratio to hello's, so results compare across machines. The poll is measured as
   the fallback's cost only (a browser polls when its stream cannot open).
4. The stress break by push: every participant holds a stream and posts a note every ~30 s;
   post latency, errors, and each note's delivery to the group's other screens (post to arrival).
   `--poll-break` also runs the old break by polling (the fallback's load).
5. The crowd join: 300 people join one committee within 10 s from one address, some mistyping
   the code first: how many get in, how many 429s.
6. The KL overview with 20,000 notes, and the break screen's page weight (HTML + CSS + JS).
7. Everyone connected (10,000 participants, 667 groups x 15, a database of its own): all streams
   held, the stream processes' memory per connection, requests during an idle period, a note in
   each of 100 groups reaching every other screen of its group, CPU seconds (from /proc, both
   servers) per 1,000 notes delivered; `--profile` adds py-spy of the stream process.

The load driver is one asyncio loop (bench/sse.py: raw sockets, no thread per connection) with
bounded counts and durations; everything runs on 127.0.0.1 and stops by itself. Results are
printed with pass/miss against the targets and written to bench/results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
STREAM_CONF = ROOT / "deploy" / "gunicorn_stream.conf.py"
USER_AGENT = "delib-bench/1"
sys.path.insert(0, str(ROOT))  # the checkout's delib, installed or not
sys.path.insert(0, str(BENCH))  # bench/sse.py, run as a script or imported

from sse import MARKER_BASE, StreamCrowd, raise_file_limit  # noqa: E402

#: What `--parts` can choose (all by default).
PARTS = ("saturation", "break", "join", "overview", "connected")

#: The issue's targets on a 2-core machine with SQLite (#11: the break by server push).
#: Polling is only the fallback now: its ratio is printed, not judged.
TARGETS = {
    "streams": 10_000,
    "stream_bytes_per_connection": 40 * 1024,
    "delivery_p95_ms": 1000.0,
    "break_post_p95_ms": 200.0,
    "break_errors": 0,
    "post_ratio": 0.25,
    "idle_requests": 0,
    "join_people": 300,
    "overview_p95_ms": 300.0,
    "overview_notes": 20_000,
    "page_weight_bytes": 100 * 1024,
}


# ------------------------------------------------------------------------------------------------
# The database: generated with the app's own services, sessions signed with the app's own key.


@dataclass
class Person:
    cookie: str
    csrf: str
    etag: str = ""
    cursor: str = ""  # the notes list's data-cursor: polls ask for the changes since then


@dataclass
class CommitteeFixture:
    id: int
    slot_id: int
    task_ids: list[int]
    participants: list[Person] = field(default_factory=list)
    join_code: str = ""

    @property
    def stream_path(self) -> str:
        return f"/udvalg/{self.id}/pauser/{self.slot_id}/stroem"

    @property
    def list_path(self) -> str:
        return f"/udvalg/{self.id}/pauser/{self.slot_id}/noter"

    @property
    def page_path(self) -> str:
        return f"/udvalg/{self.id}/pauser/{self.slot_id}"


@dataclass
class Fixture:
    committees: list[CommitteeFixture]
    analyst: Person
    cookie_name: str

    @property
    def people(self) -> list[tuple[CommitteeFixture, Person]]:
        return [(c, p) for c in self.committees for p in c.participants]


def _signed_in(app, account) -> Person:
    """The session cookie and CSRF token a browser would hold after signing in as `account`."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from delib.auth import PARTICIPANT_GENERATION, STAFF_SESSION_KEY
    from delib.extensions import db
    from delib.services import sessions

    # A fresh app context: Flask-WTF caches the token in `g`, which would hand every account
    # the first one's token.
    with app.app_context(), app.test_request_context(
        "/", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}
    ):
        login_user(account)
        # What the server checks besides the id (delib/auth.py): a staff session's row and
        # token, or the participant's session generation.
        if account.kind == "user":
            session[STAFF_SESSION_KEY] = sessions.start(account, USER_AGENT,
                                                         app.permanent_session_lifetime)
            db.session.commit()
        else:
            session[PARTICIPANT_GENERATION] = account.session_generation
        session.permanent = True
        csrf = generate_csrf()
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return Person(cookie=cookie, csrf=csrf)


def build_database(n_committees: int, n_participants: int, notes_each: int) -> Fixture:
    """Fill the (empty) database named by DATABASE_URL as a summit at the lunch break."""
    from sqlalchemy import select

    from delib import create_app
    from delib.auth import hash_password
    from delib.extensions import db
    from delib.models import Event, Municipality, User, utcnow
    from delib.services import committees as committee_service
    from delib.services import notes as note_service
    from delib.services.municipalities import load_municipalities
    from delib.services.programme import import_programme, read_programme_file

    app = create_app()  # production settings: instance/config.py, DELIB_* and DATABASE_URL
    with app.app_context():
        db.create_all()
        load_municipalities()
        event = import_programme(read_programme_file(app.config["DEFAULT_PROGRAMME"]))
        db.session.commit()
        event = db.session.scalar(select(Event).where(Event.id == event.id))
        slot = event.slots[0]
        task_ids = [t.id for t in event.tasks]
        municipalities = list(db.session.scalars(select(Municipality).order_by(Municipality.name)))
        password_hash = hash_password(secrets.token_urlsafe(12))  # one hash: argon2 is slow
        committees: list[CommitteeFixture] = []
        for i in range(n_committees):
            municipality = municipalities[i % len(municipalities)]
            chair = User(email=f"formand{i}@bench.delib.dk", name=f"Formand {i}", role="chair",
                         municipality=municipality, password_hash=password_hash)
            db.session.add(chair)
            db.session.flush()
            committee = committee_service.create_committee(
                event, municipality, f"Børne- og Ungeudvalget {i // len(municipalities) + 1}",
                chair)
            db.session.flush()
            people = [committee_service.join(committee.join_code, f"Deltager {j + 1}")
                      for j in range(n_participants)]
            db.session.flush()
            started = utcnow()
            for k in range(notes_each):
                note, _created = note_service.post_note(
                    committee, slot, people[k % len(people)],
                    note_service.NoteInput(body=_note_text(k), task_ids=task_ids[: 1 + k % 2],
                                           message_ids=[]),
                    note_service.new_client_key(), app.config["NOTE_MAX_LENGTH"])
                # Written over the break so far, one every 30 s, not all in the same second.
                written = started - timedelta(seconds=30 * (notes_each - k))
                note.created_at = note.updated_at = written
            db.session.commit()
            fixture = CommitteeFixture(id=committee.id, slot_id=slot.id, task_ids=task_ids,
                                       join_code=committee.join_code)
            fixture.participants = [_signed_in(app, p) for p in people]
            committees.append(fixture)
        analyst = User(email="analytiker@bench.delib.dk", name="KL Analytiker", role="kl_analyst",
                       password_hash=password_hash)
        db.session.add(analyst)
        db.session.commit()
        analyst_person = _signed_in(app, analyst)
        db.session.remove()
        db.engine.dispose()
    return Fixture(committees=committees, analyst=analyst_person,
                   cookie_name=app.config.get("SESSION_COOKIE_NAME", "session"))


_PHRASES = (
    "Vi skal have en fælles retning for dagtilbud og skole, som lederne kan se sig selv i.",
    "Færre projekter, og dem vi har, skal tænkes sammen på tværs af forvaltningerne.",
    "Inddrag de unge i beslutningerne om overgangen fra grundskole til ungdomsuddannelse.",
    "Del viden med nabokommunerne om fravær: hvad virker, og hvad virker ikke?",
    "Sundhedsplejen og pædagogerne skal tale sammen før barnet starter i dagtilbud.",
)


def _note_text(k: int) -> str:
    return f"{_PHRASES[k % len(_PHRASES)]} (punkt {k + 1})"


def build_overview_database(url: str, total: int) -> tuple[Person, dict]:
    """A second database for KL's overview: every municipality submitted, `total` notes in all.

    The notes are made in the shape the overview reads (approved, submitted, latest version) by
    `seed(app, total) -> dict` in bench/bench_overview.py if it defines one, else by
    delib.tasks.demo.seed_national_demo. Returns the KL analyst's session and what was made.
    """
    from sqlalchemy import select

    from delib import create_app
    from delib.auth import hash_password
    from delib.extensions import db
    from delib.models import Municipality, User
    from delib.services.municipalities import load_municipalities
    from delib.services.programme import import_programme, read_programme_file
    from delib.tasks import demo

    module = _overview_module()
    previous = os.environ.get("DATABASE_URL", "")
    os.environ["DATABASE_URL"] = url
    try:
        app = create_app()
    finally:
        os.environ["DATABASE_URL"] = previous
    with app.app_context():
        db.create_all()
        load_municipalities()
        event = import_programme(read_programme_file(app.config["DEFAULT_PROGRAMME"]))
        rng = random.Random(98)  # made-up populations, so the size groups are not all empty
        for m in db.session.scalars(select(Municipality)):
            m.population = m.population or rng.choice([rng.randint(1500, 49000),
                                                       rng.randint(50001, 350000)])
        analyst = User(email="analytiker@bench.delib.dk", name="KL Analytiker", role="kl_analyst",
                       password_hash=hash_password(secrets.token_urlsafe(12)))
        db.session.add(analyst)
        db.session.commit()
        if module is not None and hasattr(module, "seed"):
            info = dict(module.seed(app, total) or {})
            info["seeded_by"] = "bench/bench_overview.py seed()"
        else:
            made = demo.seed_national_demo(event, notes=total, participation=1.0,
                                           submit_share=1.0)
            info = {"seeded_by": "delib.tasks.demo.seed_national_demo", "notes": made.notes,
                    "submitted_municipalities": made.submitted}
        db.session.commit()
        person = _signed_in(app, analyst)
        db.session.remove()
        db.engine.dispose()
    return person, info


def _overview_module():
    path = BENCH / "bench_overview.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_overview", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def overview_path() -> str:
    module = _overview_module()
    return getattr(module, "PATH", "/kl") if module is not None else "/kl"


# ------------------------------------------------------------------------------------------------
# The servers.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn in its own process group, on 127.0.0.1; stopped (whole group) on exit."""

    def __init__(self, name: str, app_spec: str, env: dict, log_dir: Path, extra_path=None,
                 conf: Path = GUNICORN_CONF):
        self.name, self.port = name, free_port()
        self.log_path = log_dir / f"{name}.log"
        # Every request the server answers, one line each: an idle break must add none.
        self.access_log = log_dir / f"{name}.access.log"
        env = {**env, "GUNICORN_ACCESSLOG": str(self.access_log)}
        command = [sys.executable, "-m", "gunicorn", "-c", str(conf),
                   "--bind", f"127.0.0.1:{self.port}"]
        if extra_path:
            command += ["--pythonpath", str(extra_path)]
        command.append(app_spec)
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, path: str = "/", timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError):
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
                    if s.recv(12).startswith(b"HTTP/1."):
                        return
            time.sleep(0.25)
        self.stop()
        log = self.log_path.read_text()[-4000:]
        raise SystemExit(f"{self.name} did not start; its log:\n{log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# ------------------------------------------------------------------------------------------------
# A small HTTP/1.1 client on asyncio: one connection per request, as nginx talks to gunicorn.


class Stats:
    """Latencies and outcomes per endpoint."""

    def __init__(self):
        self.latencies: dict[str, list[float]] = {}
        self.statuses: dict[str, dict[str, int]] = {}
        self.errors: dict[str, list[str]] = {}
        self.failed: dict[str, int] = {}

    def add(self, name: str, seconds: float, status: int | str, ok: bool) -> None:
        self.latencies.setdefault(name, []).append(seconds * 1000)
        by_status = self.statuses.setdefault(name, {})
        by_status[str(status)] = by_status.get(str(status), 0) + 1
        if not ok:
            self.failed[name] = self.failed.get(name, 0) + 1
            errors = self.errors.setdefault(name, [])
            if len(errors) < 5:
                errors.append(str(status))

    def error_count(self, name: str) -> int:
        """Answers other than the expected ones: 5xx, 4xx, redirects, timeouts, resets."""
        return self.failed.get(name, 0)

    def summary(self, name: str, seconds: float | None = None) -> dict:
        values = sorted(self.latencies.get(name, []))
        out = {"requests": len(values), "statuses": self.statuses.get(name, {}),
               "errors": self.error_count(name), "error_samples": self.errors.get(name, [])}
        if values:
            out.update(p50_ms=_pct(values, 50), p95_ms=_pct(values, 95), p99_ms=_pct(values, 99),
                       max_ms=round(values[-1], 1))
        if seconds:
            out["throughput_rps"] = round(len(values) / seconds, 1)
        return out


def _pct(sorted_values: list[float], p: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return round(sorted_values[index], 1)


class Client:
    def __init__(self, port: int, cookie_name: str, max_open: int = 200, timeout: float = 30):
        self.port, self.cookie_name, self.timeout = port, cookie_name, timeout
        self.open = asyncio.Semaphore(max_open)

    async def request(self, method: str, path: str, person: Person | None = None,
                      headers: dict | None = None, form: dict | None = None):
        """(status, headers, body) of one request; raises on a broken connection or timeout."""
        head = {"Host": f"127.0.0.1:{self.port}", "User-Agent": USER_AGENT, "Connection": "close"}
        if person is not None:
            head["Cookie"] = f"{self.cookie_name}={person.cookie}"
        head.update(headers or {})
        body = b""
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        if method != "GET":
            head["Content-Length"] = str(len(body))
        raw = (f"{method} {path} HTTP/1.1\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode() + body
        async with self.open:
            return await asyncio.wait_for(self._exchange(raw), self.timeout)

    async def _exchange(self, raw: bytes):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(raw)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {}
            for line in lines[1:]:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                if key == "set-cookie" and key in headers:  # every cookie, one a line
                    headers[key] += "\n" + value.strip()
                else:
                    headers[key] = value.strip()
            # Read exactly the body and hang up at once, as nginx does: gunicorn's sync worker
            # waits for the client to close before it takes the next request.
            if "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
            else:
                body = await reader.read()
                if headers.get("transfer-encoding") == "chunked":
                    body = _dechunk(body)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        return status, headers, body


def _dechunk(body: bytes) -> bytes:
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


# What each kind of request is, and which answers count as success.


async def timed(stats: Stats, name: str, ok_statuses, coro):
    started = time.perf_counter()
    try:
        status, headers, body = await coro
    except Exception as error:  # noqa: BLE001 - every failure is counted and reported
        stats.add(name, time.perf_counter() - started, type(error).__name__, ok=False)
        return None
    stats.add(name, time.perf_counter() - started, status, ok=status in ok_statuses)
    return status, headers, body


_CURSOR = re.compile(rb'data-cursor="(\d+)"')


async def poll(client, stats, committee, person, name="poll"):
    """As delib.js polls: the list's ETag and cursor, so a changed list sends only the changes."""
    headers = {"HX-Request": "true"}
    if person.etag:
        headers["If-None-Match"] = person.etag
    path = committee.list_path + (f"?efter={person.cursor}" if person.cursor else "")
    result = await timed(stats, name, (200, 304), client.request("GET", path, person, headers))
    if result and result[1].get("etag"):
        person.etag = result[1]["etag"]
    if result and result[0] == 200:
        found = _CURSOR.search(result[2])
        person.cursor = found.group(1).decode() if found else ""
    return result


async def list_full(client, stats, committee, person, name="list_200"):
    return await timed(stats, name, (200,),
                       client.request("GET", committee.list_path, person, {"HX-Request": "true"}))


async def post_note(client, stats, committee, person, k, name="post_note"):
    form = {"csrf_token": person.csrf, "client_key": uuid.uuid4().hex, "body": _note_text(k),
            "tasks": committee.task_ids[: 1 + k % 2]}
    # As delib.js sends it: it empties the form itself, so the answer is only the saved card.
    headers = {"HX-Request": "true", "X-CSRFToken": person.csrf, "X-Delib-Form": "keep"}
    return await timed(stats, name, (200, 201),
                       client.request("POST", committee.list_path, person, headers, form))


# ------------------------------------------------------------------------------------------------
# The measurements.


async def open_break_screens(client, people, concurrency: int = 16) -> None:
    """Everyone loads the notes list once (untimed), as when the break screen opens."""
    gate = asyncio.Semaphore(concurrency)

    async def one(committee, person):
        person.etag = person.cursor = ""
        async with gate:
            await poll(client, Stats(), committee, person)

    await asyncio.gather(*(one(c, p) for c, p in people))


async def saturate(name, make_request, concurrency: int, seconds: float) -> dict:
    """Closed loop: `concurrency` clients send requests back to back for `seconds`."""
    stats = Stats()
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def one_client():
        while time.perf_counter() < deadline:
            await make_request(stats, next(counter))

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return stats.summary(name, elapsed)


async def the_break(client, fixture: Fixture, seconds: float, poll_every: float,
                    post_every: float, overview: str | None, analyst_every: float) -> dict:
    """Open loop, as the break runs: polls every `poll_every` s, a post every ~`post_every` s."""
    stats = Stats()
    loop = asyncio.get_running_loop()
    start = loop.time()
    end = start + seconds
    late = {"count": 0, "worst_ms": 0.0}
    skipped = {"polls": 0}
    counter = iter(range(10**9))

    async def at(when: float):
        delay = when - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lag = -delay * 1000
            if lag > 100:
                late["count"] += 1
            late["worst_ms"] = max(late["worst_ms"], lag)

    async def participant(committee, person):
        # Like the browser: one request at a time, and a tick missed while the previous poll was
        # still waiting is skipped, not made up for (the update simply shows later).
        next_poll = start + random.uniform(0, poll_every)
        next_post = start + random.uniform(0, post_every)
        while True:
            when = min(next_poll, next_post)
            if when >= end:
                return
            await at(when)
            if next_post <= next_poll:
                await post_note(client, stats, committee, person, next(counter))
                next_post = max(next_post, loop.time()) + post_every * random.uniform(0.7, 1.3)
            else:
                await poll(client, stats, committee, person)
                next_poll += poll_every
            while next_poll < loop.time():
                next_poll += poll_every
                skipped["polls"] += 1

    async def analyst():
        next_load = start + random.uniform(0, analyst_every)
        while next_load < end:
            await at(next_load)
            await timed(stats, "kl_overview", (200,),
                        client.request("GET", overview, fixture.analyst))
            next_load += analyst_every

    tasks = [participant(c, p) for c, p in fixture.people]
    if overview:
        tasks.append(analyst())
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    out = {name: stats.summary(name, elapsed) for name in sorted(stats.latencies)}
    polls = stats.statuses.get("poll", {})
    out["_poll_304_share"] = round(polls.get("304", 0) / max(1, sum(polls.values())), 3)
    out["_late_starts_over_100ms"] = late["count"]
    out["_polls_skipped_while_waiting"] = skipped["polls"]
    out["_worst_start_lag_ms"] = round(late["worst_ms"], 1)
    out["_seconds"] = round(elapsed, 1)
    out["_errors"] = sum(stats.error_count(n) for n in stats.latencies)
    return out


async def page_weight(client, fixture: Fixture) -> dict:
    """Bytes of the break screen as a browser first loads it: HTML, then its CSS and scripts."""
    committee = fixture.committees[0]
    person = committee.participants[0]
    status, _headers, html = await client.request("GET", committee.page_path, person)
    if status != 200:
        return {"error": f"break screen answered {status}"}
    text = html.decode("utf-8")
    assets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text)
    assets += re.findall(r'<script[^>]+src="([^"]+)"', text)
    sizes = {"html": len(html)}
    for url in assets:
        path = re.sub(r"^https?://[^/]+", "", url)
        asset_status, _h, body = await client.request("GET", path, person)
        sizes[path] = len(body) if asset_status == 200 else f"HTTP {asset_status}"
    total = sum(v for v in sizes.values() if isinstance(v, int))
    return {"total_bytes": total, "parts": sizes}


async def overview_latency(client, analyst: Person, path: str, samples: int) -> dict:
    stats = Stats()
    first = await client.request("GET", path, analyst)  # warm-up, not counted
    if first[0] in (404, 405):
        return {"present": False, "status": first[0]}
    for _ in range(samples):
        await timed(stats, "kl_overview", (200,), client.request("GET", path, analyst))
    out = stats.summary("kl_overview")
    out.update(present=True, path=path, bytes=len(first[2]), first_status=first[0])
    return out


# ------------------------------------------------------------------------------------------------
# Server push: streams held, notes delivered, what the server processes cost.


def group_pids(pgid: int) -> list[int]:
    """The processes of a server's process group (gunicorn's master and workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # field 5 of /proc/PID/stat: the process group
                pids.append(int(entry.name))
    return pids


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (their own, not their children's)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def servers_cpu(*servers: Server) -> float:
    return sum(cpu_seconds(group_pids(s.process.pid)) for s in servers)


def access_lines(*servers: Server) -> int:
    total = 0
    for server in servers:
        with contextlib.suppress(OSError):
            with server.access_log.open("rb") as log:
                total += sum(1 for _ in log)
    return total


async def post_marked(client, stats, committee, person, marker: int, name="post_note"):
    """A note whose text carries the bench's marker, so each screen's arrival can be timed."""
    form = {"csrf_token": person.csrf, "client_key": uuid.uuid4().hex,
            "body": f"{_PHRASES[marker % len(_PHRASES)]} (punkt {marker})",
            "tasks": committee.task_ids[: 1 + marker % 2]}
    headers = {"HX-Request": "true", "X-CSRFToken": person.csrf, "X-Delib-Form": "keep"}
    return await timed(stats, name, (200, 201),
                       client.request("POST", committee.list_path, person, headers, form))


def open_items(fixture: Fixture, people=None):
    """(key, stream path, cookie) per participant; the key is (committee index, person index)."""
    for ci, committee in enumerate(fixture.committees):
        for pi, person in enumerate(committee.participants):
            if people is None or (ci, pi) in people:
                yield (ci, pi), committee.stream_path, person.cookie


def delivery(crowd: StreamCrowd, fixture: Fixture, posted: dict) -> dict:
    """Post-to-screen latency on every other member's stream, and what never arrived.

    `posted`: marker -> (post start, committee index, author index), successful posts only."""
    latencies = []
    seen = set()
    for marker, key, arrived in crowd.stats.arrivals:
        post = posted.get(marker)
        if post is None or key[0] != post[1] or key[1] == post[2]:
            continue
        seen.add((marker, key))
        latencies.append((arrived - post[0]) * 1000)
    expected = sum(len(fixture.committees[ci].participants) - 1 for _t, ci, _a in posted.values())
    missing = expected - len(seen)
    # A card that never arrived counts as arriving too late, not as not measured.
    values = sorted(latencies + [float("inf")] * max(0, missing))
    out = {"posts": len(posted), "expected": expected, "delivered": len(seen),
           "missing": missing}
    if values:
        out.update(p50_ms=_pct(values, 50), p95_ms=_pct(values, 95), p99_ms=_pct(values, 99),
                   max_ms=round(values[-1], 1))
    return out


async def stream_break(app, stream_server, app_server, fixture, seconds: float,
                       post_every: float, grace: float = 3.0) -> dict:
    """The stress break by push: every participant holds a stream and posts every ~30 s."""
    crowd = StreamCrowd(stream_server.port, fixture.cookie_name, USER_AGENT)
    opened_in = await crowd.open(list(open_items(fixture)))
    stats = Stats()
    posted: dict[int, tuple[float, int, int]] = {}
    loop = asyncio.get_running_loop()
    start = loop.time()
    end = start + seconds
    counter = iter(range(MARKER_BASE, 10**9))
    cpu_before = servers_cpu(app_server, stream_server)

    async def participant(ci, pi, committee, person):
        next_post = start + random.uniform(0, post_every)
        while next_post < end:
            await asyncio.sleep(max(0, next_post - loop.time()))
            marker = next(counter)
            started = time.perf_counter()
            result = await post_marked(app, stats, committee, person, marker)
            if result and result[0] in (200, 201):
                posted[marker] = (started, ci, pi)
            next_post = max(next_post, loop.time()) + post_every * random.uniform(0.7, 1.3)

    await asyncio.gather(*(participant(ci, pi, c, p)
                           for ci, c in enumerate(fixture.committees)
                           for pi, p in enumerate(c.participants)))
    await asyncio.sleep(grace)
    cpu = servers_cpu(app_server, stream_server) - cpu_before
    out = {"post_note": stats.summary("post_note", seconds), "delivery": delivery(
        crowd, fixture, posted), "streams": len(fixture.people), "held": crowd.held,
        "refused": crowd.stats.refused, "dropped": crowd.stats.dropped,
        "opened_in_s": round(opened_in, 1), "cpu_s": round(cpu, 1), "seconds": seconds}
    out["errors"] = (stats.error_count("post_note") + sum(crowd.stats.refused.values())
                     + crowd.stats.dropped)
    out["cpu_s_per_1000_delivered"] = round(
        cpu / max(1, out["delivery"]["delivered"]) * 1000, 2)
    crowd.close()
    return out


async def connected_crowd(app, stream_server, app_server, fixture, posts: int,
                          idle_seconds: float, post_seconds: float, profile_to: Path | None,
                          grace: float = 3.0) -> dict:
    """Everyone holds a stream: memory per connection, an idle period's requests, and notes
    posted in `posts` groups reaching every other screen of the group."""
    crowd = StreamCrowd(stream_server.port, fixture.cookie_name, USER_AGENT)
    items = list(open_items(fixture))
    warm = 50
    await crowd.open(items[:warm])  # the workers' hubs start, their first requests are served
    await asyncio.sleep(1)
    pids = group_pids(stream_server.process.pid)
    rss_base = rss_bytes(pids)
    opened_in = await crowd.open(items[warm:], concurrency=256)
    await asyncio.sleep(2)
    rss_held = rss_bytes(group_pids(stream_server.process.pid))
    held = crowd.held
    per_connection = (rss_held - rss_base) / max(1, held - warm)
    print(f"  {_n(held)} of {_n(len(items))} streams held (opened in {opened_in:.1f} s);"
          f" stream processes {rss_held / 2**20:.0f} MB, {per_connection / 1024:.1f} kB per"
          " connection")

    # Idle: nobody writes. Requests answered by either server, and what the streams carried.
    requests_before = access_lines(app_server, stream_server)
    events_before, hb_before = crowd.stats.events, crowd.stats.heartbeats
    bytes_before = crowd.stats.bytes
    await asyncio.sleep(idle_seconds)
    idle = {"seconds": idle_seconds,
            "requests": access_lines(app_server, stream_server) - requests_before,
            "note_events": crowd.stats.events - events_before,
            "heartbeats": crowd.stats.heartbeats - hb_before,
            "bytes_per_stream": round((crowd.stats.bytes - bytes_before) / max(1, held), 1)}
    print(f"  idle {idle_seconds:.0f} s: {idle['requests']} requests to the app,"
          f" {idle['note_events']} note events, {_n(idle['heartbeats'])} heartbeats"
          f" ({idle['bytes_per_stream']} bytes per stream)")

    # Notes in `posts` groups, one each, spread over post_seconds.
    stats = Stats()
    posted: dict[int, tuple[float, int, int]] = {}
    step = max(1, len(fixture.committees) // max(1, posts))
    chosen = list(range(0, len(fixture.committees), step))[:posts]
    profiler = None
    if profile_to is not None:
        profiler = start_profile(stream_server, profile_to, post_seconds + grace)
    cpu_before = servers_cpu(app_server, stream_server)
    stream_cpu_before = servers_cpu(stream_server)
    started = time.perf_counter()

    async def one(n, ci):
        await asyncio.sleep(n * post_seconds / max(1, len(chosen)))
        committee = fixture.committees[ci]
        pi = n % len(committee.participants)
        marker = MARKER_BASE + n
        t0 = time.perf_counter()
        result = await post_marked(app, stats, committee, committee.participants[pi], marker)
        if result and result[0] in (200, 201):
            posted[marker] = (t0, ci, pi)

    await asyncio.gather(*(one(n, ci) for n, ci in enumerate(chosen)))
    await asyncio.sleep(grace)
    elapsed = time.perf_counter() - started
    cpu = servers_cpu(app_server, stream_server) - cpu_before
    stream_cpu = servers_cpu(stream_server) - stream_cpu_before
    if profiler:
        await asyncio.to_thread(profiler.wait)
    out = {"connections": len(items), "held": held, "held_at_end": crowd.held,
           "refused": crowd.stats.refused, "dropped": crowd.stats.dropped,
           "opened_in_s": round(opened_in, 1), "rss_base_mb": round(rss_base / 2**20, 1),
           "rss_held_mb": round(rss_held / 2**20, 1),
           "rss_bytes_per_connection": round(per_connection),
           "stream_workers": len(pids) - 1, "idle": idle,
           "post_note": stats.summary("post_note", elapsed),
           "delivery": delivery(crowd, fixture, posted),
           "cpu_s": round(cpu, 2), "stream_cpu_s": round(stream_cpu, 2)}
    out["errors"] = (stats.error_count("post_note") + sum(crowd.stats.refused.values())
                     + crowd.stats.dropped)
    out["cpu_s_per_1000_delivered"] = round(
        cpu / max(1, out["delivery"]["delivered"]) * 1000, 2)
    crowd.close()
    return out


_FIRST = ("Mette", "Søren", "Anne", "Lars", "Pia", "Henrik", "Lone", "Jens", "Trine", "Kim",
          "Birgitte", "Ole", "Helle", "Niels", "Camilla", "Rasmus", "Hanne", "Jesper", "Signe",
          "Mads")
_LAST = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
         "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
         "Thomsen")
_CSRF_FIELD = re.compile(rb'name="csrf_token"[^>]*value="([^"]*)"')


async def crowd_join(client, code: str, people: int, mistyped: int, seconds: float) -> dict:
    """`people` join one committee within `seconds` from one address; `mistyped` of them type
    a wrong code first. How many get in, and how many answers are 429."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    out = {"people": people, "mistyped_first": mistyped, "seconds": seconds, "joined": 0,
           "refused_429": 0, "wrong_code_answers": {}, "join_answers": {}, "errors": 0}
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    wrong = code[:-1] + next(c for c in alphabet if c != code[-1])

    def count(kind: str, status) -> None:
        out[kind][str(status)] = out[kind].get(str(status), 0) + 1
        if status == 429:
            out["refused_429"] += 1

    async def one(n: int):
        await asyncio.sleep(max(0.0, start + n * seconds / people - loop.time()))
        name = f"{_FIRST[n % len(_FIRST)]} {_LAST[n // len(_FIRST) % len(_LAST)]}"
        try:
            status, headers, body = await client.request("GET", f"/deltag/{code}")
            cookies = "; ".join(c.split(";", 1)[0]
                                for c in headers.get("set-cookie", "").split("\n") if c)
            token = _CSRF_FIELD.search(body)
            if status != 200 or token is None:
                out["errors"] += 1
                count("join_answers", f"GET {status}")
                return
            form = {"csrf_token": token.group(1).decode(), "display_name": name}
            head = {"Cookie": cookies}
            if n < mistyped:
                status, _h, _b = await client.request("POST", "/deltag", headers=head,
                                                      form={**form, "code": wrong})
                count("wrong_code_answers", status)
            status, headers, _b = await client.request("POST", "/deltag", headers=head,
                                                       form={**form, "code": code})
            count("join_answers", status)
            if status in (302, 303) and "/udvalg/" in headers.get("location", ""):
                out["joined"] += 1
        except Exception as error:  # noqa: BLE001 - counted and reported
            out["errors"] += 1
            count("join_answers", type(error).__name__)

    # Those who mistype are spread over the crowd, as in a room.
    order = list(range(people))
    random.Random(300).shuffle(order)
    await asyncio.gather(*(one(n) for n in order))
    out["took_s"] = round(loop.time() - start, 1)
    return out


def profile_top(path: Path, limit: int = 6) -> list[str]:
    """The functions a py-spy raw profile spent most samples in (self time), and delib's own
    frames by inclusive time."""
    if not path.exists():
        return []
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        count = int(samples)
        total += count
        frames = stack.split(";")
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            if "delib/" in frame and "/bench/" not in frame:
                inclusive[frame] = inclusive.get(frame, 0) + count
    if not total:
        return []
    lines = [f"self {count / total:5.1%}  {frame[:110]}"
             for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:limit]]
    lines += [f"incl {count / total:5.1%}  {frame[:110]}"
              for frame, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:limit]]
    return lines


# ------------------------------------------------------------------------------------------------
# Profiling (py-spy, if installed): where the workers spend their time during a phase.


def start_profile(server: Server, out: Path, seconds: float):
    py_spy = shutil.which("py-spy") or (
        str(Path(sys.executable).parent / "py-spy")
        if (Path(sys.executable).parent / "py-spy").exists() else None)
    if py_spy is None:
        print("  (py-spy is not installed: pip install py-spy to profile)")
        return None
    return subprocess.Popen(
        [py_spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--nonblocking",
         "--duration", str(int(seconds)), "--format", out.suffixes[-2].lstrip(".")
         if len(out.suffixes) > 1 else "speedscope", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


# ------------------------------------------------------------------------------------------------


def _verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("pass" if ok else "MISS")


def _line(name: str, s: dict, ratio: float | None = None) -> str:
    ratio_text = f"{ratio:6.2f}x" if ratio is not None else "       "
    return (f"  {name:<14} {s.get('throughput_rps', 0):>8.1f}/s {ratio_text}  "
            f"p50 {s.get('p50_ms', 0):>7.1f}  p95 {s.get('p95_ms', 0):>7.1f}  "
            f"p99 {s.get('p99_ms', 0):>7.1f} ms  n={s.get('requests', 0):<6} "
            f"errors={s.get('errors', 0)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--committees", type=int, default=98)
    parser.add_argument("--participants", type=int, default=15, help="per committee")
    parser.add_argument("--notes", type=int, default=20, help="notes per committee at the start")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the break")
    parser.add_argument("--poll-every", type=float, default=None,
                        help="seconds (default: the app's NOTES_POLL_SECONDS)")
    parser.add_argument("--post-every", type=float, default=30)
    parser.add_argument("--analyst-every", type=float, default=10)
    parser.add_argument("--saturate-seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=16, help="clients when saturating")
    parser.add_argument("--overview-notes", type=int, default=TARGETS["overview_notes"])
    parser.add_argument("--overview-samples", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: deploy/gunicorn.conf.py's 2 x cores + 1)")
    parser.add_argument("--streams", type=int, default=TARGETS["streams"],
                        help="participants holding a stream at once (groups of --participants)")
    parser.add_argument("--stream-posts", type=int, default=100,
                        help="groups in which a note is posted while everyone is connected")
    parser.add_argument("--idle-seconds", type=float, default=20,
                        help="idle period counted for requests (above the 15 s heartbeat)")
    parser.add_argument("--join-people", type=int, default=TARGETS["join_people"])
    parser.add_argument("--join-mistyped", type=int, default=30)
    parser.add_argument("--join-seconds", type=float, default=10)
    parser.add_argument("--parts", default=",".join(PARTS),
                        help="which measurements, comma-separated (default: all of "
                        + ",".join(PARTS) + ")")
    parser.add_argument("--poll-break", action="store_true",
                        help="also the old break by polling (the fallback's load)")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy the poll and post phases and the stream process")
    parser.add_argument("--quick", action="store_true",
                        help="a short smoke run (10 committees, 2,000 streams)")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    args.parts = {part.strip() for part in args.parts.split(",") if part.strip()}
    if args.parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(args.parts - set(PARTS)))}")
    if args.poll_every is None:
        from delib.config import Defaults

        args.poll_every = float(Defaults.NOTES_POLL_SECONDS)
    if args.quick:
        args.committees, args.duration, args.saturate_seconds = 10, 15, 3
        args.overview_notes, args.overview_samples = 2000, 5
        args.streams, args.stream_posts, args.idle_seconds = 2000, 30, 16
    # One descriptor per open stream in this process too (the server raises its own).
    fd_limit = raise_file_limit(args.streams + 4096)
    if fd_limit < args.streams + 256:
        print(f"  open files limited to {fd_limit}: streams capped there")
        args.streams = fd_limit - 256

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = args.output or RESULTS / f"{stamp}.json"
    workdir = Path(tempfile.mkdtemp(prefix="delib-bench-"))
    secret = secrets.token_hex(32)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite'}",
           "DELIB_SECRET_KEY": secret, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("TEST_DATABASE_URL", None)
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DELIB_SECRET_KEY")})

    print(f"delib bench {stamp}: {args.committees} committees x {args.participants} participants,"
          f" {platform.python_implementation()} {platform.python_version()},"
          f" {os.cpu_count()} cores")
    t = time.perf_counter()
    fixture = build_database(args.committees, args.participants, args.notes)
    print(f"  database generated in {time.perf_counter() - t:.1f} s ({workdir})")

    servers: list[Server] = []
    result: dict = {"timestamp": stamp, "machine": {"cores": os.cpu_count(),
                    "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": os.getloadavg()},
                    "settings": {k: (str(v) if isinstance(v, Path)
                                     else sorted(v) if isinstance(v, set) else v)
                                 for k, v in vars(args).items()},
                    "targets": TARGETS}
    try:
        app_server = Server("delib", "wsgi:app", env, workdir)
        hello_server = Server("hello", "hello:app", env, workdir, extra_path=BENCH)
        stream_server = Server("delib-stream", "wsgi:app", env, workdir, conf=STREAM_CONF)
        servers += [app_server, hello_server, stream_server]
        app_server.wait_ready("/")
        hello_server.wait_ready("/")
        stream_server.wait_ready("/")
        workers = env.get("WEB_CONCURRENCY") or f"{os.cpu_count() * 2 + 1} (default)"
        result["settings"]["gunicorn_workers"] = workers
        print(f"  gunicorn: {workers} sync workers each for delib (:{app_server.port}) "
              f"and hello (:{hello_server.port}); gevent stream workers"
              f" (deploy/gunicorn_stream.conf.py) on :{stream_server.port}")
        overview = overview_path()
        result.update(asyncio.run(_measure(args, fixture, app_server, hello_server,
                                           stream_server, overview, workdir, stamp, env)))
        for server in servers:
            server.stop()
        servers.clear()

        if "connected" in args.parts:
            result["connected"] = _connected(args, env, workdir, servers, stamp)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    result["machine"]["load_average_at_end"] = os.getloadavg()
    if max(result["machine"]["load_average_at_start"][0],
           result["machine"]["load_average_at_end"][0]) > (os.cpu_count() or 1):
        print(f"\nNote: the machine was busy with other work (load average"
              f" {result['machine']['load_average_at_start'][0]:.1f} at the start,"
              f" {result['machine']['load_average_at_end'][0]:.1f} at the end, {os.cpu_count()}"
              " cores): absolute numbers are low; the ratios to hello are the fairer reading.")
    verdicts = _report(result)
    result["verdicts"] = verdicts
    result["what_limits"] = what_limits(result)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nWritten: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


def _connected(args, env, workdir, servers, stamp) -> dict:
    """Everyone connected, on a database of its own with --streams participants."""
    groups = max(1, -(-args.streams // args.participants))
    url = f"sqlite:///{workdir / 'streams.sqlite'}"
    env["DATABASE_URL"] = os.environ["DATABASE_URL"] = url
    print(f"\n{groups * args.participants:,}".replace(",", ".")
          + f" connected participants ({groups} groups x {args.participants}), a note"
          f" posted in {args.stream_posts} groups")
    t = time.perf_counter()
    crowd_fixture = build_database(groups, args.participants, 2)
    print(f"  database generated in {time.perf_counter() - t:.1f} s")
    app_server = Server("delib-10k", "wsgi:app", env, workdir)
    stream_server = Server("delib-10k-stream", "wsgi:app", env, workdir, conf=STREAM_CONF)
    servers += [app_server, stream_server]
    app_server.wait_ready("/")
    stream_server.wait_ready("/")
    profile_to = RESULTS / f"{stamp}-streams.raw.txt" if args.profile else None
    connected = asyncio.run(connected_crowd(
        Client(app_server.port, crowd_fixture.cookie_name), stream_server, app_server,
        crowd_fixture, args.stream_posts, args.idle_seconds, 10.0, profile_to))
    if profile_to is not None:
        connected["profile"] = str(profile_to.relative_to(ROOT))
        connected["profile_top"] = profile_top(profile_to)
    _print_connected(connected)
    return connected


async def _measure(args, fixture, app_server, hello_server, stream_server, overview, workdir,
                   stamp, env) -> dict:
    app = Client(app_server.port, fixture.cookie_name)
    hello = Client(hello_server.port, fixture.cookie_name)
    people = fixture.people
    out: dict = {}

    # Measured first, with the notes every committee starts with (--notes), as at the break's start.
    weight = await page_weight(app, fixture)
    weight["notes_on_screen"] = args.notes
    out["page_weight"] = weight
    print(f"\nBreak screen page weight with {args.notes} notes:"
          f" {weight.get('total_bytes', 0) / 1024:.1f} kB uncompressed"
          f" {json.dumps(weight.get('parts', weight))}")

    print(f"\nSaturation: {args.concurrency} concurrent clients,"
          f" {args.saturate_seconds:.0f} s per endpoint")
    sat: dict = {}

    async def hello_request(stats, k):
        await timed(stats, "hello", (200,), hello.request("GET", "/"))

    saturating = "saturation" in args.parts
    if saturating:
        sat["hello"] = await saturate("hello", hello_request, args.concurrency,
                                      args.saturate_seconds)
        # Every participant opens the break screen and so learns its list's ETag.
        await open_break_screens(app, people)

    async def poll_request(stats, k):
        committee, person = people[k % len(people)]
        await poll(app, stats, committee, person, name="poll_304")

    async def list_request(stats, k):
        committee, person = people[k % len(people)]
        await list_full(app, stats, committee, person)

    async def post_request(stats, k):
        committee, person = people[k % len(people)]
        await post_note(app, stats, committee, person, k)

    profiles = []
    for name, request in (("poll_304", poll_request), ("list_200", list_request),
                          ("post_note", post_request)) if saturating else ():
        profiler = None
        if args.profile and name in ("poll_304", "post_note"):
            path = RESULTS / f"{stamp}-{name}.speedscope.json"
            profiler = start_profile(app_server, path, args.saturate_seconds)
            if profiler:
                profiles.append(str(path.relative_to(ROOT)))
        sat[name] = await saturate(name, request, args.concurrency, args.saturate_seconds)
        if profiler:
            await asyncio.to_thread(profiler.wait)
    status, headers, _body = await app.request("GET", overview, fixture.analyst)
    if status in (301, 302, 307, 308) and headers.get("location", "").startswith(("/", "http")):
        overview = re.sub(r"^https?://[^/]+", "", headers["location"])  # /kl -> /kl/
        status = (await app.request("GET", overview, fixture.analyst))[0]
    present = status == 200
    if status not in (200, 404, 405):
        print(f"  the KL overview {overview} answers {status} to a KL analyst")
    if present and saturating:
        async def overview_request(stats, k):
            await timed(stats, "kl_overview", (200,), app.request("GET", overview, fixture.analyst))

        sat["kl_overview"] = await saturate("kl_overview", overview_request, args.concurrency,
                                            args.saturate_seconds)
    base = sat.get("hello", {}).get("throughput_rps") or 1
    for name, s in sat.items():
        s["ratio_to_hello"] = round(s.get("throughput_rps", 0) / base, 3)
        print(_line(name, s, s["ratio_to_hello"]))
    if not present:
        print(f"  kl_overview    not measured: {overview} answers {status} (not built yet?)")
    out["saturation"] = sat
    out["profiles"] = profiles
    out["overview_path"] = overview

    # The stress break by server push: everyone holds a stream, posts every ~30 s, nobody polls.
    if "break" in args.parts:
        await _stress_break(args, app, app_server, stream_server, fixture, people, out)
    if args.poll_break:
        await _poll_break(args, app, fixture, people, overview, present, out)
    if "join" in args.parts:
        await _crowd_join(args, app, fixture, out)

    if present and "overview" in args.parts:
        print(f"\nKL overview with {args.overview_notes:,} submitted notes".replace(",", "."))
        url = f"sqlite:///{workdir / 'overview.sqlite'}"
        analyst, info = await asyncio.to_thread(build_overview_database, url,
                                                args.overview_notes)
        kl_server = Server("delib-kl", "wsgi:app", {**env, "DATABASE_URL": url}, workdir)
        try:
            await asyncio.to_thread(kl_server.wait_ready, "/")
            result = await overview_latency(Client(kl_server.port, fixture.cookie_name), analyst,
                                            overview, args.overview_samples)
        finally:
            await asyncio.to_thread(kl_server.stop)
        result["seed"] = info
        print(_line("kl_overview", result) + f"  ({info.get('seeded_by')})")
    else:
        result = {"present": False, "path": overview}
    out["overview"] = result
    return out


async def _stress_break(args, app, app_server, stream_server, fixture, people, out) -> None:
    print(f"\nThe break by push: {len(people)} participants hold a stream and post every"
          f" ~{args.post_every:.0f} s for {args.duration:.0f} s")
    streams = await stream_break(app, stream_server, app_server, fixture, args.duration,
                                 args.post_every)
    print(_line("post_note", streams["post_note"]))
    d = streams["delivery"]
    print(f"  delivery to the other {args.participants - 1} screens: p50 {d.get('p50_ms')}"
          f"  p95 {d.get('p95_ms')}  p99 {d.get('p99_ms')} ms; {d['delivered']} of"
          f" {d['expected']} arrived; streams held {streams['held']} of {streams['streams']},"
          f" refused {streams['refused'] or 0}, dropped {streams['dropped']};"
          f" {streams['cpu_s_per_1000_delivered']} CPU s per 1,000 notes delivered")
    out["stream_break"] = streams


async def _poll_break(args, app, fixture, people, overview, present, out) -> None:
    """The fallback's load (a proxy that blocks text/event-stream): everyone polls."""
    analyst_text = (f", a KL analyst loads the overview every {args.analyst_every:.0f} s"
                    if present else "")
    print(f"\nFallback break by polling: {len(people)} participants poll every"
          f" {args.poll_every:.0f} s and post every ~{args.post_every:.0f} s for"
          f" {args.duration:.0f} s{analyst_text}")
    await open_break_screens(app, people)
    brk = await the_break(app, fixture, args.duration, args.poll_every, args.post_every,
                          overview if present else None, args.analyst_every)
    for name, s in brk.items():
        if not name.startswith("_"):
            print(_line(name, s))
    print(f"  unchanged polls (304): {brk['_poll_304_share']:.0%};"
          f" polls skipped while the previous one waited:"
          f" {brk['_polls_skipped_while_waiting']}; requests started >100 ms late by the"
          f" load driver: {brk['_late_starts_over_100ms']}")
    out["poll_break"] = brk


async def _crowd_join(args, app, fixture, out) -> None:
    """The venue crowd: a room of phones behind one address joins one committee."""
    storage = os.environ.get("DELIB_RATELIMIT_STORAGE_URI") or "memory:// (per worker)"
    print(f"\nCrowd join: {args.join_people} people join one committee within"
          f" {args.join_seconds:.0f} s from one address, {args.join_mistyped} mistype the code"
          f" first (rate limits in {storage})")
    join = await crowd_join(app, fixture.committees[-1].join_code, args.join_people,
                            args.join_mistyped, args.join_seconds)
    join["storage"] = storage
    print(f"  {join['joined']} of {join['people']} got in; 429 answers: {join['refused_429']};"
          f" wrong code answered {join['wrong_code_answers']}, right code answered"
          f" {join['join_answers']}; took {join['took_s']} s")
    out["crowd_join"] = join


def _n(number: int) -> str:
    """10.000, as Danes write it."""
    return f"{number:,}".replace(",", ".")


def _print_connected(c: dict) -> None:
    d = c["delivery"]
    print(_line("post_note", c["post_note"]))
    print(f"  delivery to the other screens of the group: p50 {d.get('p50_ms')}  p95"
          f" {d.get('p95_ms')}  p99 {d.get('p99_ms')} ms; {d['delivered']} of {d['expected']}"
          f" arrived; held at the end {c['held_at_end']}, refused {c['refused'] or 0},"
          f" dropped {c['dropped']}")
    print(f"  CPU: {c['cpu_s']} s for the posts and their delivery ({c['stream_cpu_s']} s in"
          f" the stream processes): {c['cpu_s_per_1000_delivered']} CPU s per 1,000 notes"
          " delivered")
    for line in c.get("profile_top", []):
        print(f"    {line}")


def _report(result: dict) -> dict:
    sat, brk = result.get("saturation", {}), result.get("stream_break", {})
    over, weight = result.get("overview", {}), result.get("page_weight", {})
    con, join = result.get("connected", {}), result.get("crowd_join", {})
    wanted = result.get("settings", {}).get("streams", TARGETS["streams"])
    scale = ("" if wanted >= TARGETS["streams"]
             else f" (this run: {_n(wanted)}; the target is {_n(TARGETS['streams'])})")
    per_conn = con.get("rss_bytes_per_connection")
    checks = {
        f"{_n(TARGETS['streams'])} streams held, 0 errors{scale}": (
            (con.get("held", 0) >= wanted and con.get("held_at_end", 0) >= wanted
             and con.get("errors", 1) == 0) if con else None,
            f"{con.get('held')} held, {con.get('held_at_end')} at the end,"
            f" {con.get('errors')} errors" if con else "not measured"),
        "stream memory < 40 kB per connection": (
            per_conn is not None and per_conn < TARGETS["stream_bytes_per_connection"]
            if con else None,
            f"{(per_conn or 0) / 1024:.1f} kB (RSS {con.get('rss_base_mb')} ->"
            f" {con.get('rss_held_mb')} MB, {con.get('stream_workers')} workers)"
            if con else "not measured"),
        "all connected: a note on every screen of its group, p95 < 1 s": (
            con.get("delivery", {}).get("p95_ms", 1e9) < TARGETS["delivery_p95_ms"]
            if con else None,
            f"p95 {con.get('delivery', {}).get('p95_ms')} ms,"
            f" {con.get('delivery', {}).get('delivered')} of"
            f" {con.get('delivery', {}).get('expected')}" if con else "not measured"),
        "idle participant: no request at all (heartbeats only)": (
            (con["idle"]["requests"] <= TARGETS["idle_requests"]
             and con["idle"]["note_events"] == 0 and con["idle"]["heartbeats"] > 0)
            if con else None,
            f"{con['idle']['requests']} requests, {con['idle']['note_events']} note events,"
            f" {con['idle']['heartbeats']} heartbeats in {con['idle']['seconds']:.0f} s"
            if con else "not measured"),
        "stress break: post p95 < 200 ms": (
            brk.get("post_note", {}).get("p95_ms", 1e9) < TARGETS["break_post_p95_ms"]
            if brk else None,
            f"{brk.get('post_note', {}).get('p95_ms')} ms" if brk else "not measured"),
        "stress break: zero errors": (
            brk.get("errors") == TARGETS["break_errors"] if brk else None,
            f"{brk.get('errors')} errors" if brk else "not measured"),
        "stress break: delivery p95 < 1 s": (
            brk.get("delivery", {}).get("p95_ms", 1e9) < TARGETS["delivery_p95_ms"]
            if brk else None,
            f"{brk.get('delivery', {}).get('p95_ms')} ms,"
            f" {brk.get('delivery', {}).get('delivered')} of"
            f" {brk.get('delivery', {}).get('expected')}" if brk else "not measured"),
        "post a note >= 0.25 x hello": (
            sat.get("post_note", {}).get("ratio_to_hello", 0) >= TARGETS["post_ratio"]
            if sat else None,
            f"{sat.get('post_note', {}).get('ratio_to_hello')} x" if sat else "not measured"),
        # Wrong codes may meet a 429 (limited per code and address); the right one never.
        f"crowd join: all {join.get('people', TARGETS['join_people'])} get in, a right code"
        " never meets 429": (
            (join.get("joined") == join.get("people")
             and join.get("join_answers", {}).get("429", 0) == 0) if join else None,
            f"{join.get('joined')} of {join.get('people')} in; 429 to"
            f" {join.get('wrong_code_answers', {}).get('429', 0)} wrong and"
            f" {join.get('join_answers', {}).get('429', 0)} right codes"
            if join else "not measured"),
        "KL overview p95 < 300 ms with 20.000 notes": (
            (over.get("p95_ms", 1e9) < TARGETS["overview_p95_ms"]
             and over.get("seed", {}).get("notes", 0) >= TARGETS["overview_notes"])
            if over.get("seed") else None,
            f"{over.get('p95_ms')} ms, {over.get('seed', {}).get('notes')} notes"
            if over.get("seed") else "not measured"),
        "break screen < 100 kB": (
            weight.get("total_bytes", 1e9) < TARGETS["page_weight_bytes"],
            f"{weight.get('total_bytes', 0) / 1024:.1f} kB"),
    }
    print("\nTargets")
    for name, (ok, detail) in checks.items():
        print(f"  [{_verdict(ok)}] {name}: {detail}")
    print("\nFigures (no target)")
    print(f"  CPU s per 1,000 notes delivered: stress break {brk.get('cpu_s_per_1000_delivered')},"
          f" all connected {con.get('cpu_s_per_1000_delivered')}")
    print(f"  fallback poll (304) {sat.get('poll_304', {}).get('ratio_to_hello')} x hello,"
          f" changed list {sat.get('list_200', {}).get('ratio_to_hello')} x (polling is only the"
          " fallback when a stream cannot open)")
    limits = what_limits(result)
    if limits:
        print("\nWhat limits it")
        for line in limits:
            print(f"  {line}")
    return {name: {"pass": ok, "detail": detail} for name, (ok, detail) in checks.items()}


def what_limits(result: dict) -> list[str]:
    """What the measurements say holds each part back (from this run's figures and profiles)."""
    lines = []
    con, brk, sat = (result.get("connected", {}), result.get("stream_break", {}),
                     result.get("saturation", {}))
    if con:
        share = con["stream_cpu_s"] / con["cpu_s"] if con.get("cpu_s") else 0
        lines.append(f"streams: {con['rss_bytes_per_connection'] / 1024:.1f} kB per open stream;"
                     f" {share:.0%} of the delivery's CPU is in the stream processes (the tick's"
                     " query, rendering once per variant, socket writes), the rest is the posts")
    if sat.get("post_note"):
        post = sat["post_note"]
        offered = (f"; the stress break offered {brk['post_note'].get('throughput_rps')}/s"
                   if brk.get("post_note") else "")
        lines.append(f"posts: {post.get('throughput_rps')}/s at saturation"
                     f" ({post.get('ratio_to_hello')} x hello){offered}. SQLite has one writer:"
                     " each post takes the write lock at BEGIN IMMEDIATE and holds it through its"
                     " commit's fsync")
    for path in result.get("profiles", []):
        if path.endswith("post_note.speedscope.json"):
            top = speedscope_top(ROOT / path)
            if top:
                lines.append(f"post profile ({path}), where the workers' samples go:")
                lines += [f"  {line}" for line in top]
    for line in con.get("profile_top", [])[:4]:
        lines.append(f"stream profile: {line}")
    return lines


def speedscope_top(path: Path, limit: int = 5) -> list[str]:
    """The frames a py-spy speedscope profile spent most samples in (self time)."""
    with contextlib.suppress(OSError, ValueError, KeyError):
        data = json.loads(path.read_text())
        frames = data["shared"]["frames"]
        own: dict[int, float] = {}
        total = 0.0
        for profile in data["profiles"]:
            for stack, weight in zip(profile["samples"], profile["weights"], strict=False):
                if stack:
                    total += weight
                    own[stack[-1]] = own.get(stack[-1], 0) + weight
        if total:
            def label(i):
                frame = frames[i]
                where = frame.get("file", "").split("site-packages/")[-1]
                return f"{frame['name']} ({where}:{frame.get('line')})"
            return [f"self {weight / total:5.1%}  {label(i)}"
                    for i, weight in sorted(own.items(), key=lambda kv: -kv[1])[:limit]]
    return []


if __name__ == "__main__":
    sys.exit(main())
