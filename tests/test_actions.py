"""Follow-up actions: from a note or a summary, seen by participants, validated in Danish."""


import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import (
    Action,
    AuditEntry,
    Submission,
)
from delib.services import actions, submissions, summaries
from delib.services.actions import ActionInput
from tests.conftest import text_of
from tests.fixtures.committee import review_url as url

# ---------------------------------------------------------------- actions


def test_action_from_a_note_and_visible_to_participants(scene, chair_client, make_client):
    note = scene.notes["absence"]
    form = chair_client.get(url(scene, f"/handlinger/ny?note={note.id}"))
    assert note.body in text_of(form)
    response = chair_client.post(url(scene, "/handlinger/ny"), data={
        "task": str(scene.task(3).id), "title": "Fraværsindsats i indskolingen",
        "responsible": "Skolechefen", "due_on": "2021-06-30", "status": "planned",
        "source_note": str(note.id), "source_summary": ""})
    assert response.status_code == 302
    action = db.session.scalar(select(Action))
    assert action.source_note_id == note.id and action.responsible == "Skolechefen"
    assert action.due_on.isoformat() == "2021-06-30"

    participant, participant_auth = make_client()
    participant_auth.join(scene.committee, name="Eva")
    page = text_of(participant.get(url(scene, "/handlinger")))
    assert "Fraværsindsats i indskolingen" in page and "Skolechefen" in page
    assert "30. juni 2021" in page and "Planlagt" in page
    assert participant.post(url(scene, "/handlinger/ny"), data={
        "task": str(scene.task(3).id), "title": "Snyd"}).status_code == 403
    assert participant.get(url(scene, f"/handlinger/{action.id}/rediger")).status_code == 403

    updated = chair_client.post(url(scene, f"/handlinger/{action.id}/rediger"), data={
        "task": str(scene.task(3).id), "title": action.title, "responsible": "Skolechefen",
        "due_on": "2021-06-30", "status": "under_way"})
    assert updated.status_code == 302
    assert "I gang" in text_of(participant.get(url(scene, "/handlinger")))


def test_action_from_a_summary(scene, chair_client):
    summary = summaries.save_summary(scene.committee, scene.task(1), scene.chair,
                                   "Politikken skal revideres", 0)
    db.session.commit()
    form = chair_client.get(url(scene, f"/handlinger/ny?resume={summary.id}"))
    assert "Politikken skal revideres" in text_of(form)
    assert f'<option selected value="{scene.task(1).id}">' in form.get_data(as_text=True)
    preset = chair_client.get(url(scene, f"/handlinger/ny?opgave={scene.task(4).id}"))
    assert f'<option selected value="{scene.task(4).id}">' in preset.get_data(as_text=True)
    chair_client.post(url(scene, "/handlinger/ny"), data={
        "task": str(scene.task(1).id), "title": "Revider politikken", "responsible": "Udvalget",
        "due_on": "", "status": "planned", "source_summary": str(summary.id)})
    action = db.session.scalar(select(Action))
    assert action.source_summary_id == summary.id and action.due_on is None


@pytest.mark.parametrize("data, message", [
    ({"title": ""}, "Skriv hvad der skal gøres"),
    ({"task": ""}, "Vælg hvilken af de fire opgaver"),
    ({"status": "maybe"}, "Vælg en status"),
    ({"due_on": "30/6"}, "Skriv fristen som en dato"),
    ({"responsible": "x" * 201}, "Ansvarlig er for lang"),
])
def test_action_validation_is_danish_and_saves_nothing(scene, chair_client, data, message):
    form = {"task": str(scene.task(1).id), "title": "Noget", "responsible": "",
            "due_on": "", "status": "planned"}
    form.update(data)
    response = chair_client.post(url(scene, "/handlinger/ny"), data=form)
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(select(func.count(Action.id))) == 0


# ---------------------------------------------------------------- deleting


