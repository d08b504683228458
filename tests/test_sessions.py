"""Sessions the server can end (issue #16): sign-out, a new password, the sessions page, an
admin, and a participant removed or locked out by a new join code; one participant per browser."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import AuditEntry, Participant, UserSession, utcnow
from tests.conftest import HX, plant_session, text_of

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/131.0.0.0 Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """A fresh browser holding a copy of someone's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def signed_in(client, url="/udvalg/") -> bool:
    response = client.get(url)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200, response.status_code
    return True


def login(client, email, user_agent=CHROME_WINDOWS, password="korrekt-hest-batteri"):
    response = client.post("/login", data={"email": email, "password": password},
                           headers={"User-Agent": user_agent})
    assert response.status_code == 302, text_of(response)
    return response


@pytest.fixture
def chair(make_user):
    return make_user(email="karen@aarhus.dk", name="Karen Formand")


# --------------------------------------------------------------------------- sign-out


def test_signing_out_ends_the_session_so_a_copied_cookie_is_worthless(app, client, chair):
    login(client, chair.email)
    copied = cookie_of(client)
    assert signed_in(replay(app, copied))  # the copy works while the session stands

    client.post("/logout")
    assert not signed_in(client)
    thief = replay(app, copied)
    assert not signed_in(thief)
    assert not signed_in(thief, "/konto/")
    refused = thief.post("/konto/adgangskode", data={
        "current": "korrekt-hest-batteri", "password": "overtaget-konto-1", "repeat":
        "overtaget-konto-1"})
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == chair.id))
    assert row.ended_at is not None


def test_a_cookie_without_a_server_session_signs_no_one_in(app, client, chair):
    # Signed with the right key but from before server-side sessions (or forged by someone
    # who has the key): only Flask-Login's id, no session token.
    with client.session_transaction() as session:
        session["_user_id"] = chair.get_id()
        session["_fresh"] = True
    assert not signed_in(client)


def test_the_server_ends_a_session_after_its_lifetime(app, client, chair):
    login(client, chair.email)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == chair.id))
    row.created_at -= app.permanent_session_lifetime + timedelta(minutes=1)
    db.session.commit()
    assert not signed_in(client)


def test_signing_in_again_replaces_the_browsers_session(app, client, chair):
    login(client, chair.email)
    before = cookie_of(client)
    login(client, chair.email)
    assert not signed_in(replay(app, before))
    assert signed_in(client)


# --------------------------------------------------------------------------- a new password


def test_a_new_password_signs_out_the_other_devices_not_this_one(app, client, chair,
                                                                  make_client):
    login(client, chair.email)
    before_change = cookie_of(client)
    phone, _phone_auth = make_client()
    login(phone, chair.email, SAFARI_IPHONE)
    assert signed_in(phone)

    response = client.post("/konto/adgangskode", data={
        "current": "korrekt-hest-batteri", "password": "sommer-i-aarhus-27",
        "repeat": "sommer-i-aarhus-27"})
    assert response.status_code == 302
    assert "Din adgangskode er ændret." in text_of(client.get(response.headers["Location"]))

    assert signed_in(client)  # this device: signed in, with a fresh session
    assert cookie_of(client) != before_change
    assert not signed_in(phone)
    assert not signed_in(replay(app, before_change))
    open_rows = db.session.scalar(select(func.count(UserSession.id)).where(
        UserSession.user_id == chair.id, UserSession.ended_at.is_(None)))
    assert open_rows == 1


def test_a_new_password_from_a_link_signs_out_every_device(app, client, runner, chair):
    login(client, chair.email)
    link = runner.invoke(args=["password-link", "--user", chair.email]).output.strip()
    path = link.replace(app.config["BASE_URL"], "")
    stranger = app.test_client()
    done = stranger.post(path, data={"password": "vinter-i-aarhus-27",
                                     "repeat": "vinter-i-aarhus-27"})
    assert done.status_code == 302
    assert not signed_in(client)


# --------------------------------------------------------------------------- the sessions page


def _sessions_page(client) -> str:
    response = client.get("/konto/sessioner")
    assert response.status_code == 200
    return text_of(response)


