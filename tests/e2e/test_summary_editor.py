"""The summary editor in a real browser: the task's notes stand beside the text box on a wide
screen and below it on a phone, so the chair summarises with the notes in view."""

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Task
from tests.e2e.helpers import assert_accessible, expect, watch_page
from tests.e2e.test_chair import NOTES, committee_with_notes, sign_in  # noqa: F401 - fixture


@pytest.mark.parametrize("width", [375, 1280])
def test_the_notes_of_the_task_are_beside_or_below_the_text_box(live_server, live_app,
                                                                committee_with_notes,  # noqa: F811
                                                                new_context, width):
    seed = committee_with_notes
    with live_app.app_context():
        task_3 = db.session.scalar(select(Task.id).where(Task.event_id == seed["event_id"],
                                                         Task.number == 3))
    page = new_context(width=width).new_page()
    problems = watch_page(page)
    sign_in(page, live_server)
    page.goto(live_server(f"/udvalg/{seed['committee_id']}/gennemgang/resume/opgave/{task_3}"))
    notes = page.locator("aside.summary-notes")
    # Task 3's notes (two of the four), readable in the panel.
    expect(notes).to_contain_text(NOTES[2][0])
    expect(notes).to_contain_text(NOTES[3][0])
    expect(notes).not_to_contain_text(NOTES[0][0])
    box = page.get_by_label("Resumé", exact=True).bounding_box()
    panel = notes.bounding_box()
    if width >= 1280:
        assert panel["x"] >= box["x"] + box["width"], (box, panel)  # beside
        assert panel["y"] < box["y"] + box["height"]
    else:
        assert panel["y"] >= box["y"] + box["height"], (box, panel)  # below
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page, f"the summary editor at {width} px")
    assert problems == [], "\n".join(problems)
