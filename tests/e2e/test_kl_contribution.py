"""KL's page of one municipality's whole submitted contribution, in a real browser: reached from
the municipalities list, readable on a phone and a laptop, accessible (axe)."""

import pytest
from sqlalchemy import select

from delib.auth import hash_password
from delib.extensions import db
from delib.models import Committee, Event, User
from delib.tasks.demo import NoteSpec, make_submission
from tests.e2e.helpers import assert_accessible, expect, watch_page

KL_EMAIL = "analytiker@kl.example.dk"
PASSWORD = "korrekt-hest-batteri"
NOTE = "Fravær i udskolingen: SSP + UU skal ind tidligere, ikke først i 9. kl."
SUMMARY = "Udvalget vil samle PPR, SSP og skolerne om én fraværsprocedure."


@pytest.fixture
def aarhus_submitted(live_app, seed):
    with live_app.app_context():
        event = db.session.get(Event, seed["event_id"])
        aarhus = db.session.get(Committee, seed["committee_id"])
        task_4 = next(t for t in event.tasks if t.number == 4)
        make_submission(aarhus, [NoteSpec(body=NOTE, tasks=[task_4], slot_id=seed["slot_id"],
                                          key_point=True)],
                        summaries=[(task_4, None, SUMMARY)])
        if db.session.scalar(select(User).where(User.email == KL_EMAIL)) is None:
            db.session.add(User(email=KL_EMAIL, name="Karen Analytiker", role="kl_analyst",
                                password_hash=hash_password(PASSWORD)))
        db.session.commit()
        db.session.remove()
    return seed


@pytest.mark.parametrize("width", [375, 1280])
def test_kl_reads_a_municipalitys_whole_contribution(live_server, aarhus_submitted,
                                                     new_context, width):
    page = new_context(width=width).new_page()
    problems = watch_page(page)
    page.goto(live_server("/login"))
    page.get_by_label("E-mail").fill(KL_EMAIL)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(live_server("/kl/"))
    page.goto(live_server("/kl/kommuner"))
    page.get_by_role("link", name="Læs bidraget fra Aarhus").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aarhus Kommune")
    main = page.locator("main")
    expect(main).to_contain_text(NOTE)
    expect(main).to_contain_text(SUMMARY)
    expect(main).to_contain_text("Nøglepunkt")
    expect(main).to_contain_text("(seneste – den KL ser)")
    expect(page.get_by_role("contentinfo").get_by_role("link", name="Tilgængelighedserklæring")
           ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page, f"KL's contribution page at {width} px")
    assert problems == [], "\n".join(problems)
