"""KL's read-only JSON API: bearer token required, OpenAPI served, submitted data only."""

import pytest

from delib.extensions import db
from delib.models import Note
from delib.tasks.demo import NoteSpec, make_submission


@pytest.fixture
def contributions(event, make_committee):
    t1 = event.tasks[0]
    aarhus = make_committee(municipality="Aarhus")
    make_submission(aarhus, [NoteSpec("Gammelt om trivsel", tasks=[t1])])
    make_submission(aarhus, [
        NoteSpec("Skolefraværet skal ned", tasks=[t1], talk_id=event.talks[0].id),
        NoteSpec("Fælles ledelsesforum", tasks=[event.tasks[1]]),
    ], summaries=[(t1, None, "Opsummering om fravær")],
        actions=[(t1, "Fraværsplan", "Skolechef", "planned")])
    odense = make_committee(municipality="Odense")
    db.session.add(Note(committee=odense, client_key="k", author_name="X", body="kladde-tekst"))
    db.session.commit()


def test_openapi_is_served_without_token(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/v1/notes", "/v1/participation", "/v1/matrix", "/v1/themes"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_documented_path_exists(client, headers, contributions):
    doc = client.get("/api/openapi.json").get_json()
    for path in doc["paths"]:
        assert client.get("/api" + path, headers=headers).status_code == 200, path


@pytest.mark.parametrize("auth", [None, "Bearer", "Bearer nope", "Basic YTpi",
                                  "Bearer delib_" + "x" * 43])
def test_token_required(client, contributions, auth):
    headers = {"Authorization": auth} if auth else {}
    response = client.get("/api/v1/notes", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "API-nøgle" in response.get_json()["error"]
    assert "Skolefraværet" not in response.get_data(as_text=True)


def test_session_login_is_not_enough(client, analyst, contributions, auth):
    auth.login("api@kl.dk")
    assert client.get("/api/v1/notes").status_code == 401


def test_notes_latest_submitted_only_with_search(client, headers, contributions):
    body = client.get("/api/v1/notes", headers=headers).get_json()
    texts = {n["body"] for n in body["items"]}
    assert texts == {"Skolefraværet skal ned", "Fælles ledelsesforum"}
    assert body["total"] == 2
    note = next(n for n in body["items"] if n["body"] == "Skolefraværet skal ned")
    assert note["municipality"]["name"] == "Aarhus" and note["tasks"] == [1]
    assert note["written_at"].endswith("Z")
    found = client.get("/api/v1/notes?q=fravær", headers=headers).get_json()
    assert [n["body"] for n in found["items"]] == ["Skolefraværet skal ned"]
    assert client.get("/api/v1/notes?per_page=1&page=2", headers=headers).get_json()["page"] == 2


def test_participation_and_matrix(client, headers, event, contributions):
    p = client.get("/api/v1/participation", headers=headers).get_json()
    assert p["total"] == {"municipalities": 98, "with_committee": 2, "with_notes": 1,
                          "submitted": 1, "notes": 2}
    assert len(p["by_region"]) == 5 and len(p["municipalities"]) == 98
    m = client.get("/api/v1/matrix?rows=task&cols=talk", headers=headers).get_json()
    assert m["total"] == {"municipalities": 1, "notes": 2}
    assert {"row": event.tasks[0].id, "column": event.talks[0].id, "municipalities": 1,
            "notes": 1} in m["cells"]
    bad = client.get("/api/v1/matrix?cols=nope", headers=headers)
    assert bad.status_code == 400 and "cols" in bad.get_json()["error"]


def test_bad_filter_is_a_400_in_danish(client, headers, contributions):
    response = client.get("/api/v1/notes?task=99999", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "Den valgte opgave findes ikke."


def test_summaries_actions_themes(client, headers, event, contributions):
    task = event.tasks[0].id
    s = client.get(f"/api/v1/summaries?task={task}", headers=headers).get_json()
    assert [x["body"] for x in s["items"]] == ["Opsummering om fravær"]
    a = client.get(f"/api/v1/actions?task={task}", headers=headers).get_json()
    assert a["items"][0]["title"] == "Fraværsplan" and a["items"][0]["status"] == "planned"
    t = client.get(f"/api/v1/themes?task={task}", headers=headers).get_json()
    assert t["items"] and t["items"][0]["municipalities"] == ["Aarhus"]


def test_api_is_read_only(client, headers):
    assert client.post("/api/v1/notes", headers=headers).status_code == 405
    assert client.get("/api/v1/notes", headers=headers).headers["Cache-Control"] == "no-store"
