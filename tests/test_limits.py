"""Limits: note length, request size, notes per minute, sign-in and join-code attempts.

Every refusal is a clear Danish message and saves nothing partially.
"""

import os
import random
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from limits import parse_many
from sqlalchemy import func, select, update

from delib.extensions import db, limiter
from delib.models import Note, Participant, utcnow
from delib.services.committees import CODE_ALPHABET, CODE_LENGTH, format_join_code
from tests.conftest import HX, text_of
from tests.live_server_support import PID_APP, Browser, gunicorn, hidden_value

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 20_000,
                                         "RATELIMIT_ENABLED": True}])
def test_a_large_join_leaves_the_limits_counting_where_they_should(auth, make_committee):
    response = auth.join(make_committee(), "N" * 30_000)
    assert response.status_code == 413
    assert "Det sendte er for stort." in text_of(response)
    # The join limit's key could not read the form; that must not look like a storage failure
    # (Flask-Limiter would switch to counting in this process's memory).
    assert limiter.limiter.storage is limiter.storage


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
        assert ("Du har gemt mange noter på kort tid. Vent et øjeblik, og gem så igen. "
                "Denne note er ikke gemt endnu.") in text_of(response)
        # For htmx the message goes to the message area; the typed text stays in the form.
        assert response.headers["HX-Retarget"] == "#messages"
        assert _notes() == 3
        # A resend of a note already saved (a dropped answer, the same key) is never refused.
        resent = _post(client, committee, "Note 2", "ratekey002")
        assert resent.status_code == 200
        assert "Note 2" in text_of(resent)
        assert _notes() == 3
        # Another participant in the same room (same address) is not held back.
        other, other_auth = make_client()
        other_auth.join(committee, "Bo")
        assert _post(other, committee, "Bos note", "otherkey01").status_code == 201

    def test_notes_older_than_the_window_do_not_count(self, client, auth, make_committee):
        committee = make_committee()
        auth.join(committee, "Anna")
        for i in range(3):
            assert _post(client, committee, f"Punkt {i}", f"oldkey{i:04d}").status_code == 201
        assert _post(client, committee, "Et for tidligt", "oldkey0009").status_code == 429
        # A minute and a bit later the three no longer count.
        db.session.execute(update(Note).values(created_at=utcnow() - timedelta(seconds=61)))
        db.session.commit()
        assert _post(client, committee, "Nu igen", "oldkey0010").status_code == 201
        assert _notes() == 4

    def test_a_chair_writing_notes_is_limited_too(self, client, auth, make_committee):
        committee = make_committee()
        auth.login(committee.chairs[0].email)
        for i in range(3):
            assert _post(client, committee, f"Formand {i}", f"chairkey{i:03d}").status_code == 201
        response = _post(client, committee, "Formand igen", "chairkey999")
        assert response.status_code == 429
        assert "Du har gemt mange noter på kort tid" in text_of(response)
        assert _notes() == 3

    def test_login_attempts_are_limited(self, client, auth, make_user):
        user = make_user(email="gaet@example.dk")
        for _ in range(10):
            assert "Forkert e-mail" in text_of(auth.login(user.email, "gæt"))
        response = auth.login(user.email)  # even the right password must wait now
        assert response.status_code == 429
        assert "For mange forsøg" in text_of(response)
        with client.session_transaction() as session:
            assert "_user_id" not in session

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("app_config", [{
    "RATELIMIT_ENABLED": True,
    # Nothing listens there: Redis as production configures it, down.
    "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{_free_port()}/0",
    "JOIN_LIMIT_PER_CODE": "2 per minute"}])
def test_redis_storage_as_documented_and_limits_hold_while_it_is_down(app, make_committee,
                                                                      make_client):
    """DELIB_RATELIMIT_STORAGE_URI=redis://... gives Redis storage (docs/deployment.md); if Redis
    is unreachable, joining still works and the limits still count (in the process's memory)."""
    from limits.storage import RedisStorage

    assert isinstance(limiter.storage, RedisStorage)
    committee = make_committee()
    guesser, guess = make_client()
    for _ in range(2):
        assert "Koden passer ikke" in text_of(guess.join("QQQQ-QQQQ-QQ", "Gætter"))
    assert guess.join("QQQQ-QQQQ-QQ", "Gætter").status_code == 429
    _client, member = make_client()
    assert member.join(committee, "Karin").status_code == 302


