"""The Danish search on the project's own test set (eval/sets/search.toml): recall, precision.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL: both must find the same notes.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "eval"))

import search as evaluation  # noqa: E402  (eval/search.py)


def test_search_quality_on_the_danish_set(event, make_committee, capsys):
    data = evaluation.load()
    assert len(data["notes"]) >= 150 and len(data["queries"]) >= 40
    ids = evaluation.submit_notes(event, data["notes"],
                                  lambda name: make_committee(municipality=name))
    figures = evaluation.measure(event, ids, data["queries"])
    with capsys.disabled():
        print()
        evaluation.report(figures, data["notes"])
    assert figures.recall >= evaluation.MIN_RECALL, "recall under the threshold (see above)"
    assert figures.precision >= evaluation.MIN_PRECISION, "precision under the threshold"


def test_every_failure_class_of_the_issue_is_in_the_set():
    classes = {q["class"] for q in evaluation.load()["queries"]}
    for needed in ("irregular plural", "forms the stemmer split", "compound query not split",
                   "compounds on a short first part", "numbers", "coordinated compounds",
                   "short words", "another lemma", "prefix", "abbreviations"):
        assert any(needed in c for c in classes), needed
