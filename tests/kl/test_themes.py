"""Recurring themes: readable labels, small points kept, remarks left out, themes KL can open."""

import csv
import importlib.util
import io
import json
import random
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.forms.kl import parse_filters
from delib.models import Municipality
from delib.services.kl import api_tokens, overview, themes
from delib.tasks.demo import NoteSpec, make_submission, seed_national_demo
from tests.conftest import text_of

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("eval_themes", ROOT / "eval" / "themes.py")
evaluation = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(evaluation)

#: Filler a label must never show (light verbs, discourse words, vague words), as written.
FILLER = {"siger", "går", "dag", "gang", "hvem", "ingen", "virker", "lave", "gøre", "får", "kan",
          "skal", "godt", "mange", "tror", "synes", "ting", "måde", "bare"}
#: Words that may be part of a key phrase ("færre projekter") but never a label alone.
NEVER_ALONE = {"projekter", "projekt", "projekterne", "indsatser", "tiltag", "initiativer"}


def assert_no_filler(theme):
    assert not FILLER & set(label_words(theme)), theme.terms
    assert not NEVER_ALONE & {t.lower() for t in theme.terms}, theme.terms


def rows(*texts_by_municipality):
    """(id, body, code, name) rows from (name, text) pairs."""
    return [(i, text, name, name) for i, (name, text) in enumerate(texts_by_municipality, 1)]


def label_words(theme) -> list[str]:
    return re.findall(r"[^\W\d_]+", " ".join(theme.terms).lower())


@pytest.fixture(scope="module")
def the_set():
    """The project's themes set: notes labelled with their point."""
    return evaluation.load()


@pytest.fixture(scope="module")
def set_themes(the_set):
    return themes.find_themes(evaluation.rows_of(the_set))


# --- the method --------------------------------------------------------------------------------


def test_no_notes_no_themes():
    assert themes.find_themes([]) == []


def test_only_stop_words_no_themes():
    assert themes.find_themes(rows(("Aarhus", "og i det at en"), ("Odense", "vi skal"))) == []


def test_one_note_one_theme():
    found = themes.find_themes(rows(("Aarhus", "Skolefraværet skal ned med tidlig opsporing")))
    assert len(found) == 1
    theme = found[0]
    assert theme.municipalities == ["Aarhus"] and theme.note_ids == [1]
    assert "skal" not in label_words(theme)
    assert theme.quotes[0].body == "Skolefraværet skal ned med tidlig opsporing"


def test_deterministic_for_the_same_notes(the_set):
    notes = evaluation.rows_of(the_set)
    first = themes.find_themes(notes)
    shuffled = list(notes)
    random.Random(7).shuffle(shuffled)  # the order of arrival must not matter
    second = themes.find_themes(shuffled)

    def shape(found):
        return [(t.key, t.label, t.terms, t.note_ids, [q.note_id for q in t.quotes])
                for t in found]

    assert shape(first) == shape(second)
    assert len({t.key for t in first}) == len(first)  # keys are unique


def test_a_point_of_two_municipalities_stays_its_own_theme():
    notes = []
    broad = ["Luk de projekter der ikke virker", "For mange projekter, luk nogle",
             "Vi skal lukke projekter uden værdi", "Projekter der ikke skaber værdi skal lukkes"]
    for i, name in enumerate(("Aarhus", "Odense", "Vejle", "Herning", "Holbæk", "Slagelse")):
        notes += [(name, broad[i % 4]), (name, broad[(i + 1) % 4])]
    notes += [("Ærø", "Færgepriserne gør ungdomsuddannelse dyr for øens unge"),
              ("Samsø", "Færgen koster for meget for unge der skal på ungdomsuddannelse")]
    found = themes.find_themes(rows(*notes))
    small = [t for t in found if set(t.municipalities) == {"Ærø", "Samsø"}]
    assert len(small) == 1 and small[0].note_count == 2
    big = next(t for t in found if "Aarhus" in t.municipalities)
    assert "Ærø" not in big.municipalities


