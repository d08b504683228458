"""Task and message suggestions for committee notes: an offline Danish text model.

A note is mapped to the declaration's four tasks (and, where it fits, the three messages to
Christiansborg). The model is trained in the process at first use from the declaration's own
text (the event's tasks and messages) and the labelled notes in delib/data/task_training.jsonl:
TF-IDF over lemmas and lemma pairs plus TF-IDF over character n-grams of each word, one logistic
regression per label, a Platt calibration and a threshold per label chosen by cross-validation
on the training notes only. One more model of the same kind, the gate, asks whether a note
concerns the declaration at all (practical remarks do not). Gate closed, or no label over its
threshold: the model abstains ([]).

Everything is deterministic (fixed folds and solver, sorted inputs): the same note gets the same
suggestions in every process.

delib/data/task_training.jsonl holds one note a line: {"text": ..., "tasks": [numbers],
"messages": [numbers], "topic": ...}; no tasks and no messages marks a practical remark. The
topic says where in the day the note was written (g: a general break, k: the keynotes, o1-o3:
the political talks, t1-t5: the theme meetings, c: the corona item, m: the minister's talk,
p: practical, e: the declaration's own words). eval/sets/tasks_heldout.jsonl has the same
form and is never read here.
"""

import hashlib
import json
import re
import threading
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from delib.services.language.danish import lemmas, tokens

#: Everything that changes what the model learns; part of MODEL_VERSION.
SETTINGS = {
    "char_ngrams": [3, 5],
    "word_weight": 1.0,
    "char_weight": 1.0,
    "C": 4.0,
    "class_weight": "balanced",
    "folds": 5,
    "seed": 2021,
    "threshold_grid": [0.10, 0.90, 0.01],
    "event_text_weight": 3.0,
    "gate": True,
}
MAX_REASONS = 3
#: Practical ceiling for one note: a longer text is cut, so no paste can stall a request.
MAX_CHARS = 4000

_DATA = "task_training.jsonl"
_PROGRAMME = "butm2021.toml"

#: Words that never serve as a reason on their own: they carry no task (Snowball's Danish list
#: and the words every note in this setting uses).
_NO_REASON = frozenset("""
og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi
min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle
vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også
under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange
ad bliver hendes været thi jer sådan kan få får fik ved så mere mest nu lige bare hele helt
vores jeres hver hvert ja nej evt fx f.eks ift mht osv bl.a a b c d e ok pga kun stedet
hvordan ingen står findes bør dag igen år gang andre anden nogen
""".split())


def _read_package(name: str) -> bytes:
    return resources.files("delib.data").joinpath(name).read_bytes()


def _version() -> str:
    digest = hashlib.sha256()
    digest.update(_read_package(_DATA))
    digest.update(json.dumps(SETTINGS, sort_keys=True).encode())
    return "opgaver-1+" + digest.hexdigest()[:8]


MODEL_VERSION: str = _version()


@dataclass(frozen=True)
class Suggestion:
    """One suggested task or message for a note, with the note's words that led to it."""

    kind: str  # "task" or "message"
    number: int  # the task's/message's number in the declaration
    score: float  # calibrated probability (cross-validated), 0..1
    reason: tuple[str, ...]  # up to 3 words from the note, as written

    @property
    def key(self) -> str:
        """"task:1", "message:3": the label's name in files and scores."""
        return f"{self.kind}:{self.number}"


# ---------------------------------------------------------------------------------------------
# Words and features


def _lemma(word: str) -> str:
    # The first candidate: lemmy orders them, so the choice is stable across runs.
    return lemmas(word)[0]


def _words(text: str) -> tuple[list[str], list[str]]:
    """The note's words lower-cased, and the same words as written (for reasons)."""
    text = (text or "")[:MAX_CHARS]
    lowered = tokens(text)
    low_text = text.lower()
    written = []
    cursor = 0
    same_length = len(low_text) == len(text)
    for token in lowered:
        at = low_text.find(token, cursor)
        if at < 0 or not same_length:
            written.append(token)
            continue
        written.append(text[at:at + len(token)])
        cursor = at + len(token)
    return lowered, written


def _word_features(words: list[str]) -> list[tuple[str, tuple[int, ...]]]:
    """Lemmas and adjacent lemma pairs, each with the positions of the words it came from."""
    lems = [_lemma(w) for w in words]
    out = [(lem, (i,)) for i, lem in enumerate(lems)]
    out += [(f"{lems[i]} {lems[i + 1]}", (i, i + 1)) for i in range(len(lems) - 1)]
    return out


