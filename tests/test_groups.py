"""Discussion groups beyond the committee: a group has its own code and notes, sends them to
the municipality's committee, whose chair takes points over (source kept) into what goes to KL."""

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Committee, GroupNoteSource, Note, SubmissionNote
from delib.services import groups as group_service
from delib.services import submissions
from tests.conftest import HX, text_of
from tests.fixtures.committee import post, review_url


def _group(name="Skoleledernetværket") -> Committee:
    return db.session.scalar(select(Committee).where(Committee.name == name))


@pytest.fixture
def group(scene, chair_client):
    """The school leaders' network, created by the committee's chair through the page."""
    response = chair_client.post(f"/udvalg/{scene.committee.id}/grupper/ny",
                                 data={"name": "Skoleledernetværket"})
    assert response.status_code == 302
    created = _group()
    assert response.headers["Location"].endswith(f"/udvalg/{created.id}")
    return created


@pytest.fixture
def group_notes(scene, group):
    """Three notes from the network's own theme-meeting break."""
    event = scene.committee.event
    theme_break = event.slots[2]
    return {
        "ppr": post(group, theme_break, scene.chair,
                    "PPR-ventetid 14 uger - skolerne står alene m. AKT-elever", [3]),
        "sfo": post(group, theme_break, scene.chair,
                    "SFO + skole: fælles plan for overgang 0. kl.", [1, 3]),
        "fravær": post(group, theme_break, scene.chair,
                       "Fraværsopfølgning: tidlig kontakt til forældre, ikke først v. 10%", [4]),
    }


def test_chair_creates_group_with_its_own_code(scene, chair_client, group):
    assert group.parent_committee_id == scene.committee.id
    assert group.join_code != scene.committee.join_code
    assert scene.chair in group.chairs
    page = chair_client.get(f"/udvalg/{group.id}").get_data(as_text=True)
    assert f"Gruppe under {scene.committee.name}" in page
    assert "Send gruppens noter til udvalget" in page
    parent = chair_client.get(f"/udvalg/{scene.committee.id}").get_data(as_text=True)
    assert "Skoleledernetværket" in parent and "ikke sendt endnu" in parent


def test_municipal_admin_creates_group(scene, make_user, client, auth):
    make_user(role="municipal_admin", municipality="Aarhus", email="admin@aarhus.dk")
    auth.login("admin@aarhus.dk")
    response = client.post(f"/udvalg/{scene.committee.id}/grupper/ny",
                           data={"name": "Ungdomsrådet"})
    assert response.status_code == 302
    assert _group("Ungdomsrådet").parent is scene.committee


def test_group_name_refusals_are_danish(scene, chair_client, group):
    url = f"/udvalg/{scene.committee.id}/grupper/ny"
    empty = chair_client.post(url, data={"name": "  "})
    assert empty.status_code == 422 and "Skriv gruppens navn." in empty.get_data(as_text=True)
    twice = chair_client.post(url, data={"name": "Skoleledernetværket"})
    assert twice.status_code == 422
    assert "har allerede et udvalg med det navn" in twice.get_data(as_text=True)
    # A group has no groups of its own.
    nested = chair_client.post(f"/udvalg/{group.id}/grupper/ny", data={"name": "Undergruppe"})
    assert nested.status_code == 404
    assert _group("Undergruppe") is None


def test_participant_joins_group_and_never_sees_the_committee(scene, group, make_client):
    client, actions = make_client()
    assert actions.join(group, "Lene skoleleder").status_code == 302
    slot = scene.committee.event.slots[2]
    response = client.post(f"/udvalg/{group.id}/pauser/{slot.id}/noter", headers=HX,
                           data={"body": "UU-vejledning for sent i 8. kl.",
                                 "tasks": [str(scene.task(3).id)],
                                 "client_key": uuid.uuid4().hex})
    assert response.status_code == 201
    note = db.session.scalar(select(Note).where(Note.body.startswith("UU-vejledning")))
    assert note.committee_id == group.id
    assert client.get(f"/udvalg/{scene.committee.id}").status_code == 403
    assert client.get(f"/udvalg/{scene.committee.id}/pauser/{slot.id}/noter").status_code == 403
    assert client.get(f"/udvalg/{group.id}").status_code == 200


def test_parent_chair_sees_group_notes_only_after_sending(scene, chair_client, group,
                                                          group_notes):
    review = chair_client.get(review_url(scene)).get_data(as_text=True)
    assert "PPR-ventetid" not in review and "Fra kommunens grupper" not in review
    taken = chair_client.post(
        f"/udvalg/{scene.committee.id}/gennemgang/grupper/noter/{group_notes['ppr'].id}/overtag")
    assert taken.status_code == 404

    sent = chair_client.post(f"/udvalg/{group.id}/send-til-udvalget", follow_redirects=True)
    assert "3 noter er sendt til" in sent.get_data(as_text=True)
    review = chair_client.get(review_url(scene)).get_data(as_text=True)
    assert "Fra Skoleledernetværket" in review
    assert "PPR-ventetid 14 uger" in review and "Tag med i udvalgets noter" in review