def test_one_off_remarks_stay_outside_every_theme():
    notes = [(name, text) for name in ("Aarhus", "Odense", "Vejle", "Kolding") for text in (
        "Medarbejderne skal inddrages før nye indsatser",
        "Inddrag medarbejderne tidligt i nye indsatser")]
    notes += [("Herning", "Kan vi få slides fra Lotte Bøgh Andersen?"),
              ("Struer", "Husk at sende referatet til skolebestyrelserne")]
    found = themes.find_themes(rows(*notes))
    inside = {i for t in found for i in t.note_ids}
    assert found and {9, 10}.isdisjoint(inside)
    assert inside == set(range(1, 9))


def test_a_point_said_in_different_words_is_one_theme_with_its_parts():
    notes = [("Aarhus", "Medarbejderne mangler tid til implementering"),
             ("Odense", "Medarbejderne skal have ro til implementering"),
             ("Vejle", "Giv medarbejderne plads til at implementere"),
             ("Kolding", "Medarbejderne drukner i nye metoder"),
             ("Herning", "Personalet er trætte af forandringer"),
             ("Holbæk", "Personalet orker ikke flere forandringer"),
             ("Slagelse", "Personalet oplever forandringer hele tiden"),
             ("Ærø", "Færgepriserne gør ungdomsuddannelse dyr for øens unge"),
             ("Samsø", "Færgen koster for meget for unge der skal på ungdomsuddannelse"),
             ("Struer", "Husk at sende referatet til skolebestyrelserne")]
    found = themes.find_themes(rows(*notes))
    # Staff named in two words share no word, but one concept: one broad theme.
    staff = next(t for t in found if "Aarhus" in t.municipalities)
    assert staff.note_ids == [1, 2, 3, 4, 5, 6, 7]
    assert [p.note_ids for p in staff.parts] == [[1, 2, 3, 4], [5, 6, 7]]
    assert {"medarbejderne", "personalet"} <= {w for t in staff.terms for w in t.split()}
    # The ferry point of two islands names no staff concept: it stays its own theme.
    ferry = next(t for t in found if "Ærø" in t.municipalities)
    assert ferry.note_ids == [8, 9] and not ferry.parts
    assert 10 not in {i for t in found for i in t.note_ids}


def test_concept_list_holds_lower_case_words_that_are_no_stop_words():
    table = themes.concepts()
    assert len(set(table.values())) >= 10 and "medarbejdere" in set(table.values())
    assert table["personale"] == table["pædagog"] == table["lærer"] == "medarbejdere"
    for word in table:
        assert word == word.lower() and " " not in word
        assert word not in themes.STOP_WORDS, word
    # A compound counts by its last part, in any inflection.
    assert themes._concept_of("skolelærerne") == "medarbejdere"
    assert themes._concept_of("fraværsdata") == "effekt"
    assert themes._concept_of("cykelsti") is None


def test_filler_words_never_label_a_theme():
    notes = []
    for name in ("Aarhus", "Odense", "Vejle", "Kolding", "Herning"):
        notes += [(name, "Hvem siger at projekter virker? Ingen går og tjekker det hver dag"),
                  (name, "Det virker som om ingen siger noget, projekter går bare sin gang"),
                  (name, "Tidlig indsats i dagtilbud virker, siger pædagogerne hver gang")]
    found = themes.find_themes(rows(*notes))
    assert found
    for theme in found:
        assert_no_filler(theme)


