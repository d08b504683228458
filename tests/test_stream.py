"""Server push for the break screen (delib/stream.py, services/notes/feed.py): what an open
stream receives (new, edited, hidden, deleted and merged notes with the count), resuming after
a dropped connection, heartbeats, who may open one, and that access ending closes it at once.

The streams are read through the Flask test client (unbuffered): the hub's watcher is a real
thread reading the real database, as under `flask run`.
"""

import re
import threading
import time
import uuid
from dataclasses import dataclass
from html import unescape

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from delib.extensions import db
from delib.models import Note, Participant
from delib.services.notes import curation
from delib.services.notes.feed import NotesFeed, changes_since
from delib.stream import hub_for
from tests.conftest import HX, text_of
from tests.fixtures.committee import CHAIR_EMAIL


@pytest.fixture
def app_config():
    # A fast tick and heartbeat: the tests wait for pushes, never for a fixed time.
    return {"STREAM_TICK_SECONDS": 0.05, "STREAM_HEARTBEAT_SECONDS": 0.3}


@dataclass
class Event:
    kind: str | None
    id: str | None
    data: str
    comment: str | None


class Stream:
    """An open stream read event by event, as EventSource would."""

    def __init__(self, response):
        self.response = response
        self._chunks = iter(response.response)
        self._buffer = ""
        self.finished = False
        self.seen: list[Event] = []

    def _blocks(self, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while "\n\n" in self._buffer:
                block, self._buffer = self._buffer.split("\n\n", 1)
                yield _parse(block)
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self.finished = True
                return
            self._buffer += chunk.decode() if isinstance(chunk, bytes) else chunk

    def next(self, kind: str = "notes", timeout: float = 5) -> Event:
        """The next event of this kind (others are kept in `seen`); fails after `timeout`."""
        for event in self._blocks(timeout):
            self.seen.append(event)
            if (event.kind or ("comment" if event.comment else "retry")) == kind:
                return event
        pytest.fail(f"no '{kind}' event within {timeout} s (finished: {self.finished}); "
                    f"seen: {[e.kind or e.comment for e in self.seen]}")

    def until(self, text: str, timeout: float = 5) -> Event:
        """The next `notes` event whose fragment holds this text (a stream may first push a
        change the page already had: the browser merges it by id, so that is harmless)."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next("notes", timeout=max(0.01, deadline - time.monotonic()))
            if text in unescape(event.data):
                return event

    def nothing_for(self, seconds: float, kind: str = "notes") -> bool:
        """True if no event of this kind arrives within `seconds` (heartbeats pass)."""
        return not any(event.kind == kind for event in self._blocks(seconds))

    def ends(self, timeout: float = 5) -> bool:
        """True once the server has closed the stream."""
        for _event in self._blocks(timeout):
            pass
        return self.finished

    def close(self):
        self.response.close()


def _parse(block: str) -> Event:
    kind = ident = comment = None
    data = []
    for line in block.split("\n"):
        if line.startswith(":"):
            comment = line[1:].strip()
        elif line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("id: "):
            ident = line[4:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line.startswith("retry: "):
            kind = None
    return Event(kind, ident, "\n".join(data), comment)


@pytest.fixture
def streams():
    """Open streams, closed after the test (so the hub's watcher stops)."""
    opened: list[Stream] = []

    def open_(client, url, headers=None) -> Stream:
        response = client.get(url, headers=headers or {}, buffered=False)
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "text/event-stream"
        stream = Stream(response)
        opened.append(stream)
        return stream

    yield open_
    for stream in opened:
        stream.close()


@pytest.fixture
def room(scene, make_client):
    """The scene's committee in its talk break, with Mette and Jonas signed in on their phones."""
    mette, mette_auth = make_client()
    assert mette_auth.join(scene.committee, name="Mette").status_code == 302
    jonas, jonas_auth = make_client()
    assert jonas_auth.join(scene.committee, name="Jonas").status_code == 302
    slot = scene.committee.event.slots[1]
    base = f"/udvalg/{scene.committee.id}/pauser/{slot.id}"

    class Room:
        pass

    room = Room()
    room.scene, room.committee, room.slot, room.base = scene, scene.committee, slot, base
    room.mette, room.jonas = mette, jonas
    return room


def participant(name: str) -> Participant:
    return db.session.scalar(select(Participant).where(Participant.display_name == name))


def feed_of(html: str) -> dict:
    """The #notes-feed element's cursor and ETag in a page or a fragment."""
    match = re.search(r'id="notes-feed"[^>]*data-etag="([^"]+)" data-cursor="(\d+)"', html)
    return {"etag": unescape(match.group(1)), "cursor": match.group(2)}


def stream_url(client, room) -> str:
    """The stream address the break screen names (data-stream-url), with its cursor."""
    html = client.get(room.base).get_data(as_text=True)
    return unescape(re.search(r'data-stream-url="([^"]+)"', html).group(1))


def post(client, room, body: str, tasks=(2,)) -> None:
    event = room.committee.event
    response = client.post(f"{room.base}/noter", headers=HX, data={
        "body": body, "tasks": [t.id for t in event.tasks if t.number in tasks],
        "client_key": uuid.uuid4().hex})
    assert response.status_code == 201, response.get_data(as_text=True)[:500]


def cards(html: str) -> dict[str, str]:
    """The note cards in a fragment, by id, as their visible text."""
    return {match.group(1): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()
            for match in re.finditer(r'<li class="note-card[^"]*" id="(note-\d+)"(.*?)</li>',
                                     html, re.S)}


def gone(html: str) -> set[str]:
    match = re.search(r'data-gone="([^"]*)"', html)
    return set(match.group(1).split()) if match else set()


def count_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r'<p class="count" id="notes-count"[^>]*>(.*?)</p>',
                                             html, re.S).group(1)).strip()


