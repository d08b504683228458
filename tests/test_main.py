"""The public front page, the language switch, and page-wide rules every page keeps: Danish,
no inline script or style (CSP), and a label for every field."""

import html as html_lib
import re
import uuid
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Event, Note, Participant
from tests.conftest import text_of


def test_front_page_shows_event_programme_and_ways_in(client):
    response = client.get("/")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), html_lib.unescape(text_of(response))
    assert '<html lang="da">' in html
    assert "KL's Børn & Unge Topmøde 2021" in text
    assert "Et sammenhængende børne- og ungeområde" in text
    assert "torsdag 28. januar 2021" in text
    assert "Virtuelt topmøde, live fra KL-huset" in text
    # The programme, with Danish times.
    assert "Program" in text
    assert re.search(r"09\.00 ?– ?09\.15 Introduktion til Børn & Unge Topmødet og dets form", text)
    assert re.search(r"11\.45 ?– ?12\.55 Frokost og kommunale drøftelser Kommunale drøftelser",
                     text)
    assert "Oplæg 2: Styring, ledelse og fagligt råderum i folkeskolen" in text
    assert "kan med fordel efterfølges af temamøde 3" in text
    assert "Temamøde 5: Hvad skal der til for at nedbringe skolefravær?" in text
    assert "Fire opgaver til kommunerne" in text and "Tre budskaber til Christiansborg" in text
    # The ways in: a join form and a login link.
    assert 'action="/deltag"' in html
    assert "Udvalgets kode" in text and "Dit navn, som de andre ser det" in text
    assert 'href="/login"' in html


def test_front_page_join_form_works(client, make_committee):
    committee = make_committee()
    response = client.post("/deltag", data={"code": committee.join_code.lower(),
                                            "display_name": "Karen"})
    assert response.status_code == 302
    assert db.session.scalar(select(Participant)).display_name == "Karen"


def test_front_page_marks_a_rehearsal(client, runner):
    runner.invoke(args=["rehearse", "butm2021"])
    text = text_of(client.get("/"))
    assert "Øvelse: programmet vises, som om topmødet holdes i dag." in text
    assert "torsdag 28. januar 2021" in text  # the original date is still told


def test_front_page_without_event(client, event):
    db.session.delete(event)
    db.session.commit()
    text = text_of(client.get("/"))
    assert "Der er endnu ikke indlæst et topmøde." in text


