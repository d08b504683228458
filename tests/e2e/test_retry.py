"""A note sent while the connection is gone is retried, and only that note.

The retry is bound to what the member sent with "Gem note" (its key, text and tasks): once that
is saved, by whichever path, nothing more is sent; what is in the field later (empty, or the
start of the next note) is never posted by a retry.
"""

import re

from sqlalchemy import select

from delib.extensions import db
from delib.models import Note
from tests.e2e.helpers import expect, watch_page
from tests.e2e.test_participants import card, join

#: Longer than delib.js's retry delay (5 s), so a stale retry would have fired.
PAST_A_RETRY_MS = 6_500


def _problems(found: list[str]) -> list[str]:
    """All but htmx's own console report of a send that failed (offline on purpose here)."""
    return [p for p in found
            if not re.match(r"console error: htmx:(sendError|afterRequest), \[object", p)]


def _offline_break(live_server, seed, new_context, name):
    """A participant on the break screen; (context, page, problems, posts sent)."""
    context = new_context()
    page = context.new_page()
    problems = watch_page(page)
    join(page, live_server, seed["join_code"], name)
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))
    posts = []
    page.on("request", lambda r: posts.append(r.post_data or "")
            if r.method == "POST" and r.url.endswith("/noter") else None)
    return context, page, problems, posts


def _task(page, number: int):
    return page.locator("#note-form fieldset").first.get_by_label(re.compile(rf"^{number}\. "))


def _send_offline_then_reconnect(context, page, text: str, task: int):
    """Offline: write, tick, "Gem note"; 6 s later back online; wait for the save."""
    context.set_offline(True)
    page.get_by_label("Note", exact=True).fill(text)
    _task(page, task).check()
    page.get_by_role("button", name="Gem note").click()
    status = page.locator("[data-save-status]")
    expect(status).to_contain_text("Ikke gemt endnu")
    page.wait_for_timeout(6_000)  # one retry has failed meanwhile, the next is due
    expect(page.get_by_label("Note", exact=True)).to_have_value(text)
    context.set_offline(False)
    expect(status).to_have_text("Noten er gemt.", timeout=15_000)
    expect(card(page, text)).to_have_count(1)


def _bodies(live_app, seed):
    with live_app.app_context():
        return db.session.scalars(select(Note.body).where(
            Note.committee_id == seed["committee_id"]).order_by(Note.id)).all()


def test_a_retry_after_the_save_sends_nothing(live_server, live_app, seed, new_context):
    """Saved once; the empty field is not sent 5 s later and the form does not turn red."""
    context, page, problems, posts = _offline_break(live_server, seed, new_context, "Ida")
    text = "PPR-ventetid for lang – vil have status på næste BUU-møde."
    _send_offline_then_reconnect(context, page, text, task=3)
    sent = len(posts)

    page.wait_for_timeout(PAST_A_RETRY_MS)
    form = page.locator("#note-form")
    expect(form.locator(".has-error")).to_have_count(0)
    expect(form).not_to_contain_text("Noten er tom")
    expect(page.locator("[data-save-status]")).to_have_text("Noten er gemt.")
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    assert len(posts) == sent, f"sent again after the save: {posts[sent:]}"
    assert _bodies(live_app, seed) == [text]
    assert not _problems(problems), "\n".join(_problems(problems))


def test_a_retry_never_posts_the_next_note_being_written(live_server, live_app, seed,
                                                         new_context):
    """The member ticks a task and starts the next note in the window: nothing of it is sent,
    and the field keeps all of it."""
    context, page, problems, posts = _offline_break(live_server, seed, new_context, "Jens")
    first = "SFO-takster: undersøg søskenderabat før budgetforhandling."
    _send_offline_then_reconnect(context, page, first, task=1)
    sent = len(posts)

    _task(page, 2).check()
    field = page.get_by_label("Note", exact=True)
    field.click()
    half = "Næste: UU og FGU skal sidde med, når vi laver"
    field.press_sequentially(half, delay=150)  # ~7 s of typing, across a stale retry's time
    page.wait_for_timeout(1_000)

    expect(field).to_have_value(half)
    expect(_task(page, 2)).to_be_checked()
    expect(page.locator(".note-card", has_text="Næste")).to_have_count(0)
    assert len(posts) == sent, f"sent while the next note was being written: {posts[sent:]}"
    assert _bodies(live_app, seed) == [first]
    assert not _problems(problems), "\n".join(_problems(problems))


def test_the_retry_sends_what_was_sent_not_what_is_in_the_field(live_server, live_app, seed,
                                                                new_context):
    """Text typed after "Gem note" while offline stays in the field, unsent, under a new key;
    coming back online without having pressed "Gem note" sends nothing."""
    context, page, problems, posts = _offline_break(live_server, seed, new_context, "Kirsten")
    field = page.get_by_label("Note", exact=True)
    context.set_offline(True)
    sent = "AKT-vejlederne skal tættere på klasserne."
    field.fill(sent)
    _task(page, 2).check()
    page.get_by_role("button", name="Gem note").click()
    status = page.locator("[data-save-status]")
    expect(status).to_contain_text("Ikke gemt endnu")
    # Still offline, the member goes on writing in the same field.
    later = sent + " Og SSP med fra 6. kl."
    field.fill(later)
    _task(page, 4).check()
    context.set_offline(False)

    expect(card(page, sent)).to_have_count(1, timeout=15_000)
    expect(status).to_contain_text("ikke gemt endnu")
    expect(field).to_have_value(later)
    expect(_task(page, 4)).to_be_checked()
    page.wait_for_timeout(PAST_A_RETRY_MS)
    assert _bodies(live_app, seed) == [sent]
    with live_app.app_context():
        note = db.session.scalar(select(Note).where(Note.body == sent))
        assert [t.number for t in note.tasks] == [2]
        first_key = note.client_key
    # The rest is a new note: it goes under a key of its own, not swallowed as "already saved".
    page.get_by_role("button", name="Gem note").click()
    expect(card(page, later)).to_have_count(1)
    expect(field).to_have_value("")
    with live_app.app_context():
        note = db.session.scalar(select(Note).where(Note.body == later))
        assert note.client_key != first_key
        assert sorted(t.number for t in note.tasks) == [2, 4]

    # Offline typing that was never sent stays on the device only, also after reconnecting.
    count = len(posts)
    context.set_offline(True)
    field.fill("Halvt skrevet om skolefravær")
    context.set_offline(False)
    page.wait_for_timeout(PAST_A_RETRY_MS)
    assert len(posts) == count, f"a draft nobody sent was posted: {posts[count:]}"
    expect(field).to_have_value("Halvt skrevet om skolefravær")
    assert len(_bodies(live_app, seed)) == 2
    assert not _problems(problems), "\n".join(_problems(problems))
