"""Danish search over submitted notes: lemmas, compounds, numbers, ranking, highlights, index."""

import pytest
from markupsafe import Markup
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import SearchTerm, Submission, SubmissionNote
from delib.models.search import FORM, LEMMA, PART
from delib.services.kl import overview, search
from delib.services.language import danish
from delib.tasks.demo import NoteSpec, make_submission
from tests.conftest import text_of

BODIES = [
    "Fraværet i udskolingen stiger",
    "Vi vil bekæmpe skolefravær med tidlig opsporing",
    "Elevfraværet hænger sammen med trivslen",
    "Børnene trives bedst i små grupper",
    "Barnet skal mødes af én voksen",
    "Forældrene skal med fra start, også forældres netværk",
    "Ledelsesforum for skoleledere og dagtilbudsledere",
    "Skoleledelsen skal have mere plads",
    "Ledelse er også at vælge fra",
    "Ledelsen i dagtilbud og ledelsesniveauet over den",
    "Lederne mangler tid",
    "Budgettet for PPR er presset",
    "Flere specialtilbud og færre specialklasser",
    "Indsatser skal vurderes; én indsats ad gangen",
    "Forældresamarbejdet skal styrkes",
    "Samarbejde med PPR og SSP",
    "10. klasse skal tænkes ind i FGU",
    "8. klasse og 1. klasse har flest fravær",
    "Mere fokus på 0-6-årsområdet",
    "6-18-årsområdet mangler en plan",
    "Genbesøg børne- og ungepolitikken",
    "Nøgletallene viser en stigning",
    "Gode samtaler og en tale fra borgmesteren",
]


@pytest.fixture
def notes(event, make_committee):
    committee = make_committee(municipality="Aarhus")
    task = event.tasks[0]
    make_submission(committee, [NoteSpec(b, tasks=[task]) for b in BODIES])
    db.session.commit()
    return committee


def found(event, query):
    """The bodies a query finds, in the order the search ranks them."""
    page = overview.notes_page(event, overview.Filters(), search.prepare(query),
                                  per_page=100)
    return [note.body for note, _m in page.items]


def hits(event, query):
    return sorted(found(event, query))


def test_irregular_plurals_find_their_lemma(event, notes):
    assert hits(event, "barn") == ["Barnet skal mødes af én voksen",
                                   "Børnene trives bedst i små grupper",
                                   "Genbesøg børne- og ungepolitikken"]
    assert hits(event, "børn") == hits(event, "barn")
    assert hits(event, "forælder") == ["Forældrene skal med fra start, også forældres netværk",
                                       "Forældresamarbejdet skal styrkes"]


def test_forms_the_stemmer_split_are_one_word(event, notes):
    assert hits(event, "budget") == ["Budgettet for PPR er presset"]
    assert hits(event, "indsats") == ["Indsatser skal vurderes; én indsats ad gangen"]
    assert hits(event, "trivsel") == ["Elevfraværet hænger sammen med trivslen"]


def test_compounds_by_head_or_first_part(event, notes):
    assert hits(event, "ledelse") == [
        "Ledelse er også at vælge fra", "Ledelsen i dagtilbud og ledelsesniveauet over den",
        "Ledelsesforum for skoleledere og dagtilbudsledere", "Skoleledelsen skal have mere plads"]
    assert hits(event, "fravær") == [
        "8. klasse og 1. klasse har flest fravær", "Elevfraværet hænger sammen med trivslen",
        "Fraværet i udskolingen stiger", "Vi vil bekæmpe skolefravær med tidlig opsporing"]
    assert hits(event, "special") == ["Flere specialtilbud og færre specialklasser"]


def test_another_lemma_is_no_match_but_a_prefix_query_finds_it(event, notes):
    assert "Lederne mangler tid" not in hits(event, "ledelse")
    assert hits(event, "leder") == ["Ledelsesforum for skoleledere og dagtilbudsledere",
                                    "Lederne mangler tid"]
    assert found(event, "leder*") == ["Lederne mangler tid",  # a form begins with it
                                      "Ledelsesforum for skoleledere og dagtilbudsledere"]
    assert "Ledelse er også at vælge fra" in hits(event, "lede*")


def test_compound_query_is_not_split(event, notes):
    assert hits(event, "forældresamarbejde") == ["Forældresamarbejdet skal styrkes"]
    assert hits(event, "skolefravær") == ["Vi vil bekæmpe skolefravær med tidlig opsporing"]
    assert "Forældresamarbejdet skal styrkes" in hits(event, "samarbejde")


