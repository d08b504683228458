"""Browser fixtures: a live delib server (CSRF on) and Debian's headless Chromium via Playwright.

Never downloads a browser: Playwright drives /usr/bin/chromium (or $DELIB_CHROMIUM). Where that
browser or the Playwright package is missing the tests skip with the reason, except under
CI=true, where a missing browser is a failure: CI must never report green without a browser run.
"""

import os
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from delib import create_app, stream
from delib.auth import hash_password
from delib.extensions import db
from delib.models import DiscussionSlot, Event, Municipality, User
from delib.services import committees as committee_service
from delib.services.municipalities import load_municipalities
from delib.services.programme import import_programme, read_programme_file, rehearse_as_if
from tests.conftest import TEST_DATABASE_URL, _config

CHROMIUM = os.environ.get("DELIB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]
PASSWORD = "korrekt-hest-batteri"
CHAIR_EMAIL = "formand@aarhus.example.dk"
MUNICIPALITY = "Aarhus"
COMMITTEE_NAME = "Børne- og Ungeudvalget"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"Browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"Browser tests skipped: {reason} (run scripts/ensure-chromium.sh as root, "
                f"or set DELIB_CHROMIUM)")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test process (xdist worker)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - any launch failure means "no browser"
            _unavailable(f"Chromium at {CHROMIUM} did not start: {error}")
        yield instance
        instance.close()


class LiveServer:
    """delib served over real HTTP from a background thread."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _open_slot_now(event: Event, focus: str) -> DiscussionSlot:
    """Move the break with this focus so it is open right now (real time, event's zone)."""
    slot = next(s for s in event.slots if s.focus == focus)
    now_local = datetime.now(event.tz).replace(tzinfo=None, second=0, microsecond=0)
    shift = timedelta(days=event.day_offset)
    length = slot.ends_at - slot.starts_at
    slot.starts_at = now_local - shift - timedelta(minutes=5)
    slot.ends_at = slot.starts_at + max(length, timedelta(minutes=45))
    return slot


@pytest.fixture
def live_app(tmp_path):
    """A real app with CSRF on: the programme, the 98 municipalities, a rehearsal of 2021 as if
    today with the theme-meeting break open now, a chair and an Aarhus committee."""
    # The same database as the rest of the suite: a fresh SQLite file, or under `make test-pg`
    # the worker's PostgreSQL database, so the journeys run on both.
    app = create_app(_config(tmp_path, SECRET_KEY="e2e-secret", WTF_CSRF_ENABLED=True))
    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
        db.create_all()
        load_municipalities()
        event = import_programme(read_programme_file("butm2021.toml"))
        rehearse_as_if(event, datetime.now(ZoneInfo("Europe/Copenhagen")).date())
        slot = _open_slot_now(event, "theme_meetings")
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.name == MUNICIPALITY))
        chair = User(email=CHAIR_EMAIL, name="Mette Formand", role="chair",
                     municipality=municipality, password_hash=hash_password(PASSWORD))
        db.session.add(chair)
        db.session.flush()
        committee = committee_service.create_committee(event, municipality, COMMITTEE_NAME, chair)
        db.session.commit()
        app.config["E2E"] = {"committee_id": committee.id, "join_code": committee.join_code,
                             "slot_id": slot.id, "event_id": event.id}
        db.session.remove()
    yield app
    # The browser's streams may still be open: no tick may outlive the tables.
    stream.stop(app)
    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app).start()
    yield server
    server.stop()


@pytest.fixture
def seed(live_app):
    """Ids and codes of the seeded committee: committee_id, join_code, slot_id, event_id."""
    return live_app.config["E2E"]


@pytest.fixture
def new_context(browser):
    """Open a fresh browser context (own cookies and localStorage): new_context(width=1280)."""
    contexts = []

    def make(width=1280, height=900, **kwargs):
        # The browser's clock runs in another zone on purpose: times shown (and the countdown)
        # must be Copenhagen time whatever the zone of the server or of the reader's laptop.
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="da-DK", timezone_id="America/New_York", **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
