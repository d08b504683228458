"""KL's municipality × task grid in a real browser: on a phone, without JavaScript, with axe."""

import re

import pytest

from delib.auth import hash_password
from delib.extensions import db
from delib.models import Committee, Event, User
from delib.tasks.demo import NoteSpec, make_submission, seed_national_demo
from tests.e2e.helpers import assert_accessible, expect, shoot, watch_page
from tests.e2e.test_chair import sign_in

KL_EMAIL = "daekning@kl.example.dk"


@pytest.fixture
def grid_data(live_app, seed):
    """Demo contributions from many municipalities, Aarhus's own, and a KL analyst."""
    with live_app.app_context():
        event = db.session.get(Event, seed["event_id"])
        seed_national_demo(event, notes=300, seed=12)
        tasks = {t.number: t for t in event.tasks}
        make_submission(db.session.get(Committee, seed["committee_id"]), [
            NoteSpec(body="Fraværsteam på tværs af skole, PPR og SSP – start i 4. kl.",
                     tasks=[tasks[2]], slot_id=seed["slot_id"]),
        ])
        db.session.add(User(email=KL_EMAIL, name="Dorte Dækning", role="kl_analyst",
                            password_hash=hash_password("korrekt-hest-batteri")))
        db.session.commit()
        db.session.remove()
    return seed


def test_grid_on_a_phone_and_without_javascript(live_server, grid_data, new_context):
    page = new_context(width=375, height=800).new_page()
    problems = watch_page(page)
    sign_in(page, live_server, email=KL_EMAIL)

    # The overview shows the gaps per task and leads to the grid.
    page.goto(live_server("/kl/"))
    expect(page.locator("#coverage-heading")).to_be_visible()
    assert_accessible(page, "the overview's coverage summary")
    page.locator("main").get_by_role("link", name="Se hver kommune og opgave").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kommuner og opgaver")
    table = page.get_by_role("table", name="Indsendte noter pr. kommune og opgave")
    expect(table).to_contain_text("Aarhus")
    expect(table.locator("tbody th[scope=rowgroup]")).to_have_count(5)
    assert_accessible(page, "the coverage grid")
    shoot(page, "kl-coverage", readme=False)  # fails if the page scrolls sideways at 375 px
    assert not problems, "\n".join(problems)

    # Without JavaScript (axe needs it, hence a second browser): the GET form narrows the
    # rows, and Aarhus's cell for task 2 leads to its note.
    page = new_context(width=375, height=800, java_script_enabled=False).new_page()
    problems = watch_page(page)
    sign_in(page, live_server, email=KL_EMAIL)
    page.goto(live_server("/kl/daekning"))
    table = page.get_by_role("table", name="Indsendte noter pr. kommune og opgave")
    page.get_by_label("Region").select_option(label="Region Midtjylland")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(r"/kl/daekning\?region="))
    expect(table.locator("tbody th[scope=rowgroup]")).to_have_count(1)
    expect(table).not_to_contain_text("København")
    aarhus = table.locator("tbody tr", has=page.get_by_role("rowheader", name="Aarhus"))
    aarhus.locator("td").nth(1).get_by_role("link").click()
    results = page.locator("#results")
    expect(results).to_contain_text("Fraværsteam på tværs af skole")
    expect(results.locator(".result-count")).to_contain_text(re.compile(r"^\s*1 note"))
    assert not problems, "\n".join(problems)
