"""Language: every user-facing text goes through gettext, the Danish and English catalogs are
complete and current, the switch remembers the choice, and times are Copenhagen time."""

import os
import re
import tempfile
import time
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from delib.extensions import db
from delib.models import Note
from tests.conftest import text_of

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "delib" / "templates"
TRANSLATIONS = ROOT / "delib" / "translations"
#: The same keywords as `make messages` (Makefile): Babel's defaults plus Flask-Babel's lazy ones.
KEYWORDS = ("_l", "lazy_gettext", ("lazy_ngettext", (1, 2)))
LANGUAGES = ("da", "en")
#: Words that are the same in every language: the product's name, and each language's own name
#: on the switch (a language is offered in itself, so it is never translated).
ALLOWED_TEXT = {"delib", "English", "Dansk"}
#: Attributes whose values a user reads or hears.
SPOKEN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description",
                     "aria-roledescription", "aria-valuetext"}
WORD = re.compile(r"[^\W\d_][\w'’-]*")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w+\}")


# ---------------------------------------------------------------- templates use gettext ----


class _TextFinder(HTMLParser):
    """Collect text nodes and spoken attributes that still contain letters."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and name in SPOKEN_ATTRIBUTES:
                self._check(value)
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            self._check(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)

    def _check(self, text):
        text = " ".join(text.replace("\x00", " ").split())
        words = WORD.findall(text)
        if words and not set(words) <= ALLOWED_TEXT:
            self.found.append((self.getpos()[0], text))


def _strip_jinja(source: str) -> str:
    """The template's literal HTML: Jinja comments, {% trans %} blocks and every expression or
    statement replaced by a letter-free marker (line breaks kept, so line numbers stay right)."""

    def blank(match):
        return "\x00" + "\n" * match.group(0).count("\n")

    source = re.sub(r"\{#.*?#\}", blank, source, flags=re.S)
    # Blocks that fill in a tag's attributes (`{% block body_attrs %}`) are markup, not text.
    source = re.sub(r"\{%-?\s*block\s+\w*attrs\s*-?%\}.*?\{%-?\s*endblock\b.*?%\}", blank, source,
                    flags=re.S)
    source = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", blank, source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}", blank, source, flags=re.S)


def untranslated_texts(source: str) -> list[tuple[int, str]]:
    finder = _TextFinder()
    finder.feed(_strip_jinja(source))
    finder.close()
    return finder.found


def test_the_template_check_finds_text_outside_gettext():
    """The checker itself must be able to fail (else the real test proves nothing)."""
    source = """{# a comment with words #}
<p>{{ _("Oversat") }}</p>
<p>Glemt tekst</p>
<button aria-label="Luk">×</button>
{% trans %}Også oversat{% endtrans %}
<a href="{{ url_for('x') }}">{{ name }}</a> · delib
<script>var ignored = "text in code";</script>
<input type="submit" value="Send">"""
    assert [text for _, text in untranslated_texts(source)] == ["Glemt tekst", "Luk", "Send"]


def test_templates_have_no_text_outside_gettext():
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for line, text in untranslated_texts(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert not problems, ("User-facing text outside {{ _() }} / {% trans %}:\n"
                          + "\n".join(problems))


# ------------------------------------------------------------- catalogs complete & current --


def _extracted_ids() -> set:
    """Run the extraction `make messages` runs, over the sources as they are now."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {
        "_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
        "npgettext": ((1, "c"), 2, 3), "N_": None, "dgettext": (2,), "dngettext": (2, 3),
    }
    for keyword in KEYWORDS:
        name, spec = keyword if isinstance(keyword, tuple) else (keyword, None)
        keywords[name] = spec
    ids = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        ids.add((context, message if isinstance(message, str) else tuple(message)))
    return ids


def _catalog_ids(catalog) -> set:
    return {(m.context, m.id) for m in catalog if m.id}


def _read(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted():
    return _extracted_ids()


def _describe(ids) -> str:
    return "\n".join(f"  {message!r}" for _context, message in sorted(ids, key=str))


def test_message_template_is_current(extracted):
    pot = _catalog_ids(_read(TRANSLATIONS / "messages.pot"))
    assert not extracted - pot, ("New texts are missing from messages.pot (run `make messages`):\n"
                                 + _describe(extracted - pot))
    assert not pot - extracted, ("messages.pot holds texts no longer in the code (run `make "
                                 "messages`):\n" + _describe(pot - extracted))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_every_text_and_nothing_stale(extracted, lang):
    catalog = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    ids = _catalog_ids(catalog)
    assert not extracted - ids, (f"The {lang} catalog lacks these texts (run `make messages` "
                                 f"and translate):\n" + _describe(extracted - ids))
    assert not ids - extracted, (f"The {lang} catalog holds texts no longer in the code (run "
                                 f"`make messages`):\n" + _describe(ids - extracted))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated_with_the_same_placeholders(lang):
    catalog = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"not translated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, f"{lang} catalog:\n" + "\n".join(problems)


def test_english_is_really_english():
    """A copied Danish msgstr is not a translation (names and single shared words aside)."""
    catalog = _read(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    same = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id
            and len(m.id.split()) > 2 and "%(" not in m.id]
    assert not same, "English entries identical to the Danish text:\n" + "\n".join(map(repr, same))


# ----------------------------------------------------------------- the language switch ----


def _compile_catalogs() -> None:
    """Build the .mo files the app reads (as `make translations` does), atomically so parallel
    test workers never read half a file."""
    for lang in LANGUAGES:
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = _read(po)
        fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog)
        os.replace(tmp, mo)