@pytest.fixture
def two_actions(scene):
    """Two actions under task 3, the contribution still a draft."""
    made = [actions.create_action(scene.committee, scene.chair, ActionInput(
        scene.task(3).id, title, responsible, None, "planned"))
        for title, responsible in (("Fælles fraværsprocedure i indskolingen m. SSP", "AKT"),
                                   ("Temadag om skolevægring m. PPR og UU", "Skolechefen"))]
    db.session.commit()
    return made


def titles() -> list[str]:
    return list(db.session.scalars(select(Action.title).order_by(Action.id)))


def test_the_confirmation_lists_the_action_and_deleting_logs_it(scene, chair_client,
                                                                two_actions):
    doomed, kept = two_actions
    listing = chair_client.get(url(scene, "/handlinger")).get_data(as_text=True)
    assert url(scene, f"/handlinger/{doomed.id}/slet") in listing
    confirm = chair_client.get(url(scene, f"/handlinger/{doomed.id}/slet"))
    page = text_of(confirm)
    assert "Slet handling?" in page and doomed.title in page and "AKT" in page
    assert "Planlagt" in page and kept.title not in page
    assert titles() == [doomed.title, kept.title]  # asking deletes nothing

    response = chair_client.post(url(scene, f"/handlinger/{doomed.id}/slet"),
                                 follow_redirects=True)
    assert "Handlingen er slettet." in text_of(response)
    assert titles() == [kept.title]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "action.delete"))
    assert entry.actor_name == "Anne Formand" and entry.target == f"action:{doomed.id}"
    assert entry.details["title"] == doomed.title and entry.details["task"] == 3
    log = text_of(chair_client.get(url(scene, "/log")))
    assert "Handling slettet" in log


def test_a_submitted_contribution_keeps_its_actions(scene, chair_client, two_actions):
    doomed = two_actions[0]
    submissions.submit(scene.committee, scene.chair, show_authors=False,
                       privacy_acknowledged=True)
    db.session.commit()
    listing = chair_client.get(url(scene, "/handlinger")).get_data(as_text=True)
    assert f"/handlinger/{doomed.id}/slet" not in listing
    confirm = text_of(chair_client.get(url(scene, f"/handlinger/{doomed.id}/slet")))
    assert "handlingen kan ikke slettes" in confirm and "Slet handlingen" not in confirm

    response = chair_client.post(url(scene, f"/handlinger/{doomed.id}/slet"),
                                 follow_redirects=True)
    assert ("Bidraget er indsendt, så handlingen kan ikke slettes. Genåbn bidraget, hvis den "
            "skal ud af næste version.") in text_of(response)
    assert doomed.title in titles()
    assert db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.action == "action.delete")) == 0


def test_after_reopening_a_deleted_action_stays_in_the_submitted_version(scene, chair_client,
                                                                         two_actions):
    doomed = two_actions[0]
    submissions.submit(scene.committee, scene.chair, show_authors=False,
                       privacy_acknowledged=True)
    submissions.reopen(scene.committee, scene.chair)
    db.session.commit()
    chair_client.post(url(scene, f"/handlinger/{doomed.id}/slet"))
    assert doomed.title not in titles()
    submitted = db.session.scalar(select(Submission))
    assert doomed.title in [a.title for a in submitted.actions]


def test_only_the_chair_deletes_and_only_the_committees_own(scene, chair_client, two_actions,
                                                            make_client, make_committee):
    doomed = two_actions[0]
    participant, participant_auth = make_client()
    participant_auth.join(scene.committee, name="Eva")
    assert participant.get(url(scene, f"/handlinger/{doomed.id}/slet")).status_code == 403
    assert participant.post(url(scene, f"/handlinger/{doomed.id}/slet")).status_code == 403
    other = make_committee(municipality="Odense")
    theirs = actions.create_action(other, None, ActionInput(scene.task(1).id, "Odenses handling"))
    db.session.commit()
    # Another committee's action through this committee's address: as if it did not exist.
    assert chair_client.post(url(scene, f"/handlinger/{theirs.id}/slet")).status_code == 404
    assert chair_client.post(url(scene, "/handlinger/999999/slet")).status_code == 404
    assert len(titles()) == 3

