"""Recurring themes in the submitted notes, found automatically (method: docs/themes.md).

Per task (or any filter), each note becomes the lemmas of its content words (lemmy, via
delib/services/language/danish.py), the parts of compound words the notes also use on their own
("projekttrætte" also counts as "projekt"), pairs of neighbouring lemmas, and the letter groups
of its lemmas. TF-IDF weighs them, LSA (a seeded truncated SVD) folds words used together into
shared dimensions, and agglomerative clustering (average linkage on cosine distance, stopped at
a fixed distance) groups the notes: the number of themes follows the data, a point two
municipalities share can stay its own group, and a note like no other stays alone. Notes far
from the rest of their group are taken out, and a group no phrase runs through is split. A group
is a theme when at least two municipalities are behind it and two of its notes share a key
phrase; the label is made of such phrases, as the notes write them, never of a stop word, light
verb or discourse word. Last, fine themes whose notes mostly name the same concept of the field
(data/theme_concepts.toml: "medarbejderne", "personalet" and "lærerne" all name staff) are
joined into one broad theme that keeps them as its parts.

The same notes always give the same themes: rows are read in id order, distinct texts are
vectorised in the order of their words, the SVD and k-means are seeded, the clustering has no
randomness, and every tie is broken by a stable key.
"""
import math
import re
import threading
import tomllib
import unicodedata
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from flask_babel import gettext as _
from scipy.sparse import hstack
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from delib.extensions import db
from delib.models import Event
from delib.services.kl import overview
from delib.services.language.danish import lemmas, tokens

#: Words that never make a theme or a label: Snowball's Danish stop words, light verbs (in
#: their dictionary form: lemmas are checked), modal and discourse words, vague quantities and
#: time words, and words every note in this setting uses (kommune, udvalg, …).
STOP_WORDS = frozenset("""
og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi
min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle
vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også
under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange
ad bliver hendes været thi jer sådan
hvem hvilken hvilke hvilket hvordan hvorfor hvornår hvorledes ingen intet ingenting nogen
andre andet anden flere færrest mest mere mindre lidt nok hver hvert enhver hele helt halv
selvom fordi mens eller både enten hverken samt blot kun bare lige jo nemlig faktisk egentlig
vel måske nok især stadig fortsat allerede igen endnu snart straks altid aldrig ofte sjældent
også osv fx f.eks bl.a mv mm evt ca pga iht ift vha dvs
ja nej tak okay ok hellere helst gerne sidst først
husk huske brug prøve prøv start starte starter løfte tag året årligt ting ud ind oven frem tilbage
to tre fire fem seks syv otte ni ti tolv tyve hundrede halv halve halvdel
kan kunne skal skulle vil ville må måtte bør burde tør turde gider
gøre gør gjort gjorde få får fik fået give giver gav givet tage tager tog taget komme kommer
kom kommet gå går gik gået sige siger sagde sagt se ser så set stå står stod stået ligge
ligger lå holde holder holdt lave laver lavet lade lader lod ladet sætte sætter satte sat
bruge bruger brugt hedde virke virker fungere fungerer synes syntes tro tror mene mener
tænke tænker snakke snakker tale taler spørge vide ved vidste være er var blive bliver blev
findes finde finder mangle komme høre
ting måde del dag dage gang gange år uge måned tid tidspunkt sted eksempel fokus punkt
slags form sag sager noget nogle lidt masse hel rigtig rigtigt godt god gode dårlig dårligt
vigtig vigtigt vigtige stor store større største lille små ny nye nyt nyere gammel gamle
mange mangt flest første sidste anden næste egen eget egne samme anden andet sådan sådanne
mellem før inden efter uden ved hos blandt omkring gennem via per pr vores jeres hinanden
sammen
kommune kommunen kommuner kommunerne kommunal kommunale udvalg udvalget udvalgets buu
budskab christiansborg demo
""".split())

