"""Danish words for search, themes and task suggestions: tokens, lemmas, stop words.

One place knows how delib reads Danish text, so the search, the themes and the task model agree
on what a word is. Lemmas come from lemmy (trained on Den Danske Ordbog, its data inside the
package: nothing is downloaded at run time); Snowball's Danish stemmer stays beside it for
words lemmy does not know.
"""

import re
import threading
from functools import lru_cache

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
