"""CSRF on every state-changing request (htmx included), security headers, session handling."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import Committee, Note
from tests.conftest import HX, text_of

TEMPLATES = Path(__file__).resolve().parent.parent / "delib" / "templates"


def csrf_token_from(response) -> str:
    """The CSRF token a page hands out (hidden input or the hx-headers on <body>)."""
    html = response.get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, "page carries no CSRF token"
    return match.group(1)


def _first_slot(committee):
    return committee.event.slots[0]


def _note_count() -> int:
    return db.session.scalar(select(func.count(Note.id)))


def _note_data(event, body="En note", key="csrfkey0001"):
    return {"body": body, "tasks": [event.tasks[0].id], "client_key": key}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


class TestCsrf:
    def _join(self, client, committee, name="Deltager"):
        token = csrf_token_from(client.get("/deltag"))
        response = client.post("/deltag", data={"code": committee.join_code,
                                                "display_name": name, "csrf_token": token})
        assert response.status_code == 302
        return response

    def test_join_without_token_is_refused_and_creates_nobody(self, client, make_committee):
        committee = make_committee()
        response = client.post("/deltag", data={"code": committee.join_code, "display_name": "X"})
        assert response.status_code == 400
        assert "Din session er udløbet" in text_of(response)
        assert committee.participants == []

    def test_note_post_without_token_is_refused_and_saves_nothing(self, client, make_committee,
                                                                   event):
        committee = make_committee()
        self._join(client, committee)
        slot = _first_slot(committee)
        url = f"/udvalg/{committee.id}/pauser/{slot.id}/noter"
        before = _note_count()
        response = client.post(url, data=_note_data(event, "Uden token"), headers=HX)
        assert response.status_code == 400
        # The htmx answer goes to the message area and leaves the typed text alone.
        assert response.headers["HX-Retarget"] == "#messages"
        assert "genindlæs siden" in text_of(response)
        assert _note_count() == before
        # A wrong token is no better than none.
        response = client.post(url, data=_note_data(event, "Forkert token"),
                               headers={**HX, "X-CSRFToken": "forged"})
        assert response.status_code == 400
        assert _note_count() == before

    def test_htmx_post_with_header_token_is_saved(self, client, make_committee, event):
        committee = make_committee()
        self._join(client, committee)
        slot = _first_slot(committee)
        page = client.get(f"/udvalg/{committee.id}/pauser/{slot.id}")
        token = csrf_token_from(page)
        # The token sits in hx-headers on <body>, so every htmx request carries it.
        assert 'hx-headers=\'{"X-CSRFToken": "' in page.get_data(as_text=True)
        response = client.post(f"/udvalg/{committee.id}/pauser/{slot.id}/noter",
                               data=_note_data(event, "Med token i headeren"),
                               headers={**HX, "X-CSRFToken": token})
        assert response.status_code == 201
        assert "Med token i headeren" in text_of(response)
        assert db.session.scalar(select(Note.body)) == "Med token i headeren"

    def test_token_has_no_time_limit(self, app):
        # Note pages stay open all day: the token lives as long as the session.
        assert app.config["WTF_CSRF_TIME_LIMIT"] is None

    def test_rotate_code_without_token_changes_nothing(self, client, make_committee, make_user):
        chair = make_user(email="formand@example.dk")
        committee = make_committee(chair=chair)
        old_code = committee.join_code
        token = csrf_token_from(client.get("/login"))
        client.post("/login", data={"email": chair.email, "password": "korrekt-hest-batteri",
                                    "csrf_token": token})
        response = client.post(f"/udvalg/{committee.id}/kode", data={})
        assert response.status_code == 400
        db.session.expire_all()
        assert db.session.get(Committee, committee.id).join_code == old_code

    def test_logout_without_token_keeps_the_session(self, client, make_committee):
        committee = make_committee()
        self._join(client, committee)
        assert client.post("/logout").status_code == 400
        assert client.get(f"/udvalg/{committee.id}").status_code == 200


class TestHeaders:
    @pytest.mark.parametrize("path", ["/", "/login", "/deltag", "/findes-ikke", "/privatliv"])
    def test_security_headers_on_every_kind_of_page(self, client, path):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        directives = dict(
            (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
        )
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert directives["script-src"] == "'self'"
        # No third-party origin anywhere: every source is 'self', 'none' or data: (images).
        for name, sources in directives.items():
            for source in sources.split():
                assert source in ("'self'", "'none'", "data:"), (name, source)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in (
            "same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin")
        assert response.headers["X-Frame-Options"] == "DENY"

    def test_hsts_only_over_https(self, client):
        assert "Strict-Transport-Security" not in client.get("/").headers
        secure = client.get("/", base_url="https://localhost")
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


class TestTemplatesStayCspClean:
    """A strict CSP only helps if the templates need nothing it forbids; checked for all of them."""

    templates = sorted(TEMPLATES.rglob("*.html"))

    @pytest.mark.parametrize("path", templates, ids=lambda p: str(p.relative_to(TEMPLATES)))
    def test_no_inline_code_styles_or_safe(self, path):
        # Jinja comments may talk about what is forbidden; they never reach the page.
        source = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", source, flags=re.S | re.I):
            attrs, body = match.groups()
            assert "src=" in attrs and not body.strip(), f"inline script in {path.name}"
        assert not re.search(r"\sstyle\s*=", source), f"style attribute in {path.name}"
        assert not re.search(r"<style\b", source), f"<style> block in {path.name}"
        assert not re.search(r"\son[a-z]+\s*=", source), f"on* handler in {path.name}"
        assert not re.search(r"\shx-on", source), f"hx-on (needs eval) in {path.name}"
        assert not re.search(r"\|\s*safe\b", source), f"|safe in {path.name}: user text unescaped"


@pytest.mark.usefixtures("app")
class TestSession:
    def _login(self, client, email, password="korrekt-hest-batteri"):
        token = csrf_token_from(client.get("/login"))
        return client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token})

    def test_passwords_are_hashed_with_argon2id(self, make_user):
        user = make_user()
        assert user.password_hash.startswith("$argon2id$")
        assert "korrekt-hest-batteri" not in user.password_hash

    def test_login_starts_a_fresh_session(self, client, make_user):
        user = make_user(email="fiksering@example.dk")
        with client.session_transaction() as session:
            session["planted"] = "af en angriber"
        response = self._login(client, user.email)
        assert response.status_code == 302
        with client.session_transaction() as session:
            assert "planted" not in session
            assert session["_user_id"] == f"u:{user.id}"

    def test_cookie_is_httponly_and_samesite(self, client, make_user):
        user = make_user(email="cookie@example.dk")
        response = self._login(client, user.email)
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http in tests; see the https case below

    def test_logout_is_post_only_and_forgets_the_session(self, client, make_user):
        user = make_user(email="ud@example.dk")
        self._login(client, user.email)
        assert client.get("/udvalg/").status_code == 200
        assert client.get("/logout").status_code == 405
        token = csrf_token_from(client.get("/udvalg/"))
        response = client.post("/logout", data={"csrf_token": token})
        assert response.status_code == 302
        after = client.get("/udvalg/")
        assert after.status_code == 302 and "/login" in after.headers["Location"]

    def test_wrong_password_says_so_in_danish(self, client, make_user):
        user = make_user(email="forkert@example.dk")
        response = self._login(client, user.email, "forkert")
        assert "Forkert e-mail eller adgangskode." in text_of(response)
        with client.session_transaction() as session:
            assert "_user_id" not in session


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True,
                                         "WTF_CSRF_ENABLED": False}])
def test_secure_cookie_when_configured_for_https(client, make_user):
    user = make_user(email="https@example.dk")
    response = client.post("/login", data={"email": user.email,
                                           "password": "korrekt-hest-batteri"},
                           base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1, "WTF_CSRF_ENABLED": False}])
def test_behind_a_proxy_https_is_recognised(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https",
                                        "X-Forwarded-For": "203.0.113.7"})
    assert "Strict-Transport-Security" in response.headers

