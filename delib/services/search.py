"""Danish full-text search over submitted notes, with highlighted matches.

SQLite (the default) uses an FTS5 table, `submission_note_fts`, whose rowid is the
`submission_note.id` and whose text is the note body *already stemmed* with Snowball's Danish
stemmer: FTS5 has no Danish tokenizer, so we stem in Python on both sides (index and query).
PostgreSQL uses its own Danish text search (`to_tsvector('danish', body)`), with a GIN index.

Danish writes compounds as one word ("skolefravær" = skole + fravær), and stemming alone does not
split them. So a query word also matches (SQLite) indexed words that end in it ("fravær" finds
"skolefraværet") and its own tail when that tail is a word in the index ("skolefravær" finds
"fraværet"): the head of a Danish compound is its last part. PostgreSQL does the second only.

The index is kept in sync by mapper events on `SubmissionNote` (insert, update, delete), so
whoever creates submission rows through the ORM needs to do nothing. Code that bulk-inserts rows
with Core (the demo generator) calls `rebuild_index()`, and `ensure_index()` repairs an index
that has fallen behind (for instance a database created by migrations before the table existed).
"""

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import and_, column, delete, event, func, insert, or_, select, table
from sqlalchemy.engine import Connection

from delib.extensions import db
from delib.models import SubmissionNote

FTS_TABLE = "submission_note_fts"
FTS_VOCAB = "submission_note_fts_vocab"
#: remove_diacritics 0: "å", "æ" and "ø" are letters of their own in Danish, not accents.
FTS_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "stems, tokenize = 'unicode61 remove_diacritics 0')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_VOCAB} USING fts5vocab({FTS_TABLE}, 'row')",
)
#: Lightweight handles (not in the metadata: create_all must not make them on PostgreSQL).
fts = table(FTS_TABLE, column("rowid"), column("stems"))
fts_vocab = table(FTS_VOCAB, column("term"))
PG_INDEX_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_submission_note_body_danish ON submission_note "
    "USING gin (to_tsvector('danish', body))"
)
#: A compound's parts: the modifier has at least 3 letters and the head at least 4.
MIN_MODIFIER, MIN_HEAD = 3, 4
#: More query words than this are ignored: a search box is not a document.
MAX_QUERY_WORDS = 12

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_local = threading.local()


def _stemmer():
    # Snowball stemmer objects keep state between calls, so each thread gets its own.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("danish")
    return stemmer


def stem(word: str) -> str:
    """The Danish Snowball stem of one word, lower-cased."""
    return _stem_lower(word.lower())


@lru_cache(maxsize=200_000)
def _stem_lower(word: str) -> str:
    # The pure-Python stemmer is slow and a language has far fewer words than a corpus has
    # tokens: 20,000 notes hold ~200,000 words but only a few thousand different ones.
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """The words of a text (letters only), as written."""
    return _WORD.findall(text or "")


def stem_text(text: str) -> str:
    """A text as a space-separated string of stems: what the FTS5 index stores."""
    return " ".join(stem(w) for w in words(text))


# --- keeping the index -------------------------------------------------------------------------


def _is_sqlite(bind) -> bool:
    return bind.dialect.name == "sqlite"


def create_index(connection: Connection) -> None:
    """Create the FTS5 tables (SQLite) or the Danish GIN index (PostgreSQL) if missing."""
    if _is_sqlite(connection):
        for ddl in FTS_DDL:
            connection.exec_driver_sql(ddl)
        connection.info["delib_fts"] = True
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(PG_INDEX_DDL)


def _fts_ready(connection: Connection) -> bool:
    # Created once per DB connection; cheap afterwards. A database made by migrations gets the
    # table on first use instead of failing.
    if not connection.info.get("delib_fts"):
        create_index(connection)
    return True


@event.listens_for(db.metadata, "after_create")
def _after_create(target, connection, **kw):
    create_index(connection)


@event.listens_for(db.metadata, "before_drop")
def _before_drop(target, connection, **kw):
    if _is_sqlite(connection):
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_VOCAB}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        connection.info.pop("delib_fts", None)


def _index_rows(connection: Connection, rows) -> None:
    connection.execute(
        insert(fts), [{"rowid": note_id, "stems": stem_text(body)} for note_id, body in rows]
    )


@event.listens_for(SubmissionNote, "after_insert")
@event.listens_for(SubmissionNote, "after_update")
def _note_saved(mapper, connection, target):
    if _is_sqlite(connection) and _fts_ready(connection):
        connection.execute(delete(fts).where(fts.c.rowid == target.id))
        _index_rows(connection, [(target.id, target.body)])


@event.listens_for(SubmissionNote, "after_delete")
def _note_deleted(mapper, connection, target):
    if _is_sqlite(connection) and _fts_ready(connection):
        connection.execute(delete(fts).where(fts.c.rowid == target.id))


def index_submission(submission) -> None:
    """(Re)index the notes of one submission. Call after inserting its notes with Core.

    Notes added through the ORM are indexed by mapper events already; calling this again is
    harmless (it replaces the rows).
    """
    connection = db.session.connection()
    if not _is_sqlite(connection):
        return
    _fts_ready(connection)
    rows = db.session.execute(
        select(SubmissionNote.id, SubmissionNote.body).where(
            SubmissionNote.submission_id == submission.id)
    ).all()
    connection.execute(delete(fts).where(fts.c.rowid.in_(
        select(SubmissionNote.id).where(SubmissionNote.submission_id == submission.id))))
    if rows:
        _index_rows(connection, rows)