def test_labels_on_the_set_are_words_of_the_notes_and_never_filler(the_set, set_themes):
    by_id = {n["id"]: n["text"].lower() for n in the_set}
    assert set_themes
    for theme in set_themes:
        assert theme.label and theme.terms
        assert_no_filler(theme)
        for term in theme.terms:  # small linking words only inside a phrase
            words = term.lower().split()
            assert words[0] not in themes.STOP_WORDS and words[-1] not in themes.STOP_WORDS
            assert all(w not in themes.STOP_WORDS or w in themes.PHRASE_LINKS for w in words)
        for term in theme.terms:
            # Each key phrase is written like this in at least one of the theme's notes.
            assert any(term.lower() in by_id[i] for i in theme.note_ids), term
        assert theme.label.startswith(theme.terms[0])


def test_note_ids_of_each_theme(set_themes, the_set):
    seen: set[int] = set()
    municipality_of = {n["id"]: n["municipality"] for n in the_set}
    for theme in set_themes:
        assert theme.note_ids == sorted(theme.note_ids) and theme.note_count == len(theme.note_ids)
        assert seen.isdisjoint(theme.note_ids)  # a note is in one theme at most
        seen.update(theme.note_ids)
        assert {q.note_id for q in theme.quotes} <= set(theme.note_ids)
        assert 2 <= len(theme.quotes) <= 3
        assert len({q.municipality for q in theme.quotes}) == len(theme.quotes)
        assert theme.municipalities == sorted({municipality_of[i] for i in theme.note_ids})
        assert len(theme.municipalities) >= 2
        if theme.parts:  # a broad theme holds exactly the notes of its parts
            assert len(theme.parts) >= 2
            held = [i for p in theme.parts for i in p.note_ids]
            assert sorted(held) == theme.note_ids and len(set(held)) == len(held)
            assert all(not p.parts and len(p.municipalities) >= 2 for p in theme.parts)
    keys = [t.key for theme in set_themes for t in (theme, *theme.parts)]
    assert len(set(keys)) == len(keys)  # a part can be opened on its own key


def test_quality_on_the_themes_set(capsys):
    """The figures docs/themes.md reports; a change that finds less fails here."""
    figures = evaluation.main([])
    printed = capsys.readouterr().out
    assert "old (stems, k-means)" in printed
    assert "fine themes only" in printed
    assert len(figures["broad_found"]) >= 4  # one theme holds over half of a broad point
    assert len(figures["small_found"]) == 3  # every small point is a theme of its own
    assert len(figures["small_covered"]) == 3
    assert len(figures["broad_covered"]) == 5
    assert figures["purity"] >= 0.80
    assert figures["one_off_inside"] <= 7 and figures["largest"] <= 30
    assert figures["themes"] <= 20  # a task page KL can read
    old = evaluation.score(evaluation.load(), evaluation.old_find_themes(
        evaluation.rows_of(evaluation.load())))
    assert figures["purity"] > old["purity"] + 0.3
    assert figures["one_off_inside"] < old["one_off_inside"]


# --- in the app --------------------------------------------------------------------------------


@pytest.fixture
def seeded(event, make_committee, the_set):
    """The themes set submitted on task 3 by its 30 municipalities; set id → note id."""
    task = event.tasks[2]
    by_municipality: dict[str, list] = {}
    for note in the_set:
        by_municipality.setdefault(note["municipality"], []).append(note)
    ids = {}
    for name in sorted(by_municipality):
        committee = make_committee(municipality=name)
        submission = make_submission(committee, [NoteSpec(n["text"], tasks=[task])
                                                 for n in by_municipality[name]])
        for spec, row in zip(by_municipality[name], submission.notes, strict=True):
            ids[spec["id"]] = row.id
    db.session.commit()
    return task, ids



def test_themes_for_uses_submitted_notes_and_caches(event, make_committee):
    task = event.tasks[0]
    for name in ("Aarhus", "Odense"):
        committee = make_committee(municipality=name)
        make_submission(committee, [NoteSpec("Fravær og tidlig opsporing", tasks=[task])])
    db.session.commit()
    f = parse_filters(event, {"task": str(task.id)})
    found = themes.themes_for(event, f)
    assert found and found[0].municipalities == ["Aarhus", "Odense"]
    assert themes.themes_for(event, f) is found  # cached
    committee = make_committee(municipality="Vejle")
    make_submission(committee, [NoteSpec("Tidlig opsporing af fravær i udskolingen",
                                           tasks=[task])])
    db.session.commit()
    assert themes.themes_for(event, f)[0].municipalities == ["Aarhus", "Odense", "Vejle"]


