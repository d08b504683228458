"""Peers: the share choice at submission, what comparable municipalities shared (and nothing
else), and "vil vi også" turning a peer's action into a draft of one's own."""

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import Action, AuditEntry, Committee, Municipality, Participant, Submission
from delib.services import actions as action_service
from delib.services import submissions
from delib.services.actions import ActionInput
from delib.services.notes.curation import set_key_point
from delib.services.summaries import save_summary
from tests.conftest import text_of
from tests.fixtures.committee import post
from tests.fixtures.committee import review_url as url

#: Inhabitants 1 January 2021 (FOLK1A), rounded: enough to place each in its size group.
POPULATION = {"Aarhus": 352_000, "Randers": 98_000, "Skive": 46_000, "Viborg": 97_000,
              "Silkeborg": 96_000, "Odense": 205_000}


@dataclass
class Peer:
    committee: Committee
    chair: object
    actions: list[Action]


@pytest.fixture
def populations(app):
    for municipality in db.session.scalars(select(Municipality).where(
            Municipality.name.in_(POPULATION))):
        municipality.population = POPULATION[municipality.name]
    db.session.commit()


@pytest.fixture
def make_peer(make_user, make_committee):
    """Another municipality's committee with a summary, notes (some key points) and actions
    under a task, submitted (shared or not) or left as a draft."""

    def make(municipality, *, summary="", key_points=(), notes=(), actions=(), task=1,
             share=True, submit=True):
        chair = make_user(municipality=municipality, name=f"Formand {municipality}")
        committee = make_committee(municipality=municipality, name="Børne- og Ungeudvalget",
                                   chair=chair)
        event = committee.event
        writer = Participant(committee=committee, display_name=f"Skribent{municipality}9K")
        db.session.add(writer)
        db.session.commit()
        subject = next(t for t in event.tasks if t.number == task)
        for body in key_points:
            note = post(committee, event.slots[0], writer, body, [task])
            set_key_point(committee, note, chair, True)
        for body in notes:
            post(committee, event.slots[1], writer, body, [task])
        if summary:
            save_summary(committee, subject, chair, summary, 0)
        made = [action_service.create_action(
            committee, chair, ActionInput(task_id=subject.id, title=title,
                                          responsible=responsible, status="under_way"))
            for title, responsible in actions]
        if submit:
            submissions.submit(committee, chair, False, True, share_with_peers=share)
        db.session.commit()
        return Peer(committee, chair, made)

    return make


def submit_own(scene, share=False):
    submission = submissions.submit(scene.committee, scene.chair, False, True,
                                    share_with_peers=share)
    db.session.commit()
    return submission


@pytest.fixture
def peers(populations, make_peer):
    """Comparable and not: shared, unshared, unsubmitted and an older shared version."""
    return {
        "randers": make_peer(
            "Randers",
            summary="Randers: ny sammenhængende politik 0-25 år, dialog m. ledere inden sommer",
            key_points=["PPR ud i dagtilbud – ikke sidde på rådhuset"],
            notes=["Husk: kaffe + kage til næste BUU-møde"],
            actions=[("Temamøde for BUU og skoleledere om fælles retning", "Børnechefen")]),
        "samsoe": make_peer(
            "Samsø", summary="Samsø: lille ø, korte veje – brug det, fælles SFO/dagtilbud"),
        "odense": make_peer(
            "Odense", summary="Odense: fælles data på tværs af skole og socialområde",
            actions=[("Datadashboard for fravær pr. skole", "Skolechefen")]),
        "skive": make_peer("Skive", summary="UdeltSkive7Q resumé", share=False,
                           key_points=["UdeltSkive7Q nøglepunkt"],
                           actions=[("UdeltSkive7Q handling", "UU-lederen")]),
        "viborg": make_peer("Viborg", summary="UindsendtViborg7Q resumé", submit=False,
                            key_points=["UindsendtViborg7Q nøglepunkt"],
                            actions=[("UindsendtViborg7Q handling", "FGU")]),
    }


@pytest.fixture
def silkeborg_older_shared(make_peer):
    """Silkeborg shared version 1, then submitted version 2 without sharing."""
    peer = make_peer("Silkeborg", summary="GammelSilkeborg7Q resumé",
                     actions=[("GammelSilkeborg7Q handling", "SSP")])
    submissions.reopen(peer.committee, peer.chair)
    submissions.submit(peer.committee, peer.chair, False, True, share_with_peers=False)
    db.session.commit()
    return peer