@pytest.fixture(autouse=True)
def _limiter_storage_alive():
    """The limiter is one object for every app of the process, and it remembers a dead storage
    (the Redis test) across apps: it would switch back to the next app's storage some seconds
    into a later test and lose that test's counts. Flask-Limiter has no public reset for it."""
    yield
    limiter._storage_dead = False


# --------------------------------------------------------------------------- joining at a venue

#: A town hall's (or the summit hall's) one public address: every phone in the room behind it.
VENUE = "192.0.2.10"


def _at(address: str, make_client):
    """A fresh browser whose requests come from `address`: (client, actions)."""
    client, actions = make_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client, actions


def _typos(code: str, rng: random.Random, n: int) -> list[str]:
    """Ways people get a code wrong: a symbol left out, two swapped, one misread or misheard."""
    made: list[str] = []
    while len(made) < n:
        i = rng.randrange(len(code) - 1)
        kind = len(made) % 3
        if kind == 0:
            typo = code[:i] + code[i + 1:]
        elif kind == 1:
            typo = code[:i] + code[i + 1] + code[i] + code[i + 2:]
        else:
            typo = code[:i] + rng.choice(CODE_ALPHABET.replace(code[i], "")) + code[i + 1:]
        if typo != code and typo not in made:
            made.append(typo)
    return made


def _limit(app, name: str) -> int:
    """The first (shortest-window) amount of a configured limit."""
    return parse_many(app.config[name])[0].amount


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
class TestJoinLimits:
    """The limits as configured by default: a whole room gets in, a guesser does not."""

    def test_300_join_from_one_address_though_30_mistype_first(self, app, make_committee,
                                                               make_client):
        committee = make_committee()
        code = committee.join_code
        rng = random.Random(11)
        # 20 different slips, and one symbol misheard the same way by 10 people.
        wrong = _typos(code, rng, 20) + [code[:4] + ("7" if code[4] != "7" else "8")
                                          + code[5:]] * 10
        mistypers = dict(zip(rng.sample(range(300), 30), wrong, strict=True))
        for i in range(300):
            _client, person = _at(VENUE, make_client)
            if i in mistypers:
                response = person.join(format_join_code(mistypers[i]), f"Deltager {i}")
                assert response.status_code == 422, i
                assert "Koden passer ikke til noget udvalg" in text_of(response)
            response = person.join(committee, f"Deltager {i}")
            assert response.status_code == 302, i
        assert db.session.scalar(select(func.count(Participant.id)).where(
            Participant.committee_id == committee.id)) == 300

    def test_a_guesser_trying_many_codes_is_stopped(self, app, make_committee, make_client):
        committee = make_committee()
        rng = random.Random(7)
        _client, guesser = _at("198.51.100.66", make_client)
        allowed = _limit(app, "JOIN_LIMIT_PER_ADDRESS")
        for _ in range(allowed):
            guess = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            assert "Koden passer ikke" in text_of(guesser.join(guess, "Gætter"))
        response = guesser.join("".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
                                "Gætter")
        assert response.status_code == 429
        assert "For mange forsøg lige nu. Vent lidt, og prøv igen." in text_of(response)
        # Now even a right guess gets the same answer: the guesser cannot tell right from wrong.
        assert guesser.join(committee, "Gætter").status_code == 429
        assert db.session.scalar(select(func.count(Participant.id))) == 0
        # A committee in a town hall elsewhere is not held back.
        _client, member = _at(VENUE, make_client)
        assert member.join(committee, "Søren").status_code == 302

    def test_a_guesser_repeating_one_code_is_stopped(self, app, make_committee, make_client):
        committee = make_committee()
        _client, guesser = _at(VENUE, make_client)
        allowed = _limit(app, "JOIN_LIMIT_PER_CODE")
        for _ in range(allowed):
            assert "Koden passer ikke" in text_of(guesser.join("HJKM-NPQR-ST", "Gætter"))
        # Typed differently, the same code: dashes, spaces and case do not make a new one.
        response = guesser.join("hjkm npqr st", "Gætter")
        assert response.status_code == 429
        assert "For mange forsøg" in text_of(response)
        # The room behind the same address still gets in with the right code.
        for name in ("Lone", "Preben", "Aisha"):
            _client, member = _at(VENUE, make_client)
            assert member.join(committee, name).status_code == 302

    def test_only_wrong_codes_count(self, app, make_committee, make_client):
        app.config["JOIN_LIMIT_PER_ADDRESS"] = "3 per minute"
        committee = make_committee()
        # A name left out and five people getting in count for nothing.
        _client, forgetful = _at(VENUE, make_client)
        for _ in range(5):
            response = forgetful.join(committee, "")
            assert "Skriv det navn, de andre skal se dig som." in text_of(response)
        for name in ("Bente", "Kasper", "Yasmin", "Torben", "Ida"):
            _client, member = _at(VENUE, make_client)
            assert member.join(committee, name).status_code == 302
        # Three wrong codes from the address do, and then the address waits.
        for typo in _typos(committee.join_code, random.Random(3), 3):
            assert "Koden passer ikke" in text_of(forgetful.join(typo, "Mads"))
        assert forgetful.join(committee, "Mads").status_code == 429

    def test_wrong_codes_from_everywhere_meet_the_global_limit(self, app, make_committee,
                                                               make_client):
        app.config["JOIN_LIMIT_GLOBAL"] = "25 per minute"
        committee = make_committee()
        rng = random.Random(5)
        for i in range(25):  # a botnet: one guess per address
            _client, guesser = _at(f"203.0.113.{i + 1}", make_client)
            guess = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            assert "Koden passer ikke" in text_of(guesser.join(guess, "Gætter"))
        _client, guesser = _at("203.0.113.200", make_client)
        assert guesser.join(committee, "Gætter").status_code == 429
        assert db.session.scalar(select(func.count(Participant.id))) == 0


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                         "RATELIMIT_DEFAULT": "2 per minute"}])
def test_no_address_limit_reaches_the_break(app, client, auth, make_committee, make_client):
    """Even under a limit on every route, a member's poll, stream and posts are never a 429:
    the room behind one address keeps its break (only the per-person note limit refuses)."""
    committee = make_committee()
    auth.join(committee, "Anna")
    for i in range(5):
        assert _post(client, committee, f"Punkt nr. {i}", f"defaultkey{i}").status_code == 201
        assert client.get(_note_url(committee), headers=HX).status_code == 200
    # The stream checks access before it opens: someone outside the committee, again and
    # again, gets the refusal, never a 429 (a member's stream is exempt the same way).
    stranger, _actions = make_client()
    stream = _note_url(committee).removesuffix("/noter") + "/stroem"
    for _ in range(4):
        assert stranger.get(stream).status_code in (302, 403, 404)


