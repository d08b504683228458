"""KL's read-only JSON API: bearer token required, OpenAPI served, submitted data only."""

import pytest

from delib.extensions import db
from delib.models import ApiToken, Note
from delib.services import api_tokens
from delib.services.demo import NoteSpec, make_submission


@pytest.fixture
def analyst(make_user):
    return make_user(role="kl_analyst", email="api@kl.dk", municipality=None)


@pytest.fixture
def token(analyst):
    _row, secret = api_tokens.create_token(analyst, "Notebook")
    db.session.commit()
    return secret


@pytest.fixture
def headers(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def data(event, make_committee):
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


def test_every_documented_path_exists(client, headers, data):
    doc = client.get("/api/openapi.json").get_json()
    for path in doc["paths"]:
        assert client.get("/api" + path, headers=headers).status_code == 200, path


@pytest.mark.parametrize("auth", [None, "Bearer", "Bearer nope", "Basic YTpi",
                                  "Bearer delib_" + "x" * 43])
def test_token_required(client, data, auth):
    headers = {"Authorization": auth} if auth else {}
    response = client.get("/api/v1/notes", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "API-nøgle" in response.get_json()["error"]
    assert "Skolefraværet" not in response.get_data(as_text=True)


def test_session_login_is_not_enough(client, analyst, data, auth):
    auth.login("api@kl.dk")
    assert client.get("/api/v1/notes").status_code == 401


def test_token_is_stored_only_as_hash(token):
    row = db.session.scalars(db.select(ApiToken)).one()
    assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
    assert row.prefix == token[:12]


def test_revoked_token_and_non_kl_owner_refused(client, token, headers, analyst, data):
    assert client.get("/api/v1/notes", headers=headers).status_code == 200
    analyst.role = "chair"
    db.session.commit()
    assert client.get("/api/v1/notes", headers=headers).status_code == 401
    analyst.role = "kl_analyst"
    api_tokens.revoke(db.session.scalars(db.select(ApiToken)).one())
    db.session.commit()
    assert client.get("/api/v1/notes", headers=headers).status_code == 401


def test_chairs_cannot_get_tokens(make_user):
    from delib.services import DomainError

    chair = make_user(role="chair")
    with pytest.raises(DomainError):
        api_tokens.create_token(chair, "x")


def test_notes_latest_submitted_only_with_search(client, headers, data):
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


def test_participation_and_matrix(client, headers, event, data):
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


def test_bad_filter_is_a_400_in_danish(client, headers, data):
    response = client.get("/api/v1/notes?task=99999", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "Den valgte opgave findes ikke."


def test_summaries_actions_themes(client, headers, event, data):
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


def test_cli_creates_token_once(runner, analyst):
    result = runner.invoke(args=["create-api-token", "--email", "api@kl.dk", "--name", "R"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("delib_")
    assert api_tokens.verify(secret).email == "api@kl.dk"
    result = runner.invoke(args=["create-api-token", "--email", "nobody@kl.dk"])
    assert result.exit_code != 0 and "ingen bruger" in result.output


def test_kl_user_creates_and_revokes_a_token_in_the_browser(client, analyst, auth, data):
    auth.login("api@kl.dk")
    response = client.post("/kl/api-noegler", data={"name": "Min analyse"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = html.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("delib_")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/notes", headers=headers).status_code == 200
    listing = client.get("/kl/api-noegler").get_data(as_text=True)
    assert "Min analyse" in listing and secret not in listing  # shown once only
    token = db.session.scalars(db.select(ApiToken)).one()
    confirm = client.get(f"/kl/api-noegler/{token.id}/tilbagekald")
    assert "Tilbagekald API-nøglen »Min analyse«?" in confirm.get_data(as_text=True)
    client.post(f"/kl/api-noegler/{token.id}/tilbagekald")
    assert client.get("/api/v1/notes", headers=headers).status_code == 401
    assert "Tilbagekaldt" in client.get("/kl/api-noegler").get_data(as_text=True)


def test_tokens_of_others_cannot_be_revoked(client, make_user, auth, token):
    make_user(role="kl_analyst", email="other@kl.dk", municipality=None)
    auth.login("other@kl.dk")
    token_id = db.session.scalars(db.select(ApiToken)).one().id
    assert client.get(f"/kl/api-noegler/{token_id}/tilbagekald").status_code == 404
    assert client.post(f"/kl/api-noegler/{token_id}/tilbagekald").status_code == 404
    assert api_tokens.verify(token) is not None


def test_chairs_cannot_reach_the_token_page(client, make_user, auth):
    make_user(role="chair", email="c@aarhus.dk")
    auth.login("c@aarhus.dk")
    assert client.get("/kl/api-noegler").status_code == 403
    assert client.post("/kl/api-noegler", data={"name": "x"}).status_code == 403
