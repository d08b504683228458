"""Personal data in notes: CPR numbers, phone numbers, e-mails, names and phrases that point at a
person ("drengen i 3.b", "Jensens datter", "hans mor").

Notes about children must not carry identifying details to KL, so the writer is warned while
typing and the chair before approving. A finding is a hint for a person to judge, never an
automatic deletion (the anonymised export masks them, see `mask`).

How a name is recognised (measured on eval/sets/privacy.jsonl by tests/test_privacy.py):
- a first name from delib/data/danish_first_names.txt, with any capitalised words after it
  ("Anne-Sofie Kjær"), unless the run names an institution ("Marie Kruses Skole");
- a name that is also a word ("Per", "Liv", "Hans") only where it cannot be that word: not first
  in a sentence, or followed by a surname or by a context that describes a person;
- a surname: a -sen/-søn name that is not an inflected Danish word ("Jensen", not "Ledelsen"),
  or a common Danish or immigrant surname, alone, in the genitive ("Jensens") or after
  "familien";
- any capitalised unknown word in a person's context ("Zeynep i 4.a", "Xs mor").
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
    "person": _l("Beskrivelse af en bestemt person"),
}
#: What the anonymised export writes instead of a finding.
MASKS = {"cpr": "[cpr]", "phone": "[telefon]", "email": "[e-mail]", "name": "[navn]",
         "person": "[person]"}

_CPR = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[-\s]?\d{4}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d-])(\+45[\s-]?)?(\d{2}[\s-]?){3}\d{2}(?![\d-])")

_UPPER = "A-ZÆØÅÉÜÖÄŁŞ"
_LOWER = "a-zæøåéüöäßłşçğı"
#: A capitalised word, possibly hyphenated (Anne-Marie, Bøgh-Andersen), possibly in the genitive
#: with an apostrophe (Abdi's, Yilmaz').
_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)*"
_CAPITALISED = re.compile(rf"(?<![\w-]){_WORD}(?:'s|')?(?![\w-])")
_SEN = re.compile(rf"^[{_UPPER}][{_LOWER}]+(sen|søn)$")

#: A school class: "3.b", "8. c", "10.x" (not "9. klasse", "10. kl.").
_CLASS = r"\d{1,2}\.\s?[a-zæøå](?![\wæøå])"
_CHILD = (r"drengen|pigen|eleven|barnet|dreng|pige|elev|barn|drenge|piger|drengene|pigerne"
          r"|tvillinger|tvillingerne|søskende|datter|søn|datteren|sønnen|eneste|ham|hende")
#: A diagnosis or condition after "med" makes a class reference sharper: take it into the span.
_CONDITION = r"(?:\s+(?:med|som har)\s+[\wæøåÆØÅ-]+)?"
#: "drengen i 3.b", "en elev i 8.c med ADHD", "en pige på 13 fra 7.c", "den eneste i 1.c med ...",
#: "ham med høreapparatet i 2.b".
_CLASS_REFERENCE = re.compile(
    rf"(?<![\wæøå])(?:(?:en|et|den|det|to|tre)\s+)?(?:\d{{1,2}}-årige?\s+)?(?:{_CHILD})"
    rf"(?:\s+med\s+[\wæøå-]+)?(?:\s+på\s+\d{{1,2}}(?:\s+år)?)?"
    rf"\s+(?:i|fra|fra klasse|i klasse)\s+{_CLASS}{_CONDITION}", re.IGNORECASE)
#: "en 15-årig pige fra Nørreskolen": an age and a named school.
_AGE_REFERENCE = re.compile(
    rf"(?<![\wæøå])(?:en|et|den|det)\s+\d{{1,2}}-årige?\s+(?:{_CHILD})\s+(?:fra|på|i)\s+"
    rf"[{_UPPER}][{_LOWER}]+{_CONDITION}", re.IGNORECASE)
_RELATIVE = (r"mor|far|forældre|bror|søster|storebror|lillebror|storesøster|lillesøster|stedfar"
             r"|stedmor|plejeforældre|plejefamilie|mormor|morfar|farmor|farfar|bedstemor"
             r"|bedstefar|onkel|moster|faster|kæreste|datter|søn|tvillinger|drenge|piger|børn")
#: "hans mor", "hendes storebror": one person's relative ("deres" is mostly plural and general).
_POSSESSIVE = re.compile(
    rf"(?<![\wæøå])(?:(?:hans|hendes)\s+(?:{_RELATIVE})"
    # The writer's own child, or a child of someone the writer knows: "min søn", "min nabos søn".
    rf"|(?:min|mit)\s+(?:søn|datter|barn|barnebarn|nevø|niece|stedsøn|steddatter|plejebarn)"
    rf"|(?:min|mit|vores)\s+(?:nabos?|naboens|kollegas?|vens?|venindes?|søsters?|brors?)\s+"
    rf"(?:{_RELATIVE}|dreng|pige|barn))(?![\wæøå])", re.IGNORECASE)
#: The word after a genitive that makes it a person's: "Jensens datter", "Fatimas mor".
_RELATIVE_AFTER = re.compile(rf"\s+(?:to\s+|tre\s+)?(?:{_RELATIVE}|familie)(?![\wæøå])")
#: What may follow a name that is also a word, for it to be a name: "Per fra PPR", "Liv i 3.b",
#: "Kim (12)", "Bo på 9 år", "Mark og Emil", "Per, Emil".
_STRONG_CONTEXT = (rf"\s+(?:i|fra)\s+{_CLASS}|\s+\(\d{{1,2}}(?:\s*år)?\)|\s+på\s+\d{{1,2}}\s+år"
                   rf"|\s+er\s+\d{{1,2}}\s+år")
_PERSON_CONTEXT = re.compile(rf"^(?:\s+fra\s|{_STRONG_CONTEXT})")
#: A context only a person has: a class, an age ("Ruben fra 4.a", "Noor (12)").
_CHILD_CONTEXT = re.compile(rf"^(?:{_STRONG_CONTEXT})")
#: A run of capitalised words followed by a hyphenated compound names a thing after a person
#: ("Ole Rømer-observatoriet", "Kaj Munk-skolen"); "Sankt Hans" is a day.
_NAMED_AFTER = re.compile(r"^\s+[A-ZÆØÅ][\wæøå]*-[a-zæøå]")
_SAINT_BEFORE = re.compile(r"(?:Sankt|Skt\.|Sct\.)\s+$")
_FAMILY_BEFORE = re.compile(r"(?:familien|famillien|fam\.)\s+$", re.IGNORECASE)
#: A sentence or clause starts after these: . ! ? : ; a bullet, a bracket or a quote.
_CLAUSE_ENDS = frozenset('.!?:;•*("»“')

#: Words after a name that make the whole run a place or institution named after a person
#: ("Marie Kruses Skole", "H.C. Andersen Skolen", "Kaj Munk-skolen").
_INSTITUTION = re.compile(
    r"^(?:\s+(?=[A-ZÆØÅ])|-)[\wæøåÆØÅ.-]*?"
    r"(?i:skole|skolen|gymnasium|gymnasiet|børnehave|børnehaven|vuggestue|vuggestuen|"
    r"børnehus|børnehuset|hus|huset|klub|klubben|center|centret|centeret|hallen|"
    r"kollegiet|plads|pladsen|vej|vejen|gade|gaden|allé|teater|teatret|museum|museet|fond|fonden|"
    r"prisen|instituttet|institut|parken|kirke|kirken|stadion)(?![\wæøå])")

#: Common surnames that do not end in -sen (Danmarks Statistik's list of the most frequent
#: surnames, and those most frequent among immigrants and their descendants).
SURNAMES = frozenset("""
    Møller Østergaard Vestergaard Nørgaard Søndergaard Kjærgaard Damgaard Hedegaard Bundgaard
    Nygaard Overgaard Mølgaard Skovgaard Lindegaard Bisgaard Korsgaard Dalsgaard Aagaard Kjær
    Schmidt Jakobsen Bruun Brandt Koch Friis Winther Ravn Riis Kofoed Juhl Krogh Sloth Bech
    Thygesen Bak Bach Lauridsen Yilmaz Kaya Demir Öztürk Çelik Şahin Nguyen Tran Khan Abdi
    Hussein Hassan Ahmed Mohamed Mohammed Ali Omar Ibrahim Mahmoud Warsame Farah Jama Kowalski
    Nowak Wiśniewski Wójcik Kowalczyk
