"""Approve and submit: privacy warnings, a faithful snapshot, frozen until reopened, new
versions."""


from sqlalchemy import func, select

from delib.extensions import db
from delib.models import (
    Submission,
    SubmissionNote,
)
from delib.services import actions, summaries
from delib.services.notes import curation
from tests.conftest import text_of
from tests.fixtures.committee import edit_form, post
from tests.fixtures.committee import review_url as url

# ---------------------------------------------------------------- approve and submit


def test_privacy_warnings_must_be_acknowledged_before_submitting(scene, chair_client):
    post(scene.committee, scene.committee.event.slots[0], scene.participant,
         "Ring til moren på 20 30 40 50 om Peter (010203-1234)", [1])
    page = chair_client.get(url(scene, "/godkend"))
    text = text_of(page)
    assert "Mulige personoplysninger" in text
    assert "CPR-nummer" in text and "010203-1234" in text and "Telefonnummer" in text

    refused = chair_client.post(url(scene, "/godkend"), data={"public_access_acknowledged": "y"})
    assert refused.status_code == 422
    assert "personoplysninger" in text_of(refused)
    assert db.session.scalar(select(func.count(Submission.id))) == 0

    ok = chair_client.post(url(scene, "/godkend"), data={"privacy_acknowledged": "y",
                                                        "public_access_acknowledged": "y"})
    assert ok.status_code == 302
    assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_approve_page_says_how_many_notes_have_no_task(scene, chair_client):
    slot = scene.committee.event.slots[0]
    post(scene.committee, slot, scene.participant, "Skolefravær skal op hvert kvartal", [1])
    assert "ingen opgave" not in text_of(chair_client.get(url(scene, "/godkend")))
    post(scene.committee, slot, scene.participant, "kaffen er sluppet op", [])
    post(scene.committee, slot, scene.participant, "PPR ud på skolerne tidligere", [])
    response = chair_client.get(url(scene, "/godkend"))
    assert "2 noter har ingen opgave og tæller ikke med i KL" in text_of(response)
    assert f"/udvalg/{scene.committee.id}/gennemgang#uden-opgave" in response.get_data(
        as_text=True)


def test_submission_is_a_faithful_snapshot(scene, chair_client):
    committee = scene.committee
    hidden = scene.notes["school"]
    curation.hide_note(committee, hidden, scene.chair, "Ikke relevant")
    merged = curation.merge_notes(committee, [scene.notes["policy"], scene.notes["dialogue"]],
                                 scene.chair, "Samlet pointe om politikken", 4000)
    curation.set_key_point(committee, scene.notes["absence"], scene.chair, True)
    summaries.save_summary(committee, scene.task(1), scene.chair, "Resumé af opgave 1", 0)
    summaries.save_summary(committee, scene.message(1), scene.chair, "Resumé af budskab 1", 0)
    actions.create_action(committee, scene.chair, actions.ActionInput(
        scene.task(3).id, "Fraværsindsats", "Skolechefen", None, "planned"))
    db.session.commit()

    response = chair_client.post(url(scene, "/godkend"), data={"public_access_acknowledged": "y"})
    assert response.status_code == 302
    assert "version 1" in text_of(chair_client.get(url(scene, "/versioner"), follow_redirects=True))
    submission = db.session.scalar(select(Submission))
    assert submission.version == 1 and submission.is_latest
    assert submission.submitted_by_name == "Anne Formand"
    assert submission.submitted_by_id == scene.chair.id
    assert submission.event_id == committee.event_id
    assert submission.municipality_code == committee.municipality_code
    assert submission.talk_id == committee.talk_id
    assert [m.number for m in submission.theme_meetings] == [3, 5]
    rows = {row.note_id: row for row in submission.notes}
    assert set(rows) == {merged.id, scene.notes["absence"].id}  # not hidden, not merged-away
    absence = rows[scene.notes["absence"].id]
    assert absence.body == "Fravær skal opdages tidligt i indskolingen"
    assert [t.number for t in absence.tasks] == [3, 4]
    assert absence.key_point is True
    assert absence.slot_id == scene.notes["absence"].slot_id
    assert absence.theme_meeting_id == scene.notes["absence"].theme_meeting_id
    assert absence.written_at == scene.notes["absence"].created_at
    assert absence.author_name == ""  # the chair did not choose to show authors
    assert absence.event_id == committee.event_id
    assert absence.municipality_code == committee.municipality_code
    assert [m.number for m in rows[merged.id].messages] == [1]
    copied = {(s.task_id, s.message_id): s.body for s in submission.summaries}
    assert copied == {(scene.task(1).id, None): "Resumé af opgave 1",
                         (None, scene.message(1).id): "Resumé af budskab 1"}
    assert [(a.title, a.status, a.task_id) for a in submission.actions] == [
        ("Fraværsindsats", "planned", scene.task(3).id)]


