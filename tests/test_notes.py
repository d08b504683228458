"""The break screen: posting notes (htmx and plain), bad input, idempotent resends, polling
with ETag/304, editing with conflict detection, and deleting with confirmation."""

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import Note, NoteRevision
from delib.services import notes as note_service
from delib.services.programme import import_programme
from tests.conftest import HX, text_of

DATA = Path(__file__).parent / "data"


def _count_notes() -> int:
    return db.session.scalar(select(func.count()).select_from(Note))


def _key() -> str:
    return uuid.uuid4().hex


def _task_ids(event, *numbers):
    return [t.id for t in event.tasks if t.number in numbers]


@pytest.fixture
def room(make_committee, make_client, event):
    """A committee with two participants in two browsers, Mette and Jonas."""
    committee = make_committee()
    mette_client, mette = make_client()
    mette.join(committee, name="Mette")
    jonas_client, jonas = make_client()
    jonas.join(committee, name="Jonas")

    class Room:
        pass

    r = Room()
    r.committee, r.event = committee, event
    r.mette, r.jonas = mette_client, jonas_client
    r.slot = event.slots[0]  # the lunch break: general questions
    r.url = f"/udvalg/{committee.id}/pauser/{r.slot.id}"
    return r


def post(client, room, body="Vi skal genbesøge børne- og ungepolitikken.", tasks=(1,),
         messages=(), key=None, htmx=True, slot=None, **extra):
    slot = slot or room.slot
    data = {"body": body, "tasks": _task_ids(room.event, *tasks),
            "messages": [m.id for m in room.event.messages if m.number in messages],
            "client_key": key or _key()}
    headers = extra.pop("headers", None) or (HX if htmx else {})
    data.update(extra)
    return client.post(f"/udvalg/{room.committee.id}/pauser/{slot.id}/noter", data=data,
                       headers=headers)


# ---------------------------------------------------------------- the break screen


