"""Follow-up actions: from a note or a summary, seen by participants, validated in Danish."""


import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import (
    Action,
)
from delib.services import summaries
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
