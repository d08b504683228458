"""The audit log of the chair's review: who did what when, readable by the chair only."""

from sqlalchemy import select

from delib.extensions import db
from delib.models import AuditEntry
from delib.services import actions, audit
from delib.services.notes import NoteInput, curation
from tests.conftest import text_of
from tests.fixtures.committee import post
from tests.fixtures.committee import review_url as url


def actions_logged(committee) -> list[str]:
    return list(db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.committee_id == committee.id)
        .order_by(AuditEntry.id)))


def test_every_review_step_is_logged_with_actor_and_details(scene, chair_client):
    committee, notes = scene.committee, scene.notes
    school = notes["school"]
    chair_client.post(url(scene, f"/noter/{school.id}/rediger"), data={
        "body": "Skolelederne mangler råderum", "tasks": [str(scene.task(2).id)],
        "version": str(school.version)})
    chair_client.post(url(scene, "/saml"), data={
        "notes": [str(notes["policy"].id), str(notes["dialogue"].id)], "body": ""})
    db.session.expire_all()
    chair_client.post(url(scene, f"/noter/{school.id}/skjul"),
                      data={"reason": "Dublet", "version": str(school.version)})
    chair_client.post(url(scene, f"/noter/{school.id}/gendan"))
    chair_client.post(url(scene, f"/noter/{notes['absence'].id}/noeglepunkt"),
                      data={"value": "1"})
    chair_client.post(url(scene, f"/resume/opgave/{scene.task(1).id}"),
                      data={"body": "Kort resumé", "version": "0"})
    chair_client.post(url(scene, "/handlinger/ny"), data={
        "task": str(scene.task(3).id), "title": "Fraværsindsats", "status": "planned"})
    chair_client.post(url(scene, "/godkend"), data={"public_access_acknowledged": "y"})
    chair_client.post(url(scene, "/genaabn"))
    chair_client.get(url(scene, "/rapport.docx"))
    chair_client.get(url(scene, "/noter.csv?udkast=1"))
    chair_client.get(url(scene, "/rapport?version=1"))

    assert actions_logged(committee) == [
        "note.edit", "note.merge", "note.hide", "note.restore", "note.key_point",
        "summary.save", "action.create", "submission.submit", "submission.reopen",
        "export.docx", "export.csv", "export.print",
    ]
    entries = {e.action: e for e in db.session.scalars(select(AuditEntry))}
    edit = entries["note.edit"]
    assert edit.actor_name == "Anne Formand" and edit.actor_id == f"u:{scene.chair.id}"
    assert edit.target == f"note:{school.id}"
    assert edit.details["body_before"] == "Rammerne for skolelederne er for snævre"
    assert edit.details["body_after"] == "Skolelederne mangler råderum"
    assert sorted(entries["note.merge"].details["originals"]) == sorted(
        [notes["policy"].id, notes["dialogue"].id])
    assert entries["note.hide"].details["reason"] == "Dublet"
    assert entries["submission.submit"].details["version"] == 1
    assert entries["export.docx"].target == "version:1"
    assert entries["export.csv"].target == "draft"

    page = text_of(chair_client.get(url(scene, "/log")))
    for label in ("Note redigeret", "Noter lagt sammen", "Note skjult", "Note gendannet",
                  "Resumé gemt", "Handling oprettet", "Bidrag godkendt og indsendt",
                  "Bidrag genåbnet", "Hentet som Word", "Hentet som CSV"):
        assert label in page
    assert "Anne Formand" in page
    assert "Tekst før: Rammerne for skolelederne er for snævre" in page
    assert "Tekst efter: Skolelederne mangler råderum" in page
    assert "Begrundelse: Dublet" in page and "Nøglepunkt: ja" in page
    assert "body_before" not in page
    # Newest first.
    assert page.index("Vist som udskrift") < page.index("Note redigeret")


def test_refused_steps_leave_no_audit_entry(scene, chair_client):
    note = scene.notes["school"]
    chair_client.post(url(scene, f"/noter/{note.id}/skjul"), data={"reason": "", "version": "1"})
    chair_client.post(url(scene, f"/noter/{note.id}/rediger"), data={
        "body": "x", "tasks": [str(scene.task(2).id)], "version": str(note.version - 1)})
    chair_client.post(url(scene, "/handlinger/ny"), data={"task": "", "title": ""})
    assert actions_logged(scene.committee) == []


def test_a_no_op_save_is_not_logged(scene):
    note = scene.notes["school"]
    curation.edit_note(scene.committee, note, scene.chair,
                      NoteInput(note.body, [t.id for t in note.tasks],
                                        [m.id for m in note.messages]), note.version, 4000)
    db.session.commit()
    assert actions_logged(scene.committee) == []


def test_log_is_for_the_chair_of_this_committee_only(scene, chair_client, make_client,
                                                      make_committee, make_user):
    participant, participant_auth = make_client()
    participant_auth.join(scene.committee, name="Eva")
    assert participant.get(url(scene, "/log")).status_code == 403

    other = make_committee(municipality="Odense", chair=make_user(municipality="Odense"))
    foreign = post(other, other.event.slots[0], other.chairs[0], "Odense", [1])
    curation.hide_note(other, foreign, other.chairs[0], "Hemmelig grund i Odense")
    db.session.commit()
    page = text_of(chair_client.get(url(scene, "/log")))
    assert "Hemmelig grund i Odense" not in page
    assert "Intet i loggen endnu." in page


def test_action_changes_read_in_danish(scene, app):
    action = actions.create_action(scene.committee, scene.chair, actions.ActionInput(
        scene.task(3).id, "Fraværsindsats", "Skolechefen", None, "planned"))
    actions.update_action(scene.committee, action, scene.chair, actions.ActionInput(
        scene.task(3).id, "Fraværsindsats", "Skolechefen", None, "done"))
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "action.update"))
    described = dict(audit.describe_details(entry.details))
    assert "Status: Planlagt" in described["Før"]
    assert "Status: Gennemført" in described["Efter"]
    assert "Ansvarlig: Skolechefen" in described["Efter"]