# ------------------------------------------------------------------------------- what arrives


def test_a_posted_note_reaches_the_others_stream_with_its_card_and_the_count(room, streams):
    mette = streams(room.mette, stream_url(room.mette, room))
    jonas = streams(room.jonas, stream_url(room.jonas, room))
    assert mette.next("retry").kind is None  # "retry: 3000" opens the stream

    post(room.jonas, room, "SSP-samarbejdet halter i udskolingen – PPR med tidligere?")

    pushed = mette.until("SSP-samarbejdet")
    assert re.fullmatch(r"\d+", pushed.id)
    [(card_id, text)] = [(i, t) for i, t in cards(pushed.data).items() if "SSP" in t]
    assert "SSP-samarbejdet halter i udskolingen" in text and "Jonas" in text
    assert "Rediger" not in text  # Jonas's card: no edit links on Mette's screen
    assert count_text(pushed.data) == "2 noter"  # the scene's note in this break, and this one
    assert feed_of(pushed.data)["cursor"] == pushed.id
    # Jonas's own screen gets the same card with his edit links.
    own = jonas.until("SSP-samarbejdet")
    assert "Rediger" in cards(own.data)[card_id] and own.id == pushed.id
    # Pushed once: the next ticks re-read the change (overlap) but do not send it again.
    assert mette.nothing_for(0.5)


