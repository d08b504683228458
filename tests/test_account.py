"""Staff accounts: password change, the second factor (TOTP), invitations and set-up links."""

import re
import time

import pyotp
import pytest
from flask import current_app
from sqlalchemy import select

from delib.auth import check_password
from delib.extensions import db
from delib.models import AuditEntry, User
from tests.conftest import text_of


def secret_on(response) -> str:
    match = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>',
                      response.get_data(as_text=True))
    assert match, "the set-up page shows the key"
    return match.group(1).replace(" ", "")


def code_for(secret, offset_steps=0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset_steps * totp.interval)


def signed_in_as(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


@pytest.fixture
def chair(make_user):
    return make_user(email="formand@example.dk", name="Karen Formand")


class TestPassword:
    def test_change_needs_the_current_password(self, client, auth, chair):
        auth.login(chair.email)
        response = client.post("/konto/adgangskode", data={
            "current": "forkert", "password": "en-ny-og-lang-kode", "repeat": "en-ny-og-lang-kode"})
        assert response.status_code == 422
        assert "Din nuværende adgangskode er forkert." in text_of(response)
        db.session.refresh(chair)
        assert check_password(chair.password_hash, "korrekt-hest-batteri")

    @pytest.mark.parametrize("new,repeat,message", [
        ("kort", "kort", "mindst 10 tegn"),
        ("en-ny-og-lang-kode", "en-anden-kode-123", "De to adgangskoder er ikke ens."),
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa", "for let at gætte"),
        ("formand@example.dk", "formand@example.dk", "må ikke være din e-mail"),
    ])
    def test_weak_or_mistyped_passwords_are_refused(self, client, auth, chair, new, repeat,
                                                    message):
        auth.login(chair.email)
        response = client.post("/konto/adgangskode", data={
            "current": "korrekt-hest-batteri", "password": new, "repeat": repeat})
        assert response.status_code == 422
        assert message in text_of(response)

    def test_change_works_and_the_old_password_stops(self, client, auth, chair, make_client):
        auth.login(chair.email)
        response = client.post("/konto/adgangskode", data={
            "current": "korrekt-hest-batteri", "password": "blå-hest-på-tag", "repeat":
            "blå-hest-på-tag"})
        assert response.status_code == 302
        assert "Din adgangskode er ændret." in text_of(client.get("/konto/"))
        other, other_auth = make_client()
        assert "Forkert e-mail" in text_of(other_auth.login(chair.email))
        assert other_auth.login(chair.email, "blå-hest-på-tag").status_code == 302

    def test_participants_have_no_account_page(self, client, auth, make_committee):
        auth.join(make_committee(), "Anna")
        assert client.get("/konto/").status_code == 403
        assert client.get("/konto/totp").status_code == 403


class TestSecondFactor:
    def _enable(self, client, auth, user):
        auth.login(user.email)
        secret = secret_on(client.get("/konto/totp"))
        response = client.post("/konto/totp", data={"code": code_for(secret)})
        assert response.status_code == 302
        return secret

    def test_a_chair_turns_it_on_with_a_correct_code(self, client, auth, chair):
        auth.login(chair.email)
        page = client.get("/konto/totp")
        secret = secret_on(page)
        assert "otpauth://totp/" in page.get_data(as_text=True)
        wrong = client.post("/konto/totp", data={"code": "000000" if code_for(secret) != "000000"
                                                  else "111111"})
        assert wrong.status_code == 422
        assert "Koden er forkert eller udløbet" in text_of(wrong)
        assert "sekscifrede" in text_of(client.post("/konto/totp", data={"code": "12"}))
        db.session.refresh(chair)
        assert chair.totp_secret is None
        assert client.post("/konto/totp", data={"code": code_for(secret)}).status_code == 302
        db.session.refresh(chair)
        assert chair.totp_secret == secret
        assert "Slået til" in text_of(client.get("/konto/"))

    def test_sign_in_then_asks_for_the_code(self, client, auth, chair, make_client):
        secret = self._enable(client, auth, chair)
        browser, actions = make_client()
        response = actions.login(chair.email)
        assert response.headers["Location"].endswith("/konto/kode")
        # The password alone has not signed anyone in.
        assert signed_in_as(browser) is None
        assert browser.get("/udvalg/").status_code == 302
        wrong = browser.post("/konto/kode", data={"code": "12345"})
        assert "sekscifrede" in text_of(wrong) and signed_in_as(browser) is None
        response = browser.post("/konto/kode", data={"code": code_for(secret, +1)})
        assert response.status_code == 302 and response.headers["Location"].endswith("/udvalg/")
        assert signed_in_as(browser) == chair.get_id()

    def test_a_code_works_only_once(self, client, auth, chair, make_client):
        secret = self._enable(client, auth, chair)
        first, first_actions = make_client()
        first_actions.login(chair.email)
        code = code_for(secret, +1)
        assert first.post("/konto/kode", data={"code": code}).status_code == 302
        second, second_actions = make_client()
        second_actions.login(chair.email)
        replay = second.post("/konto/kode", data={"code": code})
        assert replay.status_code == 422
        assert "Koden er allerede brugt" in text_of(replay)
        assert signed_in_as(second) is None

    def test_the_password_step_expires(self, client, auth, chair, make_client):
        secret = self._enable(client, auth, chair)
        browser, actions = make_client()
        actions.login(chair.email)
        with browser.session_transaction() as session:
            session["second_factor"]["at"] -= 3600
            session.modified = True
        response = browser.post("/konto/kode", data={"code": code_for(secret, +1)})
        assert response.headers["Location"].endswith("/login")
        assert signed_in_as(browser) is None

    def test_code_page_without_password_step_goes_to_login(self, client):
        response = client.get("/konto/kode")
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    def test_turning_it_off_needs_a_code(self, client, auth, chair):
        secret = self._enable(client, auth, chair)
        refused = client.post("/konto/totp/slaa-fra", data={"code": "99999x"})
        assert refused.status_code == 422
        db.session.refresh(chair)
        assert chair.totp_secret == secret
        response = client.post("/konto/totp/slaa-fra", data={"code": code_for(secret, +1)})
        assert response.status_code == 302
        db.session.refresh(chair)
        assert chair.totp_secret is None
        actions = [e.action for e in db.session.scalars(select(AuditEntry))]
        assert actions == ["account.totp_on", "account.totp_off"]

    def test_kl_admin_must_set_it_up_before_getting_in(self, client, auth, make_user):
        admin = make_user(role="kl_admin", municipality=None, email="admin@kl.dk")
        response = auth.login(admin.email)
        assert response.headers["Location"].endswith("/konto/kode")
        assert signed_in_as(client) is None
        page = client.get("/konto/kode")
        assert "Som KL-administrator skal du bruge totrinsbekræftelse" in text_of(page)
        secret = secret_on(page)
        # The same key across reloads, so the app set up on the first view keeps working.
        assert secret_on(client.get("/konto/kode")) == secret
        response = client.post("/konto/kode", data={"code": code_for(secret)})
        assert response.status_code == 302
        assert signed_in_as(client) == admin.get_id()
        db.session.refresh(admin)
        assert admin.totp_secret == secret
        # And they cannot turn it off.
        client.post("/konto/totp/slaa-fra", data={"code": code_for(secret, +1)})
        db.session.refresh(admin)
        assert admin.totp_secret == secret


class TestInvitations:
    @pytest.fixture
    def municipal_admin(self, make_user):
        return make_user(role="municipal_admin", email="admin@aarhus.dk")

    def _link(self, response) -> str:
        # Built from BASE_URL, whatever host the request named (see tests/test_links.py).
        base = current_app.config["BASE_URL"]
        match = re.search(rf'value="({re.escape(base)}/konto/ny-adgangskode/[^"]+)"',
                          response.get_data(as_text=True))
        assert match, text_of(response)
        return match.group(1).replace(base, "")

    def test_invite_and_set_password_by_link(self, client, auth, municipal_admin, make_client):
        auth.login(municipal_admin.email)
        response = client.post("/konto/inviter", data={
            "name": "Ny Sekretær", "email": "Sekretaer@Aarhus.dk", "role": "chair"})
        assert response.status_code == 200
        link = self._link(response)
        user = db.session.scalar(select(User).where(User.email == "sekretaer@aarhus.dk"))
        assert user.password_hash is None and user.municipality.name == "Aarhus"
        invitee, invitee_auth = make_client()
        page = invitee.get(link)
        assert "sekretaer@aarhus.dk" in text_of(page)
        assert page.headers["Referrer-Policy"] == "no-referrer"
        short = invitee.post(link, data={"password": "kort", "repeat": "kort"})
        assert short.status_code == 422 and "mindst 10 tegn" in text_of(short)
        done = invitee.post(link, data={"password": "sommer-i-aarhus", "repeat":
                                        "sommer-i-aarhus"})
        assert done.headers["Location"].endswith("/login")
        assert invitee_auth.login("sekretaer@aarhus.dk", "sommer-i-aarhus").status_code == 302
        # The link is used up.
        again = make_client()[0].get(link)
        assert again.status_code == 400 and "Linket er allerede brugt" in text_of(again)

    def test_municipal_admin_cannot_hand_out_kl_roles(self, client, auth, municipal_admin):
        auth.login(municipal_admin.email)
        response = client.post("/konto/inviter", data={
            "name": "Snyder", "email": "snyd@example.dk", "role": "kl_admin"})
        assert response.status_code == 422
        assert "Du kan ikke invitere nogen med den rolle." in text_of(response)
        assert db.session.scalar(select(User).where(User.email == "snyd@example.dk")) is None

    def test_invitee_lands_in_the_inviters_municipality(self, client, auth, municipal_admin):
        auth.login(municipal_admin.email)
        client.post("/konto/inviter", data={"name": "X", "email": "x@example.dk",
                                            "role": "chair", "municipality": "101"})
        user = db.session.scalar(select(User).where(User.email == "x@example.dk"))
        assert user.municipality.name == "Aarhus"

    def test_duplicate_email_is_refused(self, client, auth, municipal_admin):
        auth.login(municipal_admin.email)
        response = client.post("/konto/inviter", data={
            "name": "Igen", "email": "ADMIN@aarhus.dk", "role": "chair"})
        assert "Der findes allerede en bruger med den e-mail." in text_of(response)

    def test_chairs_cannot_invite(self, client, auth, chair):
        auth.login(chair.email)
        assert client.get("/konto/inviter").status_code == 403

    def test_forged_link_is_refused(self, client):
        response = client.get("/konto/ny-adgangskode/forfalsket.token.her")
        assert response.status_code == 400
        assert "Linket er ugyldigt" in text_of(response)

    @pytest.mark.parametrize("app_config", [{"PASSWORD_LINK_MAX_AGE": -1}])
    def test_expired_link_is_refused(self, client, runner, chair):
        result = runner.invoke(args=["password-link", "--user", chair.email])
        link = result.output.strip().replace(current_app.config["BASE_URL"], "")
        response = client.get(link)
        assert response.status_code == 400
        assert "Linket er udløbet" in text_of(response)

    def test_cli_prints_a_working_link(self, client, runner, chair):
        result = runner.invoke(args=["password-link", "--user", "FORMAND@example.dk"])
        assert result.exit_code == 0, result.output
        link = result.output.strip()
        base = current_app.config["BASE_URL"]
        assert link.startswith(f"{base}/konto/ny-adgangskode/")
        response = client.post(link.replace(base, ""), data={
            "password": "ny-kode-til-formand", "repeat": "ny-kode-til-formand"})
        assert response.status_code == 302
        db.session.refresh(chair)
        assert check_password(chair.password_hash, "ny-kode-til-formand")
        missing = runner.invoke(args=["password-link", "--user", "ingen@example.dk"])
        assert missing.exit_code != 0


def test_invitee_name_is_plain_text_and_escaped(client, auth, make_user):
    admin = make_user(role="municipal_admin", email="admin@aarhus.dk")
    auth.login(admin.email)
    response = client.post("/konto/inviter", data={
        "name": "<script>alert(1)</script>\x00 Ny\u202e", "email": "ny@aarhus.dk",
        "role": "chair"})
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ny er inviteret" in html
    assert "<script>alert(1)" not in html
    user = db.session.scalar(select(User).where(User.email == "ny@aarhus.dk"))
    assert user.name == "<script>alert(1)</script> Ny"
