"""Recurring themes: Danish stems and stop words, deterministic, 0 / 1 / many notes."""

import time

from delib.extensions import db
from delib.services import aggregation, themes
from delib.services.demo import NoteSpec, make_submission, seed_national_demo


def rows(*texts_by_municipality):
    """(id, body, code, name) rows from (name, text) pairs."""
    return [(i, text, hash(name) % 1000, name)
            for i, (name, text) in enumerate(texts_by_municipality, start=1)]


def test_no_notes_no_themes():
    assert themes.find_themes([]) == []


def test_only_stop_words_no_themes():
    assert themes.find_themes(rows(("Aarhus", "og i det at en"), ("Odense", "vi skal"))) == []


def test_one_note_one_theme():
    found = themes.find_themes(rows(("Aarhus", "Skolefraværet skal ned med tidlig opsporing")))
    assert len(found) == 1
    theme = found[0]
    assert theme.municipalities == ["Aarhus"] and theme.note_count == 1
    assert "skal" not in theme.terms  # a stop word
    assert theme.quotes[0].body == "Skolefraværet skal ned med tidlig opsporing"


def test_recurring_themes_group_similar_notes():
    notes = []
    for name in ("Aarhus", "Odense", "Vejle", "Ærø", "Herning", "Holbæk"):
        notes += [
            (name, f"Skolefraværet i {name} skal ned med tidlig opsporing af fravær"),
            (name, "Fraværet stiger i udskolingen, vi vil opspore fravær tidligt"),
            (name, "Dagtilbuddene mangler uddannede pædagoger og bedre normeringer"),
            (name, "Normeringer i dagtilbud og flere pædagoger giver bedre trivsel"),
        ]
    found = themes.find_themes(rows(*notes), max_themes=2)
    assert len(found) == 2
    by_terms = {" ".join(t.terms): t for t in found}
    absence = next(t for k, t in by_terms.items() if "fravær" in k)
    daycare = next(t for k, t in by_terms.items() if "normeringer" in k or "pædagoger" in k)
    assert absence is not daycare
    assert absence.note_count == 12 and len(absence.municipalities) == 6
    assert 2 <= len(absence.quotes) <= 3
    # Quotes come from different municipalities.
    assert len({q.municipality for q in absence.quotes}) == len(absence.quotes)


def test_stems_join_inflections_in_one_term():
    found = themes.find_themes(rows(("Aarhus", "fraværet"), ("Odense", "fravær, fravær"),
                                    ("Vejle", "fravær skolen")))
    words = " ".join(t for theme in found for t in theme.terms).split()
    assert "fravær" in words and "fraværet" not in words  # one term, its most used form


def test_single_municipality_themes_are_not_recurring():
    found = themes.find_themes(rows(("Aarhus", "fravær opsporing"), ("Aarhus", "fravær"),
                                    ("Odense", "pædagoger normering")))
    assert all(len(t.municipalities) > 1 for t in found)


def test_deterministic_for_the_same_data(event):
    seed_national_demo(event, notes=800, seed=3)
    db.session.commit()
    f = aggregation.parse_filters(event, {"task": str(event.tasks[1].id)})
    rows_ = list(aggregation.note_texts(event, f))
    first = themes.find_themes(rows_)
    second = themes.find_themes(list(reversed(rows_)))  # order of arrival must not matter
    assert [t.terms for t in first] == [t.terms for t in second]
    assert [[q.note_id for q in t.quotes] for t in first] == \
        [[q.note_id for q in t.quotes] for t in second]
    assert 1 < len(first) <= themes.MAX_THEMES


def test_themes_for_uses_submitted_notes_and_caches(event, make_committee):
    task = event.tasks[0]
    for name in ("Aarhus", "Odense"):
        committee = make_committee(municipality=name)
        make_submission(committee, [NoteSpec("Fravær og tidlig opsporing", tasks=[task])])
    db.session.commit()
    f = aggregation.parse_filters(event, {"task": str(task.id)})
    found = themes.themes_for(event, f)
    assert found and found[0].municipalities == ["Aarhus", "Odense"]
    assert themes.themes_for(event, f) is found  # cached
    committee = make_committee(municipality="Vejle")
    make_submission(committee, [NoteSpec("Fravær i udskolingen", tasks=[task])])
    db.session.commit()
    assert themes.themes_for(event, f)[0].municipalities == ["Aarhus", "Odense", "Vejle"]


def test_twenty_thousand_notes(event):
    seed_national_demo(event, notes=20000, seed=5)
    db.session.commit()
    f = aggregation.Filters()
    started = time.perf_counter()
    found = themes.find_themes(list(aggregation.note_texts(event, f)))
    elapsed = time.perf_counter() - started
    assert 1 < len(found) <= themes.MAX_THEMES
    assert sum(t.note_count for t in found) <= 20000
    assert all(t.terms and t.quotes for t in found)
    assert elapsed < 60  # generous: a shared 2-core machine; typically a few seconds