def _char_features(words: list[str]) -> list[tuple[str, tuple[int, ...]]]:
    """Character n-grams inside each word: they catch compounds and abbreviations' inflections."""
    low, high = SETTINGS["char_ngrams"]
    out = []
    for i, word in enumerate(words):
        padded = f" {word} "
        for n in range(low, high + 1):
            for start in range(max(1, len(padded) - n + 1)):
                out.append((padded[start:start + n], (i,)))
    return out


def _analyse_words(text: str) -> list[str]:
    return [f for f, _ in _word_features(_words(text)[0])]


def _analyse_chars(text: str) -> list[str]:
    return [f for f, _ in _char_features(_words(text)[0])]


# ---------------------------------------------------------------------------------------------
# Training data


@dataclass(frozen=True)
class _Texts:
    """The event's own task and message texts, by number."""

    tasks: tuple[tuple[int, str], ...]
    messages: tuple[tuple[int, str], ...]

    def digest(self) -> str:
        return hashlib.sha256(json.dumps([self.tasks, self.messages]).encode()).hexdigest()


@lru_cache(maxsize=1)
def _declaration_texts() -> _Texts:
    programme = tomllib.loads(_read_package(_PROGRAMME).decode("utf-8"))
    return _Texts(
        tasks=tuple(sorted((t["number"], _join(t)) for t in programme.get("tasks", []))),
        messages=tuple(sorted((m["number"], _join(m)) for m in programme.get("messages", []))),
    )


def _join(item) -> str:
    get = item.get if isinstance(item, dict) else lambda k, d="": getattr(item, k, d) or d
    return "\n".join(p for p in (get("title", ""), get("short_title", ""),
                                 get("description", "")) if p)


def _event_texts(event) -> _Texts:
    if event is None:
        return _declaration_texts()
    return _Texts(
        tasks=tuple(sorted((t.number, _join(t)) for t in event.tasks)),
        messages=tuple(sorted((m.number, _join(m)) for m in event.messages)),
    )


def _training_notes() -> list[dict]:
    notes = []
    for line in _read_package(_DATA).decode("utf-8").splitlines():
        if line.strip():
            notes.append(json.loads(line))
    return notes


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", text) if p.strip()]
    return parts


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip().casefold()


# ---------------------------------------------------------------------------------------------
# The model


@dataclass
class _Label:
    kind: str
    number: int
    coef_words: np.ndarray
    coef_chars: np.ndarray
    intercept: float
    platt_a: float
    platt_b: float
    threshold: float
    cv_f1: float


