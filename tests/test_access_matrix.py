"""Every route × every role: allowed or refused, and no other committee's data in a refusal.

The routes are enumerated from app.url_map, so a new route cannot be forgotten: until it is
classified in EXPECTED (or a PREFIX_RULES family), it is expected to be refused for everyone but
the chairs of the committee it names, and the test says so. Committee A (Aarhus) owns the data;
committee B is in another municipality. Unique marker strings sit in A's data; they must never
reach a person outside A, and KL never sees A's unsubmitted work or its authors' names.
"""

import hashlib
import math
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from delib.extensions import db
from delib.models import (
    AuditEntry,
    Municipality,
    Note,
    Participant,
    Submission,
    SubmissionNote,
    SubmissionSummary,
    Summary,
    UserSession,
    utcnow,
)
from delib.models.review import Action
from delib.services import committees as committee_service
from delib.services import notes as note_service
from delib.services import sessions
from delib.services.kl import api_tokens
from delib.services.notes import NoteInput
from tests.conftest import plant_session

#: In A's working data (notes, summaries, actions, hidden notes): only A's members may see it.
A_SECRET = "Hemmelig7QzA"
#: In A's participant names: A's members only; KL sees notes under the municipality.
A_AUTHOR = "Forfatter7QzA"
#: In A's committee name: A's members, and KL once A has submitted.
A_COMMITTEE = "Udvalg7QzA"
#: In what A submitted to KL: A's members and KL staff.
A_SUBMITTED = "Indsendt7QzA"

ROLES = ("anonymous", "participant_a", "participant_b", "chair_a", "chair_b", "admin_a",
         "admin_b", "kl_analyst", "kl_admin")

EVERYONE = frozenset(ROLES)
NOBODY = frozenset()
MEMBERS_A = frozenset({"participant_a", "chair_a", "admin_a"})
CHAIRS_A = frozenset({"chair_a", "admin_a"})
AUTHOR_A = frozenset({"participant_a"})
COMMITTEE_STAFF = frozenset({"chair_a", "chair_b", "admin_a", "admin_b"})
STAFF = COMMITTEE_STAFF | {"kl_analyst", "kl_admin"}
KL = frozenset({"kl_analyst", "kl_admin"})
KL_ADMIN = frozenset({"kl_admin"})
ADMINS = frozenset({"admin_a", "admin_b", "kl_admin"})

