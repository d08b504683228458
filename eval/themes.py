"""How well the recurring themes find known points: eval/sets/themes.jsonl, new method vs old.

Run: .venv/bin/python eval/themes.py [--threshold 0.6]
     .venv/bin/python eval/themes.py --scale 2000 5000 20000   (timing only)

The set holds 180 notes on one task (task 3) from 30 municipalities, each labelled with the
point it makes: five broad points raised by many municipalities, three small points raised by
two or three, and one-off remarks. Rules used below:

- a point is **found** when it is the majority point of a theme (over half of the theme's
  notes) and that theme holds at least half of the point's notes;
- a point is **covered** when the themes it makes up over half of hold at least half of its
  notes together (a broad point said in many ways often comes back as two or three themes);
- **purity** is the share of notes inside themes whose point is their theme's majority point
  (one-off remarks never count as a majority point: a theme made of them is impure);
- a **one-off** remark is inside a theme or outside every theme.

The old method (Snowball stems + k-means, before issue #12) is copied below as the baseline,
so both are measured on the same notes in one run; "fine" is the new method without its last
step (joining fine themes that name one concept of data/theme_concepts.toml into broad ones).
"""

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from delib.services.kl import themes  # noqa: E402
from delib.services.language.danish import stem  # noqa: E402

SET = ROOT / "eval" / "sets" / "themes.jsonl"
ONE_OFF = "one-off"


