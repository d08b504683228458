"""Recurring themes in the submitted notes, found automatically (method: docs/themes.md).

Per task (or any filter), the notes' Danish text is cut into words, stop words are dropped,
the rest is stemmed with Snowball's Danish stemmer, and weighed with TF-IDF over single stems
and pairs of stems (keyphrases). K-means (scikit-learn, fixed random_state) groups the notes;
each group becomes a theme with its heaviest key terms, the municipalities behind it and two or
three representative quotes (the notes closest to the group's centre, from different
municipalities). The same data always gives the same themes: rows are read in id order, the
clustering is seeded, and every tie is broken by a stable key.
"""

import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from delib.extensions import db
from delib.models import Event
from delib.services import aggregation
from delib.services.search import stem, words

#: Snowball's Danish stop-word list, plus words every note in this setting uses and that
#: therefore say nothing about a theme.
DANISH_STOP_WORDS = frozenset("""
og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi
min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle
vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også
under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange
ad bliver hendes været thi jer sådan
kan få får fik ved så mere mest godt god gode nye ny hele helt bare lige rigtig rigtigt
vores jeres hver hvert kommune kommunen kommuner kommunerne udvalg udvalget udvalgets
budskab christiansborg demo lad lave laver gøre gør gjort skabe skaber sikre
""".split())
MAX_THEMES = 8
MAX_TERMS = 6
MAX_QUOTES = 3
QUOTE_LENGTH = 280
_CACHE_SIZE = 32


@dataclass
class Quote:
    note_id: int
    body: str
    municipality: str


@dataclass
class Theme:
    """A recurring theme: key terms, who raised it, how often, and what they said."""

    terms: list[str]
    municipalities: list[str]
    note_count: int
    quotes: list[Quote] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ", ".join(self.terms[:3])


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in words(text) if len(w) > 2 and w.lower() not in DANISH_STOP_WORDS]


class _Analyzer:
    """Stems and stem pairs of a note; remembers which written form each stem came from most."""

    def __init__(self):
        self.forms: dict[str, Counter] = {}

    def __call__(self, text: str) -> list[str]:
        stems = []
        for token in _tokens(text):
            s = stem(token)
            self.forms.setdefault(s, Counter())[token] += 1
            stems.append(s)
        return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False) if a != b]

    def display(self, feature: str) -> str:
        """A feature as readers know it: each stem as its most used written form."""
        return " ".join(self._form(s) for s in feature.split(" "))

    def _form(self, s: str) -> str:
        counter = self.forms.get(s)
        if not counter:
            return s
        # Most frequent form; ties by the alphabet, so the label never flips between runs.
        return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


def cluster_count(n_notes: int, max_themes: int = MAX_THEMES) -> int:
    """How many groups to look for: grows with the square root of the notes, at most max_themes."""
    return max(1, min(max_themes, round(math.sqrt(n_notes / 4)), n_notes))


def find_themes(rows, max_themes: int = MAX_THEMES) -> list[Theme]:
    """Themes in (id, body, municipality code, municipality name) rows; [] when there is no text.

    A theme needs two municipalities behind it when the notes come from more than one.
    """
    rows = sorted(rows, key=lambda r: r[0])
    if not rows:
        return []
    analyzer = _Analyzer()
    many = len(rows) >= 20
    vectorizer = TfidfVectorizer(
        analyzer=analyzer, lowercase=False, sublinear_tf=True,
        # With few notes every word counts; with many, one-off words and words in most notes
        # are noise.
        min_df=2 if many else 1, max_df=0.5 if many else 1.0, max_features=5000,
    )
    try:
        matrix = vectorizer.fit_transform([r[1] for r in rows])
    except ValueError:  # nothing but stop words
        return []
    features = vectorizer.get_feature_names_out()
    k = cluster_count(len(rows), max_themes)
    nonempty = np.asarray(matrix.getnnz(axis=1) > 0)
    if k == 1 or nonempty.sum() <= k:
        labels = np.where(nonempty, 0, -1)
        k = 1
    else:
        model = KMeans(n_clusters=k, random_state=0, n_init=3, max_iter=100)
        labels = np.full(len(rows), -1)
        labels[nonempty] = model.fit_predict(matrix[nonempty])
    themes = [_theme(rows, matrix, features, analyzer, labels == c) for c in range(k)]
    themes = [t for t in themes if t is not None]
    all_municipalities = {r[2] for r in rows}
    if len(all_municipalities) > 1:
        themes = [t for t in themes if len(t.municipalities) > 1]
    themes.sort(key=lambda t: (-len(t.municipalities), -t.note_count, t.terms))
    return themes


def _theme(rows, matrix, features, analyzer, members) -> Theme | None:
    index = np.flatnonzero(members)
    if index.size == 0:
        return None
    sub = matrix[index]
    centroid = np.asarray(sub.mean(axis=0)).ravel()
    # Heaviest features first; ties by name so the order is stable.
    order = sorted(np.flatnonzero(centroid), key=lambda j: (-round(float(centroid[j]), 9),
                                                             features[j]))
    terms: list[str] = []
    for j in order:
        term = analyzer.display(features[j])
        parts = term.split(" ")
        # A keyphrase covers its single words: show the phrase, not the words again.
        if term in terms or (len(parts) == 1 and any(term in t.split(" ") for t in terms)):
            continue
        terms = [t for t in terms if t not in parts]
        terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    closeness = np.asarray(sub @ centroid).ravel()
    ranked = sorted(range(index.size), key=lambda i: (-round(float(closeness[i]), 9),
                                                       rows[index[i]][0]))
    quotes, seen_municipalities, seen_bodies = [], set(), set()
    for i in ranked:  # the closest note of each municipality first
        note_id, body, code, name = rows[index[i]]
        if code in seen_municipalities or body in seen_bodies:
            continue
        quotes.append(Quote(note_id, _trim(body), name))
        seen_municipalities.add(code)
        seen_bodies.add(body)
        if len(quotes) == MAX_QUOTES:
            break
    names = sorted({rows[i][3] for i in index})
    return Theme(terms=terms, municipalities=names, note_count=int(index.size), quotes=quotes)


def _trim(body: str) -> str:
    body = " ".join(body.split())
    if len(body) <= QUOTE_LENGTH:
        return body
    return body[:QUOTE_LENGTH].rsplit(" ", 1)[0] + " …"


_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def themes_for(event: Event, f: aggregation.Filters, max_themes: int = MAX_THEMES) -> list[Theme]:
    """Recurring themes in the submitted notes under these filters (usually one task).

    Cached per process until the filtered notes change (a new submission changes the count or
    the ids), because clustering 20,000 notes takes seconds.
    """
    key = (str(db.engine.url), event.id, tuple(sorted(f.as_args().items())), max_themes,
           aggregation.note_fingerprint(event, f))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    themes = find_themes(list(aggregation.note_texts(event, f)), max_themes)
    with _lock:
        _cache[key] = themes
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return themes
