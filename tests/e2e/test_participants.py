"""Journey 1 in a real browser: two participants join by code, choose, and write notes together.

Each sees the other's notes arrive without reloading; a reload mid-typing keeps the text; the
polling list never takes focus, caret or half-typed text from someone writing.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from delib.extensions import db
from delib.models import Committee, Note
from tests.e2e.helpers import assert_accessible, expect, shoot, watch_page

ARRIVES_WITHIN_MS = 8_000  # a poll every 5 s, and a busy test machine


def join(page, live_server, code: str, name: str):
    """Join the committee from the front page, as a participant handed the code would."""
    page.goto(live_server("/deltag"))
    page.get_by_label("Udvalgets kode").fill(code)
    page.get_by_label("Dit navn, som de andre ser det").fill(name)
    page.get_by_role("button", name="Deltag", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text(f"Velkommen, {name}")


def post_note(page, text: str, tasks: list[int], theme_meeting: int | None = None):
    page.get_by_label("Note", exact=True).fill(text)
    for number in tasks:
        page.locator("#note-form fieldset").first.get_by_label(re.compile(rf"^{number}\. ")).check()
    if theme_meeting:
        select = page.get_by_label("Temamøde", exact=True)
        label = select.locator("option", has_text=re.compile(rf"^{theme_meeting}\. ")).inner_text()
        select.select_option(label=label)
    page.get_by_role("button", name="Gem note").click()
    # The server's answer swaps in a fresh, empty form and the list with the new note.
    expect(page.locator("#notes-list")).to_contain_text(text)
    expect(page.get_by_label("Note", exact=True)).to_have_value("")


def card(page, text: str):
    return page.locator(".note-card", has_text=text)


def test_two_participants_write_notes_together(live_server, live_app, seed, new_context):
    code = seed["join_code"]
    anna_page = new_context(width=1280).new_page()
    bo_page = new_context(width=375, height=800).new_page()
    problems = watch_page(anna_page) + watch_page(bo_page)

    # The front page and the join form, before anyone is signed in.
    anna_page.goto(live_server("/"))
    expect(anna_page.get_by_role("heading", level=1)).to_contain_text("Topmøde")
    assert_accessible(anna_page, "the front page")
    shoot(anna_page, "front-page")
    anna_page.goto(live_server("/deltag"))
    assert_accessible(anna_page, "the join page")
    shoot(anna_page, "join")

    # A wrong code is refused in Danish, tied to its field, and the typed name is kept.
    anna_page.get_by_label("Udvalgets kode").fill("XXXX-XXXX")
    anna_page.get_by_label("Dit navn, som de andre ser det").fill("Anna")
    anna_page.get_by_role("button", name="Deltag", exact=True).click()
    code_field = anna_page.get_by_label("Udvalgets kode")
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(anna_page.locator("#code-errors")).to_contain_text("Koden passer ikke")
    expect(anna_page.get_by_label("Dit navn, som de andre ser det")).to_have_value("Anna")
    assert_accessible(anna_page, "the join page with an error")

    join(anna_page, live_server, code, "Anna")
    expect(anna_page.get_by_role("heading", level=1)).to_contain_text("Børne- og Ungeudvalget")
    assert_accessible(anna_page, "the committee page")
    shoot(anna_page, "committee")

    # Anna chooses talk 2 and theme meetings 3 and 5 for the committee.
    anna_page.get_by_role("link", name="Vælg oplæg og temamøder").click()
    assert_accessible(anna_page, "the choice page")
    anna_page.get_by_label(re.compile(r"^Oplæg 2:")).check()
    anna_page.get_by_label(re.compile(r"^Temamøde 3:")).check()
    anna_page.get_by_label(re.compile(r"^Temamøde 5:")).check()
    shoot(anna_page, "choose")
    anna_page.get_by_role("button", name="Gem valget").click()
    expect(anna_page.locator(".flash-success")).to_contain_text("Udvalgets valg er gemt")
    choices = anna_page.locator(".choice-summary")
    expect(choices).to_contain_text("Oplæg 2:")
    expect(choices).to_contain_text("Temamøde 3:")
    expect(choices).to_contain_text("Temamøde 5:")

    # Bo joins on his phone; both open the break that is on now.
    join(bo_page, live_server, code, "Bo")
    for page in (anna_page, bo_page):
        page.goto(live_server(f"/udvalg/{seed['committee_id']}/pause"))
        expect(page).to_have_url(re.compile(rf"/pauser/{seed['slot_id']}$"))
        questions = page.locator("section.questions")
        expect(questions).to_contain_text("Temamøde 3:")
        expect(questions).to_contain_text("Temamøde 5:")
        expect(page.locator(".countdown")).to_contain_text("Pausen slutter kl.")
    assert_accessible(anna_page, "the break screen (empty)")

    # Anna's note reaches Bo's screen without a reload, and Bo's reaches Anna's.
    anna_text = "Skolefravær skal tages op i udvalget hvert kvartal."
    post_note(anna_page, anna_text, tasks=[1, 3], theme_meeting=5)
    expect(card(bo_page, anna_text)).to_be_visible(timeout=ARRIVES_WITHIN_MS)
    expect(card(bo_page, anna_text)).to_contain_text("Opgave 1")
    expect(card(bo_page, anna_text)).to_contain_text("Opgave 3")
    expect(card(bo_page, anna_text)).to_contain_text("Anna")

    bo_text = "Ledelsesniveauerne skal mødes på tværs af dagtilbud og skole."
    post_note(bo_page, bo_text, tasks=[2, 4])
    expect(card(anna_page, bo_text)).to_be_visible(timeout=ARRIVES_WITHIN_MS)
    expect(card(anna_page, bo_text)).to_contain_text("Opgave 2")
    expect(card(anna_page, bo_text)).to_contain_text("Opgave 4")
    expect(anna_page.locator("#notes-list .count")).to_have_text("2 noter")

    # The time on a note is Copenhagen time in Danish format (HH.MM), whatever the server's zone.
    now = datetime.now(ZoneInfo("Europe/Copenhagen"))
    shown = card(anna_page, anna_text).locator("time").inner_text()
    expected = {(now - timedelta(minutes=d)).strftime("%H.%M") for d in (0, 1, 2)}
    assert shown in expected, f"note time {shown!r} is not Copenhagen time {sorted(expected)}"

    assert_accessible(anna_page, "the break screen with notes")
    assert_accessible(bo_page, "the break screen on a phone")
    shoot(anna_page, "break-screen")

    # What the browser showed is what the database holds: tasks and theme meeting mapped.
    with live_app.app_context():
        committee = db.session.get(Committee, seed["committee_id"])
        notes = {n.body: n for n in db.session.scalars(
            select(Note).where(Note.committee_id == committee.id))}
        assert sorted(t.number for t in notes[anna_text].tasks) == [1, 3]
        assert notes[anna_text].theme_meeting.number == 5
        assert notes[anna_text].author_name == "Anna"
        assert sorted(t.number for t in notes[bo_text].tasks) == [2, 4]
        assert committee.talk.number == 2
        assert [m.number for m in committee.theme_meetings] == [3, 5]

    assert not problems, "\n".join(problems)


def test_reload_mid_typing_keeps_the_text(live_server, seed, new_context):
    page = new_context().new_page()
    problems = watch_page(page)
    join(page, live_server, seed["join_code"], "Carla")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))

    draft = "Halvt skrevet: forældrene skal inddrages tidligere i overgangen til"
    field = page.get_by_label("Note", exact=True)
    field.press_sequentially(draft, delay=5)
    page.locator("#note-form fieldset").first.get_by_label(re.compile(r"^2\. ")).check()
    page.reload()

    expect(field).to_have_value(draft)
    task_2 = page.locator("#note-form fieldset").first.get_by_label(re.compile(r"^2\. "))
    expect(task_2).to_be_checked()
    expect(page.locator("[data-save-status]")).to_contain_text("hentet tilbage")

    # Finishing the restored draft saves it once; a further reload brings nothing back.
    field.press_sequentially(" dagtilbud.", delay=5)
    page.get_by_role("button", name="Gem note").click()
    expect(card(page, draft + " dagtilbud.")).to_be_visible()
    page.reload()
    expect(field).to_have_value("")
    expect(page.locator(".note-card")).to_have_count(1)
    assert not problems, "\n".join(problems)


def two_in_the_break(live_server, seed, new_context, names, open_now=True):
    """Two participants in their own browsers, joined; (pages, problems, break url)."""
    pages = [new_context().new_page() for _ in names]
    problems = [p for page in pages for p in watch_page(page)]
    url = live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}")
    for page, name in zip(pages, names, strict=True):
        join(page, live_server, seed["join_code"], name)
        if open_now:
            page.goto(url)
    return pages, problems, url


def test_live_update_never_takes_focus_or_text_from_a_writer(live_server, seed, new_context):
    (writer, other), problems, _url = two_in_the_break(live_server, seed, new_context,
                                                       ["Dorte", "Emil"])

    field = writer.get_by_label("Note", exact=True)
    field.click()
    first_half = "Vi skal have en fælles retning for "
    field.press_sequentially(first_half, delay=40)

    # Someone else posts while Dorte is mid-sentence; the poll (every 5 s) brings it in.
    arriving = "Del viden om indsatser på tværs af kommuner."
    post_note(other, arriving, tasks=[4])
    second_half = "dagtilbud, skole og ungdomsuddannelse, med plads til lokal ledelse"
    field.press_sequentially(second_half, delay=100)  # ~7 s of typing, spanning a poll
    expect(card(writer, arriving)).to_be_visible(timeout=ARRIVES_WITHIN_MS)

    state = writer.evaluate("""() => {
        const el = document.activeElement;
        return {id: el && el.id, value: el && el.value, caret: el && el.selectionStart,
                end: el && el.selectionEnd};
    }""")
    typed = first_half + second_half
    assert state["id"] == "body", f"focus moved to {state['id']!r}"
    assert state["value"] == typed
    assert state["caret"] == state["end"] == len(typed)

    # Typing on after the swap lands in the same field, at the same place.
    field.press_sequentially(".", delay=20)
    expect(field).to_have_value(typed + ".")
    assert not problems, "\n".join(problems)


def test_changes_are_merged_into_the_list_card_by_card(live_server, seed, new_context):
    """A poll that finds changes brings only those; the list stays, cards are merged in order."""
    (fie, gustav), problems, url = two_in_the_break(live_server, seed, new_context,
                                                    ["Fie", "Gustav"], open_now=False)
    # Gustav's stream is blocked (an old proxy): this is the fallback poll's test.
    gustav.route("**/stroem*", lambda route: route.abort("connectionrefused"))
    polls = []
    gustav.on("response", lambda r: polls.append((r.status, r.url))
              if r.request.method == "GET" and "/noter" in r.url else None)
    fie.goto(url)
    post_note(fie, "Første punkt fra Fie", tasks=[1])
    post_note(fie, "Andet punkt fra Fie", tasks=[2])
    gustav.goto(url)
    expect(gustav.locator(".note-card")).to_have_count(2)
    # A mark that a swap of the whole list would wipe out.
    gustav.evaluate('() => { document.getElementById("notes-list").dataset.marker = "kept"; }')

    # Fie edits her first note, deletes the second and writes a third.
    first = card(fie, "Første punkt fra Fie")
    first.get_by_role("link", name="Rediger").click()
    fie.get_by_label("Note", exact=True).fill("Første punkt fra Fie, rettet")
    fie.get_by_role("button", name="Gem ændringer").click()
    card(fie, "Andet punkt fra Fie").get_by_role("link", name="Slet").click()
    fie.get_by_role("button", name="Ja, slet noten").click()
    post_note(fie, "Tredje punkt fra Fie", tasks=[3])

    expect(card(gustav, "Tredje punkt fra Fie")).to_be_visible(timeout=ARRIVES_WITHIN_MS)
    expect(card(gustav, "Første punkt fra Fie, rettet")).to_contain_text("redigeret",
                                                                        timeout=ARRIVES_WITHIN_MS)
    expect(card(gustav, "Andet punkt fra Fie")).to_have_count(0, timeout=ARRIVES_WITHIN_MS)
    expect(gustav.locator("#notes-count")).to_have_text("2 noter")
    assert gustav.locator(".note-card .note-body").all_inner_texts() == [
        "Tredje punkt fra Fie", "Første punkt fra Fie, rettet"]
    assert gustav.evaluate('() => document.getElementById("notes-list").dataset.marker') == "kept"
    # The next polls send the third note again (their overlap): an unchanged card stays put.
    # (A property, not an attribute: the card's HTML stays as the server sent it.)
    card(gustav, "Tredje punkt fra Fie").evaluate("c => { c.keptMarker = true; }")

    # Gustav's own note shows at once (from his post's answer) and only once after the polls.
    post_note(gustav, "Gustavs eget punkt", tasks=[4])
    gustav.wait_for_timeout(6_000)  # at least one poll after the post
    ids = gustav.locator(".note-card").evaluate_all("cards => cards.map(c => c.id)")
    assert len(ids) == len(set(ids)) == 3, ids
    assert gustav.locator(".note-card .note-body").first.inner_text() == "Gustavs eget punkt"
    assert card(gustav, "Tredje punkt fra Fie").evaluate("c => c.keptMarker === true")
    # Once nothing changes, a poll costs a 304.
    with gustav.expect_response(lambda r: "/noter?efter=" in r.url and r.status == 304,
                                timeout=10_000):
        pass
    assert any("efter=" in poll_url for _status, poll_url in polls), polls
    assert_accessible(gustav, "the break screen after merged changes")
    assert not problems, "\n".join(problems)


def test_a_lost_answer_is_retried_without_a_duplicate(live_server, live_app, seed, new_context):
    """The venue Wi-Fi drops the server's answer: the note was saved, the browser did not hear.

    The retry sends the same key, so the server answers "already saved" instead of saving a
    second copy; the text stays on screen (and on the device) until then.
    """
    page = new_context().new_page()
    join(page, live_server, seed["join_code"], "Hanne")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))
    lost = {"count": 0}

    def lose_first_answer(route):
        if route.request.method == "POST" and lost["count"] == 0:
            lost["count"] += 1
            route.fetch()  # the server gets the note and saves it...
            route.abort("connectionreset")  # ...but the answer never arrives
        else:
            route.continue_()

    page.route("**/noter", lose_first_answer)
    text = "Skolernes trivselsmåling skal drøftes i udvalget hvert år."
    field = page.get_by_label("Note", exact=True)
    field.fill(text)
    page.locator("#note-form fieldset").first.get_by_label(re.compile(r"^1\. ")).check()
    page.get_by_role("button", name="Gem note").click()

    status = page.locator("[data-save-status]")
    expect(status).to_contain_text("Ikke gemt endnu")
    expect(field).to_have_value(text)  # nothing is lost while the answer is missing
    expect(status).to_have_text("Noten er gemt.", timeout=15_000)  # the retry, 5 s later
    expect(field).to_have_value("")
    expect(card(page, text)).to_have_count(1)
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('delib-draft'))"
                         ".length") == 0
    with live_app.app_context():
        saved = db.session.scalars(select(Note).where(Note.body == text)).all()
        assert len(saved) == 1, "the retry made a second copy"