@pytest.fixture
def compiled(app):
    _compile_catalogs()
    return app


def test_danish_is_the_default(compiled, client):
    page = client.get("/")
    assert '<html lang="da">' in page.get_data(as_text=True)
    assert "Deltag i dit udvalgs drøftelse" in text_of(page)


def test_the_switch_remembers_english_across_pages_and_sign_in(compiled, client, auth,
                                                                make_committee):
    committee = make_committee()
    switched = client.post("/sprog", data={"lang": "en", "next": "/deltag"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/deltag")

    join_page = client.get("/deltag")
    assert '<html lang="en">' in join_page.get_data(as_text=True)
    text = text_of(join_page)
    assert "Join the committee's discussion" in text
    assert "The committee's code" in text
    assert "Sign in" in text and "Log ind" not in text
    # The switch offers Danish, in Danish.
    assert 'lang="da">Dansk</button>' in join_page.get_data(as_text=True)

    # Still English on the next page, and after joining (a fresh session keeps the choice).
    assert "Join your committee's discussion" in text_of(client.get("/"))
    joined = auth.join(committee, name="Ida")
    assert joined.status_code == 302
    home = text_of(client.get(joined.headers["Location"]))
    assert "Code for the participants" in home and "Kode til deltagerne" not in home

    # A refused form answers in English too.
    refused = client.post("/deltag", data={"code": "ZZZZZZZZZZ", "display_name": "Ida"})
    assert "The code does not match any committee" in text_of(refused)

    client.post("/sprog", data={"lang": "da", "next": "/"})
    assert "Deltag i dit udvalgs drøftelse" in text_of(client.get("/"))


def test_an_unknown_language_is_refused(compiled, client):
    response = client.post("/sprog", data={"lang": "xx"})
    assert response.status_code == 400
    assert "Deltag i dit udvalgs drøftelse" in text_of(client.get("/"))


# ------------------------------------------------------------ Copenhagen time, Danish form ----


@pytest.fixture
def server_zone(monkeypatch):
    """Run the test with the server's clock in another zone (restored afterwards)."""

    def set_zone(name: str):
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_note_times_are_copenhagen_time_whatever_the_server_zone(compiled, client, auth,
                                                                  make_committee, event,
                                                                  server_zone, zone):
    server_zone(zone)
    committee = make_committee()
    auth.join(committee, name="Jonas")
    slot = event.slots[0]
    url = f"/udvalg/{committee.id}/pauser/{slot.id}"
    task_id = event.tasks[0].id
    for body in ("Vinter", "Sommer"):
        client.post(f"{url}/noter", data={"body": body, "tasks": [task_id],
                                          "client_key": f"key-{body}"})
    notes = {n.body: n for n in db.session.scalars(select(Note))}
    # Stored instants are naive UTC: 12:05 UTC in January is 13.05 in Copenhagen (CET),
    # 10:00 UTC in July is 12.00 (CEST).
    notes["Vinter"].created_at = datetime(2021, 1, 28, 12, 5)
    notes["Sommer"].created_at = datetime(2026, 7, 1, 10, 0)
    db.session.commit()

    html = client.get(url).get_data(as_text=True)
    assert re.search(r'<time datetime="2021-01-28T12:05:00Z">13\.05</time>', html), html
    assert re.search(r'<time datetime="2026-07-01T10:00:00Z">12\.00</time>', html)


def test_dates_are_danish(compiled, app, server_zone):
    server_zone("UTC")
    local_datetime = app.jinja_env.filters["local_datetime"]
    local_date = app.jinja_env.filters["local_date"]
    with app.test_request_context("/"):
        # 23:30 UTC on 31 December is already New Year's Day in Copenhagen.
        assert local_datetime(datetime(2020, 12, 31, 23, 30)) == "1. januar 2021 kl. 00.30"
        assert local_date(datetime(2021, 1, 28).date()) == "torsdag 28. januar 2021"


def test_english_pages_write_dates_and_times_the_english_way(compiled, app, client, auth,
                                                              make_committee, event, server_zone):
    server_zone("UTC")
    local_datetime = app.jinja_env.filters["local_datetime"]
    hhmm = app.jinja_env.filters["hhmm"]
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert local_datetime(datetime(2021, 1, 28, 12, 5)) == "28 January 2021 at 13:05"
        assert hhmm(datetime(2021, 1, 28, 13, 30)) == "13:30"

    committee = make_committee()
    client.post("/sprog", data={"lang": "en", "next": "/"})
    auth.join(committee, name="Lars")
    slot = event.slots[0]
    page = text_of(client.get(f"/udvalg/{committee.id}/pauser/{slot.id}"))
    assert "The break" in page and " kl. " not in page


def test_danish_programme_data_is_marked_danish_on_english_pages(compiled, client):
    """WCAG 3.1.2: the Danish titles on an English page carry lang="da"; a Danish page needs
    no marking."""
    danish = client.get("/").get_data(as_text=True)
    assert '<span lang="da">' not in danish
    client.post("/sprog", data={"lang": "en", "next": "/"})
    english = client.get("/").get_data(as_text=True)
    assert re.search(r'<h1><span lang="da">[^<]*Topmøde 2021</span></h1>', english)
    # The UI's own words around the data are English and unmarked.
    assert re.search(r'Theme meeting 5: <span lang="da">Hvad skal der til', english)
    assert english.count('<span lang="da">') > 20
