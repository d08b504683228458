"""Danish words for search, themes and task suggestions: tokens, lemmas, compounds, stop words.

One place knows how delib reads Danish text, so the search, the themes and the task model agree
on what a word is. Lemmas come from lemmy (trained on Den Danske Ordbog, its data inside the
package: nothing is downloaded at run time); Snowball's Danish stemmer stays beside it for
words lemmy does not know.

Danish writes compounds as one word ("skoleledelsen" = skole + ledelsen), links their parts
with -s- or -e- ("ledelsesniveau", "børnehave") and shares a head between coordinated parts
("børne- og ungepolitikken" = børnepolitikken og ungepolitikken). `split` finds a compound's
parts by looking them up in simplemma's Danish word list (its lemmas, inside the package); a
part must be a known word, so "samtale" is not "sam" + "tale" and "kapital" is not "kapi" +
"tal". `search_words` reads a text the way the search indexes it: with those expansions, with
numbers kept ("10. klasse", "0-6-årsområdet") and with each word's place in the text.
"""

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import lemmy
import snowballstemmer

#: A word: letters, optionally joined by hyphens to digits or letters ("0-6-årsområdet", "10.").
_TOKEN = re.compile(r"\d+(?:[-–]\d+)*(?:[-–][^\W\d_]+)?|[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)

_lemmatizer = lemmy.load("da")
_local = threading.local()


def tokens(text: str) -> list[str]:
    """The words and numbers of a text, lower-cased, in order."""
    return [t.lower() for t in _TOKEN.findall(text or "")]


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> tuple[str, ...]:
    """The possible dictionary forms of one lower-case word ("børnene" → ("barn",)).

    A word that is itself one of its candidates is taken as that base form only ("tal" is the
    noun, not a form of "tale"). Words lemmy cannot place are returned as they are.
    """
    if not word or not word[0].isalpha():
        return (word,)
    found = tuple(dict.fromkeys(c.lower() for c in _lemmatizer.lemmatize("", word)))
    if not found:
        return (word,)
    if word in found:
        return (word,)
    return found


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball's Danish stem of one lower-case word."""
    # Snowball stemmer objects keep state between calls, so each thread gets its own.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("danish")
    return stemmer.stemWord(word)


# --- stop words --------------------------------------------------------------------------------

#: Function words a search neither indexes nor requires ("børn og unge" needs børn and unge).
STOP_WORDS = frozenset("""
    ad af alle alt anden andet andre at bare blev blive bliver da de dem den denne der deres det
    dette dig din dine disse dit dog du efter eller en end er et for fordi fra får gør ham han
    hans har havde have hende hendes her hos hun hvad hvem hver hvilke hvis hvor hvordan hvorfor
    i ikke ind jeg jer jo kan kun kunne lige man mange med meget men mere mig min mine mit mod
    må måske ned nej noget nogle når nu og også om op os over på sammen selv sig sin sine sit
    skal skulle som så sådan thi til ud under var vi vil ville vores være været
""".split())


# --- the word list for compounds ---------------------------------------------------------------

_lexicon: frozenset[str] | None = None
_lexicon_lock = threading.Lock()


def lexicon() -> frozenset[str]:
    """Danish lemmas known to simplemma's word list (~117,000), lower-case; loaded once."""
    global _lexicon
    if _lexicon is None:
        with _lexicon_lock:
            if _lexicon is None:
                from simplemma.strategies.dictionaries import DefaultDictionaryFactory

                # Only the lemmas are kept: the form → lemma mapping is ten times the size. The
                # raw mapping holds bytes; decoding its ~117,000 distinct values beats decoding
                # all ~790,000 through the Mapping interface.
                mapping = DefaultDictionaryFactory(cache_max_size=0).get_dictionary("da")
                raw = getattr(mapping, "_dict", None)
                values = ({v.decode() for v in set(raw.values())} if raw is not None
                          else set(mapping.values()))
                _lexicon = frozenset(v.lower() for v in values if v.isalpha())
    return _lexicon


#: First parts that make a new word rather than a compound: "forældre" is not for + ældre,
#: "undervisning" not under + visning, "sammenhæng" not sammen + hæng.
PARTICLES = frozenset("""
    af an be bag for fore fort forud fra frem fremad gen gennem hen her hvor ind inde med mis
    mod ned nær om op over på sam sammen til tvær u ud under van ved vel
""".split()) | (STOP_WORDS - {"efter"})  # "efteruddannelse" is a kind of uddannelse
#: Known words that are also derivational endings: "digitalisering" is not digitalise + ring.
SUFFIX_WORDS = frozenset("else ende ling ning ring skab tion".split())
#: Parts of three letters are mostly noise in a 117,000-word list ("politi" + "ker", "kul" +
#: "tur"); these short words are common parts of compounds in our notes.
SHORT_PARTS = frozenset("dag fag job liv lov mål råd rum tal tid top år".split())
#: Lexicalised words whose reading as a compound misleads ("spørgsmål" is no kind of "mål").
NOT_COMPOUNDS = frozenset("fortsætte spørgsmål".split())
MIN_PART = 4


def _part_ok(lemma: str) -> bool:
    return len(lemma) >= MIN_PART or lemma in SHORT_PARTS


@dataclass(frozen=True)
class Split:
    """One way to read a compound: `modifier` + `head` as written, and their lemmas."""

    modifier_text: str
    modifier: str
    head_text: str
    head: str


def _known(word: str) -> str | None:
    """`word` as a known lemma, or the known lemma of an irregular form ("børn" → "barn")."""
    words = lexicon()
    if word in words:
        return word
    for candidate in lemmas(word):
        # lemmy maps some linking forms onto another form first ("børne" → "børn" → "barn").
        for known in (candidate, *lemmas(candidate)):
            # Only a changed stem counts: "skolet" is a verb form of "skole", not a first part.
            if known in words and known[0] == word[0] and len(known) <= len(word) and (
                    not word.startswith(known)):
                return known
    return None


def _modifier_lemma(text: str) -> str | None:
    """The lemma a compound's first part stands for, linking -s-/-e- removed ("ledelses")."""
    if text in PARTICLES:
        return None
    candidates = [text]
    if text.endswith("s"):
        candidates += [text[:-1], text[:-1] + "e"]  # ledelse-s, samarbejd(e)-s
    elif text.endswith("e"):
        candidates.append(text[:-1])  # børn-e
    for candidate in candidates:
        known = _known(candidate)
        if known is not None and _part_ok(known) and known not in PARTICLES:
            return known
    return None


def modifier(text: str) -> str | None:
    """The lemma an open first part stands for ("ledelses-" → "ledelse", "børne-" → "barn")."""
    return _modifier_lemma(text) if text.isalpha() else None


@lru_cache(maxsize=200_000)
def split(word: str) -> tuple[Split, ...]:
    """The ways a lower-case word reads as modifier + head, both known words; () if none.

    "skoleledelsen" → skole + ledelsen; "ledelsesniveau" → ledelse + niveau;
    "specialklasserne" → special + klasserne. The head keeps the word's inflection.
    """
    if not word.isalpha() or len(word) < 6 or word in NOT_COMPOUNDS:
        return ()
    words = lexicon()
    found = []
    for i in range(3, len(word) - 2):
        head_text = word[i:]
        if head_text in SUFFIX_WORDS or (len(head_text) < MIN_PART
                                         and head_text not in SHORT_PARTS):
            continue
        head = head_text if head_text in words else next(
            (h for h in lemmas(head_text) if h in words and len(h) <= len(head_text)), None)
        if head is None or not _part_ok(head) or head in SUFFIX_WORDS:
            continue
        first = _modifier_lemma(word[:i])
        if first is not None:
            found.append(Split(word[:i], first, head_text, head))
    return tuple(found)


@lru_cache(maxsize=200_000)
def parts(word: str) -> tuple[str, ...]:
    """The lemmas of a compound's parts, all readings and their own parts; () for a simple word.

    "skoleledelsesniveauet" → skole, ledelsesniveau, ledelse, niveau, skoleledelse.
    """
    # The lemma is split, not the form: "styringen" is not styr + ingen.
    own = lemmas(word)
    found: dict[str, None] = {}
    for lemma in own:
        for reading in split(lemma):
            for part in (reading.modifier, reading.head):
                found[part] = None
                # The word list and lemmy may disagree on a base form ("forældre"/"forælder").
                found.update(dict.fromkeys(x for x in lemmas(part) if x in lexicon()))
                found.update(dict.fromkeys(parts(part)))
    return tuple(p for p in found if p not in own)


# --- reading a text for the search -------------------------------------------------------------

_SEARCH_TOKEN = re.compile(
    r"(?P<number>\d+(?:[.,]\d+)?(?:[-–]\d+(?:[.,]\d+)?)*)"
    r"(?:(?P<ordinal>\.)(?=[ \t]?-?[ \t]?[^\W\d_A-ZÆØÅ])"  # "10. klasse", not "i 2021. Da"
    r"|[-–](?P<number_word>[^\W\d_]+(?:-[^\W\d_]+)*))?"    # "0-6-årsområdet", "15-25-årige"
    r"|(?P<word>[^\W\d_]+(?:-[^\W\d_]+)*)(?P<open>-(?=\s*[,/&]|\s+(?:og|eller|samt)\s))?",
    re.UNICODE)
_CONJUNCTIONS = ("og", "eller", "samt")
#: What may stand between coordinated parts: "børne- og unge…", "almen-, special- og …".
_CONJUNCTION = re.compile(r"-?\s*(?:[,/&]\s*)?(?:(?:og|eller|samt)\s+)?", re.IGNORECASE)


class Word(NamedTuple):
    """A word as the search reads it: lower-case text and where it stands in the text.

    `spans` are the (start, end) pieces of the text it was read from: one for a written word,
    more for a word the text implies ("børnepolitikken" in "børne- og ungepolitikken").
    `kind` is "word", "number", "open" (a first part waiting for its head: "børne-"),
    "ordinal" ("10.klasse" for "10. klasse") or "coordinated".
    """

    text: str
    spans: tuple[tuple[int, int], ...]
    kind: str = "word"

    @property
    def implied(self) -> bool:
        return self.kind in ("ordinal", "coordinated")


def _head_of(word: str) -> str:
    """The head of a compound as written (its shortest first reading), or the whole word."""
    readings = split(word)
    return readings[0].head_text if readings else word


def search_words(text: str) -> list[Word]:
    """The words of a text as the search indexes them, in order, implied words after their parts.

    Numbers stay words ("10", "0-6-årsområdet"); an ordinal joins the next word ("10. klasse" →
    "10.klasse"); open first parts take the head of the coordinated word ("børne- og
    ungepolitikken" → "børnepolitikken"). Lower-case throughout.
    """
    text = text or ""
    out: list[Word] = []
    opened: list[Word] = []  # "børne-", "almen-, special-": waiting for their head
    open_end = 0
    ordinal: Word | None = None
    for match in _SEARCH_TOKEN.finditer(text):
        span = (match.start(), match.end())
        if match.group("number") is not None:
            opened, ordinal = [], None
            value = match.group("number").replace("–", "-")
            if match.group("number_word"):
                out.append(Word(value + "-" + match.group("number_word").lower(), (span,)))
                continue
            out.append(Word(value, ((match.start(), match.start() + len(value)),), "number"))
            if match.group("ordinal"):
                ordinal = out[-1]
            continue
        word = match.group("word").lower()
        joined = _CONJUNCTION.fullmatch(text[open_end:match.start()]) is not None
        if match.group("open"):
            out.append(Word(word, ((match.start(), match.start() + len(word)),), "open"))
            opened = [*opened, out[-1]] if joined else [out[-1]]
            open_end, ordinal = match.end(), None
            continue
        if opened and word in _CONJUNCTIONS and joined:
            out.append(Word(word, (span,)))
            continue  # still waiting for the head: "børne- og ungepolitikken"
        out.append(Word(word, (span,)))
        if ordinal is not None and text[ordinal.spans[-1][1]:match.start()].strip(" \t.-") == "":
            out.append(Word(f"{ordinal.text}.{word}", (*ordinal.spans, span), "ordinal"))
        ordinal = None
        if opened and joined:
            head = _head_of(word)
            out.extend(Word(first.text + head, (*first.spans, span), "coordinated")
                       for first in opened)
        opened = []
    return out


@dataclass(frozen=True)
class Terms:
    """What one word is indexed under: its form, its lemmas and its compound parts (lemmas)."""

    form: str
    lemmas: tuple[str, ...]
    parts: tuple[str, ...]


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> Terms:
    """The search terms of one lower-case word (from `search_words`): form, lemmas, parts.

    Hyphenated words ("ssp-samarbejdet", "0-6-årsområdet") have their pieces as parts and the
    lemma of their last piece; ordinals ("10.klasserne") keep their number.
    """
    if "." in word and word.split(".", 1)[0].isdigit():  # an ordinal phrase
        number, rest = word.split(".", 1)
        inner = word_terms(rest)
        return Terms(word, tuple(f"{number}.{x}" for x in inner.lemmas if x != rest),
                     tuple(f"{number}.{x}" for x in inner.parts))
    if not word[:1].isalpha() or "-" in word:
        pieces = [p for p in re.split(r"-(?=[^\W\d_])", word) if p]
        if len(pieces) > 1 or not word[:1].isalpha():
            last = word_terms(pieces[-1]) if pieces[-1][:1].isalpha() else None
            prefix = word[: len(word) - len(pieces[-1])]
            found_lemmas = tuple(prefix + x for x in last.lemmas) if last else ()
            found_parts: dict[str, None] = {}
            for piece in pieces:
                if piece[:1].isalpha():
                    piece_terms = word_terms(piece)
                    found_parts.update(dict.fromkeys(piece_terms.lemmas or (piece,)))
                    found_parts.update(dict.fromkeys(piece_terms.parts))
                else:
                    found_parts[piece] = None
            return Terms(word, tuple(x for x in found_lemmas if x != word),
                         tuple(p for p in found_parts if p != word))
    found_lemmas = tuple(x for x in lemmas(word) if x != word)
    return Terms(word, found_lemmas, parts(word))