def test_the_sessions_page_lists_each_device_and_marks_this_one(client, chair, make_client):
    login(client, chair.email, CHROME_WINDOWS)
    phone, _ = make_client()
    login(phone, chair.email, SAFARI_IPHONE)
    page = _sessions_page(client)
    assert "Dine sessioner" in page
    assert "Chrome på Windows (denne enhed)" in page
    assert "Mobile Safari på iOS" in page and "Mobile Safari på iOS (denne enhed)" not in page
    assert "Log ud på alle andre enheder" in page
    # Seen from the phone, the phone is "this device".
    assert "Mobile Safari på iOS (denne enhed)" in _sessions_page(phone)
    # Someone else's sessions never show.
    assert "Firefox" not in page
    assert "Min konto" in text_of(client.get("/konto/"))
    assert "Dine sessioner" in text_of(client.get("/konto/"))


def test_ending_one_device_asks_first_then_signs_it_out(client, chair, make_client):
    login(client, chair.email, CHROME_WINDOWS)
    phone, _ = make_client()
    login(phone, chair.email, SAFARI_IPHONE)
    phone_row = db.session.scalar(select(UserSession).where(UserSession.os == "iOS"))
    url = f"/konto/sessioner/{phone_row.id}/afslut"

    confirm = client.get(url)
    assert "Log enheden ud?" in text_of(confirm)
    assert "Mobile Safari på iOS" in text_of(confirm)
    assert signed_in(phone)  # looking at the question ends nothing

    response = client.post(url)
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Enheden er logget ud." in page
    assert "Mobile Safari på iOS" not in page
    assert not signed_in(phone)
    assert signed_in(client)
    assert client.post(url).status_code == 404  # already ended
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "session.end"))


def test_ending_this_device_from_the_list_signs_out_here(client, chair):
    login(client, chair.email)
    row = db.session.scalar(select(UserSession))
    assert "Det er denne enhed" in text_of(client.get(f"/konto/sessioner/{row.id}/afslut"))
    response = client.post(f"/konto/sessioner/{row.id}/afslut")
    assert "Du er logget ud." in text_of(client.get(response.headers["Location"]))
    assert not signed_in(client)


def test_sign_out_on_all_other_devices(client, chair, make_client):
    login(client, chair.email, CHROME_WINDOWS)
    phone, _ = make_client()
    login(phone, chair.email, SAFARI_IPHONE)
    laptop, _ = make_client()
    login(laptop, chair.email, FIREFOX_LINUX)

    confirm = client.get("/konto/sessioner/andre/afslut")
    assert "Du forbliver logget ind på denne enhed." in text_of(confirm)
    assert signed_in(phone) and signed_in(laptop)
    response = client.post("/konto/sessioner/andre/afslut")
    page = text_of(client.get(response.headers["Location"]))
    assert "2 andre enheder er logget ud." in page
    assert not signed_in(phone) and not signed_in(laptop)
    assert signed_in(client)
    assert "Log ud på alle andre enheder" not in _sessions_page(client)  # nothing else open


def test_nobody_ends_someone_elses_session(client, chair, make_user, make_client):
    other = make_user(email="jens@odense.dk", municipality="Odense")
    theirs, _ = make_client()
    login(theirs, other.email, FIREFOX_LINUX)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == other.id))
    login(client, chair.email)
    assert client.get(f"/konto/sessioner/{row.id}/afslut").status_code == 404
    assert client.post(f"/konto/sessioner/{row.id}/afslut").status_code == 404
    assert signed_in(theirs)


def _last_seen(row_id):
    # On a connection of its own: what is committed, not what this test's session holds.
    with db.engine.connect() as connection:
        return connection.scalar(select(UserSession.last_seen_at).where(UserSession.id == row_id))


def test_last_seen_is_written_by_a_post_at_most_every_five_minutes(client, chair):
    login(client, chair.email)
    row = db.session.scalar(select(UserSession))
    row_id, an_hour_ago = row.id, utcnow() - timedelta(hours=1)
    row.last_seen_at = an_hour_ago
    db.session.commit()

    assert signed_in(client)  # a GET never writes
    assert _last_seen(row_id) == an_hour_ago

    client.post("/konto/sessioner/andre/afslut")  # any request that saves something
    seen = _last_seen(row_id)
    assert seen > an_hour_ago + timedelta(minutes=50)

    client.post("/konto/sessioner/andre/afslut")  # within five minutes: no second write
    assert _last_seen(row_id) == seen


# --------------------------------------------------------------------------- an admin


