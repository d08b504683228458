"""The chair's changes to notes in review: edits with history, conflicts, merge, unmerge, hide,
restore, key points; and what the break screen shows afterwards."""


import pytest
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from delib.extensions import db
from delib.models import (
    Note,
)
from delib.services import DomainError, contribution, submissions
from delib.services.notes import NoteConflict, NoteInput, curation
from tests.conftest import HX, text_of
from tests.fixtures.committee import CHAIR_EMAIL, build_scene, edit_form, note_count, post
from tests.fixtures.committee import review_url as url

# ---------------------------------------------------------------- editing




def test_chair_edit_keeps_every_version(scene, chair_client):
    note = scene.notes["policy"]
    original, version = note.body, note.version
    response = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                                 data=edit_form(scene, note, "Politikken skal give mening",
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
                                 data=edit_form(scene, note, note.body, [2, 4], [2]))
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
                                 data=edit_form(scene, note, "Ny tekst", []))
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
                              data=edit_form(scene, note, "Første formands tekst", [2],
                                              version=opened_version))
    assert first.status_code == 302
    late = other.post(url(scene, f"/noter/{note.id}/rediger"),
                      data=edit_form(scene, note, "Anden formands tekst", [2],
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
                       data=edit_form(scene, note, "Anden formands tekst", [2]))
    assert retry.status_code == 302


def test_concurrent_flush_raises_stale_data_and_view_turns_it_into_409(scene):
    note = scene.notes["school"]
    version = note.version
    # Another transaction saved in between: the row's version moved on behind our back.
    db.session.execute(update(Note).where(Note.id == note.id).values(version=version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(StaleDataError):
        curation.edit_note(scene.committee, note, scene.chair,
                          NoteInput("Ny tekst", [scene.task(2).id], []), version, 4000)
    db.session.rollback()

def test_stale_flush_in_the_view_is_a_409_with_both_versions(scene, chair_client,
                                                            concurrent_writer):
    note = scene.notes["school"]
    concurrent_writer(Note, note.id)
    response = chair_client.post(url(scene, f"/noter/{note.id}/rediger"),
                                 data=edit_form(scene, note, "Min udgave", [2]))
    assert response.status_code == 409
    page = text_of(response)
    assert "ændret samtidig af en anden" in page
    assert "Rammerne for skolelederne er for snævre" in page and "Min udgave" in page
    db.session.expire_all()
    assert note.body == "Rammerne for skolelederne er for snævre"

def test_edit_with_stale_version_raises_conflict_in_service(scene):
    note = scene.notes["school"]
    with pytest.raises(NoteConflict):
        curation.edit_note(scene.committee, note, scene.chair,
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
    approved = contribution.approved_notes(scene.committee)
    assert merged in approved and a not in approved and b not in approved

    page = text_of(chair_client.get(url(scene)))
    set_aside = page[page.index("Skjulte og sammenlagte noter"):]
    assert a.body in set_aside and "Lagt sammen i:" in set_aside

    # Restoring one original brings it back; the merged note stays.
    assert chair_client.post(url(scene, f"/noter/{a.id}/gendan")).status_code == 302
    db.session.expire_all()
    assert a.merged_into_id is None and a in contribution.approved_notes(scene.committee)


def test_unmerge_restores_all_originals_and_hides_the_merged_note(scene, chair_client):
    a, b = scene.notes["policy"], scene.notes["dialogue"]
    merged = curation.merge_notes(scene.committee, [a, b], scene.chair, "", 4000)
    db.session.commit()
    assert merged.body == f"{a.body}\n\n{b.body}"  # an empty text joins the originals
    confirm = chair_client.get(url(scene, f"/noter/{merged.id}/opdel"))
    assert "De 2 oprindelige noter kommer med" in text_of(confirm)
    assert chair_client.post(url(scene, f"/noter/{merged.id}/opdel")).status_code == 302
    db.session.expire_all()
    approved = contribution.approved_notes(scene.committee)
    assert a in approved and b in approved and merged not in approved
    assert merged.hidden_reason == "Sammenlægningen er fortrudt."


def test_only_a_merged_note_can_be_unmerged(scene, chair_client):
    note = scene.notes["school"]
    response = chair_client.get(url(scene, f"/noter/{note.id}/opdel"), follow_redirects=True)
    assert "ikke lavet ved at lægge noter sammen" in text_of(response)
    with pytest.raises(DomainError):
        curation.unmerge_note(scene.committee, note, scene.chair)


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
    curation.hide_note(scene.committee, scene.notes["dialogue"], scene.chair, "Dublet")
    db.session.commit()
    with pytest.raises(DomainError):
        curation.merge_notes(scene.committee, [a, scene.notes["dialogue"]], scene.chair, "", 4000)


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
    assert note not in contribution.approved_notes(scene.committee)
    assert note_count() == before
    page = text_of(chair_client.get(url(scene)))
    assert "Navn på en elev" in page[page.index("Skjulte og sammenlagte noter"):]

    assert chair_client.post(url(scene, f"/noter/{note.id}/gendan")).status_code == 302
    db.session.expire_all()
    assert note.hidden_at is None and note.hidden_reason == ""
    assert note in contribution.approved_notes(scene.committee)
    again = chair_client.post(url(scene, f"/noter/{note.id}/gendan"), follow_redirects=True)
    assert "allerede med i bidraget" in text_of(again)


def test_hide_with_stale_version_is_refused(scene, chair_client):
    note = scene.notes["school"]
    stale = note.version
    curation.set_key_point(scene.committee, note, scene.chair, True)
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
    submissions.submit(scene.committee, scene.chair, False, True)
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

def test_hidden_and_merged_notes_leave_the_break_screen(app, client, auth, make_user,
                                                       make_committee):
    scene = build_scene(make_user, make_committee)
    lunch = scene.committee.event.slots[0]
    list_url = f"/udvalg/{scene.committee.id}/pauser/{lunch.id}/noter"
    auth.login(CHAIR_EMAIL)
    before = client.get(list_url, headers=HX)
    assert "Vi skal tale mere med lederne" in text_of(before)

    curation.hide_note(scene.committee, scene.notes["dialogue"], scene.chair, "Gentagelse")
    db.session.commit()
    poll = client.get(list_url, headers={**HX, "If-None-Match": before.headers["ETag"]})
    assert poll.status_code == 200, "hiding a note must change the poll's ETag"
    assert "Vi skal tale mere med lederne" not in text_of(poll)

    curation.restore_note(scene.committee, scene.notes["dialogue"], scene.chair)
    merged = curation.merge_notes(
        scene.committee, [scene.notes["policy"], scene.notes["dialogue"]], scene.chair,
        "Politikken skal give mening, og vi skal tale med lederne om den", 4000)
    db.session.commit()
    page = text_of(client.get(list_url, headers=HX))
    assert merged.body in page
    assert "Børne- og ungepolitikken skal give mening for lederne" not in page