class _Model:
    """The fitted vectorisers and one calibrated linear model per label."""

    def __init__(self, texts: _Texts, notes: list[dict] | None = None):
        default = _declaration_texts()
        default_titles = {("task", n): _first_line(t) for n, t in default.tasks}
        default_titles.update({("message", n): _first_line(t) for n, t in default.messages})
        labels = [("task", n) for n, _ in texts.tasks] + [("message", n) for n, _ in texts.messages]
        own = {("task", n): t for n, t in texts.tasks}
        own.update({("message", n): t for n, t in texts.messages})
        # The labelled notes speak of the 2021 declaration: they teach a label only where the
        # event's text is that declaration's (by title), otherwise the event's text alone does.
        notes_teach = {lab for lab in labels
                       if default_titles.get(lab) == _first_line(own[lab])}

        docs: list[str] = []
        targets: list[set] = []
        weights: list[float] = []
        for note in _training_notes() if notes is None else notes:
            docs.append(note["text"])
            targets.append({("task", n) for n in note.get("tasks", [])}
                           | {("message", n) for n in note.get("messages", [])})
            weights.append(1.0)
        targets = [{lab for lab in t if lab in notes_teach} for t in targets]
        # The declaration's own sentences weigh more, so a few sentences count against many notes.
        for lab in labels:
            for sentence in _sentences(own[lab]):
                docs.append(sentence)
                targets.append({lab})
                weights.append(SETTINGS["event_text_weight"])
        sample_weight = np.array(weights)

        self.words = TfidfVectorizer(analyzer=_analyse_words, sublinear_tf=True, min_df=1)
        self.chars = TfidfVectorizer(analyzer=_analyse_chars, sublinear_tf=True, min_df=2)
        x_words = self.words.fit_transform(docs)
        x_chars = self.chars.fit_transform(docs)
        x = sparse.hstack([x_words * SETTINGS["word_weight"],
                           x_chars * SETTINGS["char_weight"]]).tocsr()
        self.n_words = x_words.shape[1]
        self.word_index = self.words.vocabulary_
        self.char_index = self.chars.vocabulary_
        self.labels: list[_Label] = []
        for kind, number in labels:
            y = np.array([(kind, number) in t for t in targets], dtype=int)
            if y.sum() < 2 or y.sum() > len(y) - 2:
                continue
            self.labels.append(self._fit_label(kind, number, x, y, sample_weight))
        self.gate = None
        if SETTINGS["gate"] and self.labels:
            # Is this note about the declaration at all? Practical remarks are not.
            y = np.array([bool(t) for t in targets], dtype=int)
            if 2 <= y.sum() <= len(y) - 2:
                self.gate = self._fit_label("any", 0, x, y, sample_weight)
        # All labels (the gate last) as matrices: one product scores every label at once.
        every = self.labels + ([self.gate] if self.gate is not None else [])
        self._stacked = (
            np.column_stack([lab.coef_words for lab in every]),
            np.column_stack([lab.coef_chars for lab in every]),
            np.array([lab.intercept for lab in every]),
            np.array([lab.platt_a for lab in every]),
            np.array([lab.platt_b for lab in every]),
        ) if every else None

    def _classifier(self) -> LogisticRegression:
        return LogisticRegression(C=SETTINGS["C"], class_weight=SETTINGS["class_weight"],
                                  solver="liblinear", dual=True,
                                  random_state=SETTINGS["seed"], max_iter=1000)

    def _fit_label(self, kind: str, number: int, x, y, weight) -> _Label:
        folds = min(SETTINGS["folds"], int(y.sum()), int(len(y) - y.sum()))
        oof = np.zeros(len(y))
        splitter = StratifiedKFold(n_splits=max(folds, 2), shuffle=True,
                                   random_state=SETTINGS["seed"])
        for train, test in splitter.split(x, y):
            model = self._classifier().fit(x[train], y[train], sample_weight=weight[train])
            oof[test] = model.decision_function(x[test])
        # Platt scaling on the out-of-fold margins: scores that mean roughly what they say.
        platt = LogisticRegression(C=1e6, solver="lbfgs").fit(oof.reshape(-1, 1), y)
        a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        probs = 1.0 / (1.0 + np.exp(-(a * oof + b)))
        threshold, cv_f1 = _best_threshold(probs, y)
        final = self._classifier().fit(x, y, sample_weight=weight)
        coef = final.coef_[0]
        return _Label(kind, number, coef[:self.n_words], coef[self.n_words:],
                      float(final.intercept_[0]), a, b, threshold, cv_f1)

    def _probabilities(self, texts: list[str]):
        """The TF-IDF rows, every label's calibrated score, and whether the gate lets it pass."""
        x_words = self.words.transform(texts)
        x_chars = self.chars.transform(texts)
        w_words, w_chars, intercepts, a, b = self._stacked
        margins = (np.asarray(x_words @ w_words) * SETTINGS["word_weight"]
                   + np.asarray(x_chars @ w_chars) * SETTINGS["char_weight"] + intercepts)
        probs = 1.0 / (1.0 + np.exp(-(a * margins + b)))
        if self.gate is not None:
            gate_open = probs[:, -1] >= self.gate.threshold
            probs = probs[:, :-1]
        else:
            gate_open = np.ones(len(texts), dtype=bool)
        return x_words, x_chars, probs, gate_open

    def predict(self, texts: list[str]) -> list[list[Suggestion]]:
        """Each text's suggestions over their label's threshold, best first."""
        if not self.labels or not texts:
            return [[] for _ in texts]
        x_words, x_chars, probs, gate_open = self._probabilities(texts)
        out = []
        for row, text in enumerate(texts):
            found = []
            if not gate_open[row]:
                out.append(found)
                continue
            low, written = _words(text)
            for col, lab in enumerate(self.labels):
                p = float(probs[row, col])
                if p < lab.threshold:
                    continue
                reason = self._reason(lab, low, written, x_words[row], x_chars[row])
                found.append(Suggestion(lab.kind, lab.number, round(p, 4), reason))
            found.sort(key=lambda s: (-s.score, s.kind != "task", s.number))
            out.append(found)
        return out

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        """Every label's calibrated score for each text (for files and evaluation)."""
        if not self.labels or not texts:
            return [{} for _ in texts]
        probs = self._probabilities(texts)[2]
        return [{f"{lab.kind}:{lab.number}": round(float(probs[r, c]), 4)
                 for c, lab in enumerate(self.labels)} for r in range(len(texts))]

    def thresholds(self) -> dict[str, float]:
        """Each label's threshold on the calibrated score."""
        return {f"{lab.kind}:{lab.number}": lab.threshold for lab in self.labels}

    def cross_validated_f1(self) -> dict[str, float]:
        """Each label's F1 on the training notes' out-of-fold scores at its threshold."""
        return {f"{lab.kind}:{lab.number}": lab.cv_f1 for lab in self.labels}

    def _reason(self, lab: _Label, low, written, row_words, row_chars) -> tuple[str, ...]:
        """The note's words that pushed this label up most, as the note writes them."""
        contribution = np.zeros(len(low))
        word_feats, char_feats = _word_features(low), _char_features(low)
        for feats, index, coef, row, weight in (
            (word_feats, self.word_index, lab.coef_words, row_words, SETTINGS["word_weight"]),
            (char_feats, self.char_index, lab.coef_chars, row_chars, SETTINGS["char_weight"]),
        ):
            values = dict(zip(row.indices, row.data, strict=True))
            # A feature seen several times in the note counts once in its TF-IDF value:
            # share that value between the places it came from.
            places: dict[int, list[tuple[int, ...]]] = {}
            for feature, positions in feats:
                j = index.get(feature)
                if j is not None:
                    places.setdefault(j, []).append(positions)
            for j, where in places.items():
                total = values.get(j, 0.0) * coef[j] * weight
                share = total / sum(len(p) for p in where)
                for positions in where:
                    for i in positions:
                        contribution[i] += share
        best: list[str] = []
        seen = set()
        for i in sorted(range(len(low)), key=lambda k: (-contribution[k], k)):
            if contribution[i] <= 0 or len(best) >= MAX_REASONS:
                break
            if low[i] in _NO_REASON or len(low[i]) < 2 or low[i] in seen:
                continue
            seen.add(low[i])
            best.append(written[i])
        return tuple(best)


