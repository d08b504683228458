"""Personal data in notes: find what looks like CPR numbers, phone numbers, e-mails and names.

Notes about children must not carry identifying details to KL, so the chair is warned before
approving. A finding is a hint for a person to judge, never an automatic deletion.
"""

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from flask_babel import lazy_gettext as _l

KINDS = {
    "cpr": _l("CPR-nummer"),
    "phone": _l("Telefonnummer"),
    "email": _l("E-mailadresse"),
    "name": _l("Navn på en person"),
}

_CPR = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[-\s]?\d{4}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d-])(\+45[\s-]?)?(\d{2}[\s-]?){3}\d{2}(?![\d-])")

_UPPER = "A-ZÆØÅÉÜÖÄ"
_LOWER = "a-zæøåéüöäß"
#: A capitalised word, possibly hyphenated (Anne-Marie, Bøgh-Andersen).
_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)*"
_CAPITALISED = re.compile(rf"(?<![\w-]){_WORD}(?![\w-])")
#: Danish surnames: -sen (Jensen, Hansen), and the common -gaard/-strup/-holm/-berg endings.
_SURNAME = re.compile(rf"^[{_UPPER}][{_LOWER}]+(sen|søn|gaard|gård|strup|holm|berg|bæk)$")
#: Words that read like names but are capitalised for other reasons.
_NOT_NAMES = frozenset({"Christiansborg", "Topmødet", "Danmark"})


@cache
def first_names() -> tuple[frozenset[str], frozenset[str]]:
    """The bundled list of common Danish first names: (names, names that are also words)."""
    names, ambiguous = set(), set()
    text = files("delib.data").joinpath("danish_first_names.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("*"):
            ambiguous.add(line[:-1])
        else:
            names.add(line)
    return frozenset(names), frozenset(ambiguous)


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words that start with a known first name or are a Danish surname."""
    names, ambiguous = first_names()
    words = list(_CAPITALISED.finditer(text))
    spans = []
    i = 0
    while i < len(words):
        word = words[i].group(0)
        # Consecutive capitalised words separated by one space form a full name.
        j = i
        while j + 1 < len(words) and text[words[j].end():words[j + 1].start()] == " ":
            j += 1
        run = [w.group(0) for w in words[i:j + 1]]
        first = word.split("-")[0]
        surname_follows = len(run) > 1
        if word in _NOT_NAMES:
            pass
        elif first in names or (first in ambiguous and surname_follows):
            spans.append((words[i].start(), words[j].end()))
            i = j + 1
            continue
        elif _SURNAME.match(word):
            spans.append((words[i].start(), words[i].end()))
        i += 1
    return spans


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])


def flag_personal_data(text: str) -> list[Finding]:
    """Likely personal data in a text, in order of appearance."""
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in (("cpr", _CPR), ("email", _EMAIL), ("phone", _PHONE)):
        for match in pattern.finditer(text or ""):
            span = match.span()
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            findings.append(Finding(kind, match.group(0), *span))
    for span in _name_spans(text or ""):
        if any(s < span[1] and span[0] < e for s, e in taken):
            continue
        taken.append(span)
        findings.append(Finding("name", text[span[0]:span[1]], *span))
    return sorted(findings, key=lambda f: f.start)
