"""KL sees how the previous event's actions went, per task, by region and size group, with the
comments: on its page, in the exports and in the API; only what was submitted."""

import csv
import io

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Municipality
from delib.services import follow_ups, submissions
from delib.services.municipalities import SIZE_LABELS, size_group
from tests.conftest import text_of
from tests.fixtures.committee import post
from tests.fixtures.follow_ups import AARHUS_2021, ODENSE_2021, build_two_events

TITLES = [row[1] for row in AARHUS_2021]
CHANGED = "Blev til temadag for alle skoleledere i stedet"
DROPPED = "Randers sprang fra, tages op i KKR"
ODENSE_DONE = "AKT-vejledere ansat på 31 af 34 skoler"
ODENSE_DRAFT = "Udkast: måske lukke projektet"


def update(committee, chair, action, status, comment):
    follow_ups.update_follow_up(committee, action, chair, status, comment)
    db.session.commit()


def submit(committee, chair, body):
    post(committee, committee.event.slots[0], chair, body, [1])
    submissions.submit(committee, chair, show_authors=False, privacy_acknowledged=True)
    db.session.commit()


@pytest.fixture
def two(make_user, make_committee):
    """Aarhus submits three follow-ups in 2022 (changed, not updated, dropped); Odense submits
    one (done), then reopens and drafts another status that KL must not see."""
    two = build_two_events(make_user, make_committee)
    first, _second, third = (two.previous(t) for t in TITLES)
    update(two.aarhus_2022, two.chair, first, "changed", CHANGED)
    update(two.aarhus_2022, two.chair, third, "dropped", DROPPED)
    odense = two.previous(ODENSE_2021[1])
    update(two.odense_2022, two.odense_chair, odense, "done", ODENSE_DONE)
    return two


@pytest.fixture
def submitted(two):
    submit(two.aarhus_2022, two.chair, "Inklusion: flere hænder i SFO")
    submit(two.odense_2022, two.odense_chair, "Skolevægring – tidlig indsats m. PPR")
    submissions.reopen(two.odense_2022, two.odense_chair)
    update(two.odense_2022, two.odense_chair, two.previous(ODENSE_2021[1]), "dropped",
           ODENSE_DRAFT)
    return two


def counts(**kwargs):
    base = dict.fromkeys(("done", "under_way", "changed", "dropped", "pending"), 0)
    return {**base, **kwargs, "total": sum(kwargs.values())}


def test_drafts_never_count(two, client, headers):
    body = client.get("/api/v1/follow-ups?event=butm2022", headers=headers).get_json()
    assert body["by_task"] == [] and body["items"] == []


def test_api_counts_per_task_region_and_size(submitted, client, headers):
    body = client.get("/api/v1/follow-ups?event=butm2022", headers=headers).get_json()
    by_task = {t["task"]: t for t in body["by_task"]}
    assert sorted(by_task) == [1, 2, 3, 4]
    assert by_task[1]["counts"] == counts(changed=1)
    assert by_task[2]["counts"] == counts(done=1)
    assert by_task[3]["counts"] == counts(pending=1)
    assert by_task[4]["counts"] == counts(dropped=1)
    assert by_task[2]["by_region"] == [{"region_code": 1083, "region": "Region Syddanmark",
                                        "counts": counts(done=1)}]
    odense = db.session.scalar(select(Municipality).where(Municipality.name == "Odense"))
    assert by_task[2]["by_size_group"] == [{"size_group": size_group(odense),
                                            "counts": counts(done=1)}]
    items = {i["title"]: i for i in body["items"]}
    assert set(items) == {*TITLES, ODENSE_2021[1]}
    assert items[TITLES[0]]["comment"] == CHANGED
    assert items[TITLES[0]]["previous_status"] == "planned"
    assert items[TITLES[0]]["municipality"]["name"] == "Aarhus"
    # Odense's reopened draft is not what KL sees.
    assert (items[ODENSE_2021[1]]["status"], items[ODENSE_2021[1]]["comment"]) == (
        "done", ODENSE_DONE)
    # Filters narrow it; the 2021 event has no follow-ups at all.
    south = client.get("/api/v1/follow-ups?event=butm2022&region=1083", headers=headers)
    assert [i["title"] for i in south.get_json()["items"]] == [ODENSE_2021[1]]
    assert client.get("/api/v1/follow-ups?event=butm2021",
                      headers=headers).get_json()["items"] == []
    assert "/v1/follow-ups" in client.get("/api/openapi.json").get_json()["paths"]


def test_kl_page_shows_counts_and_comments(submitted, kl_client):
    page = text_of(kl_client.get("/kl/opfoelgning?event=butm2022"))
    assert "Opfølgning på sidste topmøde" in page
    for comment in (CHANGED, DROPPED, ODENSE_DONE):
        assert comment in page
    assert ODENSE_DRAFT not in page
    # Task 1's overall row: 0 done, 0 under way, 1 changed, 0 dropped, 0 not updated, 1 in all.
    section = page[page.index("Opgave 1:"):page.index("Opgave 2:")]
    assert "Alle 0 0 1 0 0 1" in section
    assert "Region Midtjylland 0 0 1 0 0 1" in section
    aarhus = db.session.scalar(select(Municipality).where(Municipality.name == "Aarhus"))
    assert f"{SIZE_LABELS[size_group(aarhus)]} 0 0 1 0 0 1" in section
    empty = text_of(kl_client.get("/kl/opfoelgning?event=butm2021"))
    assert "Ingen kommuner har indsendt opfølgning" in empty


def test_exports_carry_the_follow_ups(submitted, kl_client):
    response = kl_client.post("/kl/eksport", data={"event": "butm2022", "format": "csv",
                                                   "kind": "follow_ups"})
    assert response.status_code == 200
    assert "butm2022-opfoelgning.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")),
                               delimiter=";"))
    by_title = {r["Handling"]: r for r in rows}
    assert set(by_title) == {*TITLES, ODENSE_2021[1]}
    assert by_title[TITLES[0]]["Opfølgning"] == "Ændret"
    assert by_title[TITLES[0]]["Kommentar"] == CHANGED
    assert by_title[TITLES[1]]["Opfølgning"] == "Ikke opdateret"
    assert by_title[TITLES[1]]["Status ved sidste topmøde"] == "I gang"
    assert by_title[ODENSE_2021[1]]["Kommune"] == "Odense"
    assert by_title[ODENSE_2021[1]]["Kommentar"] == ODENSE_DONE

    # Two municipalities cannot be anonymised: each row would point at one of them
    # (tests/kl/test_exports_anonymised.py exports many).
    anonymised = kl_client.post("/kl/eksport", data={
        "event": "butm2022", "format": "xlsx", "kind": "all", "anonymise": "1"})
    assert anonymised.status_code == 400
    assert "færre end 3 kommuner" in anonymised.get_data(as_text=True)
