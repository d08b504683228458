"""Recall and precision of KL's Danish note search on the project's own set (eval/sets/search.toml).

Run: .venv/bin/python eval/search.py

The set's 165 notes are submitted, as KL sees them, into a fresh SQLite database, and each of
its queries runs through the real search (delib/services/kl/search.py via the drill-down's
overview.notes_page). Per query, the notes it must find (`find`) that it found are hits; the
ones it missed count against recall; every other note it found counts against precision, except
those the set marks as arguably relevant (`may`). Figures are summed over all queries (micro).
tests/kl/test_search_quality.py runs the same measurement on SQLite and PostgreSQL.
"""

import sys
import tempfile
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from delib.extensions import db  # noqa: E402
from delib.models import Committee, Event, Municipality  # noqa: E402
from delib.services.kl import overview, search  # noqa: E402
from delib.tasks.demo import NoteSpec, make_submission  # noqa: E402

SET = ROOT / "eval" / "sets" / "search.toml"
MIN_RECALL, MIN_PRECISION = 0.95, 0.90


def load(path: Path = SET) -> dict:
    """The set: {"notes": [{id, context, municipality, text}], "queries": [{q, class, find, …}]}."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


def submit_notes(event: Event, notes: list[dict], committee_for) -> dict[int, str]:
    """Submit the set's notes, one contribution per municipality; {SubmissionNote.id: set id}.

    `committee_for(municipality_name)` gives the committee that submits (a test fixture or
    `plain_committee`). Talk and theme-meeting notes are filed in their break under task 1.
    """
    slots = {s.focus: s for s in reversed(event.slots)}
    by_municipality: dict[str, list[dict]] = defaultdict(list)
    for note in notes:
        by_municipality[note["municipality"]].append(note)
    ids = {}
    for name, group in by_municipality.items():
        specs = []
        for note in group:
            kind, number = note["context"].split()
            number = int(number)
            spec = NoteSpec(note["text"], tasks=[event.tasks[number - 1 if kind == "task" else 0]])
            if kind == "talk":
                spec.talk_id, spec.slot_id = event.talks[number - 1].id, _slot_id(slots, "talk")
            elif kind == "theme":
                spec.theme_meeting_id = event.theme_meetings[number - 1].id
                spec.slot_id = _slot_id(slots, "theme_meetings")
            specs.append(spec)
        submission = make_submission(committee_for(name), specs)
        ids.update({row.id: note["id"] for row, note in zip(submission.notes, group,
                                                              strict=True)})
    db.session.commit()
    return ids


def _slot_id(slots, focus):
    slot = slots.get(focus)
    return slot.id if slot else None


def plain_committee(event: Event):
    """A committee maker for a database without the test fixtures."""
    from delib.services.committees import new_join_code

    def make(name: str) -> Committee:
        municipality = db.session.scalar(select(Municipality).where(Municipality.name == name))
        committee = Committee(event=event, municipality_code=municipality.code,
                              name="Børne- og Ungeudvalget", join_code=new_join_code())
        db.session.add(committee)
        db.session.flush()
        return committee

    return make


@dataclass
class QueryResult:
    q: str
    kind: str
    found: list[str]
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    hits: int = 0


@dataclass
class Figures:
    results: list[QueryResult]

    @property
    def hits(self) -> int:
        return sum(r.hits for r in self.results)

    @property
    def recall(self) -> float:
        wanted = self.hits + sum(len(r.missed) for r in self.results)
        return self.hits / wanted if wanted else 1.0

    @property
    def precision(self) -> float:
        found = self.hits + sum(len(r.extra) for r in self.results)
        return self.hits / found if found else 1.0


def measure(event: Event, ids: dict[int, str], queries: list[dict]) -> Figures:
    """Run every query through the real search and compare with the set's labels."""
    results = []
    for query in queries:
        page = overview.notes_page(event, overview.Filters(), search.prepare(query["q"]),
                                      per_page=len(ids) + 1)
        found = [ids[note.id] for note, _m in page.items]
        wanted, neutral = set(query["find"]), set(query.get("may", ()))
        result = QueryResult(query["q"], query["class"], found)
        result.hits = len(wanted & set(found))
        result.missed = sorted(wanted - set(found))
        result.extra = sorted(set(found) - wanted - neutral)
        results.append(result)
    return Figures(results)


def report(figures: Figures, notes: list[dict], out=print) -> None:
    """Print recall and precision, per class of query, and what each failing query got wrong."""
    text = {n["id"]: n["text"] for n in notes}
    out(f"{len(figures.results)} queries over {len(notes)} notes: "
        f"recall {figures.recall:.3f}, precision {figures.precision:.3f} "
        f"(thresholds {MIN_RECALL:.2f} / {MIN_PRECISION:.2f})")
    by_kind: dict[str, list[QueryResult]] = defaultdict(list)
    for result in figures.results:
        by_kind[result.kind].append(result)
    for kind, results in sorted(by_kind.items()):
        part = Figures(results)
        out(f"  {kind:<34} {len(results):>2} queries  recall {part.recall:.2f}  "
            f"precision {part.precision:.2f}")
    for result in figures.results:
        if result.missed or result.extra:
            out(f"- »{result.q}« ({result.kind})")
            for note_id in result.missed:
                out(f"    missed {note_id}: {text[note_id]}")
            for note_id in result.extra:
                out(f"    extra  {note_id}: {text[note_id]}")


def main() -> Figures:
    """Build a throw-away SQLite database, submit the set's notes, print the figures."""
    from delib import create_app
    from delib.services.municipalities import load_municipalities
    from delib.services.programme import import_programme, read_programme_file

    data = load()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "eval",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/search.sqlite",
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            db.create_all()
            load_municipalities()
            event = import_programme(read_programme_file("butm2021.toml"))
            db.session.commit()
            ids = submit_notes(event, data["notes"], plain_committee(event))
            figures = measure(event, ids, data["queries"])
            report(figures, data["notes"])
            db.session.remove()
            db.engine.dispose()
    return figures


if __name__ == "__main__":
    main()