def test_edit_hide_delete_and_merge_arrive_with_the_count(room, streams, make_client):
    chair, chair_auth = make_client()
    assert chair_auth.login(CHAIR_EMAIL).status_code == 302
    mette = streams(room.mette, stream_url(room.mette, room))
    post(room.jonas, room, "Brug AKT-vejlederne mere i SFO-tiden")
    post(room.jonas, room, "UU + FGU: fælles overgangssamtaler i 9. kl.")
    first = mette.until("fælles overgangssamtaler")
    notes = {n.body: n for n in db.session.scalars(select(Note).where(
        Note.slot_id == room.slot.id, Note.author_name == "Jonas"))}
    akt, uu = notes["Brug AKT-vejlederne mere i SFO-tiden"], notes[
        "UU + FGU: fælles overgangssamtaler i 9. kl."]
    assert count_text(first.data) == "3 noter"

    # Jonas edits his note: the new text arrives, marked as edited.
    edit = room.jonas.post(f"/noter/{akt.id}/rediger", data={
        "body": "Brug AKT-vejlederne mere i SFO-tiden, også om eftermiddagen",
        "tasks": [room.scene.task(2).id], "version": "1"})
    assert edit.status_code == 302
    edited = mette.until("også om eftermiddagen")
    assert "også om eftermiddagen" in cards(edited.data)[f"note-{akt.id}"]
    assert "redigeret" in cards(edited.data)[f"note-{akt.id}"]

    # The chair hides it: it goes from every screen and the count drops.
    review = f"/udvalg/{room.committee.id}/gennemgang"
    assert chair.post(f"{review}/noter/{akt.id}/skjul",
                      data={"reason": "Dublet af punkt fra frokosten"}).status_code == 302
    hidden = mette.until(f"note-{akt.id} ")
    assert f"note-{akt.id}" in gone(hidden.data) and count_text(hidden.data) == "2 noter"

    # Jonas deletes the other one.
    assert room.jonas.post(f"/noter/{uu.id}/slet").status_code == 302
    deleted = mette.until(f"note-{uu.id} ")
    assert f"note-{uu.id}" in gone(deleted.data) and count_text(deleted.data) == "1 note"

    # The chair merges two notes of the break: the originals go, the merged note arrives.
    post(room.mette, room, "Skolelederne mangler råderum ift. budget")
    mette.until("mangler råderum")
    school, budget = room.scene.notes["school"], db.session.scalar(
        select(Note).where(Note.author_name == "Mette"))
    merged = chair.post(f"{review}/saml", data={
        "notes": [str(school.id), str(budget.id)],
        "body": "Skolelederne: for snævre rammer og for lidt råderum over budgettet"})
    assert merged.status_code == 302
    after = mette.until("for lidt råderum")
    assert {f"note-{school.id}", f"note-{budget.id}"} <= gone(after.data)
    assert any("for lidt råderum" in text for text in cards(after.data).values())
    assert count_text(after.data) == "1 note"


def test_a_reconnect_with_last_event_id_gets_what_it_missed(room, streams):
    mette = streams(room.mette, stream_url(room.mette, room))
    post(room.jonas, room, "Forældresamarbejde: mere dialog før skolestart")
    last = mette.until("Forældresamarbejde")
    mette.close()  # Mette's phone loses its Wi-Fi

    post(room.jonas, room, "Inklusion kræver flere hænder i indskolingen")
    post(room.jonas, room, "PPR-ventetider: over 3 mdr. i flere distrikter")

    url = f"{room.base}/stroem"
    again = streams(room.mette, url, headers={"Last-Event-ID": last.id})
    missed = again.next("notes", timeout=1)  # at once, before any tick
    texts = " ".join(cards(missed.data).values())
    assert "Inklusion kræver flere hænder" in texts and "PPR-ventetider" in texts
    assert count_text(missed.data) == "4 noter"
    assert int(missed.id) > int(last.id)

    # The page's cursor works the same way (?efter=, before any Last-Event-ID).
    page_cursor = stream_url(room.mette, room)
    assert "efter=" in page_cursor
    fresh = streams(room.mette, f"{url}?efter={last.id}")
    assert cards(fresh.next("notes", timeout=1).data).keys() == cards(missed.data).keys()


def test_an_idle_stream_gets_heartbeats_and_no_events(room, streams):
    mette = streams(room.mette, stream_url(room.mette, room))
    assert mette.next("comment", timeout=2).comment == "hb"
    assert mette.next("comment", timeout=2).comment == "hb"
    # Nothing new was saved: at most the first tick repeats a card saved just before the page
    # was opened (within the overlap), which the browser merges by id to no effect.
    pushed = {card for e in mette.seen if e.kind == "notes" for card in cards(e.data)}
    assert pushed <= {f"note-{room.scene.notes['school'].id}"}


def test_a_stream_closes_after_its_max_lifetime_without_end(app, room, streams):
    app.config["STREAM_MAX_SECONDS"] = 0.5
    mette = streams(room.mette, stream_url(room.mette, room))
    assert mette.ends(timeout=3)
    assert not [e for e in mette.seen if e.kind == "end"]  # the browser reconnects


