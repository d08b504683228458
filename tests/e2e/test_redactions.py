"""Removing personal data in a real browser (CSRF on, no JavaScript needed): choose, confirm,
gone; both pages pass axe."""

from delib.extensions import db
from delib.models import Committee, DiscussionSlot
from delib.services import committees as committee_service
from delib.services import notes as note_service
from delib.services.notes import NoteInput
from tests.e2e.helpers import assert_accessible, expect, watch_page
from tests.e2e.test_chair import sign_in

NOTE = "Zainab Ahmed 5.a har ikke haft SFO-plads siden sommer, mor har ringet til BUU"


def test_chair_removes_a_name_from_a_note(live_server, live_app, seed, new_context):
    with live_app.app_context():
        committee = db.session.get(Committee, seed["committee_id"])
        slot = db.session.get(DiscussionSlot, seed["slot_id"])
        writer = committee_service.join(committee.join_code, "Karin")
        task = committee.event.tasks[1]
        note_service.post_note(committee, slot, writer,
                               NoteInput(body=NOTE, task_ids=[task.id], message_ids=[]),
                               note_service.new_client_key(), 4000)
        db.session.commit()
    page = new_context().new_page()
    problems = watch_page(page)
    sign_in(page, live_server)
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/gennemgang"))
    card = page.locator(".review-note", has_text="Zainab Ahmed")
    card.get_by_role("link", name="Fjern personoplysninger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fjern personoplysninger")
    assert_accessible(page, "the redaction choice")

    page.get_by_label("Zainab Ahmed").check()
    page.get_by_role("button", name="Se hvad der bliver fjernet").click()
    expect(page.locator(".redaction-passages")).to_contain_text("»Zainab Ahmed« → [fjernet]")
    assert_accessible(page, "the redaction confirmation")

    page.get_by_role("button", name="Fjern teksten alle steder").click()
    expect(page.locator(".review-note", has_text="[fjernet] 5.a har ikke haft")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Zainab")
    assert problems == [], "\n".join(problems)