def test_numbers_count(event, notes):
    assert hits(event, "10. klasse") == ["10. klasse skal tænkes ind i FGU"]
    assert hits(event, "8. klasse") == ["8. klasse og 1. klasse har flest fravær"]
    assert hits(event, "0-6-årsområdet") == ["Mere fokus på 0-6-årsområdet"]
    assert hits(event, "6-18-årsområde") == ["6-18-årsområdet mangler en plan"]


def test_coordinated_compounds_are_expanded(event, notes):
    assert hits(event, "børnepolitik") == ["Genbesøg børne- og ungepolitikken"]
    assert hits(event, "ungepolitikken") == ["Genbesøg børne- og ungepolitikken"]
    assert hits(event, "børne- og ungepolitik") == ["Genbesøg børne- og ungepolitikken"]


def test_short_words_do_not_match_inside_others(event, notes):
    assert hits(event, "tal") == ["Nøgletallene viser en stigning"]
    assert hits(event, "tale") == ["Gode samtaler og en tale fra borgmesteren"]


def test_abbreviations(event, notes):
    assert hits(event, "ppr") == ["Budgettet for PPR er presset", "Samarbejde med PPR og SSP"]
    assert hits(event, "FGU") == ["10. klasse skal tænkes ind i FGU"]


def test_ranked_exact_form_then_lemma_then_compound(event, notes):
    assert found(event, "ledelse") == [
        "Ledelse er også at vælge fra",  # as typed
        "Ledelsen i dagtilbud og ledelsesniveauet over den",  # another form
        "Ledelsesforum for skoleledere og dagtilbudsledere",  # compound parts, then by order
        "Skoleledelsen skal have mere plads"]
    ranked = found(event, "ledelsen")
    assert ranked[0] == "Ledelsen i dagtilbud og ledelsesniveauet over den"
    assert ranked[1] == "Ledelse er også at vælge fra"


def test_all_words_must_match(event, notes):
    assert hits(event, "fravær trivsel") == ["Elevfraværet hænger sammen med trivslen"]
    assert hits(event, "fravær grupper") == []
    assert hits(event, "børn og grupper") == ["Børnene trives bedst i små grupper"]


def test_empty_and_punctuation_queries_do_not_filter(event, notes):
    assert not search.prepare("").active
    assert not search.prepare('"*()^ -- ').active
    assert len(found(event, "")) == len(BODIES)


def test_query_syntax_is_harmless(event, notes):
    assert len(hits(event, 'fravær"*')) == 4
    assert hits(event, 'fravær" OR "børn') == []  # three words, all required
    assert hits(event, "NEAR(fravær") == []
    assert hits(event, "%") == hits(event, "")
    assert hits(event, "le%*") == []  # LIKE wildcards are escaped
    assert hits(event, "og") == []  # function words only: nothing, rather than everything
    assert hits(event, "x" * 200) == []


def test_highlight_marks_every_matched_form_and_escapes_the_rest():
    prepared = search.Search("ledelse", words=search._query_words("ledelse"))
    html = prepared.highlight('<b>Ledelsen</b>, skoleledelsen & ledelsesniveauet; lederne')
    assert isinstance(html, Markup)
    assert "<b>" not in html
    assert ("&lt;b&gt;<mark>Ledelsen</mark>&lt;/b&gt;, <mark>skoleledelsen</mark> &amp; "
            "<mark>ledelsesniveauet</mark>; lederne") == html


def test_highlight_of_phrases_coordinated_compounds_and_prefixes():
    def marked(query, body):
        return str(search.Search(query, words=search._query_words(query)).highlight(body))

    assert marked("10. klasse", "I 10. klasse og 8. klasse") == (
        "I <mark>10. klasse</mark> og 8. klasse")
    assert marked("børnepolitik", "Genbesøg børne- og ungepolitikken") == (
        "Genbesøg <mark>børne</mark>- og <mark>ungepolitikken</mark>")
    assert marked("barn", "Børne- og Ungeudvalget") == "<mark>Børne</mark>- og Ungeudvalget"
    assert marked("udvalg", "Børne- og Ungeudvalget") == "Børne- og <mark>Ungeudvalget</mark>"
    assert marked("leder*", "Lederne og ledelsen") == "<mark>Lederne</mark> og ledelsen"
    assert marked("tal", "Tallene, en tale, nøgletal") == (
        "<mark>Tallene</mark>, en tale, <mark>nøgletal</mark>")
    assert search.highlight("<i>x</i>", []) == "&lt;i&gt;x&lt;/i&gt;"


