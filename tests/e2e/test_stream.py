"""Server push in a real browser: two members of one committee see each other's notes within a
second with no poll going out while the stream is up; a browser whose stream is blocked falls
back to the poll by itself; the big screen ("skærm") shows arriving notes."""

import time

from tests.e2e.helpers import expect, watch_page
from tests.e2e.test_participants import card, join, post_note


def _fast(live_app):
    # A poll every second (so "no poll while the stream is up" is checked over several
    # intervals in a short test) and short heartbeats (streams notice a closed browser soon).
    live_app.config.update(NOTES_POLL_SECONDS=1, STREAM_HEARTBEAT_SECONDS=1)


def _polls(page) -> list[str]:
    """The notes polls (GET .../noter) the page sends, recorded as they go out."""
    sent = []
    page.on("request", lambda request: sent.append(request.url)
            if request.method == "GET" and "/noter" in request.url else None)
    return sent


def _open_break(page, live_server, seed, path=""):
    """Open the break (or its big screen) and wait until its stream has answered."""
    url = live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}{path}")
    with page.expect_response(lambda response: "/stroem" in response.url) as streamed:
        page.goto(url)
    assert streamed.value.status == 200
    assert streamed.value.headers["content-type"].startswith("text/event-stream")


def test_two_members_see_each_others_notes_within_a_second_without_polling(
        live_server, live_app, seed, new_context):
    _fast(live_app)
    anna = new_context(width=1280).new_page()
    bo = new_context(width=375, height=800).new_page()
    problems = watch_page(anna) + watch_page(bo)
    join(anna, live_server, seed["join_code"], "Anna")
    join(bo, live_server, seed["join_code"], "Bo")
    bo_polls, anna_polls = _polls(bo), _polls(anna)
    _open_break(bo, live_server, seed)
    _open_break(anna, live_server, seed)

    text = "SSP og skolerne: fælles plan for fravær i udskolingen"
    post_note(anna, text, tasks=[3])
    started = time.monotonic()
    expect(card(bo, text)).to_be_visible(timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(bo.locator("#notes-count")).to_have_text("1 note")
    # Bo answers; Anna sees it just as fast, merged above hers (newest first).
    reply = "Enig – og PPR med fra start, ikke først ved henvisning"
    post_note(bo, reply, tasks=[3])
    expect(card(anna, reply)).to_be_visible(timeout=1000)
    expect(anna.locator("#note-cards > li").first).to_contain_text(reply)
    expect(anna.locator("#note-cards > li")).to_have_count(2)

    # Several poll intervals pass with the streams up: not one poll goes out.
    bo.wait_for_timeout(3500)
    assert bo_polls == [] and anna_polls == []
    assert problems == []


def test_a_blocked_stream_falls_back_to_the_poll(live_server, live_app, seed, new_context):
    _fast(live_app)
    anna = new_context().new_page()
    carl = new_context().new_page()
    join(anna, live_server, seed["join_code"], "Anna")
    join(carl, live_server, seed["join_code"], "Carl")
    # An old proxy in front of Carl that will not pass text/event-stream.
    carl.route("**/stroem*", lambda route: route.abort("connectionrefused"))
    polls = _polls(carl)
    carl.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))
    anna.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))

    text = "Dagtilbud: flere pædagoger pr. barn før nye mål"
    post_note(anna, text, tasks=[1])
    expect(card(carl, text)).to_be_visible(timeout=5000)
    assert polls, "the note came without a poll, yet the stream was blocked"


def test_the_big_screen_shows_arriving_notes(live_server, live_app, seed, new_context):
    _fast(live_app)
    anna = new_context().new_page()
    room = new_context(width=1920, height=1080).new_page()
    problems = watch_page(room)
    join(anna, live_server, seed["join_code"], "Anna")
    join(room, live_server, seed["join_code"], "Storskærm")
    anna.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))
    expect(anna.get_by_role("link", name="Vis på storskærm")).to_be_visible()
    polls = _polls(room)
    _open_break(room, live_server, seed, "/skaerm")
    expect(room.locator("main form")).to_have_count(0)
    expect(room.locator(".countdown")).to_be_visible()

    text = "BUU: tag trivselsmålingen op på næste møde"
    post_note(anna, text, tasks=[2])
    arrived = card(room, text)
    expect(arrived).to_be_visible(timeout=1000)
    expect(arrived).not_to_contain_text("Rediger")
    # Large type, readable from the back of the room.
    size = arrived.locator(".note-body").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 28
    room.wait_for_timeout(2500)  # more than two poll intervals: the screen stays on its stream
    assert polls == []
    assert problems == []


def test_a_removed_participant_is_told_and_the_page_reloads(live_server, live_app, seed,
                                                             new_context):
    from delib.extensions import db
    from delib.models import Committee, Participant
    from delib.services import committees as committee_service

    _fast(live_app)
    dorte = new_context().new_page()
    join(dorte, live_server, seed["join_code"], "Dorte")
    _open_break(dorte, live_server, seed)
    with live_app.app_context():  # the chair removes Dorte
        committee = db.session.get(Committee, seed["committee_id"])
        participant = next(p for p in committee.participants if p.display_name == "Dorte")
        committee_service.remove_participant(committee, participant)
        db.session.commit()
        assert db.session.get(Participant, participant.id).removed_at is not None
        db.session.remove()
    expect(dorte.locator("#messages")).to_contain_text("fjernet fra udvalget", timeout=2000)
    # Then the page reloads: the break screen is no longer hers.
    dorte.wait_for_url(lambda url: "/pauser/" not in url, timeout=6000)
    expect(dorte.locator("#note-form")).to_have_count(0)