""".split())
#: Capitalised words that read like names but name something else.
_NOT_NAMES = frozenset({"Christiansborg", "Topmødet", "Danmark", "Venstre", "Radikale"})


@cache
def first_names() -> tuple[frozenset[str], frozenset[str]]:
    """The bundled list of common first names: (names, names that are also words)."""
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


@cache
def _inflected(word: str) -> bool:
    """Whether a lower-case word is an inflected Danish word ("ledelsen" of "ledelse")."""
    from delib.services.language import danish

    return any(lemma != word for lemma in danish.lemmas(word))


@cache
def _known_word(word: str) -> bool:
    """Whether a lower-case word is an ordinary Danish word or a form of one."""
    from delib.services.language import danish

    return word in danish.lexicon() or _inflected(word)


def _starts_clause(before: str) -> bool:
    """Whether a word after `before` is the first of a sentence, line, bullet or clause (where
    a capital says nothing: "Per elev", "Liv i skolegården")."""
    tail = before.rstrip()
    return (not tail or tail[-1] in _CLAUSE_ENDS or "\n" in before[len(tail):]
            or tail.endswith((" –", " -")))


def _base(word: str) -> tuple[str, bool]:
    """A word without its genitive ending, and whether it had an apostrophe genitive."""
    if word.endswith("'s"):
        return word[:-2], True
    if word.endswith("'"):
        return word[:-1], True
    return word, False


def _is_surname(word: str) -> bool:
    if word in SURNAMES:
        return True
    return bool(_SEN.match(word)) and not _inflected(word.lower())


def _genitive_of(word: str, test) -> bool:
    """Whether `word` is the s-genitive of something `test` accepts ("Jensens", "Fatimas")."""
    return word.endswith("s") and len(word) > 3 and test(word[:-1])


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Where the text names a person: first names with what follows them, and surnames."""
    names, ambiguous = first_names()

    def first(word):
        return word.split("-")[0] in names

    def either(word):
        return word.split("-")[0] in names or word.split("-")[0] in ambiguous

    words = list(_CAPITALISED.finditer(text))
    spans = []
    i = 0
    while i < len(words):
        match = words[i]
        word, apostrophe = _base(match.group(0))
        before, after = text[:match.start()], text[match.end():]
        clause_start = _starts_clause(before)
        # Consecutive capitalised words separated by one space form a full name.
        j = i
        while (j + 1 < len(words) and text[words[j].end():words[j + 1].start()] == " "
               and not _base(words[j].group(0))[1] and words[j + 1].group(0) not in _NOT_NAMES
               and not _INSTITUTION.match(" " + words[j + 1].group(0))):
            j += 1
        end = words[j].end()
        run_after = text[end:]
        genitive_name = not apostrophe and _genitive_of(word, either)
        # "Fatimas sag": the genitive of a first name; of a name that is also a word ("Pers")
        # only before a relative ("Hans' mor" is written "Hans mor" too).
        is_name = (first(word) or (apostrophe and either(word))
                   or (not apostrophe and _genitive_of(word, first))
                   or (genitive_name and bool(_RELATIVE_AFTER.match(after))))
        if word.split("-")[0] in ambiguous and not is_name:
            is_name = (not clause_start or j > i or bool(_PERSON_CONTEXT.match(after))
                       or _next_to_name(text, words, i))
        if (word in _NOT_NAMES or _INSTITUTION.match(run_after) or _NAMED_AFTER.match(run_after)
                or _SAINT_BEFORE.search(before[-8:])):
            i = j + 1
            continue
        if is_name:
            spans.append((match.start(), end))
            i = j + 1
            continue
        if (_is_surname(word) or _genitive_of(word, _is_surname)
                or _FAMILY_BEFORE.search(before[-12:])):
            spans.append((match.start(), match.end()))
        elif not _known_word(word.lower()) and (
                _PERSON_CONTEXT.match(after) or (apostrophe and _RELATIVE_AFTER.match(after))):
            # A name we do not know, in a context that describes a person ("Zeynep i 4.a").
            spans.append((match.start(), match.end()))
        elif not clause_start and _CHILD_CONTEXT.match(after) and not _inflected(word.lower()):
            # Capitalised inside a sentence, with a class or an age: "vi mødte Ruben fra 4.a".
            spans.append((match.start(), match.end()))
        elif (not clause_start and word.endswith("s") and _RELATIVE_AFTER.match(after)
              and not _known_word(word[:-1].lower())):
            spans.append((match.start(), match.end()))  # "Yasmins mor" mid-sentence
        i += 1
    return spans