#: Words every note on the declaration's tasks may use (projects, initiatives, value): they
#: count only inside a pair of words, and never label a theme alone.
GENERIC_WORDS = frozenset("""
projekt indsats tiltag initiativ område arbejde opgave aktivitet værdi
""".split())
#: Words that may stand in a key phrase but never alone as a label: alone they say too little.
WEAK_WORDS = GENERIC_WORDS | frozenset("""
barn unge ung børn skole fremtid
""".split())

#: Words of quantity that start a key phrase ("færre projekter", "flere pædagoger"), though
#: alone they are stop words.
PHRASE_STARTS = frozenset("færre flere mindre mere".split())

#: Abbreviations as written (PPR, FGU, SSP): shown in capitals, though read in lower case.
_ABBREVIATION = re.compile(r"\b[A-ZÆØÅ]{2,6}\b")

#: Small words allowed inside a key phrase ("overgang til skole", "børn med særlige behov").
PHRASE_LINKS = frozenset("til af på i med for om mellem fra".split())

#: Cosine distance (average linkage, LSA space) at which merging groups stops.
DISTANCE_THRESHOLD = 0.55
MAX_TERMS = 5
MAX_QUOTES = 3
QUOTE_LENGTH = 280
#: Above this many distinct texts, notes are first pre-grouped (seeded k-means) into this
#: many micro-groups, which are then clustered like notes: memory stays linear.
MAX_DIRECT = 5000
LSA_FACTOR = 2.5
LSA_MAX_COMPONENTS = 100
#: Share of the word features against the letter groups in a note's vector.
WORD_WEIGHT = 0.6
#: A note stays in its group only when it is at least this close (cosine) to the rest of it.
MIN_CLOSENESS = 0.55
#: A theme's most used phrase must run through at least this share of its notes; a group
#: where none does is mixed, and is split.
MIN_COVER = 1 / 3
_CACHE_SIZE = 32
#: A fine theme belongs to a concept when over this share of its notes name it.
CONCEPT_SHARE = 0.5
CONCEPTS_FILE = Path(__file__).resolve().parents[2] / "data" / "theme_concepts.toml"


@dataclass
class Quote:
    note_id: int
    body: str
    municipality: str