def test_themes_in_the_app_match_the_set(event, seeded, set_themes):
    task, ids = seeded
    found = themes.themes_for(event, parse_filters(event, {"task": str(task.id)}))
    assert [t.label for t in found] == [t.label for t in set_themes]
    assert [t.note_ids for t in found] == [sorted(ids[i] for i in t.note_ids) for t in set_themes]
    regions = {r for t in found for r, _n in t.by_region}
    assert {"Region Hovedstaden", "Region Nordjylland"} <= regions
    for theme in found:
        assert sum(n for _r, n in theme.by_region) == len(theme.municipalities)
        assert sum(n for _s, n in theme.by_size) == len(theme.municipalities)


def test_task_page_shows_themes_with_counts_details_and_links(kl_client, event, seeded):
    task, _ids = seeded
    response = kl_client.get(f"/kl/opgaver/{task.id}")
    html = response.get_data(as_text=True)
    page = text_of(response)
    found = themes.themes_for(event, parse_filters(event, {"task": str(task.id)}))
    first = found[0]
    assert first.label in page
    assert f"{first.note_count} noter · {len(first.municipalities)} kommuner" in page
    region, n = first.by_region[0]
    assert f'{region.replace("Region ", "")} {n}' in page
    assert "Ukendt indbyggertal" in page or "indbyggere" in page  # size groups
    assert html.count('<details class="theme-municipalities">') == len(found)
    assert f"tema={first.key}" in html
    # Every theme's names are on the page, but folded away; quotes are shown.
    assert ", ".join(found[-1].municipalities) in page
    assert first.quotes[0].body in page
    # Eight themes open, the rest on demand.
    assert html.count('class="card theme-card"') == len(found)
    if len(found) > 8:
        assert f"Flere temaer ({len(found) - 8})" in page


def test_notes_page_filtered_by_theme_shows_exactly_its_notes(kl_client, event, seeded):
    task, _ids = seeded
    found = themes.themes_for(event, parse_filters(event, {"task": str(task.id)}))
    theme = found[1]
    response = kl_client.get(f"/kl/noter?task={task.id}&tema={theme.key}")
    page = text_of(response)
    assert f"{theme.note_count} noter" in page and f"Tema: {theme.label}" in page
    notes = overview.notes_page(event, parse_filters(
        event, {"task": str(task.id)}), per_page=500).items
    bodies = {n.id: " ".join(n.body.split()) for n, _m in notes}
    for note_id, body in bodies.items():
        assert (body in page) == (note_id in theme.note_ids), body
    # The theme stays in the filter form and in the export link.
    html = response.get_data(as_text=True)
    assert f'name="tema" value="{theme.key}"' in html
    assert f"tema={theme.key}" in html


def test_notes_page_filtered_by_a_part_of_a_broad_theme(kl_client, event, seeded):
    task, _ids = seeded
    found = themes.themes_for(event, parse_filters(event, {"task": str(task.id)}))
    broad = next(t for t in found if t.parts)
    part = broad.parts[-1]
    page = text_of(kl_client.get(f"/kl/noter?task={task.id}&tema={part.key}"))
    assert f"{part.note_count} noter" in page and f"Tema: {part.label}" in page
    assert themes.theme_by_key(event, parse_filters(
        event, {"task": str(task.id)}), part.key).note_ids == part.note_ids


