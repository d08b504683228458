"""KL's task page with recurring themes in a real browser: about three screens, accessible,
and a theme opens exactly its notes."""

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select

from delib.auth import hash_password
from delib.extensions import db
from delib.models import Committee, Event, Municipality, User
from delib.services import committees as committee_service
from delib.tasks.demo import NoteSpec, make_submission
from tests.e2e.helpers import assert_accessible, expect, watch_page

KL_EMAIL = "temaer@kl.example.dk"
PASSWORD = "korrekt-hest-batteri"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def themes_set(live_app, seed):
    """The project's themes set (eval/sets/themes.jsonl) submitted on task 3."""
    spec = importlib.util.spec_from_file_location("eval_themes", ROOT / "eval" / "themes.py")
    evaluation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluation)
    with live_app.app_context():
        event = db.session.get(Event, seed["event_id"])
        task = next(t for t in event.tasks if t.number == 3)
        by_municipality: dict[str, list[str]] = {}
        for note in evaluation.load():
            by_municipality.setdefault(note["municipality"], []).append(note["text"])
        db.session.add(User(email=KL_EMAIL, name="Tove Tema", role="kl_analyst",
                            password_hash=hash_password(PASSWORD)))
        for i, (name, texts) in enumerate(sorted(by_municipality.items())):
            municipality = db.session.scalar(select(Municipality).where(Municipality.name == name))
            committee = db.session.scalar(select(Committee).where(
                Committee.event_id == event.id, Committee.municipality_code == municipality.code))
            if committee is None:
                chair = User(email=f"formand{i}@tema.example.dk", name=f"Formand {i}",
                             role="chair", municipality=municipality,
                             password_hash=hash_password(PASSWORD))
                db.session.add(chair)
                db.session.flush()
                committee = committee_service.create_committee(
                    event, municipality, "Børne- og Ungeudvalget", chair)
            make_submission(committee, [NoteSpec(t, tasks=[task]) for t in texts])
        db.session.commit()
        task_id = task.id
        db.session.remove()
    return task_id


def test_task_page_fits_three_screens_and_a_theme_opens_its_notes(live_server, themes_set,
                                                                  new_context):
    page = new_context(width=1280, height=900).new_page()
    problems = watch_page(page)
    page.goto(live_server("/login"))
    page.get_by_label("E-mail").fill(KL_EMAIL)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()

    page.goto(live_server(f"/kl/opgaver/{themes_set}"))
    expect(page.locator("main")).to_contain_text("Tilbagevendende temaer")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 3 * 900, height  # about three screens, details folded
    assert_accessible(page, "a task page with themes")

    card = page.locator(".theme-card").first
    names = card.locator("details.theme-municipalities")
    expect(names.locator("p")).not_to_be_visible()
    names.locator("summary").click()
    expect(names.locator("p")).to_be_visible()
    label = card.locator("h3").inner_text().strip()
    link = card.locator(".theme-meta a")
    count = int(link.inner_text().split()[0])
    link.click()
    expect(page.locator(".result-count")).to_contain_text(f"{count} noter")
    expect(page.locator(".theme-filter")).to_contain_text(label, ignore_case=True)
    assert page.locator("#results ol.kl-list > li").count() == count
    assert_accessible(page, "the notes of one theme")
    assert not problems, "\n".join(problems)