#: Who may use each endpoint (with A's ids in the URL). Classify every new endpoint here.
EXPECTED = {
    "static": EVERYONE,
    "main.index": EVERYONE,
    "main.set_language": EVERYONE,
    "legal.privacy": EVERYONE,
    "legal.accessibility": EVERYONE,
    "legal.was": EVERYONE,  # a redirect to the accessibility statement
    "auth.login": EVERYONE,
    "auth.logout": EVERYONE,
    "auth.join": EVERYONE,
    "committees.index": COMMITTEE_STAFF,
    "committees.create": COMMITTEE_STAFF,
    "committees.show": MEMBERS_A,
    "committees.choose": MEMBERS_A,
    "committees.rotate_code": CHAIRS_A,
    "committees.remove_participant": CHAIRS_A,
    "notes.current": MEMBERS_A,
    "notes.session": MEMBERS_A,
    "notes.index": MEMBERS_A,
    "notes.stream": MEMBERS_A,  # server push: the same members as the polled list
    "notes.screen": MEMBERS_A,  # the big screen in the committee room
    "notes.create": MEMBERS_A,
    "notes.update": AUTHOR_A,
    "notes.delete": AUTHOR_A,
    # Suggested tasks: offered to anyone in the committee while typing (nothing is stored);
    # answered on the card by the note's writer only. In review (notes.chair_decide_suggestion,
    # notes.accept_all_suggestions) the chairs', like the rest of the review.
    "notes.suggest": MEMBERS_A,
    "notes.decide_suggestion": AUTHOR_A,
    # Review: the committee sees its follow-up actions; everything else there is the chairs'.
    "actions.index": MEMBERS_A,
    # Follow-up on the previous summit's actions: the committee sees it, its chairs update it.
    "follow_ups.index": MEMBERS_A,
    "follow_ups.update": CHAIRS_A,
    # The draft referat members read and agree to (tests/test_agreements.py); the round itself
    # (agreements.index/open_round/close_round) and the attendance list are the chairs'.
    "agreements.read": MEMBERS_A,
    "kl.follow_up": KL,
    "kl_api.follow_ups_": NOBODY,  # a bearer token only, like the rest of the API
    # Peers: other municipalities' shared contributions, for A's chairs once A has submitted
    # (A has, in this world); never participants (test_peers_show_only_what_was_shared).
    "peers.index": CHAIRS_A,
    "peers.take_over": CHAIRS_A,
    # Discussion groups (tests/test_groups.py): A's chairs create a group under A; sending
    # (a group's chair) and taking a group's note over (A's chairs) are POSTs, so only their
    # refusals run here (A is no group and note_a no group's note: both would 404 for chairs).
    "groups.create": CHAIRS_A,
    "groups.send": CHAIRS_A,
    "groups.take_over": CHAIRS_A,
    # A group's own time for a break: A is no group, so it is not found for anyone here.
    "groups.own_break": NOBODY,
    # The API's description is public; its data needs a bearer token (see PREFIX_RULES).
    "kl_api.openapi": EVERYONE,
    # KL's API keys belong to the person who made them (here: the KL analyst's key).
    "kl.api_tokens_revoke": frozenset({"kl_analyst"}),
    # KL admins create the next event from the previous one (its tasks and messages).
    "kl.events": KL_ADMIN,
    "kl.events_next": KL_ADMIN,
    # Accounts: staff manage their own account; invitations by admins; links work signed out.
    "account.show": STAFF,
    "account.password": STAFF,
    "account.totp_setup": STAFF,
    "account.totp_disable": STAFF,
    "auth.second_factor": NOBODY,  # only in the middle of a sign-in
    "account.invite": ADMINS,
    "account.set_password": EVERYONE,  # the signed token in the URL is the authorisation
    "account.persons_index": ADMINS,
    # A person's data (participant A): KL admins, and the admin of A's municipality only.
    "account.person_export": frozenset({"admin_a", "kl_admin"}),
    "account.person_delete": frozenset({"admin_a", "kl_admin"}),
    "account.person_sessions_end": frozenset({"admin_a", "kl_admin"}),
    # Sessions: every staff user sees their own; one session (chair A's phone) is chair A's only.
    "account.sessions_index": STAFF,
    "account.sessions_end_others": STAFF,
    "account.session_end": frozenset({"chair_a"}),
}

#: Families of routes built elsewhere: a prefix and who may use it, unless EXPECTED says more.
#: Where an allowed role is entitled to A's personal data (a person's request handled by an admin).
PERSON_REQUESTS = frozenset({"account.person_export", "account.person_delete",
                             "account.person_sessions_end"})

PREFIX_RULES = (
    ("/kl", KL),
    # KL's read-only API answers bearer tokens only; a browser session opens none of it.
    ("/api", NOBODY),
)


def expected_roles(rule) -> frozenset:
    """Who may use this rule; unclassified routes default to the chairs of committee A."""
    if rule.endpoint in EXPECTED:
        return EXPECTED[rule.endpoint]
    for prefix, roles in PREFIX_RULES:
        if rule.rule == prefix or rule.rule.startswith(prefix + "/"):
            return roles
    return CHAIRS_A if "committee_id" in rule.arguments else NOBODY


# --------------------------------------------------------------------------- the world


