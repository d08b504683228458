"""Danish search over submitted notes: the same terms and hits on SQLite and PostgreSQL.

Each submitted note is indexed in `search_term` (delib/models/search.py) when it is written:
per word, the word as written (FORM), its lemmas (LEMMA: "børnene" → "barn") and the lemmas of
its compound parts (PART: "skoleledelsen" → "skole", "ledelse"), all computed in Python by
services/language/danish.py. A query is plain SQL over that table, so both engines find the
same notes. Its words are read the same way but never split: "forældresamarbejde" looks for that
word (and its forms, and compounds built on it), not for every note on "samarbejde". Every word
must match; a word ending in `*` matches terms beginning with it ("leder*"). Hits are ranked by
how they matched (the word as typed, then another form of it, then a compound part).

The index follows the notes by itself: mapper events on `SubmissionNote` index a note when it
is inserted or its text changes, and the foreign key deletes its terms with it. Code that
inserts notes with Core (the demo generator) calls `index_submission` or `rebuild_index`.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import and_, case, delete, event, func, inspect, select
from sqlalchemy.engine import Connection

from delib.extensions import db
from delib.models import SubmissionNote
from delib.models.search import FORM, LEMMA, MAX_TERM, PART, SearchTerm
from delib.services.language import danish

#: More query words than this are ignored: a search box is not a document.
MAX_QUERY_WORDS = 12
#: A prefix query needs this many letters: "l*" would be every note.
MIN_PREFIX = 3
BATCH = 2000

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: What a term may hold (what danish.search_words reads); anything else is not stored.
_TERM = re.compile(r"[^\W_]+(?:[-.,][^\W_]+)*\.?", re.UNICODE)
terms_table = SearchTerm.__table__


def words(text: str) -> list[str]:
    """The words of a text (letters only), as written."""
    return _WORD.findall(text or "")


# --- what a text is indexed under --------------------------------------------------------------


def _word_rows(word: danish.Word) -> list[tuple[str, int]]:
    if word.kind == "open":  # "ledelses-" in "ledelses- og styringsmodellen"
        first = danish.modifier(word.text)
        return [(word.text, FORM)] + ([(first, PART)] if first else [])
    found = danish.word_terms(word.text)
    return ([(found.form, FORM)] + [(x, LEMMA) for x in found.lemmas]
            + [(x, PART) for x in found.parts])


def terms(text: str) -> dict[str, int]:
    """The search terms of a text, each with the best way (FORM, LEMMA, PART) it occurs."""
    return dict(_terms(text or ""))


@lru_cache(maxsize=4096)
def _terms(text: str) -> tuple[tuple[str, int], ...]:
    # Cached per text: a resubmitted contribution, or the demo's 20,000 notes drawn from a few
    # hundred, are read once.
    found: dict[str, int] = {}
    for word in danish.search_words(text):
        if word.text in danish.STOP_WORDS:
            continue
        for term, kind in _word_rows(word):
            if term in danish.STOP_WORDS:  # "efter" in "efteruddannelse"
                continue
            if (len(term) <= MAX_TERM and kind < found.get(term, PART + 1)
                    and _TERM.fullmatch(term)):
                found[term] = kind
    return tuple(found.items())


# --- keeping the index -------------------------------------------------------------------------


#: The insert in each driver's own parameter style (SQLite: qmark).
_INSERT = {
    "qmark": "INSERT INTO search_term (note_id, term, kind) VALUES (?, ?, ?)",
    "numeric": "INSERT INTO search_term (note_id, term, kind) VALUES (:1, :2, :3)",
    "format": "INSERT INTO search_term (note_id, term, kind) VALUES (%s, %s, %s)",
}


def _index_rows(connection: Connection, rows) -> int:
    """Insert the terms of (note_id, body) rows; returns how many terms were written."""
    values = [(note_id, term, kind) for note_id, body in rows for term, kind in _terms(body or "")]
    if not values:
        return 0
    if connection.dialect.name == "postgresql":
        # COPY: the demo's 20,000 notes have ~300,000 terms; INSERT would take seconds.
        # Terms are letters, digits, "." and "-" (danish.search_words): nothing to escape.
        data = "".join(f"{note_id}\t{term}\t{kind}\n" for note_id, term, kind in values)
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy("COPY search_term (note_id, term, kind) FROM STDIN") as copy:
            copy.write(data)
    else:
        # Straight to the driver: building a parameter dict per row costs more than the insert.
        connection.exec_driver_sql(_INSERT.get(connection.dialect.paramstyle, _INSERT["format"]),
                                   values)
    return len(values)


@event.listens_for(SubmissionNote, "after_insert")
def _note_inserted(mapper, connection, target):
    _index_rows(connection, [(target.id, target.body)])


@event.listens_for(SubmissionNote, "after_update")
def _note_updated(mapper, connection, target):
    if not inspect(target).attrs.body.history.has_changes():
        return  # the text is what the index was made from
    connection.execute(delete(terms_table).where(terms_table.c.note_id == target.id))
    _index_rows(connection, [(target.id, target.body)])


def index_submission(submission) -> None:
    """(Re)index the notes of one submission. Call after inserting its notes with Core.

    Notes added through the ORM are indexed by mapper events already; calling this again is
    harmless (it replaces their terms).
    """
    connection = db.session.connection()
    notes = select(SubmissionNote.id).where(SubmissionNote.submission_id == submission.id)
    connection.execute(delete(terms_table).where(terms_table.c.note_id.in_(notes)))
    _index_rows(connection, connection.execute(
        select(SubmissionNote.id, SubmissionNote.body)
        .where(SubmissionNote.submission_id == submission.id)).all())


def rebuild_index() -> int:
    """Rebuild the whole index from `submission_note`; returns how many notes it holds."""
    connection = db.session.connection()
    # Filling a table and then indexing it beats keeping the index up to date row by row
    # (seconds for the demo's 20,000 notes). Readers see the old index until the commit
    # (SQLite) or wait for it (PostgreSQL locks the table while its index is rebuilt).
    term_index = next(i for i in terms_table.indexes if i.name == "ix_search_term_term")
    term_index.drop(connection)
    connection.execute(delete(terms_table))
    result = connection.execute(select(SubmissionNote.id, SubmissionNote.body)
                                .order_by(SubmissionNote.id))
    count = 0
    while batch := result.fetchmany(BATCH):
        _index_rows(connection, batch)
        count += len(batch)
    term_index.create(connection)
    if connection.dialect.name == "postgresql":
        # Fresh statistics, or the planner takes the new table for empty (seconds per query).
        connection.exec_driver_sql("ANALYZE search_term")
    return count


# --- searching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryWord:
    """One required word of a query: as typed, the lemmas it also stands for, or a prefix."""

    text: str
    lemmas: frozenset[str] = frozenset()
    prefix: bool = False

    def rank(self):
        """SQL: how well a term row matches (0 as typed, 1 another form, 2 a compound part)."""
        if self.prefix:
            return terms_table.c.kind
        return case((and_(terms_table.c.term == self.text, terms_table.c.kind == FORM), 0),
                    (terms_table.c.kind <= LEMMA, 1), else_=2)

    def condition(self):
        if self.prefix:
            escaped = self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return terms_table.c.term.like(escaped + "%", escape="\\")
        return terms_table.c.term.in_(sorted(self.lemmas | {self.text}))

    def matches(self, names) -> bool:
        """Does a word of a note, given as the terms it is indexed under, match this one?"""
        if self.prefix:
            return any(n.startswith(self.text) for n in names)
        wanted = self.lemmas | {self.text}
        return any(n in wanted for n in names)


def _query_words(query: str) -> list[QueryWord]:
    found = danish.search_words(query)
    # An ordinal phrase stands for the words it was read from: "10. klasse" needs "10.klasse",
    # not 10 and klasse anywhere in the note. "børne- og ungepolitik" needs both policies.
    covered = {span for w in found if w.kind == "ordinal" for span in w.spans}
    chosen = []
    for word in found:
        if word.kind == "open" or (not word.implied and word.spans[0] in covered):
            continue
        end = word.spans[-1][1]
        if query[end:end + 1] == "*" and len(word.text) >= MIN_PREFIX:
            chosen.append(QueryWord(word.text, prefix=True))
            continue
        terms_of = danish.word_terms(word.text)
        chosen.append(QueryWord(word.text, frozenset(terms_of.lemmas)))
    meaningful = [w for w in chosen if w.prefix or w.text not in danish.STOP_WORDS]
    # A query of function words only still searches for them (and finds nothing), rather than
    # quietly showing every note.
    return list(dict.fromkeys(meaningful or chosen))[:MAX_QUERY_WORDS]


@dataclass
class Search:
    """A prepared query: `clause` filters SubmissionNote rows, `ranking` orders them."""

    query: str
    words: list[QueryWord] = field(default_factory=list)
    clause: object = None
    #: A subquery (note_id, rank): the matching notes, rank 0 best.
    ranking: object = None

    @property
    def active(self) -> bool:
        return self.clause is not None

    def highlight(self, body: str) -> Markup:
        """The note body, escaped, with the words that matched wrapped in <mark>."""
        return highlight(body, self.words)


def prepare(query: str | None) -> Search:
    """Turn what someone typed into a search: every word must match (see the module doc)."""
    query = (query or "").strip()
    wanted = _query_words(query)
    if not wanted:
        return Search(query=query)
    ranked = []
    for word in wanted:
        ranked.append(
            select(terms_table.c.note_id, func.min(word.rank()).label("rank"))
            .where(word.condition()).group_by(terms_table.c.note_id).subquery())
    first = ranked[0]
    stmt = select(first.c.note_id.label("note_id"),
                  sum((r.c.rank for r in ranked[1:]), first.c.rank).label("rank"))
    for other in ranked[1:]:
        stmt = stmt.join(other, other.c.note_id == first.c.note_id)
    ranking = stmt.subquery("search_ranking")
    clause = SubmissionNote.id.in_(select(ranking.c.note_id))
    return Search(query=query, words=wanted, clause=clause, ranking=ranking)


def _names(word: danish.Word) -> tuple[str, ...]:
    """The terms a word of a note is found by, as far as marking it goes."""
    if word.kind == "open":  # "børne-" stands for "barn"
        first = danish.modifier(word.text)
        return (word.text, first) if first else (word.text,)
    found = danish.word_terms(word.text)
    if word.kind == "coordinated":
        # "børnepolitikken" in "børne- og ungepolitikken" marks both pieces only as a whole;
        # a match on one part marks that piece alone (the open word or the written one).
        return (found.form, *found.lemmas)
    return (found.form, *found.lemmas, *found.parts)


def highlight(body: str, wanted) -> Markup:
    """Escape `body` and wrap each word that matches a query word in <mark>; safe to render.

    `wanted` is a Search's words (or plain strings, taken as words typed).
    """
    body = body or ""
    wanted = [w if isinstance(w, QueryWord) else QueryWord(w, frozenset(
        danish.word_terms(w).lemmas)) for w in wanted or ()]
    if not wanted:
        return escape(body)
    spans = []
    for word in danish.search_words(body):
        if any(w.matches(_names(word)) for w in wanted):
            # "10. klasse" is marked as one phrase, "børne- og ungepolitikken" in its two parts.
            spans.extend([(word.spans[0][0], word.spans[-1][1])] if word.kind == "ordinal"
                         else word.spans)
    out, last = [], 0
    for start, end in sorted(spans):
        if end <= last:
            continue
        start = max(start, last)
        out.append(escape(body[last:start]))
        out.append(Markup("<mark>") + escape(body[start:end]) + Markup("</mark>"))
        last = end
    out.append(escape(body[last:]))
    return Markup("").join(out)


__all__ = ["FORM", "LEMMA", "PART", "Search", "highlight", "index_submission", "prepare",
           "rebuild_index", "terms", "words"]
