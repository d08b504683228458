"""Server push for the break screen: one hub per process fans the notes out to open streams.

A watcher (a thread; a greenlet under gunicorn's gevent worker, whose monkey-patching turns
these threading primitives into gevent ones) asks the database once every STREAM_TICK_SECONDS,
for all the process's subscribers, what changed: notes (minus an overlap, deduplicated by note
and updated_at so a change is pushed once), participants whose access changed and staff
sessions that ended. It renders each break's changes once per variant (language; the author's
own card) and puts them on the subscribers' queues. A subscriber holds plain values only (no
request context, no ORM object): an idle stream costs its socket, a small queue and a
heartbeat every STREAM_HEARTBEAT_SECONDS. Works under `flask run` (threads), gunicorn with the
gevent worker and the Flask test client. Serving it: docs/deployment.md.
"""

import logging
import os
import secrets
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timedelta

from flask import Flask
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from delib.models import utcnow
from delib.services.notes.feed import SCREEN, NotesFeed, Viewer, changes_since

log = logging.getLogger(__name__)

#: A subscriber that falls this far behind (a stalled socket) is dropped; its browser
#: reconnects with Last-Event-ID and catches up from the database.
MAX_QUEUE = 100

END_REMOVED = _l("Du er fjernet fra udvalget. Siden genindlæses.")
END_NEW_CODE = _l("Din adgang er afsluttet (udvalget har fået en ny kode). Siden genindlæses.")
END_SIGNED_OUT = _l("Du er logget ud. Siden genindlæses.")


class Subscriber:
    """One open stream: what it may see and who looks, as plain values, and its queue."""

    __slots__ = ("committee_id", "slot_id", "viewer", "locale", "generation", "session_id",
                 "csrf", "_items", "_ready", "closed", "ending")

    def __init__(self, committee_id: int, slot_id: int, viewer: Viewer, locale: str,
                 generation: int | None = None, session_id: int | None = None, csrf: str = ""):
        self.committee_id = committee_id
        self.slot_id = slot_id
        self.viewer = viewer
        self.locale = locale
        #: A participant's session generation (a new join code raises it) or a staff user's
        #: session row: when either ends, the stream ends.
        self.generation = generation
        self.session_id = session_id
        #: For the forms on the author's own cards ("Tilføj"/"Afvis" a suggestion).
        self.csrf = csrf
        self._items: deque = deque()
        self._ready = threading.Event()
        self.closed = False
        self.ending = False

    def put(self, item: tuple) -> None:
        if len(self._items) >= MAX_QUEUE:
            self.closed = True  # the generator ends the stream; the browser reconnects
        else:
            self._items.append(item)
        self._ready.set()

    def close(self) -> None:
        """End the stream at its next wake-up; the browser reconnects with Last-Event-ID."""
        self.closed = True
        self._ready.set()

    def take(self, timeout: float) -> list[tuple] | None:
        """What arrived, waiting up to `timeout`; None if nothing did (time for a heartbeat)."""
        woke = self._ready.wait(timeout)
        self._ready.clear()
        items = []
        while self._items:
            items.append(self._items.popleft())
        return items if items or woke else None


def sse(event: str | None, data: str = "", ident=None) -> str:
    """One Server-Sent Event; each line of `data` on its own `data:` line."""
    lines = [f"event: {event}"] if event else []
    if ident is not None:
        lines.append(f"id: {ident}")
    lines += [f"data: {line}" for line in data.replace("\r\n", "\n").replace("\r", "\n")
              .split("\n")]
    return "\n".join(lines) + "\n\n"


