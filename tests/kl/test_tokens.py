"""KL's API keys: stored as a hash, made and revoked by their owner, refused once revoked."""

import pytest

from delib.extensions import db
from delib.models import ApiToken
from delib.services.kl import api_tokens


def test_token_is_stored_only_as_hash(token):
    row = db.session.scalars(db.select(ApiToken)).one()
    assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
    assert row.prefix == token[:12]


def test_revoked_token_and_non_kl_owner_refused(client, token, headers, analyst, event):
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


def test_cli_creates_token_once(runner, analyst):
    result = runner.invoke(args=["create-api-token", "--email", "api@kl.dk", "--name", "R"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("delib_")
    assert api_tokens.verify(secret).email == "api@kl.dk"
    result = runner.invoke(args=["create-api-token", "--email", "nobody@kl.dk"])
    assert result.exit_code != 0 and "ingen bruger" in result.output


def test_kl_user_creates_and_revokes_a_token_in_the_browser(client, analyst, auth, event):
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
