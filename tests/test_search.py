"""Danish full-text search over submitted notes: stemming, compounds, highlighting, the index."""

import os

import pytest
from markupsafe import Markup
from sqlalchemy import text

from delib.extensions import db
from delib.services import aggregation, search
from delib.services.demo import NoteSpec, make_submission

sqlite_only = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
    reason="the FTS5 index is SQLite's; PostgreSQL uses its own Danish text search")


@pytest.fixture
def notes(event, make_committee):
    committee = make_committee(municipality="Aarhus")
    task = event.tasks[0]
    make_submission(committee, [
        NoteSpec("Fraværet i udskolingen stiger", tasks=[task]),
        NoteSpec("Vi vil bekæmpe skolefravær med tidlig opsporing", tasks=[task]),
        NoteSpec("Elevfraværet hænger sammen med trivsel", tasks=[task]),
        NoteSpec("Børnene trives bedst i små grupper", tasks=[task]),
        NoteSpec("Ledelsesforum for skoleledere og dagtilbudsledere", tasks=[task]),
    ])
    db.session.commit()
    return committee


def found(event, query):
    prepared = search.prepare(query)
    page = aggregation.notes_page(event, aggregation.Filters(), prepared)
    return sorted(note.body for note, _m in page.items)


def test_stem_text_is_danish():
    assert search.stem("fraværet") == search.stem("fravær")
    assert search.stem("skolerne") == search.stem("skole")
    assert search.stem_text("Børnene trives") == f"{search.stem('børnene')} {search.stem('trives')}"


def test_compound_query_finds_its_head(event, notes):
    hits = found(event, "skolefravær")
    assert "Fraværet i udskolingen stiger" in hits
    assert "Vi vil bekæmpe skolefravær med tidlig opsporing" in hits


def test_head_query_finds_compounds(event, notes):
    hits = found(event, "fravær")
    assert len(hits) == 3  # fraværet, skolefravær, elevfraværet
    assert "Børnene trives bedst i små grupper" not in hits


def test_inflections_match(event, notes):
    assert found(event, "børn") == ["Børnene trives bedst i små grupper"]
    assert found(event, "grupperne") == ["Børnene trives bedst i små grupper"]
    assert found(event, "opsporingen") == ["Vi vil bekæmpe skolefravær med tidlig opsporing"]


def test_all_words_must_match(event, notes):
    assert found(event, "fravær trivsel") == ["Elevfraværet hænger sammen med trivsel"]
    assert found(event, "fravær grupper") == []


def test_empty_and_punctuation_queries_do_not_filter(event, notes):
    assert not search.prepare("").active
    assert not search.prepare('"*()^ -- 123').active
    assert len(found(event, "")) == 5


def test_fts_syntax_in_query_is_harmless(event, notes):
    # FTS5 operators and quotes are not passed through: the words are searched for.
    assert len(found(event, 'fravær"*')) == 3
    assert found(event, 'fravær" OR "børn') == []  # three words, all required
    assert found(event, "NEAR(fravær") == []  # "near" is not in any note


def test_highlight_marks_matches_and_escapes_everything_else():
    body = '<img src=x onerror=alert(1)> Fraværet & "skolefravær"'
    html = search.highlight(body, {search.stem("fravær"), search.stem("skolefravær")})
    assert isinstance(html, Markup)
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<mark>Fraværet</mark> &amp; &#34;<mark>skolefravær</mark>&#34;" in html


def test_highlight_without_terms_is_escaped_text():
    assert search.highlight("<b>x</b>", set()) == "&lt;b&gt;x&lt;/b&gt;"


@sqlite_only
def test_index_follows_orm_inserts_and_deletes(event, notes):
    count = db.session.execute(text("SELECT count(*) FROM submission_note_fts")).scalar()
    assert count == 5
    from delib.models import SubmissionNote

    note = db.session.scalars(db.select(SubmissionNote)).first()
    db.session.delete(note)
    db.session.commit()
    assert db.session.execute(text("SELECT count(*) FROM submission_note_fts")).scalar() == 4


@sqlite_only
def test_ensure_index_repairs_an_empty_index(event, notes):
    db.session.execute(text("DELETE FROM submission_note_fts"))
    db.session.commit()
    assert found(event, "fravær") == []
    assert search.ensure_index() is True
    db.session.commit()
    assert len(found(event, "fravær")) == 3
    assert search.ensure_index() is False


@sqlite_only
def test_index_submission_reindexes_bulk_rows(event, notes):
    from delib.models import Submission

    db.session.execute(text("DELETE FROM submission_note_fts"))
    submission = db.session.scalars(db.select(Submission)).one()
    search.index_submission(submission)
    db.session.commit()
    assert len(found(event, "fravær")) == 3


@sqlite_only
def test_index_table_survives_drop_and_create(app):
    db.drop_all()
    db.create_all()
    names = {r[0] for r in db.session.execute(text("SELECT name FROM sqlite_master"))}
    assert "submission_note_fts" in names


def test_search_only_sees_latest_submission(event, make_committee):
    committee = make_committee(municipality="Vejle")
    make_submission(committee, [NoteSpec("Gammel tekst om fravær", tasks=[event.tasks[0]])])
    make_submission(committee, [NoteSpec("Ny tekst om trivsel", tasks=[event.tasks[0]])])
    db.session.commit()
    assert found(event, "fravær") == []
    assert found(event, "trivsel") == ["Ny tekst om trivsel"]
