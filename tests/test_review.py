"""The chair's review: grouping, edits with history, conflicts, merge, hide, restore, key points,
summaries, follow-up actions, privacy warnings, submission, reopening and resubmission."""

import re

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from delib.extensions import db
from delib.models import (
    Action,
    Note,
    NoteRevision,
    Submission,
    SubmissionAction,
    SubmissionNote,
    SubmissionSummary,
    Summary,
)
from delib.services import DomainError
from delib.services import review as service
from delib.services.notes import NoteConflict, NoteInput
from tests.conftest import HX, text_of
from tests.review_support import CHAIR_EMAIL, build_scene, post


@pytest.fixture
def scene(make_user, make_committee):
    return build_scene(make_user, make_committee)


@pytest.fixture
def chair_client(scene, client, auth):
    assert auth.login(CHAIR_EMAIL).status_code == 302
    return client


def url(scene, path=""):
    return f"/udvalg/{scene.committee.id}/gennemgang{path}"


def note_count():
    return db.session.scalar(select(func.count(Note.id)))


# ---------------------------------------------------------------- access


def test_review_needs_a_chair_of_the_committee(scene, client, auth, make_client, make_user):
    assert client.get(url(scene)).status_code == 302  # to the login page

    participant_client, participant_auth = make_client()
    participant_auth.join(scene.committee, name="Deltager")
    assert participant_client.get(url(scene)).status_code == 403
    assert participant_client.post(url(scene, "/godkend")).status_code == 403
    assert participant_client.get(url(scene, "/rapport.docx")).status_code == 403

    make_user(email="formand@odense.dk", municipality="Odense")
    other_client, other_auth = make_client()
    other_auth.login("formand@odense.dk")
    response = other_client.get(url(scene))
    assert response.status_code == 403
    assert "Du har ikke adgang" in text_of(response)


def test_review_screen_groups_by_task_then_break_and_subject(scene, chair_client):
    response = chair_client.get(url(scene))
    assert response.status_code == 200
    page = text_of(response)
    task1 = page.index("Opgave 1:")
    task2 = page.index("Opgave 2:")
    task3 = page.index("Opgave 3:")
    # Both lunch notes sit under task 1, in the lunch break's group, with author and time.
    lunch = page.index("Frokost og kommunale drøftelser", task1)
    assert task1 < lunch < page.index("Børne- og ungepolitikken skal give mening", lunch) < task2
    assert "Bo Deltager" in page
    assert re.search(r"Bo Deltager · \d{1,2}\. \w+\.? kl\. \d\d\.\d\d", page)
    # The talk break's note is grouped under the chosen talk.
    assert page.index("Oplæg 2:", task2) < page.index("Rammerne for skolelederne", task2) < task3
    # A note mapped to tasks 3 and 4 appears under both, under its theme meeting.
    absence_under_3 = page.index("Fravær skal opdages", task3)
    assert page.index("Temamøde 5:", task3) < absence_under_3
    assert page.index("Fravær skal opdages", page.index("Opgave 4:")) > absence_under_3


def test_group_notes_orders_breaks_by_programme_time(scene):
    groups = service.group_notes(list(reversed(service.approved_notes(scene.committee))))
    assert [g.slot.key for g in groups] == ["frokost", "politisk-oplaeg", "temamoeder"]
    assert groups[2].subject.startswith("Temamøde 5")


# ---------------------------------------------------------------- editing


def _edit_form(scene, note, body, tasks, messages=(), version=None):
    return {
        "body": body,
        "tasks": [str(scene.task(n).id) for n in tasks],
        "messages": [str(scene.message(n).id) for n in messages],
        "theme_meeting": str(note.theme_meeting_id or ""),
        "version": str(note.version if version is None else version),
    }


def test_chair_edit_keeps_every_version(scene, chair_client):
    note = scene.notes["policy"]
    original, version = note.body, note.version
    response = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                                 data=_edit_form(scene, note, "Politikken skal give mening",
                                                 [1], [1]))
    assert response.status_code == 302
    db.session.expire_all()
    assert note.body == "Politikken skal give mening"
    assert note.version == version + 1
    revisions = note.revisions
    assert [r.body for r in revisions] == [original, "Politikken skal give mening"]
    assert revisions[-1].edited_by_name == "Anne Formand"
    history = text_of(chair_client.get(url(scene, f"/noter/{note.id}/historik")))
    assert original in history and "Politikken skal give mening" in history
    assert "Anne Formand" in history and "Bo Deltager" in history