def test_break_screen_shows_countdown_questions_and_form(room):
    page = room.mette.get(room.url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Frokost og kommunale drøftelser" in text
    # 2021 is long over, and the date says which day the break was.
    assert "torsdag 28. januar 2021: Pausen er slut (kl. 12.55)" in text
    assert "Hvilke af topmødeerklæringens fire opgaver er mest presserende hos os?" in text
    assert '<textarea id="body" name="body"' in html
    assert "1. Genbesøg børne- og ungepolitikken" in text
    assert "Budskab til Christiansborg (valgfrit)" in text
    assert 'hx-history="false"' in html
    assert re.search(r'name="client_key"[^>]*value="[0-9a-f]{32}"', html) or re.search(
        r'value="[0-9a-f]{32}"[^>]*name="client_key"', html)
    assert "Ingen noter endnu." in text


def test_break_screen_shows_the_chosen_talk_questions(room):
    talk = room.event.talks[1]
    room.committee.talk = talk
    db.session.commit()
    talk_slot = room.event.slots[1]
    text = text_of(room.mette.get(f"/udvalg/{room.committee.id}/pauser/{talk_slot.id}"))
    assert "Oplæg 2: Styring, ledelse og fagligt råderum i folkeskolen" in text
    assert "Hvordan undgår vi, at fælles rammer for kvaliteten fjerner" in text


def test_break_screen_without_choice_links_to_the_choice(room):
    talk_slot = room.event.slots[1]
    text = text_of(room.mette.get(f"/udvalg/{room.committee.id}/pauser/{talk_slot.id}"))
    assert "Udvalget har ikke valgt et politisk oplæg endnu." in text


def test_live_countdown_when_rehearsed_today(room):
    from datetime import datetime, timedelta

    from delib.services.programme import rehearse_as_if

    # Put "now" in the middle of the lunch break: shift the event so 12:20 local is now.
    now = datetime.now(room.event.tz)
    rehearse_as_if(room.event, now.date())
    slot = room.slot
    slot.starts_at = now.replace(tzinfo=None) - timedelta(minutes=10) - timedelta(
        days=room.event.day_offset)
    slot.ends_at = slot.starts_at + timedelta(minutes=30)
    db.session.commit()
    text = text_of(room.mette.get(room.url))
    assert re.search(r"(19|20) min\. tilbage", text)
    assert "Pausen slutter kl." in text
    assert "2021" not in text[: text.index("Pausen slutter")][-60:]  # today: no date needed


def test_current_break_redirects_to_a_slot(room):
    response = room.mette.get(f"/udvalg/{room.committee.id}/pause")
    assert response.status_code == 302
    assert re.search(rf"/udvalg/{room.committee.id}/pauser/\d+$", response.headers["Location"])


def test_slot_of_another_event_is_not_found(room):
    other = import_programme((DATA / "butm2022.toml").read_text("utf-8"))
    db.session.commit()
    response = room.mette.get(f"/udvalg/{room.committee.id}/pauser/{other.slots[0].id}")
    assert response.status_code == 404
    assert "Siden findes ikke." in text_of(response)


# ---------------------------------------------------------------- posting


def test_htmx_post_returns_fresh_form_and_the_saved_card_out_of_band(room):
    post(room.jonas, room, body="Jonas skrev først")
    response = post(room.mette, room, body="Fælles retning, lokal frihed", tasks=(2,))
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<header" not in html
    assert html.lstrip().startswith('<form id="note-form"')
    form_html = html[: html.index('id="notes-count"')]
    assert re.search(r"<textarea[^>]*>\s*</textarea>", form_html)  # fresh and empty
    # Out of band: the count, and the saved card for delib.js to merge; not the whole list.
    assert re.search(r'<p class="count" id="notes-count" hx-swap-oob="true">2 noter</p>', html)
    feed = html[html.index('id="notes-feed"'):]
    assert 'hx-swap-oob="beforeend"' in feed
    assert "Fælles retning, lokal frihed" in feed and "Opgave 2" in feed
    assert "Jonas skrev først" not in html and 'id="notes-list"' not in html
    assert "HX-Request" in response.headers["Vary"]
    note = db.session.scalar(select(Note).where(Note.author_name == "Mette"))
    assert note.author_name == "Mette" and [t.number for t in note.tasks] == [2]
    assert note.slot_id == room.slot.id
    assert f'id="note-{note.id}"' in feed and 'data-client-key="' in feed  # her own: edit links


def test_with_delib_js_a_post_keeps_the_form_and_sends_the_next_key(room):
    """delib.js empties the form itself: the answer is the card, the count and the next key."""
    import json

    key = _key()
    response = post(room.mette, room, body="Formen bliver stående", key=key,
                    headers={**HX, "X-Delib-Form": "keep"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "<form" not in html and "<textarea" not in html
    assert response.headers["HX-Reswap"] == "none"
    assert "Formen bliver stående" in html and 'hx-swap-oob="beforeend"' in html
    assert re.search(r'id="notes-count" hx-swap-oob="true">1 note<', html)
    next_key = json.loads(response.headers["HX-Trigger"])["delib:note-saved"]["clientKey"]
    assert re.fullmatch(r"[0-9a-f]{32}", next_key) and next_key != key


def test_after_refused_input_the_next_save_replaces_the_form_with_a_fresh_one(room):
    refused = post(room.mette, room, body="", headers={**HX, "X-Delib-Form": "keep"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert '<input type="hidden" name="errors_shown" value="1">' in html
    saved = post(room.mette, room, body="Nu med tekst", errors_shown="1",
                 headers={**HX, "X-Delib-Form": "keep"})
    assert saved.status_code == 201
    html = saved.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="note-form"')
    form_html = html[: html.index("</form>")]
    assert "Noten er tom" not in form_html and "errors_shown" not in form_html
    assert "Nu med tekst" in html[html.index("</form>"):]


def test_a_resend_of_a_deleted_note_does_not_bring_it_back_on_screen(room):
    key = _key()
    post(room.mette, room, body="Sendt og slettet", key=key)
    note = db.session.scalar(select(Note))
    room.mette.post(f"/noter/{note.id}/slet")
    resend = post(room.mette, room, body="Sendt og slettet", key=key)
    assert resend.status_code == 200
    html = resend.get_data(as_text=True)
    assert f'data-gone="note-{note.id}"' in html and "Sendt og slettet" not in html
    assert "0 noter" in text_of(resend)


def test_plain_post_redirects_without_javascript(room):
    response = post(room.mette, room, body="Uden JavaScript virker det også", htmx=False)
    assert response.status_code == 302
    note = db.session.scalar(select(Note))
    assert response.headers["Location"].endswith(f"{room.url}#note-{note.id}")
    page = text_of(room.mette.get(response.headers["Location"]))
    assert "Noten er gemt." in page and "Uden JavaScript virker det også" in page


def test_note_maps_to_several_tasks_and_messages(room):
    post(room.mette, room, body="Koordinér på tværs", tasks=(1, 3), messages=(1, 2))
    note = db.session.scalar(select(Note))
    assert [t.number for t in note.tasks] == [1, 3]
    assert [m.number for m in note.messages] == [1, 2]
    text = text_of(room.jonas.get(room.url))
    for tag in ("Opgave 1", "Opgave 3", "Budskab 1", "Budskab 2"):
        assert tag in text
    assert "Opgave 2" not in text


def test_note_text_is_escaped(room):
    post(room.mette, room, body='<script>alert(1)</script><div hx-get="/x">')
    html = room.jonas.get(room.url).get_data(as_text=True)
    assert "<script>alert(1)" not in html and '<div hx-get="/x">' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


BAD_NOTES = [
    ("empty", dict(body=""), "Noten er tom. Skriv noget, før du gemmer."),
    ("whitespace", dict(body="   \n\t  "), "Noten er tom."),
    ("too long", dict(body="x" * 4001), "Noten er for lang: 4001 tegn, højst 4000."),
]
# A note without a task is saved, and the model suggests tasks for it: tests/test_suggestions.py.


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize("kwargs, message", [b[1:] for b in BAD_NOTES],
                         ids=[b[0] for b in BAD_NOTES])
def test_bad_note_is_refused_and_text_stays(room, htmx, kwargs, message):
    response = post(room.mette, room, htmx=htmx, **{"body": "Min vigtige pointe", **kwargs})
    assert response.status_code == 422
    assert message in text_of(response)
    html = response.get_data(as_text=True)
    typed = kwargs.get("body", "Min vigtige pointe")
    if typed.strip():
        textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
        assert textarea.strip() == typed.strip()
    assert ("<html" in html) is (not htmx)
    assert "HX-Request" in response.headers["Vary"]
    assert _count_notes() == 0


def test_task_of_another_event_is_refused(room):
    other = import_programme((DATA / "butm2022.toml").read_text("utf-8"))
    db.session.commit()
    response = room.mette.post(
        f"/udvalg/{room.committee.id}/pauser/{room.slot.id}/noter", headers=HX,
        data={"body": "Min pointe", "tasks": [other.tasks[0].id], "client_key": _key()})
    assert response.status_code == 422
    assert "En valgt opgave findes ikke på dette topmøde." in text_of(response)
    assert "Min pointe" in response.get_data(as_text=True)
    assert _count_notes() == 0


def test_garbage_task_value_gets_a_danish_message(room):
    response = room.mette.post(
        f"/udvalg/{room.committee.id}/pauser/{room.slot.id}/noter", headers=HX,
        data={"body": "Min pointe", "tasks": ["én"], "client_key": _key()})
    assert response.status_code == 422
    assert "findes ikke på dette topmøde" in text_of(response)
    assert _count_notes() == 0


def test_missing_client_key_is_refused_with_text_kept(room):
    response = post(room.mette, room, body="Min pointe", key="!")
    assert response.status_code == 422
    assert "Noten mangler sin nøgle" in text_of(response)
    assert "Min pointe" in response.get_data(as_text=True)


# ---------------------------------------------------------------- idempotency


def test_resend_with_same_key_returns_the_same_note(room):
    key = _key()
    first = post(room.mette, room, body="Kun én gang", key=key)
    second = post(room.mette, room, body="Kun én gang", key=key)
    third = post(room.mette, room, body="Kun én gang", key=key, htmx=False)
    assert first.status_code == 201 and second.status_code == 200
    assert _count_notes() == 1
    assert text_of(second).count("Kun én gang") == 1
    note = db.session.scalar(select(Note))
    assert third.headers["Location"].endswith(f"#note-{note.id}")
    assert "Noten var allerede gemt." in text_of(room.mette.get(third.headers["Location"]))


def test_resend_race_returns_the_winner(room, monkeypatch):
    """Two posts with one key, the second checked for the key before the first was saved."""
    key = _key()
    assert post(room.mette, room, body="Først", key=key).status_code == 201
    real = note_service.find_by_key
    calls = {"n": 0}

    def late_lookup(committee, client_key):
        # The race: the second request looked before the first request's note was there.
        calls["n"] += 1
        return None if calls["n"] == 1 else real(committee, client_key)

    monkeypatch.setattr(note_service, "find_by_key", late_lookup)
    second = post(room.mette, room, body="Først", key=key)
    assert calls["n"] == 2  # it hit the unique key and looked again
    assert second.status_code == 200
    assert _count_notes() == 1
    assert db.session.scalar(select(func.count()).select_from(NoteRevision)) == 1
    # The session is still usable after the undone insert: a new note saves fine.
    assert post(room.mette, room, body="Næste").status_code == 201
    assert _count_notes() == 2


def test_same_key_in_another_committee_is_a_separate_note(room, make_committee, make_client):
    other = make_committee(municipality="Odense", name="Andet")
    other_client, actions = make_client()
    actions.join(other, name="Ole")
    key = _key()
    post(room.mette, room, body="Aarhus", key=key)
    response = other_client.post(f"/udvalg/{other.id}/pauser/{room.slot.id}/noter", headers=HX,
                                 data={"body": "Odense", "tasks": _task_ids(room.event, 1),
                                       "client_key": key})
    assert response.status_code == 201
    assert sorted(n.body for n in db.session.scalars(select(Note))) == ["Aarhus", "Odense"]


# ---------------------------------------------------------------- theme meetings


def test_theme_meeting_only_among_the_committee_choices(room):
    meetings = {m.number: m for m in room.event.theme_meetings}
    room.committee.theme_meetings = [meetings[3], meetings[5]]
    db.session.commit()
    theme_slot = room.event.slots[2]
    page = text_of(room.mette.get(f"/udvalg/{room.committee.id}/pauser/{theme_slot.id}"))
    assert "3. God og motiverende undervisning" in page
    assert "1. Sammenhæng mellem evalueringskultur" not in page

    ok = post(room.mette, room, slot=theme_slot, body="Fravær", theme_meeting=meetings[5].id)
    assert ok.status_code == 201
    assert db.session.scalar(select(Note)).theme_meeting.number == 5

    refused = post(room.mette, room, slot=theme_slot, body="Andet temamøde",
                   theme_meeting=meetings[1].id)
    assert refused.status_code == 422
    assert "Temamødet er ikke et af dem, udvalget har valgt." in text_of(refused)
    assert "Andet temamøde" in refused.get_data(as_text=True)

    wrong_break = post(room.mette, room, body="Frokost", theme_meeting=meetings[3].id)
    assert wrong_break.status_code == 422
    assert "Denne pause handler ikke om temamøderne." in text_of(wrong_break)
    assert _count_notes() == 1


def test_note_in_the_talk_break_records_the_chosen_talk(room):
    room.committee.talk = room.event.talks[2]
    db.session.commit()
    post(room.mette, room, slot=room.event.slots[1], body="Unge og uddannelse")
    assert db.session.scalar(select(Note)).talk.number == 3


# ---------------------------------------------------------------- polling


def _poll(client, room, etag=None, htmx=True):
    headers = dict(HX) if htmx else {}
    if etag:
        headers["If-None-Match"] = f'"{etag}"'
    return client.get(f"{room.url}/noter", headers=headers)


def test_poll_answers_304_until_someone_posts(room):
    first = _poll(room.jonas, room)
    assert first.status_code == 200
    etag = first.headers["ETag"].strip('"')
    assert "Ingen noter endnu." in text_of(first)
    assert "<html" not in first.get_data(as_text=True)  # a partial for htmx
    assert f'data-etag="{etag}"' in first.get_data(as_text=True)

    unchanged = _poll(room.jonas, room, etag)
    assert unchanged.status_code == 304
    assert unchanged.get_data() == b""
    assert unchanged.headers["ETag"].strip('"') == etag
    assert "HX-Request" in unchanged.headers["Vary"]

    post(room.mette, room, body="Ny note fra Mette")
    changed = _poll(room.jonas, room, etag)
    assert changed.status_code == 200
    assert "Ny note fra Mette" in text_of(changed) and "1 note" in text_of(changed)
    new_etag = changed.headers["ETag"].strip('"')
    assert new_etag != etag
    assert _poll(room.jonas, room, new_etag).status_code == 304


def test_poll_notices_edits_and_deletes(room):
    post(room.mette, room, body="Første udkast")
    note = db.session.scalar(select(Note))
    etag = _poll(room.jonas, room).headers["ETag"].strip('"')
    room.mette.post(f"/noter/{note.id}/rediger",
                    data={"body": "Rettet", "tasks": _task_ids(room.event, 1), "version": 1})
    after_edit = _poll(room.jonas, room, etag)
    assert after_edit.status_code == 200 and "Rettet" in text_of(after_edit)
    etag = after_edit.headers["ETag"].strip('"')
    room.mette.post(f"/noter/{note.id}/slet")
    after_delete = _poll(room.jonas, room, etag)
    assert after_delete.status_code == 200 and "Rettet" not in text_of(after_delete)


def _cursor(response) -> str:
    return re.search(r'data-cursor="(\d+)"', response.get_data(as_text=True)).group(1)


def _poll_changes(client, room, since):
    """A poll as delib.js sends it: the ETag and the cursor of the list it has."""
    etag, cursor = since.headers["ETag"], _cursor(since)
    return client.get(f"{room.url}/noter?efter={cursor}",
                      headers={**HX, "If-None-Match": etag})


def _age_all_notes(hours=1):
    """Make every note's last change an hour old: outside the poll's overlap."""
    from datetime import timedelta
    for note in db.session.scalars(select(Note)):
        note.updated_at -= timedelta(hours=hours)
    db.session.commit()


def test_a_poll_with_a_cursor_gets_only_the_changed_notes(room):
    post(room.mette, room, body="Gammel note")
    _age_all_notes()
    post(room.mette, room, body="Den Jonas har")
    seen = _poll(room.jonas, room)
    post(room.mette, room, body="Helt ny note", tasks=(3,))
    changes = _poll_changes(room.jonas, room, seen)
    assert changes.status_code == 200
    assert changes.headers["HX-Reswap"] == "none"  # the list stays; only out-of-band parts
    html = changes.get_data(as_text=True)
    assert 'id="notes-list"' not in html
    assert "Helt ny note" in html and "Opgave 3" in html
    assert "Den Jonas har" in html  # within the overlap: sent again, merged without harm
    assert "Gammel note" not in html
    assert re.search(r'id="notes-count" hx-swap-oob="true">3 noter<', html)
    assert 'id="notes-feed"' in html and int(_cursor(changes)) > int(_cursor(seen))
    assert changes.headers["ETag"] != seen.headers["ETag"]
    assert _poll(room.jonas, room, changes.headers["ETag"].strip('"')).status_code == 304
    assert "Rediger" not in html  # Mette's cards, seen by Jonas: no edit links


def test_a_poll_for_changes_brings_edits_deletions_hiding_and_restoring(room):
    from delib.services.notes import curation

    post(room.mette, room, body="Skal rettes")
    post(room.mette, room, body="Skal slettes")
    post(room.mette, room, body="Skal skjules")
    rettes, slettes, skjules = db.session.scalars(select(Note).order_by(Note.id)).all()
    seen = _poll(room.jonas, room)
    room.mette.post(f"/noter/{rettes.id}/rediger",
                    data={"body": "Rettet", "tasks": _task_ids(room.event, 1), "version": 1})
    room.mette.post(f"/noter/{slettes.id}/slet")
    chair = room.committee.chairs[0]
    curation.hide_note(room.committee, skjules, chair, "Personoplysninger",
                     based_on_version=skjules.version)
    db.session.commit()
    changes = _poll_changes(room.jonas, room, seen)
    html = changes.get_data(as_text=True)
    assert "Rettet" in html and "redigeret" in html
    gone = re.search(r'data-gone="([^"]*)"', html).group(1).split()
    assert sorted(gone) == sorted([f"note-{slettes.id}", f"note-{skjules.id}"])
    assert "Skal slettes" not in html and "Skal skjules" not in html
    assert "1 note" in text_of(changes)

    curation.restore_note(room.committee, db.session.get(Note, skjules.id), chair)
    db.session.commit()
    restored = _poll_changes(room.jonas, room, changes)
    assert "Skal skjules" in restored.get_data(as_text=True)
    assert "2 noter" in text_of(restored)


@pytest.mark.parametrize("app_config", [{"NOTES_POLL_MAX_CHANGES": 2}])
def test_after_many_changes_a_poll_gets_the_whole_list(room):
    seen = _poll(room.jonas, room)
    for i in range(3):
        post(room.mette, room, body=f"Note nummer {i}")
    whole = _poll_changes(room.jonas, room, seen)
    assert whole.status_code == 200 and "HX-Reswap" not in whole.headers
    html = whole.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="notes-list"')
    assert all(f"Note nummer {i}" in html for i in range(3)) and "3 noter" in text_of(whole)


@pytest.mark.parametrize("cursor", ["abc", "-5", "1e9", "9" * 40, ""])
def test_a_bad_cursor_gets_the_whole_list(room, cursor):
    post(room.mette, room, body="Stadig synlig")
    response = room.jonas.get(f"{room.url}/noter?efter={cursor}", headers=HX)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<div id="notes-list"')
    assert "Stadig synlig" in text_of(response)


def test_without_htmx_the_cursor_is_ignored(room):
    post(room.mette, room, body="Hele siden")
    page = room.jonas.get(f"{room.url}/noter?efter=1")
    assert '<html lang="da">' in page.get_data(as_text=True) and "Hele siden" in text_of(page)


def test_a_removed_participant_gets_no_304_from_the_fast_path(room):
    from delib.models import Participant, utcnow

    etag = _poll(room.jonas, room).headers["ETag"].strip('"')
    assert _poll(room.jonas, room, etag).status_code == 304
    jonas = db.session.scalar(select(Participant).where(Participant.display_name == "Jonas"))
    jonas.removed_at = utcnow()
    db.session.commit()
    response = _poll(room.jonas, room, etag)
    # Signed out: htmx sends the whole browser to the login page.
    assert response.status_code == 200 and "ETag" not in response.headers
    assert "/login" in response.headers["HX-Redirect"]


def test_poll_as_full_page_without_htmx(room):
    post(room.mette, room, body="Synlig uden htmx")
    page = _poll(room.jonas, room, htmx=False)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="da">' in html
    assert "Udvalgets noter: Frokost og kommunale drøftelser" in text_of(page)
    assert "Synlig uden htmx" in text_of(page)
    assert "HX-Request" in page.headers["Vary"]


def test_etag_differs_per_viewer(room):
    """Own notes carry edit links, so one person's cached list must not serve another."""
    post(room.mette, room, body="Mettes note")
    mette_etag = _poll(room.mette, room).headers["ETag"]
    jonas = _poll(room.jonas, room)
    assert jonas.headers["ETag"] != mette_etag
    assert "Rediger" not in text_of(jonas)
    assert "Rediger" in text_of(_poll(room.mette, room))


# ---------------------------------------------------------------- editing


def test_edit_own_note_keeps_revisions(room):
    post(room.mette, room, body="Første tekst", tasks=(1,))
    note = db.session.scalar(select(Note))
    form = room.mette.get(f"/noter/{note.id}/rediger")
    assert form.status_code == 200 and "Første tekst" in form.get_data(as_text=True)
    assert 'name="version"' in form.get_data(as_text=True)

    response = room.mette.post(f"/noter/{note.id}/rediger", data={
        "body": "Anden tekst", "tasks": _task_ids(room.event, 2, 4), "version": 1})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{room.url}#note-{note.id}")
    db.session.expire_all()
    assert note.body == "Anden tekst" and note.version == 2
    assert [t.number for t in note.tasks] == [2, 4]
    assert [(r.version, r.body) for r in note.revisions] == [(1, "Første tekst"),
                                                             (2, "Anden tekst")]
    assert "redigeret" in text_of(room.jonas.get(room.url))


def test_saving_unchanged_note_makes_no_revision(room):
    post(room.mette, room, body="Uændret", tasks=(1,))
    note = db.session.scalar(select(Note))
    room.mette.post(f"/noter/{note.id}/rediger", data={
        "body": "Uændret", "tasks": _task_ids(room.event, 1), "version": 1})
    db.session.expire_all()
    assert note.version == 1 and len(note.revisions) == 1


def test_edit_with_bad_input_keeps_text(room):
    post(room.mette, room, body="Før")
    note = db.session.scalar(select(Note))
    response = room.mette.post(f"/noter/{note.id}/rediger",
                               data={"body": "Efter", "tasks": [], "version": 1})
    assert response.status_code == 422
    assert "Vælg mindst én" in text_of(response) and ">Efter</textarea>" in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert note.body == "Før"


def test_cannot_edit_someone_elses_note(room):
    post(room.mette, room, body="Mettes ord")
    note = db.session.scalar(select(Note))
    assert room.jonas.get(f"/noter/{note.id}/rediger").status_code == 403
    response = room.jonas.post(f"/noter/{note.id}/rediger", data={
        "body": "Jonas' ord", "tasks": _task_ids(room.event, 1), "version": 1})
    assert response.status_code == 403
    assert "Du har ikke adgang til denne side." in text_of(response)
    assert room.jonas.post(f"/noter/{note.id}/slet").status_code == 403
    db.session.expire_all()
    assert note.body == "Mettes ord" and note.deleted_at is None


def test_stale_version_shows_both_and_overwrites_nothing(room, make_client):
    post(room.mette, room, body="Original")
    note = db.session.scalar(select(Note))
    # Mette edits in a second tab first ...
    room.mette.post(f"/noter/{note.id}/rediger", data={
        "body": "Fra fane 1", "tasks": _task_ids(room.event, 1), "version": 1})
    # ... then saves the first tab, which still had version 1.
    response = room.mette.post(f"/noter/{note.id}/rediger", data={
        "body": "Fra fane 2", "tasks": _task_ids(room.event, 1), "version": 1})
    assert response.status_code == 409
    text = text_of(response)
    assert "Noten er blevet ændret af Mette, mens du redigerede." in text
    assert "Den gemte version Fra fane 1" in text
    assert "Din version (ikke gemt) Fra fane 2" in text
    html = response.get_data(as_text=True)
    assert re.search(r'name="version"[^>]*value="2"|value="2"[^>]*name="version"', html)
    db.session.expire_all()
    assert note.body == "Fra fane 1" and note.version == 2

    # Saving again from the conflict page (now on version 2) is a deliberate overwrite.
    again = room.mette.post(f"/noter/{note.id}/rediger", data={
        "body": "Fra fane 2", "tasks": _task_ids(room.event, 1), "version": 2})
    assert again.status_code == 302
    db.session.expire_all()
    assert note.body == "Fra fane 2" and note.version == 3


# ---------------------------------------------------------------- deleting


def test_delete_own_note_after_confirmation(room):
    post(room.mette, room, body="Skal væk")
    note = db.session.scalar(select(Note))
    confirm = room.mette.get(f"/noter/{note.id}/slet")
    assert confirm.status_code == 200
    assert "Slet denne note?" in text_of(confirm) and "Skal væk" in text_of(confirm)
    db.session.expire_all()
    assert note.deleted_at is None  # looking changes nothing

    response = room.mette.post(f"/noter/{note.id}/slet")
    assert response.status_code == 302 and response.headers["Location"].endswith(room.url)
    db.session.expire_all()
    assert note.deleted_at is not None and _count_notes() == 1  # soft: the row stays
    page = text_of(room.mette.get(room.url))
    assert "Noten er slettet." in page and "Skal væk" not in page
    assert room.mette.get(f"/noter/{note.id}/rediger").status_code == 404
    assert room.mette.post(f"/noter/{note.id}/slet").status_code == 404


def test_note_card_names_the_theme_meeting(room):
    meeting = room.event.theme_meetings[3]
    room.committee.theme_meetings = [meeting]
    db.session.commit()
    post(room.mette, room, slot=room.event.slots[2], body="Mellemformer", theme_meeting=meeting.id)
    text = text_of(room.jonas.get(f"/udvalg/{room.committee.id}/pauser/{room.event.slots[2].id}"))
    assert "Mellemformer" in text and "Temamøde 4" in text


def test_two_day_event_breaks_name_their_day(make_user, make_client):
    from delib.services import committees as committee_service

    other = import_programme((DATA / "butm2022.toml").read_text("utf-8"))
    chair = make_user(municipality="Aalborg")
    committee = committee_service.create_committee(other, chair.municipality, "Udvalget", chair)
    db.session.commit()
    c, actions = make_client()
    actions.join(committee, name="Mette")
    text = text_of(c.get(f"/udvalg/{committee.id}"))
    assert "torsdag 27. januar 13.00–13.45 · Drøftelse på dag 1" in text
    assert "fredag 28. januar 12.00–12.30 · Drøftelse af temamøderne" in text


class TestWithCsrf:
    """CSRF on, as in production: a post without the token is refused, and nothing is lost."""

    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_note_post_needs_the_token(self, client, make_committee, event):
        committee = make_committee()
        join_page = client.get("/deltag")
        token = re.search(r'value="([^"]+)"', join_page.get_data(as_text=True)[
            join_page.get_data(as_text=True).index('name="csrf_token"'):]).group(1)
        refused_join = client.post("/deltag", data={"code": committee.join_code,
                                                    "display_name": "Mette"})
        assert refused_join.status_code == 400
        assert "Din session er udløbet" in text_of(refused_join)
        joined = client.post("/deltag", data={"code": committee.join_code,
                                              "display_name": "Mette", "csrf_token": token})
        assert joined.status_code == 302

        slot = event.slots[0]
        screen = client.get(f"/udvalg/{committee.id}/pauser/{slot.id}").get_data(as_text=True)
        header_token = re.search(r'"X-CSRFToken": "([^"]+)"', screen).group(1)
        url = f"/udvalg/{committee.id}/pauser/{slot.id}/noter"
        data = {"body": "Vigtig pointe", "tasks": [event.tasks[0].id],
                "client_key": uuid.uuid4().hex}
        refused = client.post(url, data=data, headers=HX)
        assert refused.status_code == 400
        assert refused.headers["HX-Retarget"] == "#messages"  # the form and its text stay
        assert "Det du skrev er bevaret" in text_of(refused)
        assert _count_notes() == 0

        accepted = client.post(url, data=data, headers={**HX, "X-CSRFToken": header_token})
        assert accepted.status_code == 201
        assert _count_notes() == 1


def test_a_forged_etag_for_another_committee_never_skips_the_access_check(
        app, client, auth, make_committee, event):
    """The poll's fast path is for the participant's own committee only."""
    mine = make_committee(municipality="Aarhus")
    theirs = make_committee(municipality="Odense")
    auth.join(mine, name="Mette")
    slot = event.slots[0]
    url = f"/udvalg/{theirs.id}/pauser/{slot.id}/noter"
    forged = f'"n{theirs.id}-0-0-s{slot.id}-p:1-da"'
    response = client.get(url, headers={"HX-Request": "true", "If-None-Match": forged})
    assert response.status_code == 403


def test_an_unchanged_poll_sets_no_cookie(app, client, auth, make_committee, event):
    """Polls every few seconds must stay cheap: no re-signed session cookie on each one."""
    committee = make_committee()
    auth.join(committee, name="Mette")
    url = f"/udvalg/{committee.id}/pauser/{event.slots[0].id}/noter"
    etag = client.get(url, headers={"HX-Request": "true"}).headers["ETag"]
    poll = client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
    assert poll.status_code == 304
    assert "Set-Cookie" not in poll.headers
