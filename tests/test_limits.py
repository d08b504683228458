"""Limits: note length, request size, notes per minute, sign-in and join-code attempts.

Every refusal is a clear Danish message and saves nothing partially.
"""

import pytest
from sqlalchemy import func, select

from delib.extensions import db, limiter
from delib.models import Note, Participant
from tests.conftest import HX, text_of


def _note_url(committee):
    return f"/udvalg/{committee.id}/pauser/{committee.event.slots[0].id}/noter"


def _post(client, committee, body, key, headers=HX):
    return client.post(_note_url(committee), headers=headers, data={
        "body": body, "tasks": [committee.event.tasks[0].id], "client_key": key})


def _notes() -> int:
    return db.session.scalar(select(func.count(Note.id)))


class TestNoteLength:
    def test_the_limit_is_exact(self, app, client, auth, make_committee):
        committee = make_committee()
        auth.join(committee, "Anna")
        limit = app.config["NOTE_MAX_LENGTH"]
        assert _post(client, committee, "x" * limit, "exactkey01").status_code == 201
        response = _post(client, committee, "y" * (limit + 1), "overkey001")
        assert response.status_code == 422
        assert f"Noten er for lang: {limit + 1} tegn, højst {limit}." in text_of(response)
        assert _notes() == 1

    def test_emoji_count_as_characters_not_bytes(self, app, client, auth, make_committee):
        committee = make_committee()
        auth.join(committee, "Anna")
        limit = app.config["NOTE_MAX_LENGTH"]
        # 4 bytes each in UTF-8, one character each for the person typing.
        assert _post(client, committee, "😀" * limit, "emojikey01").status_code == 201


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 20_000}])
class TestRequestSize:
    def test_too_large_a_request_is_refused_in_danish(self, client, auth, make_committee):
        committee = make_committee()
        auth.join(committee, "Anna")
        response = _post(client, committee, "z" * 30_000, "bigkey0001", headers={})
        assert response.status_code == 413
        assert "Det sendte er for stort." in text_of(response)
        assert _notes() == 0

    def test_htmx_gets_the_message_in_the_message_area(self, client, auth, make_committee):
        committee = make_committee()
        auth.join(committee, "Anna")
        response = _post(client, committee, "z" * 30_000, "bigkey0002")
        assert response.status_code == 413
        assert response.headers["HX-Retarget"] == "#messages"
        assert "Det sendte er for stort." in text_of(response)
        assert _notes() == 0

    def test_a_large_join_is_refused_without_a_participant(self, client, auth, make_committee):
        committee = make_committee()
        response = auth.join(committee, "N" * 30_000)
        assert response.status_code == 413
        assert db.session.scalar(select(func.count(Participant.id))) == 0


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                         "NOTES_RATE_LIMIT": "3 per minute"}])
class TestRateLimits:
    def test_notes_per_minute_per_participant(self, client, auth, make_committee, make_client):
        committee = make_committee()
        auth.join(committee, "Anna")
        for i in range(3):
            assert _post(client, committee, f"Note {i}", f"ratekey{i:03d}").status_code == 201
        response = _post(client, committee, "Én for meget", "ratekey999")
        assert response.status_code == 429
        assert "For mange forsøg lige nu. Vent lidt, og prøv igen." in text_of(response)
        # For htmx the message goes to the message area; the typed text stays in the form.
        assert response.headers["HX-Retarget"] == "#messages"
        assert _notes() == 3
        # Another participant in the same room (same address) is not held back.
        other, other_auth = make_client()
        other_auth.join(committee, "Bo")
        assert _post(other, committee, "Bos note", "otherkey01").status_code == 201

    def test_login_attempts_are_limited(self, client, auth, make_user):
        user = make_user(email="gaet@example.dk")
        for _ in range(10):
            assert "Forkert e-mail" in text_of(auth.login(user.email, "gæt"))
        response = auth.login(user.email)  # even the right password must wait now
        assert response.status_code == 429
        assert "For mange forsøg" in text_of(response)
        with client.session_transaction() as session:
            assert "_user_id" not in session

    def test_join_code_attempts_are_limited(self, client, auth, make_committee):
        committee = make_committee()
        for i in range(20):
            response = auth.join(f"GAET{i:06d}", "Gætter")
            assert "Koden passer ikke" in text_of(response)
        response = auth.join(committee, "Gætter")
        assert response.status_code == 429
        assert "For mange forsøg" in text_of(response)
        assert db.session.scalar(select(func.count(Participant.id))) == 0

    def test_second_factor_attempts_are_limited(self, client, make_user, auth):
        user = make_user(role="kl_admin", municipality=None, email="kl@example.dk")
        auth.login(user.email)
        for _ in range(5):
            assert client.post("/konto/kode", data={"code": "000000"}).status_code in (302, 422)
        assert client.post("/konto/kode", data={"code": "000000"}).status_code == 429


# Enabled here: the limiter is one object shared by every app a worker builds, and its storage
# exists only once an app with limits on has been set up (not if this test runs first).
@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_rate_limit_storage_is_configurable(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    # Flask-Limiter reads RATELIMIT_STORAGE_URI; several workers share limits via e.g. redis://.
    assert type(limiter.storage).__name__ == "MemoryStorage"


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_a_whole_room_can_join_from_one_address(make_committee, make_client):
    """Only failed join attempts count: 30 people behind one NAT address all get in."""
    committee = make_committee()
    for i in range(30):
        _client, actions = make_client()
        assert actions.join(committee, f"Deltager {i}").status_code == 302, i
    assert db.session.scalar(select(func.count(Participant.id))) == 30
