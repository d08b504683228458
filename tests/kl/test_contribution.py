"""KL reads one municipality's whole submitted contribution on one page: tasks with notes and
summaries, messages to Christiansborg, actions, versions; never a draft, never for non-KL users."""

from datetime import date

import lxml.html
import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.services import actions, submissions, summaries
from delib.services.actions import ActionInput
from tests.conftest import text_of
from tests.fixtures.committee import build_scene, post

SUMMARY = "Lederne mangler ejerskab til politikken – tages op på BUU-møde i marts"
ACTION = "Temadag for skoleledere og SFO-ledere om politikken"
DRAFT_NOTE = "Kladde: UU og FGU skal med i næste runde"


def url(committee) -> str:
    return f"/kl/bidrag/{committee.id}"


@pytest.fixture
def submitted(make_user, make_committee):
    """Aarhus' committee (the review scene) with a summary and an action, submitted twice."""
    scene = build_scene(make_user, make_committee)
    committee, chair = scene.committee, scene.chair
    summaries.save_summary(committee, scene.task(1), chair, SUMMARY, 0)
    actions.create_action(committee, chair, ActionInput(
        scene.task(1).id, ACTION, "Skolechefen", date(2026, 3, 1), "planned"))
    db.session.commit()
    submissions.submit(committee, chair, show_authors=False, privacy_acknowledged=True)
    db.session.commit()
    submissions.reopen(committee, chair)
    db.session.commit()
    submissions.submit(committee, chair, show_authors=False, privacy_acknowledged=True)
    db.session.commit()
    return scene


def test_the_page_shows_the_whole_submitted_contribution(kl_client, submitted):
    page = text_of(kl_client.get(url(submitted.committee)))
    assert "Aarhus Kommune – Børne- og Ungeudvalget" in page
    assert SUMMARY in page
    assert ACTION in page and "Skolechefen" in page
    for note in submitted.notes.values():
        assert note.body in page
    # Each task and each message to Christiansborg has its section.
    for task in submitted.committee.event.tasks:
        assert f"Opgave {task.number}: {task.title}" in page
    for message in submitted.committee.event.messages:
        assert f"Budskab {message.number}: {message.title}" in page
    # Submitted without authors: KL never sees who wrote a note.
    assert "Bo Deltager" not in page
    assert "Godkendt af" not in page  # no agreement round was held


def test_the_versions_are_listed_with_the_latest_marked(kl_client, submitted):
    page = text_of(kl_client.get(url(submitted.committee)))
    assert "Version 2, indsendt" in page and "Version 1, indsendt" in page
    assert page.index("Version 2, indsendt") < page.index("(seneste – den KL ser)") \
        < page.index("Version 1, indsendt")
    assert page.count("(seneste – den KL ser)") == 1


def test_a_reopened_contribution_shows_kl_the_last_submitted_version(kl_client, submitted):
    committee = submitted.committee
    submissions.reopen(committee, submitted.chair)
    db.session.commit()
    post(committee, committee.event.slots[0], submitted.participant, DRAFT_NOTE, [2])
    page = text_of(kl_client.get(url(committee)))
    assert SUMMARY in page
    assert DRAFT_NOTE not in page


def test_a_draft_is_not_shown(kl_client, scene):
    response = kl_client.get(url(scene.committee))
    assert response.status_code == 404
    assert scene.notes["policy"].body not in response.get_data(as_text=True)


def test_a_missing_committee_is_not_found(kl_client, submitted):
    assert kl_client.get("/kl/bidrag/999999").status_code == 404


def test_only_kl_gets_in(submitted, make_client):
    client, user_actions = make_client()
    user_actions.login("formand@aarhus.dk")
    response = client.get(url(submitted.committee))
    assert response.status_code == 403
    assert SUMMARY not in response.get_data(as_text=True)


def test_a_signed_out_visitor_is_sent_to_sign_in(client, submitted):
    response = client.get(url(submitted.committee))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def _links_to(response, committee) -> list[str]:
    """The texts of the links on a page to this committee's contribution page."""
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    return [" ".join(a.text_content().split()) for a in tree.xpath("//main//a[@href]")
            if a.get("href").split("?")[0] == url(committee)]


def test_kl_pages_link_a_municipality_to_its_contribution(kl_client, submitted, make_user,
                                                          make_committee):
    committee, task = submitted.committee, submitted.task(1)
    # A second municipality that has not submitted: named nowhere with a link.
    draft = make_committee(municipality="Odense", chair=make_user(municipality="Odense"))
    post(draft, draft.event.slots[0], submitted.participant, DRAFT_NOTE, [1])
    pages = {
        "notes": kl_client.get("/kl/noter"),
        "summaries": kl_client.get(f"/kl/noter?task={task.id}"),
        "task": kl_client.get(f"/kl/opgaver/{task.id}"),
        "municipalities": kl_client.get("/kl/kommuner"),
        "coverage": kl_client.get("/kl/daekning"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        links = _links_to(response, committee)
        assert links, name
        assert all("Aarhus" in text or text.startswith(("Læs bidraget", "bidrag"))
                   for text in links), (name, links)
        assert url(draft) not in response.get_data(as_text=True), name
    assert "Læs bidraget fra Aarhus" in _links_to(pages["municipalities"], committee)
    # The link reaches the page.
    assert SUMMARY in text_of(kl_client.get(url(committee)))


def test_the_follow_ups_of_the_previous_summit_are_on_the_page(kl_client, make_user,
                                                               make_committee):
    from delib.services import follow_ups
    from tests.fixtures.follow_ups import AARHUS_2021, build_two_events

    two = build_two_events(make_user, make_committee)
    done = "Procedure vedtaget i BUU, kører på 12 af 14 skoler"
    follow_ups.update_follow_up(two.aarhus_2022, two.previous(AARHUS_2021[1][1]), two.chair,
                                "done", done)
    post(two.aarhus_2022, two.aarhus_2022.event.slots[0], two.chair, "SFO-personale mangler",
         [1])
    submissions.submit(two.aarhus_2022, two.chair, show_authors=False, privacy_acknowledged=True)
    db.session.commit()
    page = text_of(kl_client.get(url(two.aarhus_2022)))
    assert "Opfølgning på sidste topmøde" in page
    assert AARHUS_2021[1][1] in page and done in page


def test_the_agreement_line_is_on_the_page(kl_client, scene):
    from delib.services import agreements

    committee = scene.committee
    agreements.open_round(committee, scene.chair)
    agreements.answer(committee, scene.participant, True, "")
    db.session.commit()
    submissions.submit(committee, scene.chair, show_authors=False, privacy_acknowledged=True)
    db.session.commit()
    assert "Godkendt af 1 af 1 deltager" in text_of(kl_client.get(url(committee)))


def test_a_redaction_after_submission_is_said(kl_client, submitted):
    from delib.models import Submission, utcnow

    latest = db.session.scalar(select(Submission).where(Submission.is_latest.is_(True)))
    latest.redacted_at = utcnow()  # as helper C's redaction sets it
    db.session.commit()
    page = text_of(kl_client.get(url(submitted.committee)))
    assert page.count("Personoplysninger fjernet efter indsendelse") == 2  # top and version 2