@dataclass
class Theme:
    """A recurring theme: its label, key phrases, the notes and municipalities behind it."""

    key: str
    label: str
    terms: list[str]
    note_ids: list[int]
    municipalities: list[str]
    by_region: list[tuple[str, int]] = field(default_factory=list)
    by_size: list[tuple[str, int]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    #: The fine themes a broad theme was joined from (empty for a fine theme).
    parts: list["Theme"] = field(default_factory=list)

    @property
    def note_count(self) -> int:
        return len(self.note_ids)

    @property
    def more_terms(self) -> list[str]:
        """The key phrases beyond those in the label."""
        return self.terms[len(self.label.split(", ")):]


# --- words -------------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """One dictionary form of a lower-case word.

    Where lemmy offers several, the longest one the word starts with wins ("projekter" is a
    plural of "projekt", not a form of "projektere"; "lærerne" of "lærer", not "lære").
    """
    found = lemmas(word)
    prefixes = [c for c in found if word.startswith(c)]
    if prefixes:
        return max(prefixes, key=lambda c: (len(c), c))
    return found[0]


#: Endings that turn a verb into a noun of the action ("evaluere" → "evaluering"), longest first.
_DERIVATIONS = ("eringer", "ering", "elser", "else", "inger", "ing", "ere", "e")


@lru_cache(maxsize=200_000)
def root(lem: str) -> str:
    """A lemma without its verb or action-noun ending, so "evaluere" and "evaluering",
    "inddrage" and "inddragelse" count as one word."""
    for ending in _DERIVATIONS:
        if lem.endswith(ending) and len(lem) - len(ending) >= 3:
            return lem[: -len(ending)]
    return lem


def _is_stop(word: str, lem: str) -> bool:
    return (word in STOP_WORDS or lem in STOP_WORDS or len(word) < 2
            or not word[0].isalpha())


class _Reader:
    """Reads notes into lemmas; knows the words of all the notes, to split compounds."""

    def __init__(self):
        self.vocabulary: set[str] = set()
        self._parts: dict[str, tuple[str, ...]] = {}

    def words(self, text: str) -> list[tuple[str, str | None]]:
        """(written form, lemma or None for a stop word) per word, in order."""
        out = []
        for word in tokens(text):
            lem = lemma(word)
            out.append((word, None if _is_stop(word, lem) else lem))
        return out

    def learn(self, texts) -> list[list[tuple[str, str | None]]]:
        """The words of every text; their lemmas become the known vocabulary."""
        read = [self.words(t) for t in texts]
        for words in read:
            self.vocabulary.update(lem for _word, lem in words if lem is not None)
        return read

    def parts(self, lem: str) -> tuple[str, ...]:
        """The known words a compound is made of ("projekttrætte" → projekt, trætte)."""
        found = self._parts.get(lem)
        if found is not None:
            return found
        found = ()
        if len(lem) >= 7:
            # The longest head that the notes also use on its own; the modifier too when it is
            # a word of the notes (with or without a linking s/e).
            for i in range(3, len(lem) - 3):
                head = lem[i:]
                if head in self.vocabulary and head not in STOP_WORDS:
                    modifier = lem[:i]
                    stem = modifier[:-1] if modifier[-1] in "se" else modifier
                    found = tuple(m for m in (modifier if modifier in self.vocabulary else
                                              stem if stem in self.vocabulary else None,)
                                  if m and m not in STOP_WORDS) + (head,)
                    break
        self._parts[lem] = found
        return found

    def features(self, words) -> list[str]:
        """Roots of the lemmas and compound parts, and neighbouring lemma pairs of one note.

        Words every note on a task may use (GENERIC_WORDS) only count inside a pair.
        """
        lems = [lem for _w, lem in words if lem is not None]
        out = [root(lem) for lem in lems if lem not in GENERIC_WORDS]
        for lem in lems:
            out.extend(root(p) for p in self.parts(lem) if p not in GENERIC_WORDS)
        out.extend(f"{a} {b}" for a, b in zip(lems, lems[1:], strict=False) if a != b)
        out.extend(f"{w} {lem}" for (w, _none), (_w, lem) in zip(words, words[1:], strict=False)
                   if w in PHRASE_STARTS and lem is not None)
        return out


def _phrases(words) -> set[tuple[tuple[str, ...], str]]:
    """Candidate key phrases of a note: (lemma key, written form).

    One to three words that start and end with a content word, with at most one small linking
    word inside ("overgang til skole").
    """
    found = set()
    n = len(words)
    for i in range(n):
        start = words[i][1] is None and words[i][0] in PHRASE_STARTS
        if words[i][1] is None and not start:
            continue
        for j in range(i + start, min(n, i + 3)):
            inner = words[i + 1:j]
            if words[j][1] is None:
                continue
            if any(lem is None and w not in PHRASE_LINKS for w, lem in inner):
                continue
            if sum(lem is None for _w, lem in inner) > 1:
                continue
            key = tuple(lem if lem is not None else w for w, lem in words[i:j + 1])
            found.add((key, " ".join(w for w, _l in words[i:j + 1])))
    return found


# --- concepts ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def concepts() -> dict[str, str]:
    """Concept per dictionary form, from data/theme_concepts.toml (written by hand)."""
    with CONCEPTS_FILE.open("rb") as fh:
        table = tomllib.load(fh)["concepts"]
    return {word: name for name in sorted(table) for word in table[name]}


@lru_cache(maxsize=200_000)
def _concept_of(word: str) -> str | None:
    """The concept a lower-case word names: by its written form, its lemma, or the last part
    of a compound ("skolelærerne" → lærer → medarbejdere)."""
    table = concepts()
    lem = lemma(word)
    for form in (word, lem):
        if form in table:
            return table[form]
    for i in range(3, len(lem) - 3):
        if lem[i:] in table:
            return table[lem[i:]]
    return None


def _note_concepts(words) -> frozenset[str]:
    """The concepts one note names."""
    return frozenset(c for c in (_concept_of(w) for w, _lem in words) if c is not None)


def _main_concept(members, note_concepts) -> str | None:
    """The concept over CONCEPT_SHARE of a group's notes name, more than any other; else None
    (a group torn between two concepts is joined with neither)."""
    count: Counter = Counter()
    for i in members:
        count.update(note_concepts[i])
    ranked = count.most_common()
    if not ranked or ranked[0][1] <= CONCEPT_SHARE * len(members):
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]


# --- clustering --------------------------------------------------------------------------------


def _components(n: int) -> int:
    """LSA dimensions: more notes carry more distinct topics (2.5 √n, from 10 to 100)."""
    return max(10, min(LSA_MAX_COMPONENTS, round(LSA_FACTOR * math.sqrt(n))))


def _vectors(features: list[list[str]], lemma_texts: list[str]):
    """(LSA vectors, whether a note shares a word with another note), or None.

    Two TF-IDF matrices side by side: the lemma features, and the letter groups (3 to 5
    letters) of the lemmas, which join compounds and derivations the lemmas miss
    ("forældrebestyrelse" and "forælder"). A seeded truncated SVD (LSA) folds them into a few
    dimensions, in which words used in the same notes lie close.
    """
    n = len(features)
    # A word in one note joins no notes, it only dilutes; a word in most notes says nothing.
    rare, common = (2 if n >= 5 else 1), (0.5 if n >= 20 else 1.0)
    try:
        words = TfidfVectorizer(analyzer=_identity, lowercase=False, sublinear_tf=True,
                                min_df=rare, max_df=common).fit_transform(features)
    except ValueError:  # nothing but stop words, or no word in two notes
        return None
    try:
        letters = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                  min_df=rare, max_df=common).fit_transform(lemma_texts)
        matrix = hstack([words * WORD_WEIGHT, letters * (1 - WORD_WEIGHT)]).tocsr()
    except ValueError:
        matrix = words
    # A note that shares no word with another is a remark of its own, whatever its letters.
    nonempty = np.asarray(words.getnnz(axis=1) > 0)
    components = min(_components(n), matrix.shape[1] - 1, n - 1)
    if components >= 2:
        dense = TruncatedSVD(n_components=components, random_state=0).fit_transform(matrix)
    else:
        dense = matrix.toarray()
    return normalize(dense), nonempty


def _identity(features):
    return features


def _cluster(vectors: np.ndarray, weights: np.ndarray, threshold: float) -> np.ndarray:
    """A group number per row (average linkage, cosine distance, fixed threshold)."""
    n = vectors.shape[0]
    if n == 1:
        return np.zeros(1, dtype=int)
    if n > MAX_DIRECT:
        # Too many for a full distance matrix: seeded k-means into micro-groups of
        # near-identical notes first, then cluster their centres. Random seeded starts:
        # k-means++ would cost most of the time with this many centres.
        micro = KMeans(n_clusters=MAX_DIRECT, init="random", random_state=0, n_init=1,
                       max_iter=30)
        assignment = micro.fit_predict(vectors, sample_weight=weights)
        centres = normalize(micro.cluster_centers_)
        top = _cluster(centres, np.bincount(assignment, minlength=MAX_DIRECT), threshold)
        return top[assignment]
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=threshold)
    return model.fit_predict(vectors)


def find_themes(rows, threshold: float | None = None) -> list[Theme]:
    """Themes in (id, body, municipality code, municipality name[, region, size]) rows.

    [] when there is no text. A theme needs two municipalities behind it when the notes come
    from more than one, and a key phrase that two of its notes share; notes in no theme are
    remarks of their own. `threshold` overrides DISTANCE_THRESHOLD (for eval/themes.py).
    """
    rows = sorted(rows, key=lambda r: r[0])
    if not rows:
        return []
    threshold = DISTANCE_THRESHOLD if threshold is None else threshold
    reader = _Reader()
    read = reader.learn([r[1] for r in rows])
    features = [reader.features(words) for words in read]
    # Identical texts are clustered once (generated or pasted notes repeat), in the order of
    # their words: the vectors depend on what the notes say, not on their ids.
    first_of: dict[tuple, int] = {}
    for i, f in enumerate(features):
        first_of.setdefault(tuple(sorted(f)), i)
    by_text = {k: u for u, k in enumerate(sorted(first_of))}
    unique = [first_of[k] for k in sorted(first_of)]  # the first row of each distinct text
    of_row = np.array([by_text[tuple(sorted(f))] for f in features], dtype=int)
    result = _vectors([features[i] for i in unique],
                      [" ".join(lem for _w, lem in read[i] if lem) for i in unique])
    vectors = None
    if result is None or len(unique) == 1:
        # One text, or no word shared: one theme when all notes say the same, else none.
        if not any(features) or len(unique) > 1:
            return []
        groups = np.zeros(len(rows), dtype=int)
    else:
        vectors, nonempty = result
        weights = np.bincount(of_row, minlength=len(unique)).astype(float)
        labels = np.full(len(unique), -1)
        keep = np.flatnonzero(nonempty)
        if keep.size > 1:
            labels[keep] = _cluster(vectors[keep], weights[keep], threshold)
        elif keep.size == 1:
            labels[keep] = 0
        groups = _trim_groups(labels, vectors, weights)[of_row]
    several = len({r[2] for r in rows}) > 1
    phrases = [_phrases(words) for words in read]
    document_frequency: Counter = Counter()
    for found in phrases:
        document_frequency.update({key for key, _form in found})
    row_vectors = None if vectors is None else vectors[of_row]
    fine = []
    for group in _members(groups):
        for members in _split(group, rows, phrases, row_vectors, threshold):
            if several and len({rows[i][2] for i in members}) < 2:
                continue
            theme = _theme(rows, members, phrases, document_frequency,
                           None if row_vectors is None else row_vectors[members])
            if theme is not None:
                fine.append((members, theme))
    themes = _join(fine, rows, read, phrases, document_frequency, row_vectors)
    themes.sort(key=_order)
    return _unique_keys(themes)


def _order(theme: Theme):
    return (-len(theme.municipalities), -theme.note_count, theme.label, theme.note_ids)


def _join(fine, rows, read, phrases, document_frequency, row_vectors) -> list[Theme]:
    """Broad themes: fine themes whose notes mostly name the same concept, joined.

    Notes that make one point in different words ("medarbejderne", "personalet", "pædagoger og
    lærere") share too few words to be clustered together, but name one concept of the field
    (data/theme_concepts.toml). The broad theme keeps its fine themes as parts.
    """
    note_concepts = {i: _note_concepts(read[i]) for members, _t in fine for i in members.tolist()}
    by_concept: dict[str, list] = defaultdict(list)
    themes = []
    for members, theme in fine:
        concept = _main_concept(members.tolist(), note_concepts)
        if concept is None:
            themes.append(theme)
        else:
            by_concept[concept].append((members, theme))
    for concept in sorted(by_concept):
        group = by_concept[concept]
        if len(group) == 1:
            themes.append(group[0][1])
            continue
        members = np.array(sorted(i for m, _t in group for i in m.tolist()))
        broad = _theme(rows, members, phrases, document_frequency,
                       None if row_vectors is None else row_vectors[members])
        parts = sorted((t for _m, t in group), key=_order)
        if broad is None:
            themes.extend(parts)
            continue
        # A broad theme is said in several words: its two leading phrases name it.
        broad.label = ", ".join(broad.terms[:2])
        broad.key = _slug(broad.label)
        broad.parts = parts
        themes.append(broad)
    return themes


def _members(labels: np.ndarray) -> list[np.ndarray]:
    """The indices of each group (-1: none), by group number; one pass, not one per group."""
    of: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(labels.tolist()):
        if g != -1:
            of[g].append(i)
    return [np.array(of[g]) for g in sorted(of)]


def _cover(members, rows, phrases) -> float:
    """The share of a group's notes that its most used telling phrase appears in."""
    count: Counter = Counter()
    municipalities: dict = defaultdict(set)
    for i in members:
        for key, _form in phrases[i]:
            if not (len(key) == 1 and key[0] in WEAK_WORDS):
                count[key] += 1
                municipalities[key].add(rows[i][2])
    best = max((c for key, c in count.items() if len(municipalities[key]) > 1), default=0)
    return best / members.size


def _split(members, rows, phrases, vectors, threshold, depth=0) -> list[np.ndarray]:
    """A group, or its parts when no phrase runs through it (a mixed group).

    A group in which no phrase is used by a third of the notes was joined by chains of
    different words; it is clustered again with a tighter threshold, at most three times.
    """
    if (vectors is None or members.size < 4 or depth == 3
            or _cover(members, rows, phrases) >= MIN_COVER):
        return [members]
    tighter = threshold * 0.8
    weights = np.ones(members.size)
    labels = _trim_groups(_cluster(vectors[members], weights, tighter),
                          vectors[members], weights)
    parts = []
    for part in _members(labels):
        parts.extend(_split(members[part], rows, phrases, vectors, tighter, depth + 1))
    return parts


def _trim_groups(labels: np.ndarray, vectors: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Groups without the notes that are not close to the rest of their group (-1: alone).

    Average linkage can hang a remark on a group through one shared word; such a note is far
    from the group's centre once itself is left out.
    """
    labels = labels.copy()
    for members in _members(labels):
        if weights[members].sum() < 2:
            labels[members] = -1
            continue
        if members.size == 1:  # one text, written by several: nothing to trim
            continue
        total = (vectors[members] * weights[members, None]).sum(axis=0)
        for i in members:
            # Identical notes count as one voice: leave all of them out.
            rest = total - vectors[i] * weights[i]
            norm = np.linalg.norm(rest)
            if norm == 0 or float(vectors[i] @ rest) / norm < MIN_CLOSENESS:
                labels[i] = -1
    return labels


def _theme(rows, members, phrases, document_frequency, vectors) -> Theme | None:
    """The theme of a group: None when no key phrase is shared by two of its notes."""
    n_all = len(rows)
    size = members.size
    written: dict[tuple, Counter] = defaultdict(Counter)
    in_group: Counter = Counter()
    municipalities_of: dict[tuple, set] = defaultdict(set)
    for i in members:
        for key, form in phrases[i]:
            written[key][form] += 1
            in_group[key] += 1
            municipalities_of[key].add(rows[i][2])
    several = len({rows[i][2] for i in members}) > 1
    scored = []
    for key, count in in_group.items():
        if size > 1 and (count < 2 or (several and len(municipalities_of[key]) < 2)):
            continue
        if len(key) == 1 and key[0] in WEAK_WORDS:
            continue
        # Share of the group that uses it, against how common it is in all the notes
        # (class-based TF-IDF); a phrase of two or three words reads better than a word.
        score = (count / size) * math.log(1 + n_all / document_frequency[key])
        score *= 1.0 + 0.35 * (len(key) - 1) * (len(municipalities_of[key]) > 1)
        scored.append((-round(score, 9), key))
    scored.sort()
    terms: list[str] = []
    chosen: list[tuple] = []
    abbreviations = {w.lower(): w for i in members for w in _ABBREVIATION.findall(rows[i][1])}
    for _score, key in scored:
        # A phrase covers its words: never show a word again beside a phrase holding it.
        if any(set(key) <= set(c) or set(c) <= set(key) for c in chosen):
            continue
        # The dictionary form when the notes use it ("lukke" rather than "luk"), else the
        # most used written form; ties by the alphabet, so a label never flips between runs.
        form = " ".join(key)
        if form not in written[key]:
            form = min(written[key].items(), key=lambda item: (-item[1], item[0]))[0]
        form = " ".join(abbreviations.get(w, w) for w in form.split(" "))
        chosen.append(key)
        terms.append(form)
        if len(terms) == MAX_TERMS:
            break
    if not terms:
        if size > 1:
            return None  # notes close in letters, but without a word in common
        terms = [" ".join(rows[members[0]][1].split()[:4])]
    # A second phrase joins the label only when it is common in the group too.
    label = terms[0]
    if len(chosen) > 1 and in_group[chosen[1]] >= max(2, size / 3):
        label = f"{terms[0]}, {terms[1]}"
    if vectors is not None:
        closeness = vectors @ vectors.mean(axis=0)
    else:
        closeness = np.zeros(size)
    ranked = sorted(range(size), key=lambda i: (-round(float(closeness[i]), 9),
                                                 rows[members[i]][0]))
    quotes, seen_municipalities, seen_bodies = [], set(), set()
    for i in ranked:  # the most typical note of each municipality first
        note_id, body, code, name = rows[members[i]][:4]
        if code in seen_municipalities or body in seen_bodies:
            continue
        quotes.append(Quote(note_id, _trim(body), name))
        seen_municipalities.add(code)
        seen_bodies.add(body)
        if len(quotes) == MAX_QUOTES:
            break
    names: dict = {}
    regions: Counter = Counter()
    sizes: Counter = Counter()
    for i in members:
        row = rows[i]
        if row[2] not in names:
            names[row[2]] = row[3]
            if len(row) > 5:
                regions[row[4] or ""] += 1
                sizes[row[5] or ""] += 1
    return Theme(
        key=_slug(label), label=label, terms=terms,
        note_ids=sorted(rows[i][0] for i in members),
        municipalities=sorted(names.values()),
        by_region=sorted(regions.items(), key=lambda kv: (-kv[1], kv[0])),
        by_size=sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])),
        quotes=quotes)


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFC", text.lower())
    return re.sub(r"[^\w]+", "-", text).strip("-")[:60] or "tema"


def _unique_keys(themes: list[Theme]) -> list[Theme]:
    """Keys unique among the themes and their parts (a part can be filtered on too)."""
    seen: Counter = Counter()
    for theme in themes:
        for t in (theme, *theme.parts):
            seen[t.key] += 1
            if seen[t.key] > 1:
                t.key = f"{t.key}-{seen[t.key]}"
    return themes


def _trim(body: str) -> str:
    body = " ".join(body.split())
    if len(body) <= QUOTE_LENGTH:
        return body
    return body[:QUOTE_LENGTH].rsplit(" ", 1)[0] + " …"


# --- per event and filters ---------------------------------------------------------------------

_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def scope(f: overview.Filters) -> overview.Filters:
    """The filters a theme is found under: all of them except the theme itself."""
    return replace(f, theme_key=None, theme_label=None, theme_note_ids=None, errors=[])


def themes_for(event: Event, f: overview.Filters) -> list[Theme]:
    """Recurring themes in the submitted notes under these filters (usually one task).

    Cached per process until the filtered notes change (a new submission changes the count or
    the ids), because clustering thousands of notes takes seconds.
    """
    f = scope(f)
    key = (str(db.engine.url), event.id, tuple(sorted(f.as_args().items())),
           overview.note_fingerprint(event, f))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    themes = find_themes(list(overview.note_texts(event, f)))
    with _lock:
        _cache[key] = themes
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return themes


def theme_by_key(event: Event, f: overview.Filters, key: str) -> Theme | None:
    """The theme with this key among the themes under the filters, or None."""
    return next((t for theme in themes_for(event, f) for t in (theme, *theme.parts)
                 if t.key == key), None)


def narrow_to_theme(event: Event, f: overview.Filters, key: str) -> None:
    """Narrow the filters to the notes of one recurring theme, found under the other filters."""
    theme = theme_by_key(event, f, key)
    if theme is None:
        # Themes are found again when a contribution arrives, so an old link can outlive one.
        f.errors.append(_("Temaet findes ikke (længere) blandt de valgte noter. Temaerne "
                          "findes igen, hver gang der kommer nye bidrag."))
        return
    f.theme_key, f.theme_label, f.theme_note_ids = theme.key, theme.label, tuple(theme.note_ids)