class World:
    """Two committees in two municipalities, with people in every role and A's marked data."""

    def __init__(self, event, make_user, make_client):
        self.event = event
        self.make_client = make_client
        self.users = {
            "chair_a": make_user(municipality="Aarhus", email="chair_a@example.dk"),
            "chair_b": make_user(municipality="Odense", email="chair_b@example.dk"),
            "admin_a": make_user(role="municipal_admin", municipality="Aarhus",
                                 email="admin_a@example.dk"),
            "admin_b": make_user(role="municipal_admin", municipality="Odense",
                                 email="admin_b@example.dk"),
            "kl_analyst": make_user(role="kl_analyst", municipality=None,
                                    email="kl_analyst@example.dk"),
            "kl_admin": make_user(role="kl_admin", municipality=None,
                                  email="kl_admin@example.dk"),
        }
        self.a = self._committee("Aarhus", f"{A_COMMITTEE} Børneudvalg", self.users["chair_a"])
        self.b = self._committee("Odense", "Odense Børneudvalg", self.users["chair_b"])
        self.participant_a = committee_service.join(self.a.join_code, f"Anna {A_AUTHOR}")
        self.participant_b = committee_service.join(self.b.join_code, "Bo fra Odense")
        self.slot = event.slots[0]
        self.note_a = self._note(self.a, self.participant_a, f"{A_SECRET} om skolefravær")
        hidden = self._note(self.a, self.participant_a, f"{A_SECRET} skjult note")
        hidden.hidden_at = utcnow()
        self._note(self.b, self.participant_b, "Odenses note")
        self.summary_a = Summary(committee=self.a, key=f"task:{event.tasks[0].id}",
                                 task=event.tasks[0], body=f"{A_SECRET} resumé")
        self.action_a = Action(committee=self.a, task=event.tasks[0],
                               title=f"{A_SECRET} handling", responsible="Skolechefen")
        self.submission_a = Submission(
            committee=self.a, event=event, municipality_code=self.a.municipality_code,
            version=1, submitted_by_name=self.users["chair_a"].name, show_authors=False)
        SubmissionNote(submission=self.submission_a, note_id=self.note_a.id, event_id=event.id,
                       municipality_code=self.a.municipality_code, body=f"{A_SUBMITTED} note",
                       author_name="", written_at=utcnow(), slot_id=self.slot.id)
        SubmissionSummary(submission=self.submission_a, event_id=event.id,
                          municipality_code=self.a.municipality_code,
                          task_id=event.tasks[0].id, body=f"{A_SUBMITTED} resumé")
        self.token, self.token_secret = api_tokens.create_token(self.users["kl_analyst"],
                                                                "Matrix")
        # Chair A is signed in on a phone too: the session the matrix asks everyone to end.
        sessions.start(self.users["chair_a"], "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like "
                       "Mac OS X) Mobile/15E148 Safari/604.1", timedelta(days=1))
        self.session_a = db.session.scalar(select(UserSession).where(
            UserSession.user_id == self.users["chair_a"].id))
        db.session.add_all([self.summary_a, self.action_a, self.submission_a,
                            AuditEntry(committee_id=self.a.id, actor_name=f"Anna {A_AUTHOR}",
                                       action="note.edit", details={})])
        db.session.commit()

    def _committee(self, municipality, name, chair):
        m = db.session.scalar(select(Municipality).where(Municipality.name == municipality))
        committee = committee_service.create_committee(self.event, m, name, chair)
        db.session.commit()
        return committee

    def _note(self, committee, author, body):
        note, _ = note_service.post_note(
            committee, self.event.slots[0], author,
            NoteInput(body=body, task_ids=[self.event.tasks[0].id], message_ids=[]),
            uuid.uuid4().hex, 4000)
        return note

    def client_for(self, role):
        client, _actions = self.make_client()
        account = {"participant_a": self.participant_a, "participant_b": self.participant_b,
                   **self.users}.get(role)
        if account is not None:
            # Signed in the way Flask-Login keeps it, without a join that adds a participant.
            plant_session(client, account)
        return client

    def url_values(self, rule) -> dict:
        """Fill a rule's arguments with A's objects."""
        known = {
            "committee_id": self.a.id,
            "slot_id": self.slot.id,
            "note_id": self.note_a.id,
            "participant_id": self.participant_a.id,
            "person_id": self.participant_a.id,
            "token_id": self.token.id,
            "session_id": self.session_a.id,
            "summary_id": self.summary_a.id,
            "action_id": self.action_a.id,
            "submission_id": self.submission_a.id,
            "event_id": self.event.id,
            "task_id": self.event.tasks[0].id,
            "subject_id": self.event.tasks[0].id,
            "municipality_code": self.a.municipality_code,
            "code": self.a.join_code,
            "slug": self.event.slug,
            "filename": "delib.css",
            "token": "ugyldig-token",
        }
        values = {}
        for name in rule.arguments:
            if name in known:
                values[name] = known[name]
            else:
                converter = rule._converters.get(name)
                kind = type(converter).__name__
                if kind == "AnyConverter":
                    values[name] = sorted(converter.items)[-1]  # e.g. opgave over budskab
                else:
                    values[name] = 1 if kind == "IntegerConverter" else "x"
        return values

    def post_data(self) -> dict:
        """A plausible form for any POST: whatever a route reads, it finds something."""
        return {
            "body": f"{A_SECRET} fra en uvedkommende",
            "tasks": [self.event.tasks[0].id],
            "client_key": uuid.uuid4().hex,
            "version": "1",
            "name": "Overtaget",
            "title": "Overtaget",
            "display_name": "Overtaget",
            "code": self.a.join_code,
            "lang": "da",
            "email": "ny@example.dk",
            "password": "korrekt-hest-batteri",
            "confirm": "y",
        }


