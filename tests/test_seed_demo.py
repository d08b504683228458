"""`make run`'s demo (seed-demo) carries the walkthrough of #14: the demo chair's submitted 2021
contribution, the 2022 summit with the same chair's committee following up on the 2021 actions,
and other municipalities' contributions, only the shared ones visible to the chair."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from delib.extensions import db
from delib.models import (
    ActionFollowUp,
    Committee,
    Event,
    Note,
    Submission,
    SubmissionAction,
    SubmissionSummary,
)
from delib.services.kl.overview import DEMO_SUBMITTER
from delib.services.programme import current_event
from delib.tasks.demo import COMMITTEE_DEMO_ACTIONS, COMMITTEE_DEMO_SUMMARIES
from tests.conftest import text_of


def _seed(runner) -> dict:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    email, password = re.search(r"Formandens login: (\S+) / (\S+)", result.output).groups()
    follow_up = re.search(r"(/udvalg/\d+/gennemgang/opfoelgning)", result.output).group(1)
    peers = re.search(r"(/udvalg/\d+/gennemgang/andre-kommuner)", result.output).group(1)
    return {"email": email, "password": password, "follow_up": follow_up, "peers": peers,
            "output": result.output}


def _chair(make_client, seeded):
    client, actions = make_client()
    assert actions.login(seeded["email"], seeded["password"]).status_code == 302
    return client


def _demo_committee(slug: str) -> Committee:
    return db.session.scalar(select(Committee).join(Event).where(
        Event.slug == slug, Committee.name == "Børne- og Ungeudvalget (demo)"))


def _snapshot() -> dict:
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (Event, Committee, Note, Submission, SubmissionAction,
                            SubmissionSummary, ActionFollowUp)}
    counts["shared"] = sorted(db.session.execute(
        select(Submission.municipality_code, Submission.shared_with_peers)))
    return counts


def test_the_2021_contribution_is_submitted_and_reopened_for_review(runner, make_client):
    seeded = _seed(runner)
    committee = _demo_committee("butm2021")
    submission = db.session.scalar(select(Submission).where(
        Submission.committee_id == committee.id))
    assert submission.is_latest and submission.version == 1
    assert submission.reopened_at is not None
    assert {a.title for a in submission.actions} == {a[1] for a in COMMITTEE_DEMO_ACTIONS}
    assert all(a.due_on and a.responsible for a in submission.actions)
    assert len(submission.summaries) == len(COMMITTEE_DEMO_SUMMARIES)
    assert len(submission.notes) == 5
    chair = _chair(make_client, seeded)
    # Reopened: the chair can still work on the five live notes, and KL keeps version 1.
    review = text_of(chair.get(f"/udvalg/{committee.id}/gennemgang"))
    assert "ledernetværk for 0-18 år" in review
    assert "Procesplan for revision af børne- og ungepolitikken" in review
    # The members agreed to the draft before it was submitted; the versions page says so.
    versions = text_of(chair.get(f"/udvalg/{committee.id}/gennemgang/versioner"))
    assert "Godkendt af 2 af 2 deltagere" in versions


def test_the_2022_committee_follows_up_on_the_2021_actions(runner, make_client):
    seeded = _seed(runner)
    assert "KL's Børn & Unge Topmøde 2022" in seeded["output"]
    next_event = db.session.scalar(select(Event).where(Event.slug == "butm2022"))
    assert next_event is not None and next_event.preliminary
    assert [t.number for t in next_event.tasks] == [1, 2, 3, 4]
    committee = _demo_committee("butm2022")
    assert seeded["follow_up"] == f"/udvalg/{committee.id}/gennemgang/opfoelgning"
    assert committee.municipality.name == "Aarhus"
    chair = _chair(make_client, seeded)
    page = text_of(chair.get(seeded["follow_up"]))
    for _task, title, responsible, _due, _status in COMMITTEE_DEMO_ACTIONS:
        assert title in page
    assert "Ingen opfølgende handlinger endnu" not in page
    # The chair updates one, as the walkthrough asks.
    action = db.session.scalar(select(SubmissionAction).join(Submission).where(
        Submission.committee_id == _demo_committee("butm2021").id,
        SubmissionAction.title == COMMITTEE_DEMO_ACTIONS[2][1]))
    form = chair.get(seeded["follow_up"]).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    saved = chair.post(f"{seeded['follow_up']}/{action.id}", data={
        "csrf_token": token, f"a{action.id}-status": "done",
        f"a{action.id}-comment": "Oversigt lavet, 7 projekter lukket",
        f"a{action.id}-version": "0"})
    assert saved.status_code == 302, text_of(saved)
    assert "7 projekter lukket" in text_of(chair.get(seeded["follow_up"]))


def test_the_2021_summit_stays_the_current_one(runner, client):
    _seed(runner)
    event = current_event()
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    assert event.slug == "butm2021" and event.shifted_start == today
    front = text_of(client.get("/"))
    assert "Topmøde 2021" in front and "Topmøde 2022" not in front


def test_the_chair_sees_shared_peers_only(runner, make_client):
    seeded = _seed(runner)
    shared = {code: flag for code, flag in db.session.execute(
        select(Submission.municipality_code, Submission.shared_with_peers)
        .where(Submission.submitted_by_name == DEMO_SUBMITTER))}
    assert shared == {746: True, 730: True, 615: False}
    chair = _chair(make_client, seeded)
    page = text_of(chair.get(seeded["peers"]))
    assert "Skanderborg" in page and "Randers" in page
    assert "Horsens" not in page


def test_seed_demo_twice_changes_nothing(runner):
    _seed(runner)
    first = _snapshot()
    second_output = _seed(runner)
    assert _snapshot() == first
    assert first["Event"] == 2 and first["Submission"] == 4
    assert "/udvalg/" in second_output["follow_up"]