def test_one_query_per_tick_for_every_stream_of_the_process(app, room, streams, make_client):
    clients = [room.mette, room.jonas]
    for _ in range(3):
        other, other_auth = make_client()
        other_auth.join(room.committee, name="Ida")
        clients.append(other)
    for client in clients:
        streams(client, stream_url(client, room))
    hub = hub_for(app)
    assert hub.connections == 5
    # The watcher has pushed what the setup saved; from now on nothing changes.
    deadline = time.monotonic() + 5
    start = hub.ticks
    while hub.ticks < start + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    statements = []
    here = threading.get_ident()

    def count(*args):
        if threading.get_ident() == here:  # not the watcher's own ticks
            statements.append(args[2])

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        hub.tick()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "UNION ALL" in statements[0]


# ------------------------------------------------------------------------------ who gets one


def test_only_members_of_the_committee_get_its_stream(room, client, make_client, make_committee):
    url = f"{room.base}/stroem"
    assert client.get(url).status_code == 302  # not signed in: to the sign-in page
    other_committee = make_committee(municipality="Odense", name="Børne- og Ungeudvalget")
    outsider, outsider_auth = make_client()
    outsider_auth.join(other_committee, name="Lars")
    refused = outsider.get(url)
    assert refused.status_code in (403, 404)
    assert refused.mimetype != "text/event-stream"


@pytest.fixture
def limited(app_config):
    """Rate limits on, with a default limit every view without its own would get."""
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="5 per minute")


def test_the_stream_is_never_limited(limited, room, streams):
    # Many reconnects from one phone (a flaky Wi-Fi) are never answered with 429 ...
    for _ in range(12):
        streams(room.mette, f"{room.base}/stroem").close()
    # ... while the default limit does hold elsewhere.
    statuses = [room.mette.get(f"{room.base}/skaerm").status_code for _ in range(7)]
    assert 429 in statuses


def test_removing_a_participant_ends_their_stream_at_once(room, streams, make_client):
    chair, chair_auth = make_client()
    assert chair_auth.login(CHAIR_EMAIL).status_code == 302
    mette = streams(room.mette, stream_url(room.mette, room))
    jonas = streams(room.jonas, stream_url(room.jonas, room))
    removed = chair.post(f"/udvalg/{room.committee.id}/deltagere/{participant('Mette').id}/fjern")
    assert removed.status_code == 302
    end = mette.next("end", timeout=3)
    assert "fjernet fra udvalget" in end.data
    assert mette.ends(timeout=1)
    # Jonas stays, and still receives.
    post(room.jonas, room, "Husk: mødeplan for BUU i marts")
    assert jonas.until("mødeplan for BUU")
    # Mette cannot open a new one.
    assert room.mette.get(f"{room.base}/stroem").status_code != 200


def test_a_new_join_code_ends_every_participants_stream(room, streams, make_client):
    chair, chair_auth = make_client()
    assert chair_auth.login(CHAIR_EMAIL).status_code == 302
    mette = streams(room.mette, stream_url(room.mette, room))
    jonas = streams(room.jonas, stream_url(room.jonas, room))
    chairs = streams(chair, stream_url(chair, room))
    assert chair.post(f"/udvalg/{room.committee.id}/kode").status_code == 302
    assert "ny kode" in mette.next("end", timeout=3).data
    assert "ny kode" in jonas.next("end", timeout=3).data
    assert mette.ends(timeout=1) and jonas.ends(timeout=1)
    # The chair's stream is not a participant's: it stays open.
    assert chairs.nothing_for(0.4, kind="end") and not chairs.finished


def test_staff_sign_out_ends_their_stream(room, streams, make_client):
    chair, chair_auth = make_client()
    assert chair_auth.login(CHAIR_EMAIL).status_code == 302
    phone, phone_auth = make_client()
    assert phone_auth.login(CHAIR_EMAIL).status_code == 302
    on_laptop = streams(chair, stream_url(chair, room))
    on_phone = streams(phone, stream_url(phone, room))
    chair_auth.logout()
    assert "logget ud" in on_laptop.next("end", timeout=3).data
    assert on_phone.nothing_for(0.4, kind="end")  # the phone's session stands
    # "Log ud på alle andre enheder" from a third sign-in ends the phone's too.
    third, third_auth = make_client()
    assert third_auth.login(CHAIR_EMAIL).status_code == 302
    assert third.post("/konto/sessioner/andre/afslut").status_code in (302, 303)
    assert "logget ud" in on_phone.next("end", timeout=3).data