def test_a_municipal_admin_signs_out_a_chair_of_their_municipality(client, chair, make_user,
                                                                     make_client):
    admin = make_user(role="municipal_admin", email="admin@aarhus.dk")
    karen, _ = make_client()
    login(karen, chair.email)
    karen_phone, _ = make_client()
    login(karen_phone, chair.email, SAFARI_IPHONE)
    login(client, admin.email)

    found = client.get("/konto/personer", query_string={"email": chair.email})
    assert "Log ud på alle enheder" in text_of(found)
    url = f"/konto/personer/bruger/{chair.id}/log-ud"
    confirm = client.get(url)
    assert "Log Karen Formand" in text_of(confirm)
    assert "ud på alle enheder?" in text_of(confirm)
    assert signed_in(karen)
    response = client.post(url)
    assert "Karen Formand er logget ud på alle enheder." in text_of(
        client.get(response.headers["Location"]))
    assert not signed_in(karen) and not signed_in(karen_phone)
    assert signed_in(client)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "session.end_person"))
    assert entry.actor_id == admin.get_id() and entry.target == f"user:{chair.id}"
    # Karen signs in again as usual.
    login(karen, chair.email)
    assert signed_in(karen)


def test_an_admin_of_another_municipality_cannot_sign_them_out(client, chair, make_user,
                                                                 make_client):
    admin = make_user(role="municipal_admin", email="admin@odense.dk", municipality="Odense")
    karen, _ = make_client()
    login(karen, chair.email)
    login(client, admin.email)
    url = f"/konto/personer/bruger/{chair.id}/log-ud"
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert signed_in(karen)


def test_a_kl_admin_signs_out_anyone_and_a_chair_no_one(client, chair, make_user, make_client):
    analyst = make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    theirs, _ = make_client()
    login(theirs, analyst.email)
    login(client, chair.email)
    assert client.post(f"/konto/personer/bruger/{analyst.id}/log-ud").status_code == 403
    assert signed_in(theirs, "/konto/")

    kl_admin = make_user(role="kl_admin", email="admin@kl.dk", municipality=None)
    admin_client, _ = make_client()
    plant_session(admin_client, kl_admin)  # KL admins pass a second factor first
    admin_client.post(f"/konto/personer/bruger/{analyst.id}/log-ud")
    assert not signed_in(theirs, "/konto/")


def test_an_admin_signs_out_a_participant(client, make_committee, make_user, make_client):
    committee = make_committee()
    mette_client, mette = make_client()
    mette.join(committee, name="Mette")
    participant = db.session.scalar(select(Participant))
    admin = make_user(role="municipal_admin", email="admin@aarhus.dk")
    login(client, admin.email)
    client.post(f"/konto/personer/deltager/{participant.id}/log-ud")
    gone = mette_client.get(f"/udvalg/{committee.id}")
    assert gone.status_code == 302
    assert "Du er ikke længere logget ind i udvalget" in text_of(
        mette_client.get(gone.headers["Location"]))


# --------------------------------------------------------------------------- participants


def _ended_participant_sees_why(client, committee):
    gone = client.get(f"/udvalg/{committee.id}")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    page = text_of(client.get(gone.headers["Location"]))
    assert ("Du er ikke længere logget ind i udvalget: formanden har fjernet dig eller lavet en "
            "ny kode. Bed om den nye kode, og deltag igen.") in page


def test_a_removed_participants_copied_cookie_gets_a_danish_refusal(app, client, auth,
                                                                     make_committee,
                                                                     make_client):
    committee = make_committee()
    mette_client, mette = make_client()
    mette.join(committee, name="Mette")
    copied = cookie_of(mette_client)
    participant = db.session.scalar(select(Participant))
    auth.login(committee.chairs[0].email)
    client.post(f"/udvalg/{committee.id}/deltagere/{participant.id}/fjern")
    _ended_participant_sees_why(replay(app, copied), committee)
    _ended_participant_sees_why(mette_client, committee)