def rebuild_index() -> int:
    """Rebuild the whole FTS5 index from `submission_note`; returns how many notes it holds."""
    connection = db.session.connection()
    if not _is_sqlite(connection):
        # PostgreSQL's GIN index follows the table by itself: it already holds every note.
        return db.session.scalar(select(func.count(SubmissionNote.id)))
    _fts_ready(connection)
    connection.execute(delete(fts))
    result = db.session.execute(select(SubmissionNote.id, SubmissionNote.body)
                                .order_by(SubmissionNote.id))
    count = 0
    while batch := result.fetchmany(2000):
        _index_rows(connection, batch)
        count += len(batch)
    return count


def ensure_index() -> bool:
    """Rebuild the FTS5 index if it has fallen behind the notes; True if it had to.

    The caller commits when this returns True, so the repair is kept.
    """
    connection = db.session.connection()
    if not _is_sqlite(connection):
        return False
    _fts_ready(connection)
    indexed = connection.execute(select(func.count(), func.max(fts.c.rowid))).one()
    stored = db.session.execute(select(func.count(), func.max(SubmissionNote.id))).one()
    if tuple(indexed) == tuple(stored):
        return False
    rebuild_index()
    return True


# --- searching ---------------------------------------------------------------------------------


@dataclass
class Search:
    """A prepared query: `clause` filters SubmissionNote rows; `stems` drive highlighting."""

    query: str
    clause: object = None
    stems: set[str] = field(default_factory=set)

    @property
    def active(self) -> bool:
        return self.clause is not None

    def highlight(self, body: str) -> Markup:
        """The note body, escaped, with matching words wrapped in <mark>."""
        return highlight(body, self.stems)


def _heads(term: str) -> list[str]:
    """Possible compound heads of a stem: its tails of at least MIN_HEAD letters."""
    return [term[i:] for i in range(MIN_MODIFIER, len(term) - MIN_HEAD + 1)]


def _expand_sqlite(connection: Connection, terms: list[str]) -> list[set[str]]:
    """Per query stem, the indexed stems it stands for: itself, compounds ending in it, its head."""
    groups = []
    for term in terms:
        group = {term}
        heads = _heads(term)
        conditions = []
        if len(term) >= MIN_HEAD:
            # Compounds ending in the term: "fravær" → "skolefravær", "elevfravær".
            conditions.append(fts_vocab.c.term.like("%" + term)
                              & (func.length(fts_vocab.c.term) >= len(term) + MIN_MODIFIER))
        if heads:
            # The term's own head: "skolefravær" → "fravær", if that word is in the index.
            conditions.append(fts_vocab.c.term.in_(heads))
        if conditions:
            found = connection.execute(select(fts_vocab.c.term).where(or_(*conditions)))
            group.update(row[0] for row in found)
        groups.append(group)
    return groups


def _fts_phrase(group: set[str]) -> str:
    return "(" + " OR ".join('"' + t.replace('"', '""') + '"' for t in sorted(group)) + ")"


def prepare(query: str | None) -> Search:
    """Turn what someone typed into a search: all words must match (as stems or compounds)."""
    query = (query or "").strip()
    terms = list(dict.fromkeys(stem(w) for w in words(query)))[:MAX_QUERY_WORDS]
    if not terms:
        return Search(query=query)
    connection = db.session.connection()
    if _is_sqlite(connection):
        _fts_ready(connection)
        groups = _expand_sqlite(connection, terms)
        match = " AND ".join(_fts_phrase(g) for g in groups)
        matching = select(fts.c.rowid).where(fts.c.stems.op("MATCH")(match))
        clause = SubmissionNote.id.in_(matching)
    else:
        # PostgreSQL: per word, its stem or a possible head in the Danish tsvector, or the
        # stem inside a longer word (a compound: "fravær" in "elevfraværet"); all words needed.
        groups = [{t, *(h for h in _heads(t) if len(h) > MIN_HEAD)} for t in terms]
        vector = func.to_tsvector("danish", SubmissionNote.body)
        conditions = []
        for term, group in zip(terms, groups, strict=True):
            condition = vector.op("@@")(func.to_tsquery("danish", " | ".join(sorted(group))))
            if len(term) >= MIN_HEAD:
                condition = or_(condition, SubmissionNote.body.ilike(f"%{term}%"))
            conditions.append(condition)
        clause = and_(*conditions)
    return Search(query=query, clause=clause, stems=set().union(*groups))


def highlight(body: str, stems: set[str]) -> Markup:
    """Escape `body` and wrap each word whose stem is in `stems` in <mark>; safe to render."""
    if not stems:
        return escape(body)
    heads = tuple(t for t in stems if len(t) >= MIN_HEAD)
    out, last = [], 0
    for match in _WORD.finditer(body or ""):
        word_stem = stem(match.group())
        # A compound whose head matched counts too: "elevfraværet" for "fravær".
        if word_stem in stems or (len(word_stem) >= 2 * MIN_MODIFIER
                                  and word_stem.endswith(heads)):
            out.append(escape(body[last:match.start()]))
            out.append(Markup("<mark>") + escape(match.group()) + Markup("</mark>"))
            last = match.end()
    out.append(escape((body or "")[last:]))
    return Markup("").join(out)