# ------------------------------------------------------------------- the protocol: NotesFeed


def test_page_poll_and_stream_share_the_feeds_etag_and_cursor(app, room, streams):
    page = room.mette.get(room.base).get_data(as_text=True)
    mette_id = participant("Mette").id
    feed = NotesFeed(room.committee.id, room.slot.id)
    assert feed_of(page) == {"etag": feed.etag(f"p:{mette_id}", "da"),
                             "cursor": str(feed.cursor())}
    poll = f"{room.base}/noter"
    unchanged = room.mette.get(f"{poll}?efter={feed.cursor()}", headers={
        **HX, "If-None-Match": f'"{feed_of(page)["etag"]}"'})
    assert unchanged.status_code == 304

    mette = streams(room.mette, stream_url(room.mette, room))
    post(room.jonas, room, "Dagtilbud: sprogvurdering tidligere, ikke først ved 3 år")
    pushed = feed_of(mette.until("sprogvurdering tidligere").data)
    after = NotesFeed(room.committee.id, room.slot.id)
    # The pushed ETag is Mette's own (not the variant's): if the stream drops, her first poll
    # from where the push left her is a 304.
    assert pushed == {"etag": after.etag(f"p:{mette_id}", "da"), "cursor": str(after.cursor())}
    again = room.mette.get(f"{poll}?efter={pushed['cursor']}", headers={
        **HX, "If-None-Match": f'"{pushed["etag"]}"'})
    assert again.status_code == 304


def test_the_ticks_query_sees_notes_access_and_sessions(room):
    from delib.models import utcnow

    before = utcnow()
    post(room.jonas, room, "Trivselsmåling: del resultater med elevrådet")
    kinds = {(c.kind, c.a) for c in changes_since(before)}
    assert ("n", room.committee.id) in kinds
    curation.hide_note(room.committee, room.scene.notes["school"], room.scene.chair, "Dublet")
    db.session.commit()
    assert any(c.kind == "n" and c.id == room.scene.notes["school"].id
               for c in changes_since(before))


# ------------------------------------------------------------------------------- the big screen


def test_the_big_screen_is_read_only_and_live(room, streams, make_client):
    chair, chair_auth = make_client()
    assert chair_auth.login(CHAIR_EMAIL).status_code == 302
    for client in (chair, room.mette):
        page = client.get(f"{room.base}/skaerm")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        main = html[html.index('<main'):html.index('</main>')]
        assert "<form" not in main and "<textarea" not in main
        assert "Rammerne for skolelederne er for snævre" in text_of(page)
        assert "Spørgsmål til drøftelsen" in main
        assert "data-countdown-end" in main
    assert 'class="big-screen"' in html
    # The break screen links to it.
    assert "Vis på storskærm" in text_of(room.mette.get(room.base))
    # Live: Mette's own note comes to the big screen without her edit links.
    url = unescape(re.search(r'data-stream-url="([^"]+)"', html).group(1))
    assert "visning=skaerm" in url
    screen = streams(room.mette, url)
    post(room.mette, room, "Mobbehandleplaner: opdateres på alle skoler inden sommer")
    pushed = screen.until("Mobbehandleplaner").data
    assert "Mobbehandleplaner" in pushed and "Rediger" not in pushed
    # Outsiders get no big screen.
    outsider, outsider_auth = make_client()
    assert outsider.get(f"{room.base}/skaerm").status_code == 302


def test_the_writers_own_card_comes_with_its_suggestion_forms_and_a_valid_token(room, streams):
    jonas = streams(room.jonas, stream_url(room.jonas, room))
    mette = streams(room.mette, stream_url(room.mette, room))
    text = "Mobning og trivsel i udskolingen – elevrådet skal inddrages, SSP med"
    post(room.jonas, room, text, tasks=())  # no task: the model suggests, on Jonas's card
    own = jonas.until("Mobning og trivsel").data
    assert "Noten har ingen opgave endnu" in own
    token = re.search(r'name="csrf_token" value="([^"]*)"', own).group(1)
    assert token  # his own session's token, so "Tilføj" works from the pushed card
    others = mette.until("Mobning og trivsel").data
    assert "<form" not in others and "Noten har ingen opgave endnu" not in others