def fingerprint() -> str:
    """A digest of every row in every table: a refused request must leave it unchanged."""
    digest = hashlib.sha256()
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def is_allowed(response) -> bool:
    if response.status_code in (401, 403, 404):
        return False
    if 300 <= response.status_code < 400:
        return "/login" not in response.headers.get("Location", "")
    return response.status_code < 500


def forbidden_markers(role, allowed: bool) -> list[str]:
    """The markers this role must not see in this response."""
    if role in MEMBERS_A:
        return []
    if role in KL and allowed:
        return [A_SECRET, A_AUTHOR]
    return [A_SECRET, A_AUTHOR, A_COMMITTEE, A_SUBMITTED]


@pytest.fixture
def app_config():
    # The matrix reads every answer whole: an allowed stream (notes.stream) closes at once.
    return {"STREAM_MAX_SECONDS": 0.2}


@pytest.fixture
def world(app, event, make_user, make_client):
    return World(event, make_user, make_client)


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(app, world, role):
    client = world.client_for(role)
    problems = []
    for rule in _rules(app):
        url = rule.build(world.url_values(rule), append_unknown=False)[1]
        expected = role in expected_roles(rule)
        methods = rule.methods - {"HEAD", "OPTIONS"}
        if "GET" in methods:
            response = client.get(url)
            problems += _check(role, rule, "GET", url, response, expected)
        if "POST" in methods and not expected:
            # Only refusals are exercised with POST: an allowed POST would change the world
            # the following checks rely on (behaviour tests cover those).
            before = fingerprint()
            response = client.post(url, data=world.post_data())
            problems += _check(role, rule, "POST", url, response, expected)
            if fingerprint() != before:
                problems.append(f"POST {url} ({rule.endpoint}) changed data for {role}")
    assert not problems, "\n".join(problems)


def _check(role, rule, method, url, response, expected) -> list[str]:
    problems = []
    allowed = is_allowed(response)
    if allowed != expected:
        verdict = "allowed" if allowed else "refused"
        hint = "" if rule.endpoint in EXPECTED else " (unclassified: add it to EXPECTED)"
        problems.append(f"{method} {url} ({rule.endpoint}) {verdict} for {role} "
                        f"[{response.status_code}]{hint}")
    # Exports are binary (DOCX, XLSX); markers are searched in whatever text there is.
    body = response.get_data().decode("utf-8", errors="replace")
    response.close()  # static files are streamed from an open file
    entitled = allowed and rule.endpoint in PERSON_REQUESTS
    for marker in [] if entitled else forbidden_markers(role, allowed):
        if marker in body:
            problems.append(f"{method} {url} ({rule.endpoint}) shows {marker!r} to {role}")
    return problems


def test_expectation_table_names_only_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = set(EXPECTED) - endpoints
    # Account routes may be registered under the account blueprint only.
    assert not {e for e in stale if not e.startswith("account.")}, stale


def test_refusals_name_no_data_and_speak_danish(app, world):
    client = world.client_for("participant_b")
    response = client.get(f"/udvalg/{world.a.id}")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Du har ikke adgang til denne side." in html
    assert A_COMMITTEE not in html and str(world.a.join_code) not in html


def test_a_removed_participant_loses_access(app, world):
    client = world.client_for("participant_a")
    assert client.get(f"/udvalg/{world.a.id}").status_code == 200
    committee_service.remove_participant(world.a, world.participant_a)
    db.session.commit()
    response = client.get(f"/udvalg/{world.a.id}")
    assert not is_allowed(response)
    assert A_SECRET not in response.get_data(as_text=True)


def test_a_rotated_code_stops_working(app, world, make_client):
    old = world.a.join_code
    committee_service.rotate_join_code(world.a)
    db.session.commit()
    _client, actions = make_client()
    response = actions.join(old, "Sen gæst")
    assert response.status_code == 422
    assert db.session.scalar(
        select(Participant).where(Participant.display_name == "Sen gæst")) is None