# --------------------------------------------------------------------------- several workers


#: What one fast writer fires off in a break, faster than anyone should.
BURST = [
    "PPR-ventetid 14 uger – uholdbart", "SFO-takst op igen? tjek budget", "UU-vejl. for sent i 8.",
    "FGU: for få fra os, hvorfor?", "SSP-samarb. virker i Nord, ikke Syd", "AKT-timer skåret 2023",
    "Inklusion: lærerne mangler sparring", "Dagplejen – 3 lukker til sommer",
    "BUU skal se tal først", "Fravær 9. kl: 1 ud af 5 over 10 %",
    "Tidlig indsats 0-6 år, ikke kun skole", "Sundhedspl. kun 1 dag/uge på skolen",
    "Forældresamarb. – digitalt?", "Ungdomsskolen med ind", "Bedre overgang dagtilbud → skole",
    "Spec.klasser fulde, visitation hænger", "Læsevejledere: flere, ikke færre",
    "Fritidsjob som forebyggelse", "Bus til FGU i Vest mangler", "Mistrivsel piger 7.-9. stiger",
    "Børnehus-pladser? tal fra forv.", "Lederne skal med i ejerskab",
    "10. kl. – hvem vælger det nu?", "Faglokaler: natur/teknik forældet", "Psykolog i SFO?",
    "Budskab til Chr.borg: færre krav", "Mentorordn. UU – evaluér", "Vikardækning under 70 %",
    "Idrætsforeninger ind i skoledagen", "Tosprogede: sprogvurdering 3 år",
    "Elevråd høres for sent", "Familiehuset – ventetid 6 mdr.", "Dokumentationskrav æder tid",
    "Netværk ml. skoleledere", "Lektiecafé kun 2 dage – for lidt", "Sagsbeh. skifter hele tiden",
    "Tværfagl. team pr. distrikt", "Unge uden udd. plan: 42 stk", "Klubtilbud lukket om fredagen",
    "Følg op i BUU til oktober", "Handicap-området: hvem koordinerer?",
    "Kort sagt: færre projekter, mere drift",
]