def test_sending_without_notes_is_refused(scene, chair_client, group):
    page = chair_client.post(f"/udvalg/{group.id}/send-til-udvalget",
                             follow_redirects=True).get_data(as_text=True)
    assert "Gruppen har ingen noter at sende endnu." in page
    db.session.refresh(group)
    assert group.sent_to_parent_at is None


def test_take_over_keeps_source_and_reaches_kl_without_the_rest(scene, chair_client, group,
                                                                group_notes, make_user,
                                                                make_client):
    chair_client.post(f"/udvalg/{group.id}/send-til-udvalget")
    source = group_notes["ppr"]
    url = f"/udvalg/{scene.committee.id}/gennemgang/grupper/noter/{source.id}/overtag"
    page = chair_client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "Noten er overtaget fra Skoleledernetværket." in page
    assert "Overtaget i udvalgets noter" in page

    copy = db.session.scalar(select(Note).where(Note.committee_id == scene.committee.id,
                                                Note.body == source.body))
    assert copy is not None and copy.author_name == "Skoleledernetværket"
    assert [t.number for t in copy.tasks] == [3]
    origin = db.session.get(GroupNoteSource, copy.id)
    assert (origin.source_note_id, origin.group_id, origin.group_name) == (
        source.id, group.id, "Skoleledernetværket")

    again = chair_client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "Noten er allerede overtaget fra Skoleledernetværket." in again
    assert db.session.scalar(select(db.func.count(Note.id)).where(
        Note.committee_id == scene.committee.id, Note.body == source.body)) == 1

    submission = submissions.submit(scene.committee, scene.chair, show_authors=False,
                                    privacy_acknowledged=True)
    db.session.commit()
    bodies = {n.body: n.note_id for n in db.session.scalars(
        select(SubmissionNote).where(SubmissionNote.submission_id == submission.id))}
    assert source.body in bodies
    assert not any(b.startswith(("SFO + skole", "Fraværsopfølgning")) for b in bodies)
    # KL's marker: the submitted note leads back to the group it came from.
    marked = group_service.group_sources(list(bodies.values()))
    assert marked == {bodies[source.body]: "Skoleledernetværket"}
    assert not db.session.scalars(select(SubmissionNote).join(
        Note, Note.id == SubmissionNote.note_id).where(Note.committee_id == group.id)).all()
    # The marker is copied into the submission itself, so it outlives the committee's note.
    assert {n.body: n.source_group for n in db.session.scalars(
        select(SubmissionNote).where(SubmissionNote.submission_id == submission.id))}[
        source.body] == "Skoleledernetværket"

    # KL sees the note marked, and can leave the groups' notes out or show only them.
    make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    kl, kl_actions = make_client()
    kl_actions.login("analytiker@kl.dk")
    every = text_of(kl.get("/kl/noter"))
    assert "Fra Skoleledernetværket" in every and source.body in every
    without = text_of(kl.get("/kl/noter?grupper=uden"))
    assert source.body not in without and "Uden gruppernes noter" in without
    only = text_of(kl.get("/kl/noter?grupper=kun"))
    assert source.body in only and "1 note" in only
    assert "findes ikke" in text_of(kl.get("/kl/noter?grupper=alle"))


def test_a_group_is_not_asked_to_follow_up_last_summits_actions(make_user, make_committee):
    from delib.services import follow_ups, groups
    from tests.fixtures.follow_ups import build_two_events

    # Only the committee reports on the municipality's commitments; its groups feed it notes.
    two = build_two_events(make_user, make_committee)
    network = groups.create_group(two.aarhus_2022, "Skoleledernetværket", two.chair)
    db.session.commit()
    assert follow_ups.previous_actions(two.aarhus_2022)  # the committee is asked
    assert follow_ups.previous_event(network) is None
    assert follow_ups.previous_actions(network) == []


def test_group_never_submits_to_kl(scene, chair_client, group, group_notes):
    response = chair_client.get(f"/udvalg/{group.id}/gennemgang/godkend")
    assert response.status_code == 403
    assert "En gruppe indsender ikke selv til KL." in response.get_data(as_text=True)
    response = chair_client.post(f"/udvalg/{group.id}/gennemgang/godkend",
                                 data={"privacy_acknowledged": "y"})
    assert response.status_code == 403
    assert not db.session.scalars(select(SubmissionNote)).all()


