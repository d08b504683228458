"""The break's notes feed: one object owns the protocol the page, the fallback poll and the
stream share (the stamp and cursor, the ETag for a viewer, the cards changed since a cursor,
the count, and the out-of-band fragment delib.js merges).

The poll is the busiest request of the summit and the stream renders for thousands of screens:
the feed reads plain values (services.notes' Core statements) and caches what it read, so one
request or one tick asks each question once.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, case, literal, select, union_all

from delib.extensions import db
from delib.models import Note, Participant, UserSession
from delib.services import notes as service
from delib.services.notes import NoteCard, NotesStamp


class Viewer(NamedTuple):
    """Who looks at the cards (own notes get edit links), without loading the account.

    kind is "participant", "user" or "screen" (the big screen: nobody's own cards).
    """

    kind: str
    id: int

    @property
    def key(self) -> str:
        """The viewer's part of the ETag ("p:12", "u:3", "screen")."""
        return {"participant": f"p:{self.id}", "user": f"u:{self.id}"}.get(self.kind, "screen")


#: The big screen's viewer: read-only, no card is its own.
SCREEN = Viewer("screen", 0)


def viewer_of(account) -> Viewer:
    """The Viewer for a signed-in account (Participant or User)."""
    return Viewer(account.kind, account.id)


class NotesFeed:
    """The notes feed of one committee's break."""

    def __init__(self, committee_id: int, slot_id: int, overlap: timedelta | None = None,
                 max_changes: int | None = None):
        config = current_app.config
        self.committee_id = committee_id
        self.slot_id = slot_id
        #: A cursor is read as "since then, minus this": a note saved in a transaction that began
        #: before another's commit still reaches everyone (PostgreSQL).
        self.overlap = (overlap if overlap is not None
                        else timedelta(seconds=config["NOTES_POLL_OVERLAP_SECONDS"]))
        #: Above this many changes a poll gets the whole list instead.
        self.max_changes = (max_changes if max_changes is not None
                            else config["NOTES_POLL_MAX_CHANGES"])
        self._stamp: NotesStamp | None = None

    # ------------------------------------------------------------------ where the feed stands

    def stamp(self) -> NotesStamp:
        """The committee's notes stamp (count and last change), read once per feed."""
        if self._stamp is None:
            self._stamp = service.notes_stamp(self.committee_id)
        return self._stamp

    def participant_stamp(self, participant_id: int, generation: int) -> NotesStamp | None:
        """The stamp if the participant's session (this generation) still stands in the
        committee, else None: the poll's "may they look, and anything new?" in one query."""
        stamp = service.participant_notes_stamp(self.committee_id, participant_id, generation)
        if stamp is not None:
            self._stamp = stamp
        return stamp

    def etag(self, viewer_key: str, locale) -> str:
        """The list's ETag for a viewer: the stamp, and who looks (own notes get edit links)."""
        return f"n{self.committee_id}-{self.stamp().etag}-s{self.slot_id}-{viewer_key}-{locale}"

    def cursor(self) -> int:
        """Where the feed stands, as the browser sends it back (`efter`, Last-Event-ID)."""
        return self.stamp().cursor

    # ------------------------------------------------------------------------ what the feed says

    def cards(self) -> list[NoteCard]:
        """The break's live cards, newest first (the page and the whole list)."""
        return service.note_cards(self.committee_id, self.slot_id)

    def count(self) -> int:
        """How many notes the break screen shows."""
        return service.count_live_notes(self.committee_id, self.slot_id)

    def changed_since(self, cursor: str | None, limit: int | None = -1) -> list[NoteCard] | None:
        """The cards changed since a browser's cursor, minus the overlap (live or not).

        None for a missing or implausible cursor, or when more than `limit` changed (default:
        max_changes; None: no limit). Cards may repeat what the browser has: it merges by id.
        """
        since = service.cursor_time(cursor)
        if since is None:
            return None
        return self.changed_at_or_after(since - self.overlap, limit)

    def changed_at_or_after(self, since: datetime, limit: int | None = -1) -> list[NoteCard] | None:
        """The cards changed at or after an instant (the stream's tick knows it exactly)."""
        if limit == -1:
            limit = self.max_changes
        # "No limit" for the stream: what changed within a tick, or since a reconnect.
        return service.note_cards_changed_since(self.committee_id, self.slot_id, since,
                                                limit if limit is not None else 1_000_000)

    # ------------------------------------------------------------------------------ the fragment

    def changes_html(self, changed: list[NoteCard], viewer: Viewer, etag: str,
                     count: int | None = None, **context) -> str:
        """The out-of-band fragment of changed cards, the count and the new cursor/ETag
        (notes/_changes.html): the same for a poll's answer and a pushed event.

        Rendered without Flask's context processors: Flask-Login's would load the signed-in
        account for every poll, and these cards only need `viewer`.
        """
        return current_app.jinja_env.get_template("notes/_changes.html").render(
            changed=changed, viewer=viewer, stamp=self.stamp(), etag=etag,
            count=self.count() if count is None else count, **context)


class Change(NamedTuple):
    """One row of the stream's tick: kind "n" (a note: a=committee, b=slot), "p" (a participant
    whose access changed: a=committee, b=generation or -1 if removed) or "s" (a staff session
    that ended: a=user)."""

    kind: str
    id: int
    a: int | None
    b: int | None
    at: datetime


def _changes_statement():
    since = bindparam("since")
    notes = (select(literal("n").label("kind"), Note.id.label("id"), Note.committee_id.label("a"),
                    Note.slot_id.label("b"), Note.updated_at.label("at"))
             .where(Note.updated_at >= since, Note.slot_id.is_not(None)))
    people = (select(literal("p"), Participant.id, Participant.committee_id,
                     case((Participant.removed_at.is_not(None), -1),
                          else_=Participant.session_generation),
                     Participant.access_changed_at)
              .where(Participant.access_changed_at >= since))
    ended = (select(literal("s"), UserSession.id, UserSession.user_id, literal(0),
                    UserSession.ended_at)
             .where(UserSession.ended_at >= since))
    return union_all(notes, people, ended)


# Built once (like services.notes' statements): every stream process runs it four times a second.
_CHANGES = _changes_statement()


def changes_since(since: datetime) -> list[Change]:
    """Everything the stream process must know since an instant, for all its subscribers, in
    one query over three indexes: notes changed, participants' access changed, staff sessions
    ended."""
    return [Change(*row) for row in db.session.connection().execute(_CHANGES, {"since": since})]