def _next_to_name(text: str, words, i: int) -> bool:
    """Whether word i is listed with a known first name ("Mark og Emil", "Liv, Ida")."""
    for k in (i - 1, i + 1):
        if 0 <= k < len(words):
            lo, hi = sorted((words[i], words[k]), key=lambda m: m.start())
            if re.fullmatch(r",\s*|\s+og\s+|\s*&\s*", text[lo.end():hi.start()]):
                other = _base(words[k].group(0))[0]
                if other.split("-")[0] in first_names()[0]:
                    return True
    return False


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
    text = text or ""
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(kind, span):
        if any(s < span[1] and span[0] < e for s, e in taken):
            return
        taken.append(span)
        findings.append(Finding(kind, text[span[0]:span[1]], *span))

    for kind, pattern in (("cpr", _CPR), ("email", _EMAIL), ("phone", _PHONE),
                          ("person", _CLASS_REFERENCE), ("person", _AGE_REFERENCE),
                          ("person", _POSSESSIVE)):
        for match in pattern.finditer(text):
            add(kind, match.span())
    for span in _name_spans(text):
        add("name", span)
    return sorted(findings, key=lambda f: f.start)


def mask(text: str) -> str:
    """The text with every finding replaced by its kind in brackets ("[navn] i 4.a")."""
    text = text or ""
    for finding in reversed(flag_personal_data(text)):
        text = text[:finding.start] + MASKS[finding.kind] + text[finding.end:]
    return text