def test_show_authors_copies_author_names(scene, chair_client):
    chair_client.post(url(scene, "/godkend"),
                      data={"show_authors": "y", "public_access_acknowledged": "y"})
    names = set(db.session.scalars(select(SubmissionNote.author_name)))
    assert names == {"Bo Deltager"}


def test_submitted_contribution_is_frozen_until_reopened(scene, chair_client):
    note = scene.notes["school"]
    chair_client.post(url(scene, "/godkend"), data={"public_access_acknowledged": "y"})
    page = text_of(chair_client.get(url(scene)))
    assert "godkendt og indsendt til KL som version 1" in page
    refused = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                                data=edit_form(scene, note, "Ændret efter indsendelse", [2]))
    assert refused.status_code == 422
    assert "Genåbn det, før du ændrer noget" in text_of(refused)
    hide = chair_client.post(url(scene, f"/noter/{note.id}/skjul"),
                             data={"reason": "x", "version": note.version})
    assert hide.status_code == 422
    again = chair_client.post(url(scene, "/godkend"), data={"public_access_acknowledged": "y"})
    assert "allerede godkendt og indsendt" in text_of(again) or again.status_code == 422
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    # Follow-up goes on after submission: actions stay editable.
    actions.create_action(scene.committee, scene.chair, actions.ActionInput(
        scene.task(1).id, "Efter topmødet", "", None, "planned"))


def test_reopen_and_resubmit_makes_a_new_latest_version(scene, chair_client):
    note = scene.notes["school"]
    chair_client.post(url(scene, "/godkend"), data={"public_access_acknowledged": "y"})
    confirm = chair_client.get(url(scene, "/genaabn"))
    assert "Version 1 blev indsendt" in text_of(confirm)
    assert chair_client.post(url(scene, "/genaabn")).status_code == 302
    first = db.session.scalar(select(Submission).where(Submission.version == 1))
    assert first.reopened_at is not None and first.is_latest  # KL keeps seeing version 1
    page = text_of(chair_client.get(url(scene)))
    assert "KL ser version 1" in page

    edited = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                               data=edit_form(scene, note, "Skolelederne mangler råderum", [2]))
    assert edited.status_code == 302
    assert chair_client.post(url(scene, "/godkend"),
                             data={"public_access_acknowledged": "y"}).status_code == 302
    db.session.expire_all()
    versions = list(db.session.scalars(select(Submission).order_by(Submission.version)))
    assert [(s.version, s.is_latest) for s in versions] == [(1, False), (2, True)]
    old_bodies = {n.body for n in versions[0].notes}
    new_bodies = {n.body for n in versions[1].notes}
    assert "Rammerne for skolelederne er for snævre" in old_bodies  # version 1 is unchanged
    assert "Skolelederne mangler råderum" in new_bodies
    assert "Rammerne for skolelederne er for snævre" not in new_bodies

    listing = text_of(chair_client.get(url(scene, "/versioner")))
    assert "Version 2" in listing and "Version 1" in listing and "Det KL ser" in listing
    old_page = text_of(chair_client.get(url(scene, "/versioner/1")))
    assert "Rammerne for skolelederne er for snævre" in old_page and "Version 1" in old_page
    assert chair_client.get(url(scene, "/versioner/7")).status_code == 404


def test_reopen_needs_a_submission(scene, chair_client):
    response = chair_client.post(url(scene, "/genaabn"), follow_redirects=True)
    assert "ikke indsendt endnu" in text_of(response)


def test_submit_with_nothing_is_refused(make_user, make_committee, client, auth):
    committee = make_committee(chair=make_user(email="tom@aarhus.dk"))
    auth.login("tom@aarhus.dk")
    response = client.post(f"/udvalg/{committee.id}/gennemgang/godkend", data={})
    assert response.status_code == 422
    assert "hverken noter eller resuméer" in text_of(response)
