"""The break screen in a real browser: the guiding questions beside the note field whatever the
number of notes, the field first on a phone, and what the countdown says to a screen reader."""

from datetime import datetime, timedelta

from delib.extensions import db
from delib.models import Committee, Participant
from delib.services import committees as committee_service
from delib.services import notes as note_service
from delib.services.notes import NoteInput
from tests.e2e.helpers import expect, watch_page
from tests.e2e.test_participants import join

#: What a committee jots down in a long break: enough notes to fill more than a screen.
NOTES = [
    "Skoleledernes råderum: for mange centrale mål, for lidt tid til ledelse.",
    "Fælles Mål fylder stadig for meget i dialogen med skolerne.",
    "BUU vil have kvalitetsrapporten kortere – hvad bruger vi den egentlig til?",
    "PPR skal ud på skolerne, ikke sidde på rådhuset.",
    "Inklusion: AKT-timerne er skåret, det mærker lærerne.",
    "Spørg skolebestyrelserne før vi ændrer tildelingsmodellen.",
    "Lærernes arbejdstid – ny aftale med KLF lokalt?",
    "Dataindsamling: kun det vi faktisk bruger til styring.",
    "Distriktsledelse på landet – erfaringer fra nabokommunen?",
    "Elevtrivsel: ungeråd ind over næste år.",
    "SFO og skole under én leder giver bedre sammenhæng.",
    "Tillid frem for kontrol – men hvordan følger vi op?",
    "Ledelsesudvikling for mellemledere, ikke kun skoleledere.",
    "Budget 2022: afsæt midler til efteruddannelse i specialpædagogik.",
    "Skolefravær: fælles indsats med SSP og sundhedsplejen.",
    "Tosprogede elever – sprogscreening tidligere.",
    "Opfølgning på BUU-mødet i marts: tag temaet op igen.",
]


def _talk_break_with_notes(live_app, seed) -> int:
    """Talk 2 chosen and 17 notes in the talk break; the break's id."""
    with live_app.app_context():
        committee = db.session.get(Committee, seed["committee_id"])
        event = committee.event
        committee_service.choose(committee, event.talks[1].id, [])
        slot = next(s for s in event.slots if s.focus == "talk")
        author = Participant(committee=committee, display_name="Søren")
        db.session.add(author)
        db.session.flush()
        tasks = [t.id for t in event.tasks]
        for i, body in enumerate(NOTES):
            note_service.post_note(committee, slot, author,
                                   NoteInput(body=body, task_ids=[tasks[i % len(tasks)]],
                                             message_ids=[]),
                                   note_service.new_client_key(), 4000)
        db.session.commit()
        slot_id = slot.id
        db.session.remove()
    return slot_id


BOXES = """() => {
    const box = el => el.getBoundingClientRect();
    const top = el => box(el).top + window.scrollY;
    const q = document.querySelector("section.questions li");
    const field = document.getElementById("body");
    return {question: top(q), questionBottom: box(q).bottom + window.scrollY,
            questionLeft: box(q).left, field: top(field),
            fieldBottom: box(field).bottom + window.scrollY, fieldRight: box(field).right,
            notes: top(document.getElementById("notes-list")),
            lastNote: top(document.querySelector("#note-cards > li:last-child")),
            viewport: window.innerHeight};
}"""


def test_guiding_questions_sit_beside_the_field_and_the_field_comes_first_on_a_phone(
        live_server, live_app, seed, new_context):
    slot_id = _talk_break_with_notes(live_app, seed)
    page = new_context(width=1280, height=800).new_page()
    problems = watch_page(page)
    join(page, live_server, seed["join_code"], "Tove")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{slot_id}"))
    expect(page.locator(".note-card")).to_have_count(len(NOTES))
    expect(page.locator("section.questions")).to_contain_text("Oplæg 2:")

    laptop = page.evaluate(BOXES)
    # On the first screen, beside the field (not under it, nor under the 17 notes).
    assert laptop["questionBottom"] <= laptop["viewport"], laptop
    assert laptop["questionLeft"] >= laptop["fieldRight"], laptop
    assert laptop["question"] < laptop["notes"] < laptop["lastNote"], laptop

    for width in (768, 375):
        page.set_viewport_size({"width": width, "height": 800})
        narrow = page.evaluate(BOXES)
        # One column: the field, then the questions, then the notes.
        assert narrow["fieldBottom"] < narrow["question"] < narrow["notes"], (width, narrow)
        assert narrow["question"] < narrow["lastNote"], (width, narrow)
    assert not problems, "\n".join(problems)


def test_countdown_speaks_1_minut_and_stops_once_the_break_is_over(live_server, seed,
                                                                  new_context):
    page = new_context().new_page()
    problems = watch_page(page)
    join(page, live_server, seed["join_code"], "Ulrik")
    url = live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}")
    page.goto(url)
    countdown = page.locator(".countdown")
    end = datetime.fromisoformat(countdown.get_attribute("data-countdown-end"))

    # The page's clock set to 65 s before the break ends, then run on by hand.
    page.clock.install(time=end - timedelta(seconds=65))
    page.reload()
    announce = page.locator("[data-countdown-announce]")
    left = page.locator("[data-countdown-left]")
    expect(left).to_have_text("1:05 tilbage")
    expect(announce).to_have_text("")
    page.clock.run_for(8_000)
    expect(announce).to_have_text("1 minut tilbage af pausen")

    page.clock.run_for(60_000)
    expect(left).to_have_text("Pausen er slut")
    expect(announce).to_have_text("Pausen er slut. I kan stadig skrive noter.")
    # Long after: nothing about time left is spoken or shown again.
    page.clock.run_for(11 * 60_000)
    expect(announce).to_have_text("Pausen er slut. I kan stadig skrive noter.")
    expect(left).to_have_text("Pausen er slut")
    assert not problems, "\n".join(problems)