def test_export_of_a_theme_holds_its_notes(kl_client, event, seeded):
    task, _ids = seeded
    theme = themes.themes_for(event, parse_filters(
        event, {"task": str(task.id)}))[0]
    response = kl_client.post("/kl/eksport", data={
        "format": "csv", "kind": "notes", "task": task.id, "tema": theme.key})
    assert response.status_code == 200
    rows_ = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert len(rows_) - 1 == theme.note_count


def test_unknown_theme_says_so_in_danish(kl_client, event, seeded):
    task, _ids = seeded
    page = text_of(kl_client.get(f"/kl/noter?task={task.id}&tema=findes-ikke"))
    assert "Temaet findes ikke (længere) blandt de valgte noter" in page


def test_api_lists_each_themes_note_ids(client, event, seeded, make_user):
    task, _ids = seeded
    analyst = make_user(role="kl_analyst", email="api@kl.dk", municipality=None)
    _row, secret = api_tokens.create_token(analyst, "Notebook")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    doc = client.get(f"/api/v1/themes?task={task.id}", headers=headers).get_json()
    found = themes.themes_for(event, parse_filters(event, {"task": str(task.id)}))
    assert [t["key"] for t in doc["items"]] == [t.key for t in found]
    item = doc["items"][0]
    assert item["note_ids"] == found[0].note_ids and item["note_count"] == len(item["note_ids"])
    assert sum(r["municipalities"] for r in item["by_region"]) == len(item["municipalities"])
    notes = client.get(f"/api/v1/notes?task={task.id}&tema={item['key']}&per_page=500",
                       headers=headers).get_json()
    assert sorted(n["id"] for n in notes["items"]) == item["note_ids"]
    bad = client.get(f"/api/v1/notes?task={task.id}&tema=nej", headers=headers)
    assert bad.status_code == 400 and "Temaet findes ikke" in bad.get_json()["error"]
    # A broad theme lists its parts, and each part's key opens exactly its notes.
    broad_index = next(i for i, t in enumerate(found) if t.parts)
    parts = doc["items"][broad_index]["parts"]
    assert [p["key"] for p in parts] == [p.key for p in found[broad_index].parts]
    part_notes = client.get(f"/api/v1/notes?task={task.id}&tema={parts[0]['key']}&per_page=500",
                            headers=headers).get_json()
    assert sorted(n["id"] for n in part_notes["items"]) == sorted(parts[0]["note_ids"])


def test_task_page_lists_a_broad_themes_parts_with_links(kl_client, event, seeded):
    task, _ids = seeded
    found = themes.themes_for(event, parse_filters(event, {"task": str(task.id)}))
    broad = next(t for t in found if t.parts)
    html = kl_client.get(f"/kl/opgaver/{task.id}").get_data(as_text=True)
    assert f"Samlet af {len(broad.parts)} deltemaer" in html
    for part in broad.parts:
        assert f"tema={quote(part.key)}" in html and part.label in html


# --- scale -------------------------------------------------------------------------------------


@pytest.mark.parametrize("notes", [2000, 20000])
def test_demo_scale(event, notes):
    seed_national_demo(event, notes=notes, seed=5)
    db.session.commit()
    f = overview.Filters()
    started = time.perf_counter()
    found = themes.find_themes(list(overview.note_texts(event, f)))
    elapsed = time.perf_counter() - started
    print(f"{notes} notes: {elapsed:.1f} s, {len(found)} themes")
    assert found and all(t.terms and t.quotes for t in found)
    assert sum(t.note_count for t in found) <= notes
    assert elapsed < 90  # generous: a shared 2-core machine (docs/themes.md has the figures)


def test_municipalities_in_the_set_exist(the_set, app):
    names = set(db.session.scalars(select(Municipality.name)))
    assert {n["municipality"] for n in the_set} <= names
    assert len({n["municipality"] for n in the_set}) == 30
    kinds = {n["kind"] for n in the_set}
    assert kinds == {"broad", "small", "one-off"}
    assert json.dumps(the_set, ensure_ascii=False)  # plain JSON lines
