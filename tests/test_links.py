"""Links that cannot be poisoned (issue #16): every absolute link that leaves the app comes from
BASE_URL, a request for any other host is refused, and no server names its version."""

import http.client
import os
import re
import socket
from pathlib import Path

import pytest

from delib import create_app
from tests.conftest import _config, text_of
from tests.live_server_support import gunicorn

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://delib.example.dk"
EVIL = {"Host": "evil.example"}
REFUSAL = "Adressen kendes ikke. Brug tjenestens rigtige adresse."


@pytest.fixture
def app_config():
    return {"BASE_URL": BASE}


def _login(client, email, headers=None):
    response = client.post("/login", data={"email": email, "password": "korrekt-hest-batteri"},
                           headers=headers or {})
    assert response.status_code == 302
    return response


# --------------------------------------------------------------------------- forged Host


@pytest.mark.parametrize("method,path", [("GET", "/"), ("GET", "/login"), ("POST", "/login"),
                                         ("GET", "/deltag"), ("GET", "/konto/inviter"),
                                         ("GET", "/konto/ny-adgangskode/et.token.her")])
def test_a_forged_host_is_refused_in_danish(client, method, path):
    response = client.open(path, method=method, headers=EVIL)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == REFUSAL
    assert "evil.example" not in response.get_data(as_text=True)


def test_a_forged_host_cannot_sign_in_either(client, make_user):
    user = make_user(email="karen@aarhus.dk")
    response = client.post("/login", data={"email": user.email,
                                           "password": "korrekt-hest-batteri"}, headers=EVIL)
    assert response.status_code == 400 and "Set-Cookie" not in response.headers


def test_the_configured_and_local_hosts_are_answered(client):
    assert client.get("/login", headers={"Host": "delib.example.dk"}).status_code == 200
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/login").status_code == 200  # the test client's "localhost"


@pytest.mark.parametrize("app_config", [{"BASE_URL": BASE, "TRUSTED_PROXIES": 1}])
def test_a_forged_forwarded_host_is_refused_behind_a_proxy(client):
    response = client.get("/login", headers={"X-Forwarded-Host": "evil.example",
                                              "X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 400 and response.get_data(as_text=True) == REFUSAL


# --------------------------------------------------------------------------- the links


def _invite_link(client) -> str:
    response = client.post("/konto/inviter", data={
        "name": "Ny Sekretær", "email": "sekretaer@aarhus.dk", "role": "chair"},
        headers={"Host": "127.0.0.1"})
    assert response.status_code == 200, text_of(response)
    match = re.search(r'value="([^"]*/konto/ny-adgangskode/[^"]+)"',
                      response.get_data(as_text=True))
    assert match, text_of(response)
    return match.group(1)


def test_an_invitation_link_names_the_configured_address(client, make_user):
    admin = make_user(role="municipal_admin", email="admin@aarhus.dk")
    _login(client, admin.email, {"Host": "127.0.0.1"})
    link = _invite_link(client)
    assert link.startswith(f"{BASE}/konto/ny-adgangskode/"), link
    # The link works at the configured address.
    page = client.get(link.removeprefix(BASE), headers={"Host": "delib.example.dk"})
    assert "sekretaer@aarhus.dk" in text_of(page)


def test_a_password_link_from_the_command_line_names_the_configured_address(runner, make_user):
    make_user(email="karen@aarhus.dk")
    result = runner.invoke(args=["password-link", "--user", "karen@aarhus.dk"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith(f"{BASE}/konto/ny-adgangskode/")


def test_the_join_link_names_the_configured_address(client, make_committee):
    committee = make_committee()
    _login(client, committee.chairs[0].email, {"Host": "127.0.0.1"})
    page = client.get(f"/udvalg/{committee.id}", headers={"Host": "127.0.0.1"})
    html = page.get_data(as_text=True)
    assert f'href="{BASE}/deltag/{committee.join_code}"' in html
    assert "127.0.0.1" not in html and "localhost" not in html


def test_the_api_description_names_the_configured_address(client):
    document = client.get("/api/openapi.json", headers={"Host": "127.0.0.1"}).get_json()
    assert [server["url"] for server in document["servers"]] == [f"{BASE}/api"]


# --------------------------------------------------------------------------- production


def _production(tmp_path, **overrides):
    return _config(tmp_path, TESTING=False, SESSION_COOKIE_SECURE=True, **overrides)


def test_production_refuses_to_start_without_a_base_url(tmp_path):
    with pytest.raises(RuntimeError, match="BASE_URL is not set"):
        create_app(_production(tmp_path))
    with pytest.raises(RuntimeError, match="https"):
        create_app(_production(tmp_path, BASE_URL="http://delib.example.dk"))


def test_production_answers_only_its_own_host(tmp_path):
    app = create_app(_production(tmp_path, BASE_URL=f"{BASE}/"))
    assert app.config["BASE_URL"] == BASE
    assert app.config["TRUSTED_HOSTS"] == ["delib.example.dk"]
    client = app.test_client()
    assert client.get("/login", base_url=BASE).status_code == 200
    assert client.get("/login", base_url="https://localhost").status_code == 400
    assert client.get("/login", base_url=BASE, headers=EVIL).status_code == 400


def test_development_defaults_to_the_dev_servers_address(tmp_path):
    app = create_app(_config(tmp_path))
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert set(app.config["TRUSTED_HOSTS"]) == {"127.0.0.1", "localhost"}


# --------------------------------------------------------------------------- Server header


def test_nginx_sample_hides_its_version_and_drops_unknown_hosts():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"^server_tokens off;", conf, re.M)
    assert "return 444;" in conf and "default_server" in conf
    assert "https://$host" not in conf  # redirects name the configured server, not the request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs on SQLite only")
def test_gunicorn_with_the_deploy_config_names_no_version(tmp_path):
    """What `make serve` and the deployment run: no product version in the Server header."""
    port = _free_port()
    env = {**os.environ, "DELIB_SECRET_KEY": "server-header-test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite'}",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    answers = {}

    def ready():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/static/delib.css")
        answers["css"] = connection.getresponse()
        answers["css"].read()
        return True

    with gunicorn(["-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--chdir", str(ROOT),
                   "wsgi:app"], env, tmp_path / "gunicorn.log", ready, timeout=60):
        response = answers["css"]
        assert response.status == 200
        server = response.getheader("Server") or ""
        assert not re.search(r"\d", server), server
        assert not re.search(r"gunicorn|werkzeug|python", server, re.I), server
