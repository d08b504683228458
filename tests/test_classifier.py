"""Task suggestions: the model's interface, abstention, determinism, the CLI, held-out quality."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from delib.services.language import classifier
from delib.services.language.classifier import MODEL_VERSION, Suggestion, suggest, suggest_many

ROOT = Path(__file__).resolve().parent.parent

# Notes written for these tests (not in the training or held-out set), one clear point each.
CLEAR = {
    1: ["Børne- og ungepolitikken fra 2016 er forældet og skal skrives om sammen med de unge",
        "vores vision for børnene skal være kort og klar, så alle kan se retningen"],
    2: ["skolelederne og PPR-lederen skal have faste møder om børnene i udskolingen",
        "dagtilbudslederne skal have mere råderum og mindre styring fra forvaltningen"],
    3: ["vi har alt for mange projekter kørende på skolerne – luk dem der ikke virker",
        "lav en oversigt over alle indsatser før budgettet, så vi kan se overlap"],
    4: ["samarbejde med professionshøjskolen om følgeforskning på sprogindsatsen",
        "vi skal dele vores erfaringer med nabokommunerne i et fælles netværk"],
}
PRACTICAL = ["kaffen er sluppet op", "kan vi få skærmen op?", "mangler link til temamøde 3",
             "hvem har en oplader til en iPhone?", "vi holder pause til kvart over"]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w-]+", text))


def test_model_version_names_the_training_data():
    assert re.fullmatch(r"opgaver-1\+[0-9a-f]{8}", MODEL_VERSION)


def test_suggestions_follow_the_interface():
    text = "PPR og skolelederne skal mødes oftere om de børn, der har højt fravær"
    found = suggest(text)
    assert found, "a clear note gets a suggestion"
    for s in found:
        assert isinstance(s, Suggestion)
        assert s.kind in ("task", "message")
        assert s.number in ((1, 2, 3, 4) if s.kind == "task" else (1, 2, 3))
        assert 0.0 <= s.score <= 1.0
        assert isinstance(s.reason, tuple) and 1 <= len(s.reason) <= 3
        # Reasons are the note's own words, as written (case and all).
        assert set(s.reason) <= _words(text), s.reason
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert found[0] == Suggestion("task", 2, found[0].score, found[0].reason)


def test_reasons_keep_the_writing_of_the_note():
    found = suggest("Vi har ALT for mange Projekter på SFO-området")
    assert found and found[0].number == 3
    assert "Projekter" in found[0].reason


@pytest.mark.parametrize("task", sorted(CLEAR))
def test_clear_notes_get_their_task(task):
    for text in CLEAR[task]:
        tasks = [s.number for s in suggest(text) if s.kind == "task"]
        assert task in tasks, (text, suggest(text))


def test_messages_to_christiansborg():
    found = suggest("afskaf de nationale test og måltallene for folkeskolen")
    assert ("message", 3) in [(s.kind, s.number) for s in found]
    found = suggest("serviceloven og dagtilbudsloven skal hænge sammen, de modarbejder hinanden")
    assert ("message", 2) in [(s.kind, s.number) for s in found]


def test_abstains_on_practical_remarks():
    for text in PRACTICAL:
        assert suggest(text) == [], text
    assert suggest("") == []
    assert suggest("   ") == []


def test_suggest_many_matches_suggest_and_is_deterministic():
    texts = [t for notes in CLEAR.values() for t in notes] + PRACTICAL
    first = suggest_many(texts)
    assert first == [suggest(t) for t in texts]
    assert suggest_many(texts) == first
    assert suggest_many([]) == []


def test_same_suggestions_in_a_fresh_process():
    texts = [t for notes in CLEAR.values() for t in notes]
    here = [[(s.kind, s.number, s.score, list(s.reason)) for s in found]
            for found in suggest_many(texts)]
    code = ("import json, sys; from delib.services.language.classifier import suggest_many; "
            "texts = json.load(sys.stdin); print(json.dumps([[(s.kind, s.number, s.score, "
            "list(s.reason)) for s in f] for f in suggest_many(texts)]))")
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts),
                            capture_output=True, text=True, check=True, cwd=ROOT, timeout=120)
    assert json.loads(result.stdout) == json.loads(json.dumps(here))


def test_an_event_with_the_declaration_shares_the_model(event):
    assert classifier.model_for(event) is classifier.model_for(None)
    text = CLEAR[4][0]
    assert suggest(text, event) == suggest(text)


def test_an_event_with_its_own_tasks_gets_its_own_model(event):
    from delib.extensions import db

    task = event.tasks[3]
    task.title = "Vi vil styrke forældresamarbejdet"
    task.short_title = "Forældresamarbejde"
    task.description = "Forældrene skal inddrages i skole-hjem-samarbejdet og i forældrerådene."
    db.session.flush()
    model = classifier.model_for(event)
    assert model is not classifier.model_for(None)
    found = suggest("forældrene skal inddrages mere i skole-hjem-samarbejdet", event)
    assert ("task", 4) in [(s.kind, s.number) for s in found]


def test_an_event_without_tasks_gets_no_suggestions(event):
    from delib.extensions import db

    event.tasks.clear()
    event.messages.clear()
    db.session.flush()
    assert suggest(CLEAR[3][0], event) == []
    assert classifier.score_many([CLEAR[3][0]], event) == [{}]


# --- the CLI -------------------------------------------------------------------------------


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
                            + "\n" for r in rows), encoding="utf-8")
    return path


def test_cli_writes_suggestions_to_a_file(runner, tmp_path, event):
    source = _jsonl(tmp_path / "noter.jsonl", [
        {"id": 7, "text": CLEAR[3][0]},
        {"id": "b", "text": "kaffen er sluppet op"},
        "",
        {"id": 9, "text": CLEAR[2][0], "extra": True},
    ])
    out = tmp_path / "forslag.jsonl"
    result = runner.invoke(args=["suggest-tasks", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 noter" in result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == [7, "b", 9]
    assert 3 in rows[0]["tasks"]
    assert rows[1]["tasks"] == [] and rows[1]["messages"] == []
    assert 2 in rows[2]["tasks"]
    assert set(rows[0]["scores"]) == {"task:1", "task:2", "task:3", "task:4",
                                      "message:1", "message:2", "message:3"}
    assert rows[0]["scores"]["task:3"] > rows[1]["scores"]["task:3"]
    assert all(0 <= v <= 1 for r in rows for v in r["scores"].values())
    assert set(rows[0]["reasons"]["task:3"]) <= _words(CLEAR[3][0])


def test_cli_writes_to_stdout_for_a_chosen_event(runner, tmp_path, event):
    source = _jsonl(tmp_path / "noter.jsonl", [{"id": 1, "text": CLEAR[1][0]}])
    result = runner.invoke(args=["suggest-tasks", str(source), "--event", "butm2021"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["id"] == 1 and 1 in rows[0]["tasks"]


@pytest.mark.parametrize(("rows", "message"), [
    ([{"id": 1, "text": "ok"}, "{ikke json"], "Linje 2 er ikke gyldig JSON"),
    ([{"id": 1}], "Linje 1 mangler noten"),
    ([{"id": 1, "text": "ok"}, "", {"text": "uden id"}], "Linje 3 mangler et \"id\""),
    ([{"id": 1, "text": 5}], "Linje 1 mangler noten"),
    (["[1, 2]"], "Linje 1 skal være et JSON-objekt"),
])
def test_cli_refuses_a_bad_file_and_writes_nothing(runner, tmp_path, event, rows, message):
    folder = tmp_path / "filer"
    folder.mkdir()
    source = _jsonl(folder / "noter.jsonl", rows)
    out = folder / "forslag.jsonl"
    result = runner.invoke(args=["suggest-tasks", str(source), "--output", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()
    assert list(folder.iterdir()) == [source]


def test_cli_refuses_unknown_event_missing_file_and_other_encodings(runner, tmp_path, event):
    source = _jsonl(tmp_path / "noter.jsonl", [{"id": 1, "text": "ok"}])
    result = runner.invoke(args=["suggest-tasks", str(source), "--event", "butm1999"])
    assert result.exit_code != 0 and "Arrangementet 'butm1999' findes ikke" in result.output
    result = runner.invoke(args=["suggest-tasks", str(tmp_path / "findes-ikke.jsonl")])
    assert result.exit_code != 0 and "findes ikke" in result.output
    latin = tmp_path / "latin1.jsonl"
    latin.write_bytes('{"id": 1, "text": "børn"}\n'.encode("latin-1"))
    result = runner.invoke(args=["suggest-tasks", str(latin)])
    assert result.exit_code != 0 and "UTF-8" in result.output
    assert result.stdout == ""


# --- quality on the held-out set -----------------------------------------------------------


def test_held_out_macro_f1(capsys):
    sys.path.insert(0, str(ROOT / "eval"))
    import suggestions as evaluation

    figures = evaluation.evaluate(timing=False)
    with capsys.disabled():
        print(f"\nheld-out macro-F1 {figures['macro_f1']:.3f} "
              f"(95 % CI {figures['macro_f1_ci'][0]:.3f}-{figures['macro_f1_ci'][1]:.3f}), "
              f"{figures['notes']} notes")
    assert figures["notes"] >= 200
    assert figures["macro_f1"] >= 0.80