def test_chair_remaps_tasks_and_messages(scene, chair_client):
    note = scene.notes["dialogue"]
    response = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                                 data=_edit_form(scene, note, note.body, [2, 4], [2]))
    assert response.status_code == 302
    db.session.expire_all()
    assert [t.number for t in note.tasks] == [2, 4]
    assert [m.number for m in note.messages] == [2]
    assert note.revisions[-1].task_numbers == "2,4"
    page = text_of(chair_client.get(url(scene)))
    task1, task2 = page.index("Opgave 1:"), page.index("Opgave 2:")
    assert "Vi skal tale mere med lederne" not in page[task1:task2]
    assert "Vi skal tale mere med lederne" in page[task2:page.index("Opgave 3:")]


def test_remap_without_any_task_is_refused_in_danish(scene, chair_client):
    note = scene.notes["dialogue"]
    response = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                                 data=_edit_form(scene, note, "Ny tekst", []))
    assert response.status_code == 422
    assert "Vælg mindst én af topmødeerklæringens fire opgaver" in text_of(response)
    db.session.expire_all()
    assert note.body == "Vi skal tale mere med lederne om politikken"


def test_second_save_of_the_same_version_is_refused_showing_both(scene, chair_client, make_user,
                                                                  make_client):
    """Two chairs open the same note; the second save is refused with both texts shown."""
    note = scene.notes["school"]
    opened_version = note.version
    second = make_user(email="naestformand@aarhus.dk", name="Carl Næstformand")
    scene.committee.chairs.append(second)
    db.session.commit()
    other, other_auth = make_client()
    other_auth.login("naestformand@aarhus.dk")

    first = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                              data=_edit_form(scene, note, "Første formands tekst", [2],
                                              version=opened_version))
    assert first.status_code == 302
    late = other.post(url(scene, f"/noter/{note.id}/rediger"),
                      data=_edit_form(scene, note, "Anden formands tekst", [2],
                                      version=opened_version))
    assert late.status_code == 409
    page = text_of(late)
    assert "ændret af Anne Formand" in page
    assert "Første formands tekst" in page and "Anden formands tekst" in page
    assert "Din version (ikke gemt)" in page
    db.session.expire_all()
    assert note.body == "Første formands tekst"
    # The refused form now carries the current version, so a deliberate resave succeeds.
    retry = other.post(url(scene, f"/noter/{note.id}/rediger"),
                       data=_edit_form(scene, note, "Anden formands tekst", [2]))
    assert retry.status_code == 302