def load(path: Path = SET) -> list[dict]:
    """The labelled notes of the set."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def rows_of(notes: list[dict]) -> list[tuple]:
    """(id, body, code, name) rows as the app passes them (the name serves as the code)."""
    return [(n["id"], n["text"], n["municipality"], n["municipality"]) for n in notes]


# --- the old method (baseline), copied from delib/services/kl/themes.py before issue #12 ----------

OLD_STOP_WORDS = frozenset("""
og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi
min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle
vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også
under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange
ad bliver hendes været thi jer sådan
kan få får fik ved så mere mest godt god gode nye ny hele helt bare lige rigtig rigtigt
vores jeres hver hvert kommune kommunen kommuner kommunerne udvalg udvalget udvalgets
budskab christiansborg demo lad lave laver gøre gør gjort skabe skaber sikre
""".split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class _OldAnalyzer:
    def __init__(self):
        self.forms: dict[str, Counter] = {}

    def __call__(self, text):
        stems = []
        for w in _WORD.findall(text):
            token = w.lower()
            if len(token) <= 2 or token in OLD_STOP_WORDS:
                continue
            s = stem(token)
            self.forms.setdefault(s, Counter())[token] += 1
            stems.append(s)
        return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False) if a != b]

    def display(self, feature):
        return " ".join(min(self.forms[s].items(), key=lambda i: (-i[1], i[0]))[0]
                        if s in self.forms else s for s in feature.split(" "))


def old_find_themes(rows, max_themes: int = 8) -> list[dict]:
    """The old themes: {"label", "note_ids", "municipalities"} per group shown."""
    rows = sorted(rows, key=lambda r: r[0])
    analyzer = _OldAnalyzer()
    many = len(rows) >= 20
    vectorizer = TfidfVectorizer(analyzer=analyzer, lowercase=False, sublinear_tf=True,
                                 min_df=2 if many else 1, max_df=0.5 if many else 1.0,
                                 max_features=5000)
    matrix = vectorizer.fit_transform([r[1] for r in rows])
    features = vectorizer.get_feature_names_out()
    k = max(1, min(max_themes, round(math.sqrt(len(rows) / 4)), len(rows)))
    nonempty = np.asarray(matrix.getnnz(axis=1) > 0)
    labels = np.full(len(rows), -1)
    labels[nonempty] = KMeans(n_clusters=k, random_state=0, n_init=3,
                              max_iter=100).fit_predict(matrix[nonempty])
    found = []
    for c in range(k):
        index = np.flatnonzero(labels == c)
        if index.size == 0 or len({rows[i][2] for i in index}) < 2:
            continue
        centroid = np.asarray(matrix[index].mean(axis=0)).ravel()
        order = sorted(np.flatnonzero(centroid),
                       key=lambda j: (-round(float(centroid[j]), 9), features[j]))
        terms = []
        for j in order:
            term = analyzer.display(features[j])
            parts = term.split(" ")
            if term in terms or (len(parts) == 1 and any(term in t.split(" ") for t in terms)):
                continue
            terms = [t for t in terms if t not in parts]
            terms.append(term)
            if len(terms) == 6:
                break
        found.append({"label": ", ".join(terms[:3]),
                      "note_ids": [rows[i][0] for i in index],
                      "municipalities": sorted({rows[i][3] for i in index})})
    found.sort(key=lambda t: (-len(t["municipalities"]), -len(t["note_ids"]), t["label"]))
    return found


# --- scoring -----------------------------------------------------------------------------------


def new_find_themes(rows, threshold=None, fine: bool = False) -> list[dict]:
    """The current method's themes in the same shape as the baseline's.

    fine=True: the fine themes, before themes naming one concept are joined (the method
    before the join was added: each broad theme's parts, and the themes joined with none).
    """
    found = themes.find_themes(rows, threshold=threshold)
    if fine:
        found = [p for t in found for p in (t.parts or [t])]
    return [{"label": t.label, "note_ids": t.note_ids, "municipalities": t.municipalities,
             "parts": [p.label for p in t.parts]} for t in found]


def score(notes: list[dict], found: list[dict]) -> dict:
    """Points found, purity, one-off remarks inside/outside themes, per theme its make-up."""
    point_of = {n["id"]: n["point"] for n in notes}
    kind_of = {n["point"]: n["kind"] for n in notes}
    size_of = Counter(n["point"] for n in notes)
    found_points: dict[str, str] = {}
    pure = inside = 0
    described = []
    for theme in found:
        made_of = Counter(point_of[i] for i in theme["note_ids"])
        real = [(c, p) for p, c in made_of.items() if p != ONE_OFF]
        majority = max(real, key=lambda cp: (cp[0], cp[1]))[1] if real else ONE_OFF
        inside += len(theme["note_ids"])
        pure += made_of[majority] if majority != ONE_OFF else 0
        # Found: the point is the majority (over half) of the theme, and the theme holds at
        # least half of the point's notes; a huge mixed group finds nothing.
        if (majority != ONE_OFF and made_of[majority] * 2 > len(theme["note_ids"])
                and made_of[majority] * 2 >= size_of[majority]):
            found_points.setdefault(majority, theme["label"])
        described.append((theme, majority, made_of))
    one_offs = [n["id"] for n in notes if n["point"] == ONE_OFF]
    in_themes = {i for t in found for i in t["note_ids"]}
    points = sorted(p for p in size_of if p != ONE_OFF)
    # A point whose notes are split over several themes is still covered when the themes
    # whose majority point it is hold at least half of its notes together.
    held: Counter = Counter()
    for theme, majority, made_of in described:
        if majority != ONE_OFF and made_of[majority] * 2 > len(theme["note_ids"]):
            held[majority] += made_of[majority]
    covered = sorted(p for p in held if held[p] * 2 >= size_of[p])
    return {
        "themes": len(found),
        "broad_covered": sorted(p for p in covered if kind_of[p] == "broad"),
        "small_covered": sorted(p for p in covered if kind_of[p] == "small"),
        "broad_found": sorted(p for p in found_points if kind_of[p] == "broad"),
        "small_found": sorted(p for p in found_points if kind_of[p] == "small"),
        "broad_total": sum(kind_of[p] == "broad" for p in points),
        "small_total": sum(kind_of[p] == "small" for p in points),
        "purity": pure / inside if inside else 0.0,
        "one_off_inside": sum(i in in_themes for i in one_offs),
        "one_off_outside": sum(i not in in_themes for i in one_offs),
        "largest": max((len(t["note_ids"]) for t in found), default=0),
        "described": described,
    }


def report(name: str, result: dict) -> list[str]:
    lines = [f"== {name}: {result['themes']} themes",
             f"   points found: broad {len(result['broad_found'])}/{result['broad_total']}, "
             f"small {len(result['small_found'])}/{result['small_total']}",
             f"   points covered (in pieces): broad {len(result['broad_covered'])}/"
             f"{result['broad_total']}, small {len(result['small_covered'])}/"
             f"{result['small_total']}",
             f"   purity: {result['purity']:.0%}; largest theme: {result['largest']} notes",
             f"   one-off remarks inside themes: {result['one_off_inside']}, "
             f"outside: {result['one_off_outside']}"]
    for theme, majority, made_of in result["described"]:
        share = made_of[majority] / len(theme["note_ids"]) if majority != ONE_OFF else 0.0
        lines.append(f"   - {theme['label']!r}: {len(theme['note_ids'])} notes, "
                     f"{len(theme['municipalities'])} municipalities; "
                     f"mostly {majority!r} ({share:.0%})")
        if theme.get("parts"):
            lines.append(f"       joined from: {', '.join(repr(p) for p in theme['parts'])}")
    return lines


def synthetic_rows(notes: list[dict], n: int, seed: int = 1) -> list[tuple]:
    """n almost all distinct notes, each the start of one note of the set and the end of
    another, from a random municipality of the set (for timing, not for quality)."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable sample, not a secret
    words = [note["text"].split() for note in notes]
    names = sorted({note["municipality"] for note in notes})
    rows = []
    for i in range(n):
        a, b = rng.choice(words), rng.choice(words)
        text = " ".join(a[:rng.randint(2, len(a))] + b[rng.randint(0, len(b) - 1):])
        name = rng.choice(names)
        rows.append((i + 1, text, name, name))
    return rows


def main(argv=None) -> dict:
    """Print the comparison; return the new method's figures (the tests use them)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=None,
                        help="cosine distance at which merging stops (default: the app's)")
    parser.add_argument("--scale", type=int, nargs="*", metavar="N",
                        help="only time the method on N synthetic notes (e.g. 2000 20000)")
    args = parser.parse_args(argv)
    notes = load()
    if args.scale:
        for n in args.scale:
            rows = synthetic_rows(notes, n)
            started = time.perf_counter()
            found = themes.find_themes(rows)
            print(f"{n} synthetic notes ({len({r[1] for r in rows})} distinct): "
                  f"{time.perf_counter() - started:.1f} s, {len(found)} themes")
        return {}
    rows = rows_of(notes)
    print(f"{len(notes)} notes from {len({n['municipality'] for n in notes})} municipalities; "
          f"rule: a point is found when it makes up over half of a theme that holds >= 50 % of "
          f"its notes; covered when the themes it makes up most of hold >= 50 % together")
    new = score(notes, new_find_themes(rows, args.threshold))
    fine = score(notes, new_find_themes(rows, args.threshold, fine=True))
    old = score(notes, old_find_themes(rows))
    print("\n".join(report("new (lemmas, LSA, agglomerative, joined by concept)", new)))
    print("\n".join(report("fine themes only (the same without the join)", fine)))
    print("\n".join(report("old (stems, k-means)", old)))
    print(f"\n{'':22}{'new':>8}{'fine':>8}{'old':>8}")
    for label, key in (("broad points found", "broad_found"),
                       ("small points found", "small_found"),
                       ("broad points covered", "broad_covered"),
                       ("small points covered", "small_covered")):
        print(f"{label:22}{len(new[key]):>8}{len(fine[key]):>8}{len(old[key]):>8}")
    print(f"{'purity':22}{new['purity']:>8.0%}{fine['purity']:>8.0%}{old['purity']:>8.0%}")
    print(f"{'one-offs in themes':22}{new['one_off_inside']:>8}{fine['one_off_inside']:>8}"
          f"{old['one_off_inside']:>8}")
    print(f"{'themes':22}{new['themes']:>8}{fine['themes']:>8}{old['themes']:>8}")
    print(f"{'largest theme':22}{new['largest']:>8}{fine['largest']:>8}{old['largest']:>8}")
    return new


if __name__ == "__main__":
    main()