def test_language_switch_and_back(client):
    response = client.post("/sprog", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    client.post("/sprog", data={"lang": "da"})
    assert '<html lang="da">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_language_switch_never_leaves_the_site(client, target):
    response = client.post("/sprog", data={"lang": "da", "next": target})
    assert response.headers["Location"] == "/"


def test_language_switch_refuses_unknown_language(client):
    response = client.post("/sprog", data={"lang": "xx"})
    assert response.status_code == 400
    assert "Forespørgslen kunne ikke forstås." in text_of(response)


def test_unknown_page_is_danish(client):
    response = client.get("/findes-ikke")
    assert response.status_code == 404
    assert "Siden findes ikke." in text_of(response)
    assert '<html lang="da">' in response.get_data(as_text=True)


# ---------------------------------------------------------------- page-wide rules


class _Controls(HTMLParser):
    """Collect the form controls, labels and inline code of a page."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.open_labels = [], set(), 0
        self.inline_scripts, self.style_attrs, self.handlers = 0, [], []
        self.ids = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if "style" in a:
            self.style_attrs.append(tag)
        self.handlers += [name for name, _v in attrs if name.startswith("on")]
        if tag == "script" and "src" not in a:
            self.inline_scripts += 1
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in ("input", "textarea", "select") and a.get("type") not in (
                "hidden", "submit", "button"):
            self.controls.append((tag, a.get("id"), a.get("name"), self.open_labels > 0,
                                  a.get("aria-label")))

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


@pytest.fixture
def pages(app, make_committee, make_client, event):
    """The app's pages as a chair and a participant see them."""
    committee = make_committee()
    committee.theme_meetings = [event.theme_meetings[0]]
    db.session.commit()
    chair, chair_actions = make_client()
    chair_actions.login(committee.chairs[0].email)
    participant, actions = make_client()
    actions.join(committee, name="Mette")
    slot_urls = [f"/udvalg/{committee.id}/pauser/{s.id}" for s in event.slots]
    participant.post(f"{slot_urls[0]}/noter", data={
        "body": "En note", "tasks": [event.tasks[0].id], "client_key": uuid.uuid4().hex})
    note = db.session.scalar(select(Note))
    mette = db.session.scalar(select(Participant))
    anonymous = app.test_client()
    return [
        (anonymous, "/"), (anonymous, "/deltag"), (anonymous, "/login"),
        (anonymous, f"/deltag/{committee.join_code}"), (anonymous, "/findes-ikke"),
        (chair, "/udvalg/"), (chair, "/udvalg/nyt"), (chair, f"/udvalg/{committee.id}"),
        (chair, f"/udvalg/{committee.id}/kode"),
        (chair, f"/udvalg/{committee.id}/deltagere/{mette.id}/fjern"),
        (participant, f"/udvalg/{committee.id}/valg"),
        *[(participant, url) for url in slot_urls],
        (participant, f"{slot_urls[0]}/noter"),
        (participant, f"/noter/{note.id}/rediger"), (participant, f"/noter/{note.id}/slet"),
    ]


def test_pages_keep_the_csp_and_label_every_field(pages):
    checked = 0
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        html = response.get_data(as_text=True)
        assert '<html lang="da">' in html, url
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        parser = _Controls()
        parser.feed(html)
        assert parser.inline_scripts == 0, url
        assert parser.style_attrs == [], url
        assert parser.handlers == [], url
        assert not re.search(r"\bhx-on", html), url
        duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
        assert not duplicates, (url, duplicates)
        for tag, control_id, name, wrapped, aria in parser.controls:
            assert wrapped or aria or (control_id and control_id in parser.label_for), (
                url, tag, name)
            checked += 1
    assert checked > 30  # the check really saw the forms (join, login, choice, notes ...)


def test_event_count_is_one_in_fixture(app):
    # The fixture loads exactly the bundled programme: other tests count on it.
    assert len(db.session.scalars(select(Event)).all()) == 1


# ---------------------------------------------------------------- the accessibility statement


def test_the_statement_names_a_contact_in_writing_and_by_phone(client):
    page = client.get("/tilgaengelighed")
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Skriv til kl@kl.dk" in text and 'href="mailto:kl@kl.dk"' in html
    assert "Ring på 33 70 33 70" in text and 'href="tel:+4533703370"' in html
    assert "senest inden for en måned" in text


def test_the_deployment_sets_the_statements_contact(app, client):
    app.config["ACCESSIBILITY_CONTACT_EMAIL"] = "webtilgaengelighed@aarhus.example.dk"
    app.config["ACCESSIBILITY_CONTACT_PHONE"] = 89402000  # DELIB_ variables arrive as JSON
    page = client.get("/tilgaengelighed")
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Skriv til webtilgaengelighed@aarhus.example.dk" in text and "kl@kl.dk" not in text
    assert "Ring på 89402000" in text and 'href="tel:+4589402000"' in html
    app.config["ACCESSIBILITY_CONTACT_EMAIL"] = app.config["ACCESSIBILITY_CONTACT_PHONE"] = ""
    text = text_of(client.get("/tilgaengelighed"))
    assert "kontakt dit udvalgs formand eller KL's sekretariat" in text
    assert "Skriv til" not in text and "Ring på" not in text


def test_was_leads_to_the_statement(client):
    response = client.get("/was")
    assert response.status_code == 301
    assert response.headers["Location"] == "/tilgaengelighed"
    page = client.get("/was", follow_redirects=True)
    assert "Tilgængelighedserklæring for delib" in text_of(page)


def test_the_statement_mentions_only_what_exists(app, client):
    """Every address the statement links to answers, and the files it names can be fetched."""
    page = client.get("/tilgaengelighed")
    html, text = page.get_data(as_text=True), text_of(page)
    body = html[html.index("<main"):html.index("</main>")]
    for href in re.findall(r'href="(/[^"]*)"', body):
        assert client.get(href).status_code == 200, href
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    if "Word-fil" in text:
        assert any(r.endswith("/rapport.docx") for r in routes)
    if "PDF-fil" in text:
        assert any(r.endswith("/rapport.pdf") for r in routes)


def test_every_page_links_the_statement_in_its_footer(pages, app, make_user, make_client,
                                                      make_committee):
    kl_user = make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    kl, kl_actions = make_client()
    kl_actions.login(kl_user.email)
    checked = 0
    for client, url in [*pages, (kl, "/kl/"), (kl, "/kl/noter"), (kl, "/kl/kommuner")]:
        response = client.get(url)
        html = response.get_data(as_text=True)
        if "<html" not in html:
            continue  # a fragment for htmx, not a page
        footer = html[html.index('<footer class="site-footer"'):]
        assert 'href="/tilgaengelighed">Tilgængelighedserklæring</a>' in footer, url
        checked += 1
    assert checked > 15
