"""How well the name guard (delib/services/privacy.py) finds personal data in notes.

Run: .venv/bin/python eval/privacy.py

The set (eval/sets/privacy.jsonl) is short notes as politicians jot them in a break, about half
with personal data (first names of Danish and foreign origin, surnames alone or in the genitive,
"drengen i 3.b", "hans mor", CPR, phone, e-mail), half without (capitalised institutions,
places, parties, compound nouns, ordinary words first in a sentence such as "Per elev" or
"Liv i skolegården"). Each line holds the spans a reader would remove. "dev" was written before
the guard was tuned and tuned against; "heldout" was measured once at the end, then one false
alarm was fixed (so it is no longer unseen); "unseen" was written afterwards by someone who had
not read the guard's rules and is never tuned against (docs/privacy.md).

Figures, per split:
- sentence level: a note is flagged when the guard finds anything; recall = flagged notes with
  personal data / notes with personal data, precision = flagged notes with personal data /
  flagged notes;
- span level: a labelled span is found when a finding overlaps it; a finding is right when it
  overlaps a labelled span.
tests/test_privacy.py asserts recall >= 0.95 and precision >= 0.90 on both levels and splits.
"""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from delib.services.privacy import flag_personal_data  # noqa: E402

SET = ROOT / "eval" / "sets" / "privacy.jsonl"
SPLITS = ("dev", "heldout", "unseen")
MIN_RECALL, MIN_PRECISION = 0.95, 0.90


def load(path: Path = SET) -> list[dict]:
    """The labelled notes: {id, split, text, personal, kinds, spans}."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass
class Figures:
    notes: int = 0
    with_data: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    span_found: int = 0
    span_total: int = 0
    findings_right: int = 0
    findings_total: int = 0
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def span_recall(self) -> float:
        return self.span_found / self.span_total if self.span_total else 1.0

    @property
    def span_precision(self) -> float:
        return self.findings_right / self.findings_total if self.findings_total else 1.0

    def line(self, name: str) -> str:
        return (f"{name}: {self.notes} notes ({self.with_data} with personal data) | sentence "
                f"recall {self.recall:.3f} precision {self.precision:.3f} | span recall "
                f"{self.span_recall:.3f} ({self.span_found}/{self.span_total}) precision "
                f"{self.span_precision:.3f} ({self.findings_right}/{self.findings_total})")


def _spans_of(row: dict) -> list[tuple[int, int]]:
    spans, text = [], row["text"]
    for s in row["spans"]:
        start = text.index(s)
        spans.append((start, start + len(s)))
    return spans


def evaluate(rows: list[dict] | None = None) -> dict[str, Figures]:
    """Figures per split and for all notes together."""
    rows = load() if rows is None else rows
    out = {name: Figures() for name in (*SPLITS, "all")}
    for row in rows:
        findings = flag_personal_data(row["text"])
        gold = _spans_of(row)
        for name in (row["split"], "all"):
            f = out[name]
            f.notes += 1
            f.with_data += bool(gold)
            if gold and findings:
                f.tp += 1
            elif findings:
                f.fp += 1
                f.wrong.append(f"{row['id']}: {row['text']!r} -> {[x.text for x in findings]}")
            elif gold:
                f.fn += 1
                f.missed.append(f"{row['id']}: {row['text']!r}")
            for s, e in gold:
                f.span_total += 1
                if any(x.start < e and s < x.end for x in findings):
                    f.span_found += 1
                elif findings:
                    f.missed.append(f"{row['id']} span {row['text'][s:e]!r}: "
                                    f"{[x.text for x in findings]}")
            for x in findings:
                f.findings_total += 1
                if any(x.start < e and s < x.end for s, e in gold):
                    f.findings_right += 1
                elif gold:
                    f.wrong.append(f"{row['id']} finding {x.text!r} in {row['text']!r}")
    return out


def report(figures: dict[str, Figures], details: bool = False) -> str:
    """The figures as lines of text (and the misses and false alarms with `details`)."""
    lines = [figures[name].line(name) for name in (*SPLITS, "all")]
    if details:
        for name in SPLITS:
            lines += [f"  missed ({name}): {m}" for m in figures[name].missed]
            lines += [f"  wrong ({name}): {w}" for w in figures[name].wrong]
    return "\n".join(lines)


def main() -> None:
    """Print the figures, with every miss and false alarm."""
    print(report(evaluate(), details=True))


if __name__ == "__main__":
    main()