def test_join_code_is_hopeless_to_guess():
    # 10 symbols from an alphabet of 30: about 49 bits.
    bits = committee_service.CODE_LENGTH * math.log2(len(committee_service.CODE_ALPHABET))
    assert bits >= 49
    codes = {committee_service.new_join_code() for _ in range(500)}
    assert len(codes) == 500
    alphabet = set(committee_service.CODE_ALPHABET)
    assert all(len(c) == committee_service.CODE_LENGTH and set(c) <= alphabet for c in codes)


def test_every_note_stays_where_it_was_written(app, world):
    # A participant of B cannot post into A even with A's slot and a forged committee id.
    client = world.client_for("participant_b")
    before = db.session.scalar(select(db.func.count(Note.id)))
    response = client.post(f"/udvalg/{world.a.id}/pauser/{world.slot.id}/noter",
                           data=world.post_data())
    assert response.status_code == 403
    assert db.session.scalar(select(db.func.count(Note.id))) == before


def test_kl_api_with_a_token_sees_only_what_was_submitted(app, world):
    """A KL token reads submitted contributions under the municipality: no drafts, no authors."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.token_secret}"}
    seen_submitted = False
    for rule in _rules(app):
        if not rule.rule.startswith("/api/") or "GET" not in rule.methods:
            continue
        url = rule.build(world.url_values(rule), append_unknown=False)[1]
        response = client.get(url, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code < 500, url
        for marker in (A_SECRET, A_AUTHOR):
            assert marker not in body, f"{url} shows {marker!r} to a KL token"
        seen_submitted = seen_submitted or A_SUBMITTED in body
        # Without the token the data stays shut.
        if rule.endpoint != "kl_api.openapi":
            assert client.get(url).status_code == 401, url
    assert seen_submitted, "no API answer carried the submitted note; the check proved nothing"


def test_peers_show_only_what_was_shared_and_submitted(app, world):
    """B's chair looks at the other municipalities: A's submitted work only once A's chair chose
    to share it, never A's drafts or authors; and A's chairs only after A submitted."""
    from delib.services import submissions as submission_service

    submission_service.submit(world.b, world.users["chair_b"], False, True,
                              share_with_peers=True)
    db.session.commit()
    client = world.client_for("chair_b")
    a_code = world.a.municipality_code
    # Every task, every comparison, and A picked by hand.
    urls = [f"/udvalg/{world.b.id}/gennemgang/andre-kommuner?opgave={task.id}&{query}"
            for task in world.event.tasks
            for query in ("sammenlign=region", "sammenlign=size",
                          f"sammenlign=chosen&kommune={a_code}")]

    def seen() -> str:
        pages = []
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            pages.append(response.get_data(as_text=True))
        return "\n".join(pages)

    unshared = seen()
    for marker in (A_SUBMITTED, A_SECRET, A_AUTHOR):
        assert marker not in unshared, f"{marker!r} shown before A shared"

    world.submission_a.shared_with_peers = True
    db.session.commit()
    shared = seen()
    assert A_SUBMITTED in shared, "A's shared summary is missing; the check proved nothing"
    for marker in (A_SECRET, A_AUTHOR):
        assert marker not in shared, f"{marker!r} (a draft or an author) shown to a peer"

    # A reopened and resubmitted without sharing: its newest version is what counts.
    world.submission_a.is_latest = False
    db.session.add(Submission(committee=world.a, event=world.event, municipality_code=a_code,
                              version=2, submitted_by_name="Formand", shared_with_peers=False))
    db.session.commit()
    assert A_SUBMITTED not in seen()

    # A's chairs see the page only once A has submitted; B's participant never does.
    db.session.execute(delete(Submission).where(Submission.committee_id == world.a.id))
    db.session.commit()
    chair_a = world.client_for("chair_a")
    refused = chair_a.get(f"/udvalg/{world.a.id}/gennemgang/andre-kommuner")
    assert refused.status_code == 403
    assert "når I selv har indsendt" in refused.get_data(as_text=True)
    participant_b = world.client_for("participant_b")
    assert participant_b.get(f"/udvalg/{world.b.id}/gennemgang/andre-kommuner").status_code \
        == 403