@pytest.fixture
def three_workers(app, tmp_path, make_committee, event):
    """gunicorn with 3 workers, production settings, on the test database: (port, ids)."""
    made = make_committee(municipality="Vejle")
    ids = {"committee": made.id, "slot": event.slots[0].id, "task": event.tasks[0].id,
           "code": made.join_code}
    # Outside a request every transaction here is BEGIN IMMEDIATE (delib/db.py): end it, or this
    # process would hold SQLite's write lock while the workers wait for it.
    db.session.commit()
    db.session.remove()
    (tmp_path / "pidapp.py").write_text(PID_APP)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "DELIB_SECRET_KEY": "limits-test-secret",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    # The documented limit itself, counted per process if it were not in the database.
    env.pop("DELIB_NOTES_RATE_LIMIT", None)
    try:
        with gunicorn(["--workers", "3", "--bind", f"127.0.0.1:{port}", "--chdir", str(tmp_path),
                       "--graceful-timeout", "2", "pidapp:application"], env,
                      tmp_path / "gunicorn.log",
                      lambda: Browser(port).request("GET", "/deltag")[0] == 200):
            yield port, ids
    finally:
        db.session.remove()


def _all_workers_up(port: int, workers: int, timeout: float = 90) -> None:
    """Wait until every worker answers: gunicorn is ready when one does, and a worker still
    booting would leave the burst below to the others (a test of one process, not several)."""
    def ask(_i):
        browser = Browser(port)
        browser.request("GET", "/deltag")
        return browser.response.getheader("X-Worker-Pid")

    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        while len(seen) < workers:
            assert time.monotonic() < deadline, f"only workers {seen} answered"
            seen.update(pool.map(ask, range(2 * workers)))


def test_the_note_limit_holds_across_workers(three_workers):
    """42 notes fired at once through 3 workers: exactly 30 saved, the rest refused in Danish."""
    port, ids = three_workers
    _all_workers_up(port, 3)
    writer = Browser(port)
    status, page = writer.request("GET", f"/deltag/{ids['code']}")
    status, _t = writer.request("POST", "/deltag", form={
        "csrf_token": hidden_value(page, "csrf_token"), "code": ids["code"],
        "display_name": "Hurtige Henrik"})
    assert status == 302
    status, page = writer.request("GET", f"/udvalg/{ids['committee']}")
    assert status == 200
    token = hidden_value(page, "csrf_token")
    url = f"/udvalg/{ids['committee']}/pauser/{ids['slot']}/noter"

    def post(i: int):
        browser = Browser(port)
        browser.cookies = dict(writer.cookies)
        status, text = browser.request("POST", url, headers=HX, form={
            "csrf_token": token, "client_key": f"burst-{i:04d}", "body": BURST[i],
            "tasks": [ids["task"]]})
        return status, text, browser.response.getheader("X-Worker-Pid")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, range(len(BURST))))

    saved = [a for a in answers if a[0] == 201]
    refused = [a for a in answers if a[0] == 429]
    assert (len(saved), len(refused)) == (30, len(BURST) - 30), [a[0] for a in answers]
    assert len({pid for _s, _t, pid in answers}) > 1, "one worker served every post"
    for _status, text, _pid in refused:
        assert "Du har gemt mange noter på kort tid." in re.sub(r"\s+", " ", text)
    assert _notes_read_and_released() == 30
    # A resend of a saved note (its answer was lost) is answered with the note, not refused.
    first_saved = next(i for i, a in enumerate(answers) if a[0] == 201)
    status, text, _pid = post(first_saved)
    assert status == 200
    assert BURST[first_saved] in text
    assert _notes_read_and_released() == 30


def _notes_read_and_released() -> int:
    """The number of notes, read without keeping SQLite's write lock from the workers."""
    try:
        return _notes()
    finally:
        db.session.remove()