def _best_threshold(probs: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The threshold with the best F1 on out-of-fold scores; ties go to the one nearest 0.5."""
    start, stop, step = SETTINGS["threshold_grid"]
    best, best_key = 0.5, (-1.0, 0.0)
    for t in np.arange(start, stop + step / 2, step):
        predicted = probs >= t
        tp = int((predicted & (y == 1)).sum())
        fp = int((predicted & (y == 0)).sum())
        fn = int((~predicted & (y == 1)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        key = (round(f1, 6), -abs(t - 0.5))
        if key > best_key:
            best, best_key = float(round(t, 2)), key
    return best, best_key[0]


# ---------------------------------------------------------------------------------------------
# The cache and the public functions

_MAX_MODELS = 8
_models: dict[str, _Model] = {}
_lock = threading.Lock()


def model_for(event=None) -> _Model:
    """The trained model for this event's task and message texts (trained once per process)."""
    texts = _event_texts(event)
    key = texts.digest()
    model = _models.get(key)
    if model is None:
        with _lock:
            model = _models.get(key)
            if model is None:
                if len(_models) >= _MAX_MODELS:
                    # An event whose texts keep being edited must not grow the process forever.
                    _models.pop(next(iter(_models)))
                model = _models[key] = _Model(texts)
    return model


def suggest(text: str, event=None) -> list[Suggestion]:
    """Suggestions for one note, best first; [] when the model abstains."""
    return suggest_many([text], event)[0]


def suggest_many(texts: list[str], event=None) -> list[list[Suggestion]]:
    """The same for many texts at once (fast path for the CLI and KL)."""
    texts = [(t or "")[:MAX_CHARS] for t in texts]
    return model_for(event).predict(texts)


def score_many(texts: list[str], event=None) -> list[dict[str, float]]:
    """Every label's calibrated score ("task:1": 0.83, ...) for each text, suggested or not."""
    texts = [(t or "")[:MAX_CHARS] for t in texts]
    return model_for(event).scores(texts)
