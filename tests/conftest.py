"""Fixtures: an app with a real, fresh database per test, clients, and factories."""

import os
import re
import shutil

import pytest
from flask import g
from jinja2 import BytecodeCache
from sqlalchemy import select

from delib import create_app, stream
from delib.auth import hash_password
from delib.extensions import db
from delib.models import Committee, Event, Municipality, User
from delib.services import committees as committee_service
from delib.services.municipalities import load_municipalities
from delib.services.programme import import_programme, read_programme_file

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


class _MemoryBytecodeCache(BytecodeCache):
    """Jinja bytecode shared by every app the tests build."""

    def __init__(self):
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket):
        self._store[bucket.key] = bucket.bytecode_to_string()
_worker_database_url: str | None = None


def _server_database_url() -> str:
    """TEST_DATABASE_URL, with a database of its own for each pytest-xdist worker.

    Tests drop and create every table, so two workers sharing one database would wipe each
    other's data. The worker's database is created on first use, next to the given one.
    """
    global _worker_database_url
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return TEST_DATABASE_URL
    if _worker_database_url is None:
        from sqlalchemy import create_engine, make_url, text

        base = make_url(TEST_DATABASE_URL)
        url = base.set(database=f"{base.database}_{worker}")
        if base.get_backend_name() == "postgresql":
            engine = create_engine(base, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                     {"name": url.database})
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            engine.dispose()
        _worker_database_url = url.render_as_string(hide_password=False)
    return _worker_database_url


def _config(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": (_server_database_url() if TEST_DATABASE_URL
                                    else f"sqlite:///{tmp_path / 'test.sqlite'}"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Cheap password hashing: the tests check the logic, not Argon2's cost.
        "PASSWORD_HASH_FAST": True,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config():
    """Per-test config overrides: a test may fill this dict before `app` is built."""
    return {}


def _populate() -> None:
    """The schema and the reference data every test starts from."""
    db.create_all()
    load_municipalities()
    import_programme(read_programme_file("butm2021.toml"))
    db.session.commit()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A populated SQLite file made once per test process; each test gets a copy of it.

    Building the schema and loading the programme and 98 municipalities for every test costs
    more than most tests; copying a finished file is a real, fresh database all the same.
    """
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    template_app = create_app(_config(path.parent, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with template_app.app_context():
        _populate()
        db.session.remove()
        db.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


# Templates compile to Python once per test run instead of once per app.
_JINJA_CACHE = _MemoryBytecodeCache()


@pytest.fixture
def app(tmp_path, app_config, request):
    sqlite_copy = not TEST_DATABASE_URL and "SQLALCHEMY_DATABASE_URI" not in app_config
    if sqlite_copy:
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "test.sqlite")
    app = create_app(_config(tmp_path, **app_config))
    app.jinja_env.bytecode_cache = _JINJA_CACHE

    @app.teardown_request
    def _fresh_g_per_request(exc):
        # The fixture keeps one app context open, and Flask reuses it for every test request, so
        # `g` would outlive a request: Flask-Login's cached user (g._login_user) would leak from
        # one client to the next, and Flask-WTF's cached token past session.clear(). A real
        # server gives each request a fresh context; this restores that.
        g.__dict__.clear()

    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
        if not sqlite_copy:
            _populate()
        yield app
        # No stream tick may outlive the test's tables (PostgreSQL drops them next).
        stream.stop(app)
        db.session.remove()
        if TEST_DATABASE_URL:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def event(app):
    return db.session.scalar(select(Event).where(Event.slug == "butm2021"))


@pytest.fixture
def make_user(app):
    """Create a staff user: make_user(role='chair', municipality='Aarhus', email=..., ...)."""
    counter = {"n": 0}

    def make(role="chair", municipality="Aarhus", email=None, password="korrekt-hest-batteri",
             name=None):
        counter["n"] += 1
        m = None
        if municipality and role in ("chair", "municipal_admin"):
            m = db.session.scalar(select(Municipality).where(Municipality.name == municipality))
        user = User(email=email or f"user{counter['n']}@example.dk",
                    name=name or f"Bruger {counter['n']}", role=role, municipality=m,
                    password_hash=hash_password(password))
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_committee(app, event, make_user):
    """Create a committee: make_committee(municipality='Aarhus', name=..., chair=None)."""

    def make(municipality="Aarhus", name="Børne- og Ungeudvalget", chair=None):
        chair = chair or make_user(municipality=municipality)
        m = db.session.scalar(select(Municipality).where(Municipality.name == municipality))
        committee = committee_service.create_committee(event, m, name, chair)
        db.session.commit()
        return committee

    return make


class Actions:
    """Sign a test client in as a chair or as a participant."""

    def __init__(self, client):
        self.client = client

    def login(self, email, password="korrekt-hest-batteri"):
        return self.client.post("/login", data={"email": email, "password": password})

    def join(self, committee: Committee | str, name="Deltager"):
        code = committee if isinstance(committee, str) else committee.join_code
        return self.client.post("/deltag", data={"code": code, "display_name": name})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Actions(client)


@pytest.fixture
def make_client(app):
    """Another browser: a fresh test client with its own cookies, plus its Actions."""

    def make():
        c = app.test_client()
        return c, Actions(c)

    return make


HX = {"HX-Request": "true"}


def text_of(response) -> str:
    """The visible text of an HTML response, tags dropped and whitespace folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def plant_session(client, account) -> None:
    """Sign a client in as `account` without the sign-in pages (a KL admin's second factor, a
    participant who must not be added by a join): Flask-Login's keys, plus what the server
    checks: a session row and its token for staff, the session generation for participants."""
    from delib.auth import PARTICIPANT_GENERATION, STAFF_SESSION_KEY
    from delib.services import sessions

    token = None
    if account.kind == "user":
        token = sessions.start(account, "pytest", client.application.permanent_session_lifetime)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = account.get_id()
        session["_fresh"] = True
        if token is not None:
            session[STAFF_SESSION_KEY] = token
        else:
            session[PARTICIPANT_GENERATION] = account.session_generation


# Committee-side fixtures, defined once (tests/fixtures/committee.py).
from tests.fixtures.committee import chair_client, concurrent_writer, scene  # noqa: E402, F401