def test_concurrent_flush_raises_stale_data_and_view_turns_it_into_409(scene):
    note = scene.notes["school"]
    version = note.version
    # Another transaction saved in between: the row's version moved on behind our back.
    db.session.execute(update(Note).where(Note.id == note.id).values(version=version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(StaleDataError):
        service.edit_note(scene.committee, note, scene.chair,
                          NoteInput("Ny tekst", [scene.task(2).id], []), version, 4000)
    db.session.rollback()


@pytest.fixture
def concurrent_writer():
    """Make another writer bump a row's version just before our flush, as a parallel save would."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.orm import Session

    armed = []

    def bump(session, _context, _instances):
        while armed:
            model, row_id = armed.pop()
            session.connection().execute(
                update(model).where(model.id == row_id).values(version=model.version + 1)
                .execution_options(synchronize_session=False))

    sa_event.listen(Session, "before_flush", bump)
    yield lambda model, row_id: armed.append((model, row_id))
    sa_event.remove(Session, "before_flush", bump)


def test_stale_flush_in_the_view_is_a_409_with_both_versions(scene, chair_client,
                                                            concurrent_writer):
    note = scene.notes["school"]
    concurrent_writer(Note, note.id)
    response = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                                 data=_edit_form(scene, note, "Min udgave", [2]))
    assert response.status_code == 409
    page = text_of(response)
    assert "ændret samtidig af en anden" in page
    assert "Rammerne for skolelederne er for snævre" in page and "Min udgave" in page
    db.session.expire_all()
    assert note.body == "Rammerne for skolelederne er for snævre"


def test_stale_summary_flush_is_a_409(scene, chair_client, concurrent_writer):
    summary = service.save_summary(scene.committee, scene.task(2), scene.chair, "Første", 0)
    db.session.commit()
    concurrent_writer(Summary, summary.id)
    response = chair_client.post(url(scene, f"/resume/opgave/{scene.task(2).id}"),
                                 data={"body": "Anden", "version": str(summary.version)})
    assert response.status_code == 409
    assert "gemt samtidig af en anden" in text_of(response)
    db.session.expire_all()
    assert summary.body == "Første"


def test_edit_with_stale_version_raises_conflict_in_service(scene):
    note = scene.notes["school"]
    with pytest.raises(NoteConflict):
        service.edit_note(scene.committee, note, scene.chair,
                          NoteInput("x", [scene.task(2).id], []), note.version - 1, 4000)


# ---------------------------------------------------------------- merge, hide, restore


def test_merge_makes_one_note_and_keeps_originals_restorable(scene, chair_client):
    a, b = scene.notes["policy"], scene.notes["dialogue"]
    before = note_count()
    preview = chair_client.get(url(scene, f"/saml?notes={a.id}&notes={b.id}"))
    assert preview.status_code == 200
    assert a.body in text_of(preview) and b.body in text_of(preview)

    response = chair_client.post(url(scene, "/saml"), data={
        "notes": [str(a.id), str(b.id)],
        "body": "Politikken skal give mening, og vi skal tale om den"})
    assert response.status_code == 302
    db.session.expire_all()
    assert note_count() == before + 1  # nothing destroyed, one new note
    merged = a.merged_into
    assert merged is not None and b.merged_into_id == merged.id
    assert sorted(n.id for n in merged.merged_from) == sorted([a.id, b.id])
    assert merged.body == "Politikken skal give mening, og vi skal tale om den"
    assert [t.number for t in merged.tasks] == [1]
    assert [m.number for m in merged.messages] == [1]
    assert merged.slot_id == a.slot_id
    assert merged.created_at == a.created_at
    assert merged.author_name == "Anne Formand"
    approved = service.approved_notes(scene.committee)
    assert merged in approved and a not in approved and b not in approved

    page = text_of(chair_client.get(url(scene)))
    set_aside = page[page.index("Skjulte og sammenlagte noter"):]
    assert a.body in set_aside and "Lagt sammen i:" in set_aside

    # Restoring one original brings it back; the merged note stays.
    assert chair_client.post(url(scene, f"/noter/{a.id}/gendan")).status_code == 302
    db.session.expire_all()
    assert a.merged_into_id is None and a in service.approved_notes(scene.committee)


def test_unmerge_restores_all_originals_and_hides_the_merged_note(scene, chair_client):
    a, b = scene.notes["policy"], scene.notes["dialogue"]
    merged = service.merge_notes(scene.committee, [a, b], scene.chair, "", 4000)
    db.session.commit()
    assert merged.body == f"{a.body}\n\n{b.body}"  # an empty text joins the originals
    confirm = chair_client.get(url(scene, f"/noter/{merged.id}/opdel"))
    assert "De 2 oprindelige noter kommer med" in text_of(confirm)
    assert chair_client.post(url(scene, f"/noter/{merged.id}/opdel")).status_code == 302
    db.session.expire_all()
    approved = service.approved_notes(scene.committee)
    assert a in approved and b in approved and merged not in approved
    assert merged.hidden_reason == "Sammenlægningen er fortrudt."


def test_only_a_merged_note_can_be_unmerged(scene, chair_client):
    note = scene.notes["school"]
    response = chair_client.get(url(scene, f"/noter/{note.id}/opdel"), follow_redirects=True)
    assert "ikke lavet ved at lægge noter sammen" in text_of(response)
    with pytest.raises(DomainError):
        service.unmerge_note(scene.committee, note, scene.chair)


def test_committee_page_links_chairs_to_review_and_everyone_to_actions(scene, chair_client,
                                                                        make_client):
    page = text_of(chair_client.get(f"/udvalg/{scene.committee.id}"))
    assert "Gennemgå noterne og indsend bidraget til KL" in page
    assert "Opfølgende handlinger" in page
    participant, participant_auth = make_client()
    participant_auth.join(scene.committee, name="Eva")
    page = text_of(participant.get(f"/udvalg/{scene.committee.id}"))
    assert "Gennemgå noterne" not in page and "Opfølgende handlinger" in page


def test_merge_needs_two_active_notes(scene, chair_client):
    a = scene.notes["policy"]
    response = chair_client.post(url(scene, "/saml"), data={"notes": [str(a.id)], "body": ""})
    assert response.status_code == 422
    assert "Vælg mindst to noter" in text_of(response)
    response = chair_client.get(url(scene, f"/saml?notes={a.id}"), follow_redirects=True)
    assert "Vælg mindst to noter" in text_of(response)
    service.hide_note(scene.committee, scene.notes["dialogue"], scene.chair, "Dublet")
    db.session.commit()
    with pytest.raises(DomainError):
        service.merge_notes(scene.committee, [a, scene.notes["dialogue"]], scene.chair, "", 4000)


def test_hide_needs_a_reason_and_restore_brings_the_note_back(scene, chair_client):
    note = scene.notes["school"]
    form = chair_client.get(url(scene, f"/noter/{note.id}/skjul"))
    assert "bliver ikke slettet" in text_of(form)
    refused = chair_client.post(url(scene, f"/noter/{note.id}/skjul"),
                                data={"reason": "  ", "version": note.version})
    assert refused.status_code == 422
    assert "Skriv hvorfor noten skjules" in text_of(refused)
    db.session.expire_all()
    assert note.hidden_at is None

    before = note_count()
    done = chair_client.post(url(scene, f"/noter/{note.id}/skjul"),
                             data={"reason": "Navn på en elev", "version": note.version})
    assert done.status_code == 302
    db.session.expire_all()
    assert note.hidden_at is not None and note.hidden_reason == "Navn på en elev"
    assert note not in service.approved_notes(scene.committee)
    assert note_count() == before
    page = text_of(chair_client.get(url(scene)))
    assert "Navn på en elev" in page[page.index("Skjulte og sammenlagte noter"):]

    assert chair_client.post(url(scene, f"/noter/{note.id}/gendan")).status_code == 302
    db.session.expire_all()
    assert note.hidden_at is None and note.hidden_reason == ""
    assert note in service.approved_notes(scene.committee)
    again = chair_client.post(url(scene, f"/noter/{note.id}/gendan"), follow_redirects=True)
    assert "allerede med i bidraget" in text_of(again)


def test_hide_with_stale_version_is_refused(scene, chair_client):
    note = scene.notes["school"]
    stale = note.version
    service.set_key_point(scene.committee, note, scene.chair, True)
    db.session.commit()
    response = chair_client.post(url(scene, f"/noter/{note.id}/skjul"),
                                 data={"reason": "Dublet", "version": stale})
    assert response.status_code == 409
    assert "ændret, mens du så på den" in text_of(response)
    db.session.expire_all()
    assert note.hidden_at is None


def test_key_point_toggle_page_and_partial(scene, chair_client):
    note = scene.notes["absence"]
    response = chair_client.post(url(scene, f"/noter/{note.id}/noeglepunkt"), data={"value": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert note.key_point is True
    partial = chair_client.post(url(scene, f"/noter/{note.id}/noeglepunkt"), data={"value": "0"},
                                headers=HX)
    assert partial.status_code == 200
    assert "<html" not in partial.get_data(as_text=True)
    assert "Marker som nøglepunkt" in text_of(partial)
    db.session.expire_all()
    assert note.key_point is False
    service.submit(scene.committee, scene.chair, False, True)
    db.session.commit()
    frozen = chair_client.post(url(scene, f"/noter/{note.id}/noeglepunkt"), data={"value": "1"},
                               headers=HX)
    assert frozen.status_code == 422 and frozen.headers["HX-Retarget"] == "#messages"
    assert "Genåbn det, før du ændrer noget" in text_of(frozen)


def test_notes_of_another_committee_are_not_reachable(scene, chair_client, make_committee,
                                                      make_user):
    other = make_committee(municipality="Odense", chair=make_user(municipality="Odense"))
    foreign = post(other, other.event.slots[0], other.chairs[0], "Odenses note", [1])
    assert chair_client.get(url(scene, f"/noter/{foreign.id}/rediger")).status_code == 404
    assert chair_client.post(url(scene, f"/noter/{foreign.id}/skjul"),
                             data={"reason": "x"}).status_code == 404


# ---------------------------------------------------------------- summaries


def test_summary_per_task_and_conflict_on_simultaneous_edit(scene, chair_client, make_client,
                                                            make_user):
    task = scene.task(1)
    path = url(scene, f"/resume/opgave/{task.id}")
    assert "Resumé" in text_of(chair_client.get(path))
    second = make_user(email="sekretaer@aarhus.dk", name="Dorte Sekretær")
    scene.committee.chairs.append(second)
    db.session.commit()
    other, other_auth = make_client()
    other_auth.login("sekretaer@aarhus.dk")

    assert chair_client.post(path, data={"body": "Politikken skal give retning",
                                         "version": "0"}).status_code == 302
    late = other.post(path, data={"body": "Min egen opsummering", "version": "0"})
    assert late.status_code == 409
    page = text_of(late)
    assert "gemt af Anne Formand" in page
    assert "Politikken skal give retning" in page and "Min egen opsummering" in page
    summary = service.find_summary(scene.committee, task)
    assert summary.body == "Politikken skal give retning"

    ok = other.post(path, data={"body": "Min egen opsummering", "version": str(summary.version)})
    assert ok.status_code == 302
    db.session.expire_all()
    assert summary.body == "Min egen opsummering" and summary.updated_by_name == "Dorte Sekretær"
    assert "Min egen opsummering" in text_of(chair_client.get(url(scene)))


def test_summary_per_message_only_where_notes_exist(scene, chair_client):
    empty = chair_client.post(url(scene, f"/resume/budskab/{scene.message(2).id}"),
                              data={"body": "Noget", "version": "0"})
    assert empty.status_code == 422
    assert "ingen noter til dette budskab" in text_of(empty)
    ok = chair_client.post(url(scene, f"/resume/budskab/{scene.message(1).id}"),
                           data={"body": "Mere koordinering", "version": "0"})
    assert ok.status_code == 302
    assert service.find_summary(scene.committee, scene.message(1)).body == "Mere koordinering"
    blank = chair_client.post(url(scene, f"/resume/opgave/{scene.task(3).id}"),
                              data={"body": " ", "version": "0"})
    assert blank.status_code == 422 and "Resuméet er tomt" in text_of(blank)
    too_long = chair_client.post(url(scene, f"/resume/opgave/{scene.task(3).id}"),
                                 data={"body": "x" * 5001, "version": "0"})
    assert too_long.status_code == 422 and "for langt" in text_of(too_long)
    assert chair_client.get(url(scene, "/resume/opgave/9999")).status_code == 404


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
    summary = service.save_summary(scene.committee, scene.task(1), scene.chair,
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


# ---------------------------------------------------------------- approve and submit


def test_privacy_warnings_must_be_acknowledged_before_submitting(scene, chair_client):
    post(scene.committee, scene.committee.event.slots[0], scene.participant,
         "Ring til moren på 20 30 40 50 om Peter (010203-1234)", [1])
    page = chair_client.get(url(scene, "/godkend"))
    text = text_of(page)
    assert "Mulige personoplysninger" in text
    assert "CPR-nummer" in text and "010203-1234" in text and "Telefonnummer" in text

    refused = chair_client.post(url(scene, "/godkend"), data={})
    assert refused.status_code == 422
    assert "personoplysninger" in text_of(refused)
    assert db.session.scalar(select(func.count(Submission.id))) == 0

    ok = chair_client.post(url(scene, "/godkend"), data={"privacy_acknowledged": "y"})
    assert ok.status_code == 302
    assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_submission_is_a_faithful_snapshot(scene, chair_client):
    committee = scene.committee
    hidden = scene.notes["school"]
    service.hide_note(committee, hidden, scene.chair, "Ikke relevant")
    merged = service.merge_notes(committee, [scene.notes["policy"], scene.notes["dialogue"]],
                                 scene.chair, "Samlet pointe om politikken", 4000)
    service.set_key_point(committee, scene.notes["absence"], scene.chair, True)
    service.save_summary(committee, scene.task(1), scene.chair, "Resumé af opgave 1", 0)
    service.save_summary(committee, scene.message(1), scene.chair, "Resumé af budskab 1", 0)
    service.create_action(committee, scene.chair, service.ActionInput(
        scene.task(3).id, "Fraværsindsats", "Skolechefen", None, "planned"))
    db.session.commit()

    response = chair_client.post(url(scene, "/godkend"), data={})
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
    summaries = {(s.task_id, s.message_id): s.body for s in submission.summaries}
    assert summaries == {(scene.task(1).id, None): "Resumé af opgave 1",
                         (None, scene.message(1).id): "Resumé af budskab 1"}
    assert [(a.title, a.status, a.task_id) for a in submission.actions] == [
        ("Fraværsindsats", "planned", scene.task(3).id)]


def test_show_authors_copies_author_names(scene, chair_client):
    chair_client.post(url(scene, "/godkend"), data={"show_authors": "y"})
    names = set(db.session.scalars(select(SubmissionNote.author_name)))
    assert names == {"Bo Deltager"}


def test_submitted_contribution_is_frozen_until_reopened(scene, chair_client):
    note = scene.notes["school"]
    chair_client.post(url(scene, "/godkend"), data={})
    page = text_of(chair_client.get(url(scene)))
    assert "godkendt og indsendt til KL som version 1" in page
    refused = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                                data=_edit_form(scene, note, "Ændret efter indsendelse", [2]))
    assert refused.status_code == 422
    assert "Genåbn det, før du ændrer noget" in text_of(refused)
    hide = chair_client.post(url(scene, f"/noter/{note.id}/skjul"),
                             data={"reason": "x", "version": note.version})
    assert hide.status_code == 422
    again = chair_client.post(url(scene, "/godkend"), data={})
    assert "allerede godkendt og indsendt" in text_of(again) or again.status_code == 422
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    # Follow-up goes on after submission: actions stay editable.
    service.create_action(scene.committee, scene.chair, service.ActionInput(
        scene.task(1).id, "Efter topmødet", "", None, "planned"))


def test_reopen_and_resubmit_makes_a_new_latest_version(scene, chair_client):
    note = scene.notes["school"]
    chair_client.post(url(scene, "/godkend"), data={})
    confirm = chair_client.get(url(scene, "/genaabn"))
    assert "Version 1 blev indsendt" in text_of(confirm)
    assert chair_client.post(url(scene, "/genaabn")).status_code == 302
    first = db.session.scalar(select(Submission).where(Submission.version == 1))
    assert first.reopened_at is not None and first.is_latest  # KL keeps seeing version 1
    page = text_of(chair_client.get(url(scene)))
    assert "KL ser version 1" in page

    edited = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                               data=_edit_form(scene, note, "Skolelederne mangler råderum", [2]))
    assert edited.status_code == 302
    assert chair_client.post(url(scene, "/godkend"), data={}).status_code == 302
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


def test_review_never_destroys_notes_or_revisions(scene, chair_client):
    before_notes, before_revisions = note_count(), db.session.scalar(
        select(func.count(NoteRevision.id)))
    a, b, c = scene.notes["policy"], scene.notes["dialogue"], scene.notes["school"]
    service.merge_notes(scene.committee, [a, b], scene.chair, "", 4000)
    service.hide_note(scene.committee, c, scene.chair, "Dublet")
    service.submit(scene.committee, scene.chair, False, True)
    service.reopen(scene.committee, scene.chair)
    service.restore_note(scene.committee, c, scene.chair)
    service.submit(scene.committee, scene.chair, False, True)
    db.session.commit()
    assert note_count() == before_notes + 1
    assert db.session.scalar(select(func.count(NoteRevision.id))) == before_revisions + 1
    assert db.session.scalar(select(func.count(SubmissionNote.id))) == 2 + 3
    assert db.session.scalar(select(func.count(SubmissionSummary.id))) == 0
    assert db.session.scalar(select(func.count(SubmissionAction.id))) == 0
    assert db.session.scalar(select(func.count(Summary.id))) == 0


def _queries(client, path):
    from sqlalchemy import event as sa_event

    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


def test_review_pages_do_not_query_per_note(scene, chair_client):
    """The number of SQL queries stays flat as notes are added (no query per row)."""
    service.submit(scene.committee, scene.chair, True, True)
    service.reopen(scene.committee, scene.chair)
    db.session.commit()
    paths = ["", "/godkend", "/rapport?udkast=1", "/versioner/1", "/versioner"]
    before = [_queries(chair_client, url(scene, p)) for p in paths]
    slots = scene.committee.event.slots
    for i in range(24):
        post(scene.committee, slots[i % 3], scene.participant, f"Note nummer {i}", [1 + i % 4],
             [1 + i % 3])
    service.submit(scene.committee, scene.chair, True, True)
    db.session.commit()
    paths[3] = "/versioner/2"
    after = [_queries(chair_client, url(scene, p)) for p in paths]
    assert all(a - b <= 3 for a, b in zip(after, before, strict=True)), (before, after)


@pytest.mark.parametrize("path, data, message", [
    ("/noter/{note}/rediger", {"body": "x", "tasks": ["{task}"], "version": "abc"},
     "mangler notens version"),
    ("/noter/{note}/rediger", {"body": "x", "tasks": ["abc"], "version": "{version}"},
     "Et af valgene er ugyldigt"),
    ("/noter/{note}/skjul", {"reason": "x" * 501, "version": "{version}"},
     "Begrundelsen er for lang"),
    ("/resume/opgave/{task}", {"body": "x", "version": "abc"}, "mangler resuméets version"),
    ("/saml", {"notes": ["abc", "{note}"], "body": ""}, "Vælg mindst to noter"),
    ("/handlinger/ny", {"task": "abc", "title": "x", "status": "planned"},
     "Vælg hvilken af de fire opgaver"),
    ("/handlinger/ny", {"task": "{task}", "title": "\x00\x01", "status": "planned"},
     "Skriv hvad der skal gøres"),
])
def test_hostile_form_input_is_refused_in_danish_and_changes_nothing(scene, chair_client, path,
                                                                       data, message):
    note = scene.notes["school"]
    values = {"note": note.id, "task": scene.task(2).id, "version": note.version}

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value.format(**values)

    before = (note.body, note.version, note.hidden_at, db.session.scalar(
        select(func.count(Summary.id))), db.session.scalar(select(func.count(Action.id))),
        note_count())
    response = chair_client.post(url(scene, fill(path)),
                                 data={k: fill(v) for k, v in data.items()})
    assert response.status_code == 422
    assert message in text_of(response)
    db.session.expire_all()
    assert before == (note.body, note.version, note.hidden_at, db.session.scalar(
        select(func.count(Summary.id))), db.session.scalar(select(func.count(Action.id))),
        note_count())


def test_hidden_and_merged_notes_leave_the_break_screen(app, client, auth, make_user,
                                                       make_committee):
    scene = build_scene(make_user, make_committee)
    lunch = scene.committee.event.slots[0]
    list_url = f"/udvalg/{scene.committee.id}/pauser/{lunch.id}/noter"
    auth.login(CHAIR_EMAIL)
    before = client.get(list_url, headers=HX)
    assert "Vi skal tale mere med lederne" in text_of(before)

    service.hide_note(scene.committee, scene.notes["dialogue"], scene.chair, "Gentagelse")
    db.session.commit()
    poll = client.get(list_url, headers={**HX, "If-None-Match": before.headers["ETag"]})
    assert poll.status_code == 200, "hiding a note must change the poll's ETag"
    assert "Vi skal tale mere med lederne" not in text_of(poll)

    service.restore_note(scene.committee, scene.notes["dialogue"], scene.chair)
    merged = service.merge_notes(
        scene.committee, [scene.notes["policy"], scene.notes["dialogue"]], scene.chair,
        "Politikken skal give mening, og vi skal tale med lederne om den", 4000)
    db.session.commit()
    page = text_of(client.get(list_url, headers=HX))
    assert merged.body in page
    assert "Børne- og ungepolitikken skal give mening for lederne" not in page
