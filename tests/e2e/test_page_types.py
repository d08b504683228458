"""axe on the page types the journeys pass by quickly or not at all: sign-in, errors, a
participant's edit and delete, the chair's committee creation, actions, log and report, the
account pages. Zero WCAG 2.0/2.1 A and AA violations on each, in its Danish form."""

import re

from delib.auth import hash_password
from delib.extensions import db
from delib.models import User
from tests.e2e.helpers import assert_accessible, expect, watch_page
from tests.e2e.test_chair import committee_with_notes, sign_in  # noqa: F401 - fixture
from tests.e2e.test_participants import card, join, post_note


def test_participant_pages(live_server, seed, new_context):
    page = new_context(width=375, height=800).new_page()
    problems = watch_page(page)
    page.goto(live_server("/login"))
    assert_accessible(page, "the sign-in page")
    page.get_by_label("E-mail").fill("ingen@example.dk")
    page.get_by_label("Adgangskode").fill("forkert-forkert")
    page.get_by_role("button", name="Log ind").click()
    expect(page.locator("main")).to_contain_text("Forkert e-mail eller adgangskode.")
    assert_accessible(page, "the sign-in page with an error")

    page.goto(live_server("/findes-ikke"))
    expect(page.locator("main")).to_contain_text("Siden findes ikke.")
    assert_accessible(page, "the 404 page")

    join(page, live_server, seed["join_code"], "Ingrid")
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/pauser/{seed['slot_id']}"))
    # An empty note: the refusal is announced and tied to the field (axe on the error state).
    page.get_by_role("button", name="Gem note").click()
    expect(page.get_by_label("Note", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the break screen with an error")

    text = "Overgangen fra dagtilbud til skole skal planlægges sammen med forældrene."
    post_note(page, text, tasks=[2])
    card(page, text).get_by_role("link", name=re.compile("^Rediger")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rediger note")
    assert_accessible(page, "the participant's note editor")
    page.go_back()
    card(page, text).get_by_role("link", name=re.compile("^Slet")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slet denne note?")
    assert_accessible(page, "the delete confirmation")
    # The 404 asked for above is the only HTTP error this journey may meet.
    assert problems == [f"HTTP 404 for GET {live_server('/findes-ikke')}"], "\n".join(problems)


def test_chair_pages(live_server, committee_with_notes, new_context):  # noqa: F811
    seed = committee_with_notes
    page = new_context().new_page()
    problems = watch_page(page)
    sign_in(page, live_server)
    page.get_by_role("link", name=re.compile("^Opret udvalg")).click()
    assert_accessible(page, "the new committee form")
    page.get_by_role("button", name="Opret udvalget").click()  # no name: refused
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    assert_accessible(page, "the new committee form with an error")

    base = f"/udvalg/{seed['committee_id']}/gennemgang"
    for path, what in [
        ("/handlinger", "the actions list"),
        ("/handlinger/ny", "the new action form"),
        ("/log", "the audit log"),
        ("/rapport?udkast=1", "the printable report"),
        ("/saml", "the merge page"),
    ]:
        page.goto(live_server(base + path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, what)

    page.goto(live_server(base))
    page.locator(".review-note").first.get_by_role("link", name="Skjul").click()
    assert_accessible(page, "the hide confirmation")

    page.goto(live_server("/konto/"))
    assert_accessible(page, "the account page")
    page.goto(live_server("/konto/adgangskode"))
    assert_accessible(page, "the change-password page")
    page.goto(live_server("/konto/totp"))
    assert_accessible(page, "the two-step set-up page")
    assert not problems, "\n".join(problems)


def test_kl_pages_before_anything_is_submitted(live_server, live_app, seed, new_context):
    """KL's pages in their empty state, the export form and the API keys, on a phone."""
    with live_app.app_context():
        db.session.add(User(email="kl@kl.example.dk", name="Kim KL", role="kl_analyst",
                            password_hash=hash_password("korrekt-hest-batteri")))
        db.session.commit()
        db.session.remove()
    page = new_context(width=375, height=800).new_page()
    problems = watch_page(page)
    sign_in(page, live_server, email="kl@kl.example.dk")
    for path, what in [
        ("/kl/", "KL's overview, empty"),
        ("/kl/kommuner", "the municipalities list, empty"),
        ("/kl/noter?q=fravær", "a search without results"),
        ("/kl/opgaver/1", "a task page without themes"),
        ("/kl/eksport", "the export form"),
        ("/kl/api-noegler", "the API keys"),
    ]:
        page.goto(live_server(path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, what)
    page.get_by_label("Hvad skal nøglen bruges til?").fill("Analyse af drøftelserne")
    page.get_by_role("button", name="Opret API-nøgle").click()
    expect(page.locator("main")).to_contain_text("Din nye API-nøgle:")
    assert_accessible(page, "the new API key")
    assert not problems, "\n".join(problems)