def test_terms_of_a_note_say_how_they_occur():
    found = search.terms("Skoleledelsen og børnene i 10. klasse")
    assert found["skoleledelsen"] == FORM
    assert found["skoleledelse"] == LEMMA and found["barn"] == LEMMA
    assert found["ledelse"] == PART and found["skole"] == PART
    assert found["10.klasse"] == FORM
    assert "og" not in found and "i" not in found  # function words are not indexed


def test_danish_reads_compounds_and_keeps_the_shared_api():
    assert danish.lemmas("børnene") == ("barn",)
    assert danish.tokens("Børnene i 0-6-årsområdet") == ["børnene", "i", "0-6-årsområdet"]
    assert danish.stem("fraværet") == danish.stem("fravær")
    assert danish.parts("ledelsesniveauet") == ("ledelse", "niveau")
    assert danish.parts("samtaler") == ()  # "sam" is no word
    assert danish.parts("forældre") == ()  # for + ældre is no compound
    assert [w.text for w in danish.search_words("almen-, special- og dagtilbudsområdet")
            if w.kind == "coordinated"] == ["almenområdet", "specialområdet"]


def _terms_count(note_id=None):
    stmt = select(func.count()).select_from(SearchTerm)
    if note_id is not None:
        stmt = stmt.where(SearchTerm.note_id == note_id)
    return db.session.scalar(stmt)


def test_index_follows_orm_inserts_updates_and_deletes(event, notes):
    note = db.session.scalars(select(SubmissionNote).where(
        SubmissionNote.body == "Lederne mangler tid")).one()
    before = _terms_count()
    assert _terms_count(note.id) > 0
    note.body = "Skoleledelsen mangler tid"
    db.session.commit()
    assert "Skoleledelsen mangler tid" in hits(event, "ledelse")
    assert "Skoleledelsen mangler tid" not in hits(event, "leder")
    db.session.delete(note)
    db.session.commit()
    assert _terms_count(note.id) == 0 and _terms_count() < before


def test_a_new_submission_is_searchable_without_any_repair(event, make_committee):
    committee = make_committee(municipality="Vejle")
    make_submission(committee, [NoteSpec("Specialklasserne er fyldt op",
                                         tasks=[event.tasks[0]])])
    db.session.commit()
    assert hits(event, "special") == ["Specialklasserne er fyldt op"]


def test_index_submission_and_rebuild_restore_a_lost_index(event, notes):
    db.session.execute(SearchTerm.__table__.delete())
    assert hits(event, "fravær") == []
    search.index_submission(db.session.scalars(select(Submission)).one())
    assert len(hits(event, "fravær")) == 4
    db.session.execute(SearchTerm.__table__.delete())
    assert search.rebuild_index() == len(BODIES)
    db.session.commit()
    assert len(hits(event, "fravær")) == 4


def test_rebuild_command(runner, event, notes):
    db.session.execute(SearchTerm.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["rebuild-search-index"])
    assert result.exit_code == 0, result.output
    assert f"{len(BODIES)} noter" in result.output
    assert len(hits(event, "fravær")) == 4


def test_search_only_sees_latest_submission(event, make_committee):
    committee = make_committee(municipality="Vejle")
    make_submission(committee, [NoteSpec("Gammel tekst om fravær", tasks=[event.tasks[0]])])
    make_submission(committee, [NoteSpec("Ny tekst om trivsel", tasks=[event.tasks[0]])])
    db.session.commit()
    assert hits(event, "fravær") == []
    assert hits(event, "trivsel") == ["Ny tekst om trivsel"]


def test_kl_page_searches_without_writing(event, notes, make_user, make_client):
    make_user(role="kl_analyst", email="analytiker@kl.dk", municipality=None)
    client, actions = make_client()
    actions.login("analytiker@kl.dk")
    before = _terms_count()
    response = client.get("/kl/noter?q=ledelse")
    page = text_of(response)
    assert "4 noter" in page
    assert "Lederne mangler tid" not in page
    assert "<mark>Skoleledelsen</mark>" in response.get_data(as_text=True)
    assert _terms_count() == before