def test_another_municipality_cannot_touch_the_group(scene, group, group_notes, make_user,
                                                     make_client):
    make_user(municipality="Odense", email="formand@odense.dk")
    make_user(role="municipal_admin", municipality="Odense", email="admin@odense.dk")
    for email in ("formand@odense.dk", "admin@odense.dk"):
        client, actions = make_client()
        actions.login(email)
        assert client.get(f"/udvalg/{group.id}").status_code == 403
        assert client.post(f"/udvalg/{group.id}/send-til-udvalget").status_code == 403
        assert client.post(f"/udvalg/{scene.committee.id}/grupper/ny",
                           data={"name": "Fremmed gruppe"}).status_code == 403
        assert client.post(f"/udvalg/{scene.committee.id}/gennemgang/grupper/noter/"
                           f"{group_notes['ppr'].id}/overtag").status_code == 403
    db.session.refresh(group)
    assert group.sent_to_parent_at is None and _group("Fremmed gruppe") is None


def test_another_committee_cannot_take_over_the_groups_notes(scene, group, group_notes,
                                                             chair_client, make_committee):
    chair_client.post(f"/udvalg/{group.id}/send-til-udvalget")
    # Same chair, same municipality, but not the group's committee: the note is not there.
    other = make_committee(chair=scene.chair, name="Aarhus Skoleudvalg")
    response = chair_client.post(f"/udvalg/{other.id}/gennemgang/grupper/noter/"
                                 f"{group_notes['ppr'].id}/overtag")
    assert response.status_code == 404
    assert not db.session.scalars(select(Note).where(Note.committee_id == other.id)).all()


def test_group_picks_its_own_time_for_a_break(scene, chair_client, group):
    event = scene.committee.event
    lunch = event.slots[0]
    day = date.today() + timedelta(days=30)
    url = f"/udvalg/{group.id}/pauser/{lunch.id}/egen-tid"
    response = chair_client.post(url, data={"day": day.isoformat(), "starts": "14:00",
                                            "ends": "15:30"})
    assert response.status_code == 302
    page = chair_client.get(f"/udvalg/{group.id}").get_data(as_text=True)
    assert "gruppens egen tid" in page
    # The break screen counts down to the group's time, not the summit's.
    screen = chair_client.get(f"/udvalg/{group.id}/pauser/{lunch.id}").get_data(as_text=True)
    assert "Pausen begynder kl. 14" in screen and "slutter kl. 15" in screen
    # Its tab in the row of breaks shows the group's day and time, the others the summit's.
    tab = re.search(rf'<a href="[^"]*/pauser/{lunch.id}" aria-current="page">([^<]*)</a>',
                    screen).group(1)
    assert "14.00" in tab and day.strftime("%-d/%-m") in tab
    summit = chair_client.get(f"/udvalg/{scene.committee.id}/pauser/{lunch.id}")
    assert "Pausen er slut" in summit.get_data(as_text=True)
    # "The break on now" goes to the group's coming break; the committee's to its last one.
    assert chair_client.get(f"/udvalg/{group.id}/pause").headers["Location"].endswith(
        f"/pauser/{lunch.id}")
    assert chair_client.get(f"/udvalg/{scene.committee.id}/pause").headers[
        "Location"].endswith(f"/pauser/{event.slots[-1].id}")

    chair_client.post(url, data={"clear": "1"})
    db.session.expire_all()
    assert db.session.get(Committee, group.id).own_breaks == []


def test_own_break_refusals_are_danish(scene, chair_client, group):
    lunch = scene.committee.event.slots[0]
    url = f"/udvalg/{group.id}/pauser/{lunch.id}/egen-tid"
    backwards = chair_client.post(url, data={"day": "2021-03-04", "starts": "15:00",
                                             "ends": "14:00"})
    assert backwards.status_code == 422
    assert "Drøftelsen skal slutte efter den begynder." in backwards.get_data(as_text=True)
    no_day = chair_client.post(url, data={"day": "", "starts": "14:00", "ends": "15:00"})
    assert "Vælg dagen for gruppens drøftelse." in no_day.get_data(as_text=True)
    garbled = chair_client.post(url, data={"day": "i morgen", "starts": "14:00",
                                           "ends": "15:00"})
    assert "Skriv dagen som en dato" in garbled.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Committee, group.id).own_breaks == []
    # Only a group has its own times; the committee follows the summit.
    assert chair_client.get(f"/udvalg/{scene.committee.id}/pauser/{lunch.id}/egen-tid"
                            ).status_code == 404


def test_group_participant_cannot_set_the_groups_time(scene, group, make_client):
    client, actions = make_client()
    actions.join(group, "Jonas ungdomsråd")
    lunch = scene.committee.event.slots[0]
    response = client.post(f"/udvalg/{group.id}/pauser/{lunch.id}/egen-tid",
                           data={"day": "2026-12-01", "starts": "14:00", "ends": "15:00"})
    assert response.status_code == 403


def test_groups_review_says_its_notes_go_to_the_committee(scene, chair_client, group,
                                                          group_notes):
    page = chair_client.get(f"/udvalg/{group.id}/gennemgang").get_data(as_text=True)
    assert f"Gruppens noter går til {scene.committee.name}, ikke direkte til KL." in page
    assert "SFO + skole" in page
    assert "Udkast: KL ser intet" not in page and "Word (udkast)" not in page