class Hub:
    """The process's subscribers by break, participant and staff session, and their watcher."""

    def __init__(self, app: Flask):
        self.app = app
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._groups: dict[tuple[int, int], set[Subscriber]] = {}
        self._participants: dict[int, set[Subscriber]] = {}
        self._sessions: dict[int, set[Subscriber]] = {}
        self._seen: dict[tuple[int, datetime], datetime] = {}
        self._watcher: threading.Thread | None = None
        #: Stands for the viewer in a pushed fragment's ETag: rendered once per variant, each
        #: stream puts its own viewer in (random, so no note's text can contain it).
        self._viewer_mark = uuid.uuid4().hex
        #: For the bench and the logs: open streams, ticks, events queued.
        self.ticks = 0
        self.delivered = 0
        self.last_tick_seconds = 0.0

    # ------------------------------------------------------------------------- subscribers

    @property
    def connections(self) -> int:
        return sum(len(group) for group in self._groups.values())

    def subscribe(self, subscriber: Subscriber) -> None:
        """Register an open stream; the watcher starts with the first one."""
        with self._lock:
            self._groups.setdefault((subscriber.committee_id, subscriber.slot_id),
                                    set()).add(subscriber)
            if subscriber.viewer.kind == "participant":
                self._participants.setdefault(subscriber.viewer.id, set()).add(subscriber)
            if subscriber.session_id is not None:
                self._sessions.setdefault(subscriber.session_id, set()).add(subscriber)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="delib-stream",
                                                 daemon=True)
                self._watcher.start()

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            for index, key in ((self._groups, (subscriber.committee_id, subscriber.slot_id)),
                               (self._participants, subscriber.viewer.id
                                if subscriber.viewer.kind == "participant" else None),
                               (self._sessions, subscriber.session_id)):
                found = index.get(key)
                if found is not None:
                    found.discard(subscriber)
                    if not found:
                        del index[key]

    def events(self, subscriber: Subscriber, first: list[str]):
        """The stream's body: retry, what was missed, then pushed events and heartbeats, until
        access ends (`end`), the queue overflows or STREAM_MAX_SECONDS pass."""
        config = self.app.config
        heartbeat = float(config["STREAM_HEARTBEAT_SECONDS"])
        # Spread over the last fifth of the lifetime: streams opened together at the start of
        # the break do not all reconnect in the same second.
        lifetime = float(config["STREAM_MAX_SECONDS"]) * (0.8 + secrets.randbelow(201) / 1000)
        deadline = time.monotonic() + lifetime
        try:
            yield "retry: 3000\n\n"
            yield from first
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                items = subscriber.take(min(heartbeat, left))
                if items is None:
                    if time.monotonic() < deadline:
                        yield ": hb\n\n"
                    continue
                for event, ident, data in items:
                    if event == "notes":
                        data = data.replace(self._viewer_mark, subscriber.viewer.key)
                    yield sse(event, data, ident)
                    if event == "end":
                        return
                if subscriber.closed:
                    return  # fell behind: the browser reconnects and catches up
        finally:
            self.unsubscribe(subscriber)

    # ----------------------------------------------------------------------------- watcher

    def stop(self, timeout: float = 5) -> None:
        """Close every stream and stop the watcher (an app shutting down, a test's end): no
        tick may run against a database that is about to go."""
        with self._lock:
            subscribers = [s for group in self._groups.values() for s in group]
            watcher = self._watcher
            self._groups.clear()
            self._participants.clear()
            self._sessions.clear()
        for subscriber in subscribers:
            # Closed without `end`: a browser reconnects (to another process, after a restart).
            subscriber.close()
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout)

    def _watch(self) -> None:
        tick = float(self.app.config["STREAM_TICK_SECONDS"])
        while True:
            time.sleep(tick)
            with self._lock:
                if not self._groups:
                    # The last stream closed: stop; the next subscriber starts a new watcher.
                    self._watcher = None
                    self._seen.clear()
                    return
            started = time.perf_counter()
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a failed tick (database busy) must not end the hub
                log.exception("stream tick failed")
            self.last_tick_seconds = time.perf_counter() - started

    def tick(self, now: datetime | None = None) -> None:
        """Ask once what changed, for all subscribers, and push it."""
        overlap = timedelta(seconds=float(self.app.config["STREAM_OVERLAP_SECONDS"]))
        since = (now or utcnow()) - overlap
        # As a GET: SQLite then begins a deferred (reading) transaction, never the write lock
        # (delib/db.py), and url_for/gettext work for the rendering.
        with self._render_context():
            changes = changes_since(since)
            self.ticks += 1
            breaks: dict[tuple[int, int], datetime] = {}
            ended: list[tuple[Subscriber, object]] = []
            with self._lock:
                for change in changes:
                    if change.kind == "n":
                        key = (change.id, change.at)
                        if key in self._seen:
                            continue  # pushed at an earlier tick: the overlap reads it again
                        self._seen[key] = change.at
                        group = (change.a, change.b)
                        if group in self._groups:
                            breaks[group] = min(breaks.get(group, change.at), change.at)
                    elif change.kind == "p":
                        # Re-read every tick within the overlap, so a stream opened just before
                        # the change was committed ends too; the check itself is idempotent.
                        for subscriber in self._participants.get(change.id, ()):
                            if change.b == -1:
                                ended.append((subscriber, END_REMOVED))
                            elif subscriber.generation != change.b:
                                ended.append((subscriber, END_NEW_CODE))
                    elif change.kind == "s":
                        for subscriber in self._sessions.get(change.id, ()):
                            ended.append((subscriber, END_SIGNED_OUT))
                for key, at in list(self._seen.items()):
                    if at < since:
                        del self._seen[key]
                groups = {group: list(self._groups.get(group, ())) for group in breaks}
            for group, changed_at in breaks.items():
                self._push(group, changed_at, groups[group])
            if ended:
                self._end(ended)

    def _push(self, group: tuple[int, int], changed_at: datetime,
              subscribers: list[Subscriber]) -> None:
        """A break's changes, rendered once per variant, onto each subscriber's queue."""
        if not subscribers:
            return
        feed = NotesFeed(*group)
        stamp = feed.stamp()  # first: a later change is then sent again, never missed
        changed = feed.changed_at_or_after(changed_at, limit=None)
        if not changed:
            return
        count = feed.count()
        authors = {Viewer("participant", card.author_participant_id)
                   for card in changed if card.author_participant_id is not None}
        authors |= {Viewer("user", card.author_user_id)
                    for card in changed if card.author_user_id is not None}
        rendered: dict[tuple, str] = {}
        for subscriber in subscribers:
            own = subscriber.viewer in authors
            variant = (subscriber.locale, subscriber.viewer if own else None,
                       subscriber.csrf if own else None)
            html = rendered.get(variant)
            if html is None:
                with force_locale(subscriber.locale):
                    html = rendered[variant] = feed.changes_html(
                        changed, subscriber.viewer if own else SCREEN,
                        feed.etag(self._viewer_mark, subscriber.locale), count,
                        csrf_token=lambda token=variant[2]: token or "")
            subscriber.put(("notes", stamp.cursor, html))
            self.delivered += 1

    def _end(self, ended: list[tuple[Subscriber, object]]) -> None:
        for subscriber, reason in ended:
            if subscriber.ending:
                continue  # the overlap reads the change again until the stream closes
            subscriber.ending = True
            with force_locale(subscriber.locale):
                subscriber.put(("end", None, str(reason)))

    def _render_context(self):
        """A request context for url_for and gettext while rendering (no real request)."""
        return self.app.test_request_context(
            "/", base_url=self.app.config.get("BASE_URL") or "http://localhost/")


def hub_for(app: Flask) -> Hub:
    """The process's hub for this app (a new one after a fork)."""
    hub = app.extensions.get("delib.stream")
    if hub is None or hub.pid != os.getpid():
        with _creating:
            hub = app.extensions.get("delib.stream")
            if hub is None or hub.pid != os.getpid():
                hub = app.extensions["delib.stream"] = Hub(app)
    return hub


_creating = threading.Lock()


def stop(app: Flask) -> None:
    """Close this process's streams for the app and stop its watcher, if it has a hub."""
    hub = app.extensions.get("delib.stream")
    if hub is not None and hub.pid == os.getpid():
        hub.stop()


def stats(app: Flask) -> dict:
    """The hub's counters (for the bench): open streams, ticks, events queued, last tick."""
    hub = hub_for(app)
    return {"connections": hub.connections, "ticks": hub.ticks, "delivered": hub.delivered,
            "last_tick_seconds": hub.last_tick_seconds}
