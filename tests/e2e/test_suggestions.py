"""Suggested tasks in a real browser: a participant accepts a suggestion while typing and answers
one on her saved note's card; the chair accepts, rejects and accepts all in review."""

import re

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Committee, DiscussionSlot, Note, NoteSuggestion
from delib.models.notes import note_tasks
from delib.services import committees as committee_service
from delib.services import notes as note_service
from delib.services.notes import NoteInput
from tests.e2e.helpers import assert_accessible, expect, shoot, watch_page
from tests.e2e.test_chair import sign_in
from tests.e2e.test_participants import join

LEADERS = "Skoleledere og dagtilbudsledere mødes for sjældent på tværs – fælles retning for 0-18"
PROJECTS = "Alt for mange projekter kører side om side. Luk dem der ikke skaber værdi for børnene"
RESEARCH = "Fast netværk m. nabokommunerne? Del erfaringer om fravær og få UC med på forskning"
PPR = "PPR og skolerne taler ikke sammen, AKT-indsatsen hænger i luften"


def _mappings(live_app, body):
    """(task number, source, decided_by_name) of the note with this text."""
    with live_app.app_context():
        note = db.session.scalar(select(Note).where(Note.body == body))
        numbers = {t.id: t.number for t in note.committee.event.tasks}
        rows = db.session.execute(select(note_tasks.c.task_id, note_tasks.c.source,
                                         note_tasks.c.decided_by_name)
                                  .where(note_tasks.c.note_id == note.id)).all()
        db.session.remove()
    return sorted((numbers[t], source, name) for t, source, name in rows)


def test_a_participant_accepts_suggestions_while_typing_and_on_her_card(live_server, live_app,
                                                                        seed, new_context):
    page = new_context(width=1280).new_page()
    problems = watch_page(page)
    join(page, live_server, seed["join_code"], "Anna")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))

    # While she types, a suggestion appears by the task boxes, with the words behind it.
    page.get_by_label("Note", exact=True).press_sequentially(LEADERS, delay=5)
    chip = page.locator("#note-suggestions .suggestion-chip", has_text="Opgave 2")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text("fordi:")
    expect(chip).to_contain_text('"Skoleledere"')
    box = page.locator("#note-form fieldset").first.get_by_label(re.compile(r"^2\. "))
    expect(box).not_to_be_checked()  # never ticked silently
    assert_accessible(page, "the break screen with a suggestion")
    shoot(page, "suggestion-while-typing", readme=False)
    page.get_by_role("button", name="Tilføj Opgave 2").click()
    expect(box).to_be_checked()
    expect(page.get_by_role("button", name="Tilføj Opgave 2")).to_have_count(0)
    page.get_by_role("button", name="Gem note").click()
    expect(page.locator("#notes-list .note-card", has_text=LEADERS)).to_contain_text("Opgave 2")
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    expect(page.locator("#note-suggestions")).to_be_hidden()
    assert _mappings(live_app, LEADERS) == [(2, "suggestion", "Anna")]

    # A note saved without a task: her card offers the model's suggestions to add or reject.
    page.get_by_label("Note", exact=True).fill(PROJECTS)
    page.get_by_role("button", name="Gem note").click()
    card = page.locator("#notes-list .note-card", has_text=PROJECTS)
    expect(card).to_contain_text("Noten har ingen opgave endnu. Forslag:")
    assert_accessible(page, "the break screen with a card's suggestions")
    shoot(page, "suggestion-on-card", readme=False)
    card.get_by_role("button", name="Tilføj Opgave 3").click()
    expect(page.locator(".flash-success")).to_contain_text("Opgaven er tilføjet noten.")
    card = page.locator("#notes-list .note-card", has_text=PROJECTS)
    expect(card.locator(".tag-task")).to_have_text(["Opgave 3"])
    expect(card.get_by_role("button", name=re.compile("^Tilføj"))).to_have_count(0)
    assert _mappings(live_app, PROJECTS) == [(3, "suggestion", "Anna")]
    assert not problems, "\n".join(problems)


@pytest.fixture
def unmapped_notes(live_app, seed):
    """Three notes written in the break without a task, so the model has suggested tasks."""
    with live_app.app_context():
        committee = db.session.get(Committee, seed["committee_id"])
        slot = db.session.get(DiscussionSlot, seed["slot_id"])
        writers = [committee_service.join(committee.join_code, name) for name in ("Anna", "Bo")]
        for i, body in enumerate((LEADERS, RESEARCH, PPR)):
            note_service.post_note(committee, slot, writers[i % 2],
                                   NoteInput(body=body, task_ids=[], message_ids=[]),
                                   note_service.new_client_key(), 4000)
        db.session.commit()
        db.session.remove()
    return seed


def test_the_chair_accepts_rejects_and_accepts_all_in_review(live_server, live_app,
                                                             unmapped_notes, new_context):
    seed = unmapped_notes
    page = new_context().new_page()
    problems = watch_page(page)
    sign_in(page, live_server)
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/gennemgang"))
    section = page.locator("#uden-opgave")
    expect(section.get_by_role("heading", level=2)).to_have_text("Noter uden opgave")
    for body in (LEADERS, RESEARCH, PPR):
        expect(section).to_contain_text(body)
    expect(section).to_contain_text("sikkerhed")
    assert_accessible(page, "the review with notes without a task")
    shoot(page, "review-suggestions", readme=False)

    # One suggestion accepted, one rejected.
    section.locator(".review-note", has_text=LEADERS).get_by_role(
        "button", name="Acceptér Opgave 2").click()
    expect(page.locator(".flash-success")).to_contain_text("1 forslag er accepteret.")
    leaders = page.locator("section.review-task .review-note", has_text=LEADERS)
    expect(leaders).to_contain_text("Opgave 2: foreslået, accepteret af Mette Formand")
    ppr = page.locator("#uden-opgave .review-note", has_text=PPR)
    first_ppr = ppr.get_by_role("button", name=re.compile(r"^Afvis ")).first
    rejected = first_ppr.inner_text().replace("Afvis", "").strip()
    first_ppr.click()
    expect(page.locator(".flash-success")).to_contain_text("1 forslag er afvist")

    # Accept all: a confirmation step lists what will be mapped, then maps it.
    page.get_by_role("link", name="Acceptér alle forslag").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acceptér alle forslag")
    main = page.locator("main")
    expect(main).to_contain_text("Disse koblinger bliver lavet.")
    expect(main).to_contain_text(RESEARCH)
    expect(main).not_to_contain_text(LEADERS)
    assert_accessible(page, "the accept-all confirmation")
    page.get_by_role("button", name=re.compile(r"^Acceptér \d+ forslag$")).click()
    expect(page.locator(".flash-success")).to_contain_text("forslag er accepteret.")
    expect(page.locator("#uden-opgave")).to_contain_text("Alle noter har en opgave.")

    assert _mappings(live_app, LEADERS) == [(2, "suggestion", "Mette Formand")]
    assert (4, "suggestion", "Mette Formand") in _mappings(live_app, RESEARCH)
    with live_app.app_context():
        statuses = set(db.session.execute(select(NoteSuggestion.status)).scalars())
        db.session.remove()
    assert statuses == {"accepted", "rejected"}
    assert rejected not in [f"Opgave {n}" for n, _s, _w in _mappings(live_app, PPR)]
    assert not problems, "\n".join(problems)