def test_a_new_join_code_ends_every_participants_session(app, client, auth, make_committee,
                                                         make_client, event):
    committee = make_committee()
    mette_client, mette = make_client()
    mette.join(committee, name="Mette")
    copied = cookie_of(mette_client)
    slot_url = f"/udvalg/{committee.id}/pauser/{event.slots[0].id}/noter"
    first = mette_client.get(slot_url, headers=HX)
    etag = first.headers["ETag"]
    assert mette_client.get(slot_url, headers={**HX, "If-None-Match": etag}).status_code == 304

    auth.login(committee.chairs[0].email)
    confirm = client.get(f"/udvalg/{committee.id}/kode")
    assert "skal deltage igen med den nye kode" in text_of(confirm)
    client.post(f"/udvalg/{committee.id}/kode")

    # The break screen's cheap poll checks the session too: no 304 for an ended session.
    poll = mette_client.get(slot_url, headers={**HX, "If-None-Match": etag})
    assert poll.status_code == 200 and "/login" in poll.headers["HX-Redirect"]
    _ended_participant_sees_why(replay(app, copied), committee)
    _ended_participant_sees_why(mette_client, committee)
    assert signed_in(client, f"/udvalg/{committee.id}")  # the chair is not a participant


def test_after_a_new_code_the_same_browser_joins_again_as_the_same_participant(
        client, auth, make_committee, make_client):
    committee = make_committee()
    mette_client, mette = make_client()
    mette.join(committee, name="Mette")
    participant = db.session.scalar(select(Participant))
    auth.login(committee.chairs[0].email)
    client.post(f"/udvalg/{committee.id}/kode")
    db.session.refresh(committee)

    response = mette.join(committee, name="Mette")
    assert response.status_code == 302
    assert signed_in(mette_client, f"/udvalg/{committee.id}")
    assert db.session.scalar(select(func.count(Participant.id))) == 1
    with mette_client.session_transaction() as session:
        assert session["_user_id"] == participant.get_id()
    page = text_of(client.get(f"/udvalg/{committee.id}"))
    assert "Mette (2)" not in page


# --------------------------------------------------------------------------- the same name twice


def test_the_same_browser_joining_twice_is_one_participant(client, auth, make_committee,
                                                           make_client):
    committee = make_committee()
    mette_client, mette = make_client()
    mette.join(committee, name="Mette")
    mette.join(committee, name="Mette")
    assert db.session.scalar(select(func.count(Participant.id))) == 1
    auth.login(committee.chairs[0].email)
    page = text_of(client.get(f"/udvalg/{committee.id}"))
    assert page.count("Mette") == 2  # the name, and "Fjern Mette" for screen readers
    assert "Mette (2)" not in page


def test_two_people_with_the_same_name_are_told_apart(client, auth, make_committee,
                                                      make_client, event):
    committee = make_committee()
    first_client, first = make_client()
    first.join(committee, name="Mette")
    second_client, second = make_client()
    second.join(committee, name="mette")  # case does not make a different name
    third_client, third = make_client()
    third.join(committee, name="Mette")
    names = sorted(db.session.scalars(select(Participant.display_name)))
    assert names == ["Mette", "Mette (3)", "mette (2)"]

    slot = event.slots[0]
    second_client.post(f"/udvalg/{committee.id}/pauser/{slot.id}/noter", data={
        "body": "PPR-ventetid: 14 uger, skal ned", "tasks": [event.tasks[1].id],
        "client_key": "a" * 32})
    auth.login(committee.chairs[0].email)
    page = text_of(client.get(f"/udvalg/{committee.id}"))
    assert "Mette" in page and "mette (2)" in page and "Mette (3)" in page
    notes = text_of(first_client.get(f"/udvalg/{committee.id}/pauser/{slot.id}"))
    assert "PPR-ventetid: 14 uger, skal ned" in notes and "mette (2)" in notes


def test_signing_in_with_a_second_factor_opens_a_server_session(app, client, make_user):
    import pyotp

    admin = make_user(role="kl_admin", email="admin@kl.dk", municipality=None)
    admin.totp_secret = pyotp.random_base32()
    db.session.commit()
    login(client, admin.email, FIREFOX_LINUX)
    assert db.session.scalar(select(func.count(UserSession.id))) == 0  # the password alone: none
    response = client.post("/konto/kode", data={"code": pyotp.TOTP(admin.totp_secret).now()},
                           headers={"User-Agent": FIREFOX_LINUX})
    assert response.status_code == 302
    assert "Firefox på Linux (denne enhed)" in _sessions_page(client)
    copied = cookie_of(client)
    client.post("/logout")
    assert not signed_in(replay(app, copied), "/konto/")
