"""The Danish search index of submitted notes: one row per note and search term."""

from sqlalchemy import ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from delib.extensions import db

#: How a term came from a note's word, best match first: the word as written ("børnene"), its
#: lemma ("barn") or a part of the compound it is ("ledelse" in "skoleledelsen").
FORM, LEMMA, PART = 0, 1, 2
#: Longer "words" are not words (a pasted link, a run of letters): they are not indexed.
MAX_TERM = 64


class SearchTerm(db.Model):
    """A term a submitted note is found by; computed in Python, the same on every engine."""

    __tablename__ = "search_term"
    __table_args__ = (
        # Every query looks terms up; text_pattern_ops lets PostgreSQL use the index for a
        # prefix (LIKE 'leder%') whatever the database's collation.
        Index("ix_search_term_term", "term", "note_id",
              postgresql_ops={"term": "text_pattern_ops"}),
        # The primary key is the table (SQLite): one b-tree fewer to write.
        {"sqlite_with_rowid": False},
    )
    note_id: Mapped[int] = mapped_column(
        ForeignKey("submission_note.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(String(MAX_TERM), primary_key=True)
    #: FORM, LEMMA or PART; a term a note has in several ways keeps the best.
    kind: Mapped[int] = mapped_column(SmallInteger)
