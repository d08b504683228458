"""The chair's actions table in a real browser: short labels ("Ret", "Slet", a status) stay on one
line on a phone (320 px) and on a laptop (1280 px), and deleting an action asks first."""

from datetime import date

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Committee, User
from delib.services import actions as action_service
from delib.services.actions import ActionInput
from tests.e2e.conftest import CHAIR_EMAIL
from tests.e2e.helpers import assert_accessible, expect, watch_page
from tests.e2e.test_chair import sign_in

ACTIONS = [
    (1, "Temadag for skoleledere, SFO-ledere og PPR om børne- og ungepolitikkens mål og "
        "hvordan de bruges i hverdagen – også i dagtilbuddene", "Skolechefen og dagtilbudschefen",
     "under_way"),
    (3, "Fælles fraværsprocedure i indskolingen m. SSP", "AKT-koordinator", "planned"),
]


@pytest.fixture
def with_actions(live_app, seed):
    with live_app.app_context():
        committee = db.session.get(Committee, seed["committee_id"])
        chair = db.session.scalar(select(User).where(User.email == CHAIR_EMAIL))
        tasks = {t.number: t.id for t in committee.event.tasks}
        for number, title, responsible, status in ACTIONS:
            action_service.create_action(committee, chair, ActionInput(
                tasks[number], title, responsible, date(2026, 6, 1), status))
        db.session.commit()
        db.session.remove()
    return seed


def _lines(locator) -> int:
    """How many lines of text the element's box spans."""
    return locator.evaluate(
        "el => Math.round(el.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(el).lineHeight))")


@pytest.mark.parametrize("width", [320, 1280])
def test_short_labels_never_break_inside_a_word(live_server, with_actions, new_context, width):
    page = new_context(width=width).new_page()
    problems = watch_page(page)
    sign_in(page, live_server)
    page.goto(live_server(f"/udvalg/{with_actions['committee_id']}/gennemgang/handlinger"))
    table = page.locator("table.actions-table")
    expect(table).to_be_visible()
    for name in ("Ret", "Slet"):
        links = table.get_by_role("link", name=name, exact=True)
        assert links.count() == len(ACTIONS)
        for i in range(links.count()):
            assert _lines(links.nth(i)) == 1, f"{name!r} wraps at {width} px"
    for status in ("I gang", "Planlagt"):
        assert _lines(table.locator(".status", has_text=status)) == 1, status
    # ...and the page still fits the screen: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert problems == [], "\n".join(problems)


def test_deleting_an_action_asks_first(live_server, with_actions, new_context):
    page = new_context(width=375).new_page()
    problems = watch_page(page)
    sign_in(page, live_server)
    page.goto(live_server(f"/udvalg/{with_actions['committee_id']}/gennemgang/handlinger"))
    row = page.locator("tr", has_text=ACTIONS[1][1])
    row.get_by_role("link", name="Slet", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slet handling?")
    expect(page.locator("main")).to_contain_text(ACTIONS[1][1])
    expect(page.locator("main")).to_contain_text("AKT-koordinator")
    assert_accessible(page, "the action delete confirmation")
    page.get_by_role("button", name="Slet handlingen").click()
    expect(page.locator(".flash-success")).to_contain_text("Handlingen er slettet.")
    expect(page.locator("table.actions-table")).not_to_contain_text(ACTIONS[1][1])
    expect(page.locator("table.actions-table")).to_contain_text("Temadag for skoleledere")
    assert problems == [], "\n".join(problems)