NEVER = ("UdeltSkive7Q", "UindsendtViborg7Q", "GammelSilkeborg7Q", "Skribent", "kaffe + kage",
         "Formand Randers")


def peers_url(scene, **query):
    from urllib.parse import urlencode

    return url(scene, "/andre-kommuner") + ("?" + urlencode(query, doseq=True) if query else "")


# ---------------------------------------------------------------- the share choice


def test_approve_page_says_what_sharing_means_and_it_is_off_by_default(scene, chair_client):
    html = chair_client.get(url(scene, "/godkend")).get_data(as_text=True)
    page = text_of(chair_client.get(url(scene, "/godkend")))
    assert "Må deles med andre kommuner" in page
    assert "formænd i andre kommuner" in page and "aldrig, hvem der skrev noterne" in page
    assert "aldrig udkast" in page
    checkbox = html[html.index('name="share_with_peers"') - 80:html.index('name="share_with_peers"')
                    + 80]
    assert "checked" not in checkbox

    chair_client.post(url(scene, "/godkend"), data={"privacy_acknowledged": "y",
                                                   "public_access_acknowledged": "y"})
    first = db.session.scalar(select(Submission))
    assert first.shared_with_peers is False

    submissions.reopen(scene.committee, scene.chair)
    db.session.commit()
    response = chair_client.post(url(scene, "/godkend"), data={
        "privacy_acknowledged": "y", "share_with_peers": "y", "public_access_acknowledged": "y"})
    assert response.status_code == 302
    latest = db.session.scalar(select(Submission).where(Submission.version == 2))
    assert latest.shared_with_peers is True
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "submission.submit")
                              .order_by(AuditEntry.id.desc()))
    assert entry.details["shared_with_peers"] is True


# ---------------------------------------------------------------- who sees the page


def test_peers_open_only_after_the_committee_submitted(scene, chair_client, make_client):
    response = chair_client.get(peers_url(scene))
    assert response.status_code == 403
    assert "når I selv har indsendt" in text_of(response)
    assert "Andre kommuner" not in text_of(chair_client.get(url(scene)))

    submit_own(scene)
    assert chair_client.get(peers_url(scene)).status_code == 200
    review = chair_client.get(url(scene)).get_data(as_text=True)
    assert f'href="{peers_url(scene)}"' in review

    participant, actions = make_client()
    actions.join(scene.committee, name="Eva")
    assert participant.get(peers_url(scene)).status_code == 403


# ---------------------------------------------------------------- what is shown


def test_same_region_shows_what_was_shared_and_nothing_else(scene, chair_client, peers,
                                                            silkeborg_older_shared):
    submit_own(scene)
    page = text_of(chair_client.get(peers_url(scene)))
    assert "Randers" in page
    assert "ny sammenhængende politik 0-25 år" in page
    assert "PPR ud i dagtilbud" in page
    assert "Temamøde for BUU og skoleledere om fælles retning" in page and "Børnechefen" in page
    assert "Samsø: lille ø, korte veje" in page
    # Odense is in another region (it is only offered to pick).
    assert "Odense: fælles data" not in page and "Datadashboard for fravær" not in page
    for marker in NEVER:
        assert marker not in page, marker


def test_same_size_group_and_chosen_municipalities(scene, chair_client, peers,
                                                   silkeborg_older_shared):
    submit_own(scene)
    by_size = text_of(chair_client.get(peers_url(scene, sammenlign="size")))
    assert "Odense: fælles data" in by_size and "ny sammenhængende politik" in by_size
    # Samsø is an island municipality: its own size group.
    assert "Samsø: lille ø" not in by_size

    odense = peers["odense"].committee.municipality_code
    chosen = text_of(chair_client.get(peers_url(scene, sammenlign="chosen", kommune=odense)))
    assert "Odense: fælles data" in chosen
    assert "ny sammenhængende politik" not in chosen and "Samsø: lille ø" not in chosen

    # An unshared municipality cannot be picked into view.
    skive = peers["skive"].committee.municipality_code
    refused = text_of(chair_client.get(peers_url(scene, sammenlign="chosen", kommune=skive)))
    assert "En af de valgte kommuner har ikke delt sit bidrag." in refused
    for marker in NEVER:
        assert marker not in refused and marker not in by_size and marker not in chosen, marker

    garbage = chair_client.get(peers_url(scene, sammenlign="alle", opgave="x"))
    assert garbage.status_code == 200
    assert "Vælg hvem I vil sammenligne med." in text_of(garbage)
    assert "Den valgte opgave findes ikke." in text_of(garbage)


def test_each_task_shows_its_own_part(scene, chair_client, make_peer, populations):
    make_peer("Randers", task=2, summary="Randers opg. 2: skoleledere vil have mere frihed",
              actions=[("Ledelsesnetværk på tværs af skole og dagtilbud", "Direktionen")])
    submit_own(scene)
    first = text_of(chair_client.get(peers_url(scene)))
    assert "Ingen af de kommuner, du sammenligner med, har delt noget under denne opgave." in first
    assert "skoleledere vil have mere frihed" not in first
    assert "(1 kommune)" in first
    second = text_of(chair_client.get(peers_url(scene, opgave=scene.task(2).id)))
    assert "Randers opg. 2: skoleledere vil have mere frihed" in second
    assert "Ledelsesnetværk på tværs af skole og dagtilbud" in second


# ---------------------------------------------------------------- vil vi også


def test_vil_vi_ogsaa_makes_a_draft_action_with_its_source(scene, chair_client, peers):
    peer_action = db.session.scalar(
        select(Submission).where(Submission.committee_id == peers["randers"].committee.id)
    ).actions[0]
    take = url(scene, f"/andre-kommuner/handlinger/{peer_action.id}/vil-vi-ogsaa")
    submit_own(scene)

    locked = chair_client.post(take, follow_redirects=True)
    assert "Genåbn det, før I tager en handling med fra Randers." in text_of(locked)
    assert db.session.scalar(select(func.count(Action.id)).where(
        Action.committee_id == scene.committee.id)) == 0

    submissions.reopen(scene.committee, scene.chair)
    db.session.commit()
    page = text_of(chair_client.post(take, follow_redirects=True))
    assert "taget med som planlagt handling under opgave 1" in page
    action = db.session.scalar(select(Action).where(Action.committee_id == scene.committee.id))
    assert action.title == "Temamøde for BUU og skoleledere om fælles retning"
    assert action.task.number == 1 and action.status == "planned"
    assert action.responsible == "" and action.due_on is None
    assert action.source_submission_action_id == peer_action.id
    assert action.source_municipality.name == "Randers"
    assert "Taget med" in page
    listed = text_of(chair_client.get(url(scene, "/handlinger")))
    assert "Temamøde for BUU og skoleledere om fælles retning Fra Randers" in listed
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "action.create", AuditEntry.committee_id == scene.committee.id))
    assert entry.details["source_submission_action"] == peer_action.id

    again = chair_client.post(take, follow_redirects=True)
    assert "I har allerede taget den handling med fra Randers." in text_of(again)
    # Randers submits a new version: the same action in a new row is still taken over.
    randers = peers["randers"]
    submissions.reopen(randers.committee, randers.chair)
    submissions.submit(randers.committee, randers.chair, False, True, share_with_peers=True)
    db.session.commit()
    newer = db.session.scalar(select(Submission).where(
        Submission.committee_id == randers.committee.id, Submission.is_latest.is_(True)))
    assert "Taget med" in text_of(chair_client.get(peers_url(scene)))
    refused = chair_client.post(
        url(scene, f"/andre-kommuner/handlinger/{newer.actions[0].id}/vil-vi-ogsaa"),
        follow_redirects=True)
    assert "allerede taget den handling med" in text_of(refused)
    # The old version's row is no longer shown, so it cannot be taken over either.
    assert chair_client.post(take).status_code == 404
    assert db.session.scalar(select(func.count(Action.id)).where(
        Action.committee_id == scene.committee.id)) == 1


def test_unshared_or_unsubmitted_actions_cannot_be_taken_over(scene, chair_client, peers):
    action_service.create_action(scene.committee, scene.chair, ActionInput(
        task_id=scene.task(3).id, title="Fraværsteam i indskolingen", status="planned"))
    own = submit_own(scene, share=True)
    submissions.reopen(scene.committee, scene.chair)
    db.session.commit()
    skive = db.session.scalar(select(Submission).where(
        Submission.committee_id == peers["skive"].committee.id))
    viborg_draft = peers["viborg"].actions[0]
    # Skive's is not shared; the own contribution is not a peer's; Viborg's is a draft (an
    # Action, not a submitted row: its id names nothing shared).
    for action_id in (skive.actions[0].id, own.actions[0].id, viborg_draft.id, 999_999):
        response = chair_client.post(
            url(scene, f"/andre-kommuner/handlinger/{action_id}/vil-vi-ogsaa"))
        assert response.status_code == 404
    assert db.session.scalar(select(func.count(Action.id)).where(
        Action.committee_id == scene.committee.id)) == 1
