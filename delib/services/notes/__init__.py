"""Notes in the break: post (idempotent), list, change feed, edit with conflict check, delete."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from limits import parse_many
from sqlalchemy import bindparam, case, func, insert, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import TooManyRequests

from delib.extensions import db
from delib.models import (
    Committee,
    DiscussionSlot,
    Message,
    Note,
    NoteRevision,
    Participant,
    Task,
    ThemeMeeting,
    User,
    utcnow,
)
from delib.models.notes import note_messages, note_tasks
from delib.services import DomainError, NoteConflict, suggestions
from delib.services.committees import clean_text

_CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass
class NoteInput:
    body: str
    task_ids: list[int]
    message_ids: list[int]
    theme_meeting_id: int | None = None
    #: Of the ticked tasks/messages, those the writer ticked by accepting a suggestion.
    suggested_task_ids: list[int] = field(default_factory=list)
    suggested_message_ids: list[int] = field(default_factory=list)


def author_fields(author: Participant | User) -> dict:
    """The columns that record who wrote a note."""
    if isinstance(author, Participant):
        return {"author_participant": author, "author_name": author.display_name}
    return {"author_user": author, "author_name": author.name}


def _validated(committee: Committee, data: NoteInput, max_length: int,
               slot: DiscussionSlot | None = None, require_task: bool = True):
    """The note's text and mapping checked against the committee's event and choices.

    A new note may go without a task (the model then suggests some); a note that has tasks
    keeps at least one.
    """
    body = clean_text(data.body)
    if not body:
        raise DomainError(_("Noten er tom. Skriv noget, før du gemmer."), field="body")
    if len(body) > max_length:
        raise DomainError(
            _("Noten er for lang: %(length)d tegn, højst %(max)d. Del den op i flere noter.",
              length=len(body), max=max_length),
            field="body",
        )
    task_ids = list(dict.fromkeys(data.task_ids))
    if not task_ids and require_task:
        raise DomainError(
            _("Vælg mindst én af topmødeerklæringens fire opgaver, som noten handler om."),
            field="tasks",
        )
    tasks = list(db.session.scalars(
        select(Task).where(Task.id.in_(task_ids), Task.event_id == committee.event_id)
    )) if task_ids else []
    if len(tasks) != len(task_ids):
        raise DomainError(_("En valgt opgave findes ikke på dette topmøde."), field="tasks")
    message_ids = list(dict.fromkeys(data.message_ids))
    messages = []
    if message_ids:
        messages = list(db.session.scalars(
            select(Message).where(Message.id.in_(message_ids),
                                  Message.event_id == committee.event_id)
        ))
        if len(messages) != len(message_ids):
            raise DomainError(_("Et valgt budskab findes ikke på dette topmøde."), field="messages")
    theme_meeting_id = data.theme_meeting_id
    if theme_meeting_id is not None:
        if theme_meeting_id not in {m.id for m in committee.theme_meetings}:
            raise DomainError(
                _("Temamødet er ikke et af dem, udvalget har valgt."), field="theme_meeting"
            )
        if slot is not None and slot.focus != "theme_meetings":
            raise DomainError(
                _("Denne pause handler ikke om temamøderne. Fjern valget af temamøde."),
                field="theme_meeting",
            )
    return (body, sorted(tasks, key=lambda t: t.number),
            sorted(messages, key=lambda m: m.number), theme_meeting_id)


def _revision(note: Note, editor_name: str) -> NoteRevision:
    """A copy of the note as saved now, kept for good."""
    return NoteRevision(
        note=note, version=note.version, body=note.body,
        task_numbers=",".join(str(t.number) for t in note.tasks),
        message_numbers=",".join(str(m.number) for m in note.messages),
        edited_by_name=editor_name,
    )


def _provenance(data: NoteInput, writer_name: str):
    """The provenance columns of a new mapping: ticked by the writer, or accepted from a
    suggestion shown while typing (the form says which)."""
    suggested = {"task": set(data.suggested_task_ids),
                 "message": set(data.suggested_message_ids)}
    version = suggestions.model_version() if suggested["task"] or suggested["message"] else None

    def origin(kind: str, subject_id: int) -> dict:
        if subject_id in suggested[kind]:
            return {"source": "suggestion", "model_version": version,
                    "decided_by_name": writer_name}
        return {"source": "person", "model_version": None, "decided_by_name": None}

    return origin


def find_by_key(committee: Committee, client_key: str) -> Note | None:
    """The note a draft with this idempotency key already became, if any."""
    return db.session.scalar(
        select(Note).where(Note.committee_id == committee.id, Note.client_key == client_key)
    )


class NoteLimitReached(TooManyRequests):
    """The author saved as many notes as NOTES_RATE_LIMIT allows: the app's Danish 429.

    Not a DomainError: nothing is wrong with the note, so the form must not show it as a fault
    (the view's form handling does not catch it); the typed text stays in the form.
    """

    message = _l("Du har gemt mange noter på kort tid. Vent et øjeblik, og gem så igen. "
                 "Denne note er ikke gemt endnu.")


def _within_note_limit(author: Participant | User) -> bool:
    """Whether the author may save one more note now (NOTES_RATE_LIMIT, e.g. "30 per minute").

    Counted in the database inside the post's transaction, so the limit holds across workers and
    app servers, where a per-process counter let a writer store 63 notes in 20 seconds. Posts by
    one author queue on a lock of their account's row first (SQLite already holds its one write
    lock), so two posts at once cannot both see 29 and both save. The count reads the author's
    index (a person writes dozens of notes, not thousands). Off with RATELIMIT_ENABLED=False,
    like every other limit (tests, demo data).
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True) or author.id is None:
        return True
    limits = parse_many(current_app.config["NOTES_RATE_LIMIT"])
    if not limits:
        return True
    if isinstance(author, Participant):
        account, column = Participant, Note.author_participant_id
    else:
        account, column = User, Note.author_user_id
    # FOR NO KEY UPDATE on PostgreSQL: queues this author's posts without blocking the note
    # INSERT's own foreign-key check on the same row (SQLite ignores it).
    db.session.execute(select(account.id).where(account.id == author.id)
                       .with_for_update(key_share=True))
    now = utcnow()
    windows = [now - timedelta(seconds=item.get_expiry()) for item in limits]
    counts = db.session.execute(
        select(*[func.count(case((Note.created_at > since, 1))) for since in windows])
        .where(column == author.id, Note.created_at > min(windows))
    ).one()
    return all(saved < item.amount for saved, item in zip(counts, limits, strict=True))


def post_note(
    committee: Committee,
    slot: DiscussionSlot | None,
    author: Participant | User,
    data: NoteInput,
    client_key: str,
    max_length: int,
) -> tuple[Note, bool]:
    """Save a new note once; a resend with the same key returns the first note. (note, created)"""
    if not _CLIENT_KEY.match(client_key or ""):
        raise DomainError(_("Noten mangler sin nøgle. Genindlæs siden, og send igen."))
    existing = find_by_key(committee, client_key)
    if existing is not None:
        return existing, False
    if slot is not None and slot.event_id != committee.event_id:
        raise DomainError(_("Pausen hører ikke til dette topmøde."))
    if not _within_note_limit(author):
        # A resend whose first try was saved while this one queued for the lock is no new note.
        existing = find_by_key(committee, client_key)
        if existing is not None:
            return existing, False
        raise NoteLimitReached()
    # The model reads a note without a task before the first write (and SQLite's write lock).
    proposed = (None if data.task_ids
                else suggestions.propose(clean_text(data.body)[:max_length], committee.event))
    body, tasks, messages, theme_meeting_id = _validated(committee, data, max_length, slot,
                                                         require_task=False)
    now = utcnow()
    author_name = author_fields(author)["author_name"]
    is_participant = isinstance(author, Participant)
    # Plain INSERTs rather than the ORM's unit of work: this is the busiest write of the summit,
    # and the unit of work for a note with a dozen relationships cost more than all else.
    values = dict(
        committee_id=committee.id, slot_id=slot.id if slot is not None else None,
        talk_id=committee.talk_id if slot is not None and slot.focus == "talk" else None,
        theme_meeting_id=theme_meeting_id, client_key=client_key, body=body,
        author_participant_id=author.id if is_participant else None,
        author_user_id=None if is_participant else author.id, author_name=author_name,
        created_at=now, updated_at=now, version=1, hidden_reason="", key_point=False,
    )
    try:
        # A savepoint: if a parallel resend with the same key won the race, only this insert
        # is undone and we return the winner.
        with db.session.begin_nested():
            note_id = db.session.scalar(insert(Note).values(values).returning(Note.id))
            origin = _provenance(data, author_name)
            if tasks:
                db.session.execute(insert(note_tasks), [
                    {"note_id": note_id, "task_id": t.id, **origin("task", t.id)}
                    for t in tasks])
            if messages:
                db.session.execute(insert(note_messages), [
                    {"note_id": note_id, "message_id": m.id, **origin("message", m.id)}
                    for m in messages])
            if not tasks:
                # The model suggests for a note saved without a task: the writer (on the
                # card) or the chair (in review) accepts or rejects.
                suggestions.suggest_for_note(note_id, body, committee.event, found=proposed)
            db.session.execute(insert(NoteRevision).values(
                note_id=note_id, version=1, body=body, edited_by_name=author_name, created_at=now,
                task_numbers=",".join(str(t.number) for t in tasks),
                message_numbers=",".join(str(m.number) for m in messages)))
    except IntegrityError:
        existing = find_by_key(committee, client_key)
        if existing is None:
            raise
        return existing, False
    note = db.session.get(Note, note_id)
    # What was just written, so showing the note needs no further queries.
    set_committed_value(note, "tasks", tasks)
    set_committed_value(note, "messages", messages)
    return note, True


def update_note(
    note: Note, editor: Participant | User, data: NoteInput, based_on_version: int, max_length: int
) -> Note:
    """Save a new text/mapping for a note, refusing if someone saved it in the meantime."""
    if based_on_version != note.version:
        raise NoteConflict(
            _("Noten er blevet ændret af %(name)s, mens du redigerede. "
              "Se begge versioner nedenfor.",
              name=note.revisions[-1].edited_by_name if note.revisions else note.author_name),
            note,
        )
    body, tasks, messages, theme_meeting_id = _validated(note.committee, data, max_length,
                                                         note.slot, require_task=bool(note.tasks))
    unchanged = (
        body == note.body and tasks == list(note.tasks) and messages == list(note.messages)
        and theme_meeting_id == note.theme_meeting_id
    )
    if unchanged:
        return note
    new_text = body != note.body
    # One UPDATE, one version step: without this, loading the old task list while assigning
    # the new one autoflushes the body alone and the version jumps by two.
    with db.session.no_autoflush:
        note.body = body
        note.tasks = tasks
        note.messages = messages
        note.theme_meeting_id = theme_meeting_id
        note.updated_at = utcnow()
    db.session.flush()  # bumps note.version; a concurrent writer makes this raise StaleDataError
    db.session.add(_revision(note, getattr(editor, "display_name", "")))
    db.session.flush()
    if new_text:
        suggestions.refresh_after_edit(note)  # open suggestions follow the new text
    return note


def delete_note(note: Note) -> None:
    """Remove a note from the committee's lists; it stays in the database, restorable."""
    note.deleted_at = utcnow()
    note.updated_at = note.deleted_at
    db.session.flush()


@dataclass(frozen=True)
class NoteCard:
    """A note as the break screen shows it: plain values read in two queries, no ORM objects.

    The break screen's list and its polls are the busiest reads of the summit; loading ORM
    objects with their relationships costs more than the rendering. Same attribute names as
    Note (and Note.task_numbers etc.), so one template macro renders both.
    """

    id: int
    body: str
    created_at: datetime
    version: int
    author_name: str
    author_participant_id: int | None
    author_user_id: int | None
    client_key: str
    is_live: bool
    theme_meeting_number: int | None
    task_numbers: tuple[int, ...] = ()
    message_numbers: tuple[int, ...] = ()
    #: For a note without a task: the model's suggestions awaiting the writer's answer.
    open_suggestions: tuple = ()


# The break screen's queries, built once (see _STAMP below for why) and run as Core statements.
_LIVE = (Note.deleted_at.is_(None) & Note.hidden_at.is_(None) & Note.merged_into_id.is_(None))
_IN_BREAK = ((Note.committee_id == bindparam("committee_id"))
             & (Note.slot_id == bindparam("slot_id")))
_CARDS = (
    select(Note.id, Note.body, Note.created_at, Note.version, Note.author_name,
           Note.author_participant_id, Note.author_user_id, Note.client_key,
           _LIVE.label("is_live"), ThemeMeeting.number.label("theme_meeting_number"))
    .outerjoin(ThemeMeeting, ThemeMeeting.id == Note.theme_meeting_id)
    .order_by(Note.created_at.desc(), Note.id.desc())
)
_LIVE_CARDS = _CARDS.where(_IN_BREAK, _LIVE)
_CHANGED_CARDS = (_CARDS.where(_IN_BREAK, Note.updated_at >= bindparam("since"))
                  .limit(bindparam("limit")))
_TAGS = union_all(
    select(note_tasks.c.note_id, literal("t").label("kind"), Task.number)
    .join(Task, Task.id == note_tasks.c.task_id)
    .where(note_tasks.c.note_id.in_(bindparam("ids", expanding=True))),
    select(note_messages.c.note_id, literal("m").label("kind"), Message.number)
    .join(Message, Message.id == note_messages.c.message_id)
    .where(note_messages.c.note_id.in_(bindparam("ids", expanding=True))),
)
_LIVE_COUNT = select(func.count(Note.id)).where(_IN_BREAK, _LIVE)


def _cards(statement, **params) -> list[NoteCard]:
    """The cards a statement selects, with their task and message numbers (one more query)."""
    connection = db.session.connection()
    rows = connection.execute(statement, params).all()
    if not rows:
        return []
    numbers: dict[tuple[str, int], list[int]] = {}
    for note_id, kind, number in connection.execute(_TAGS, {"ids": [row.id for row in rows]}):
        numbers.setdefault((kind, note_id), []).append(number)
    # One more query only when a live card has no task (and may carry suggestions).
    offered = suggestions.card_suggestions(
        connection, [row.id for row in rows if row.is_live and ("t", row.id) not in numbers])
    return [NoteCard(**{**row._mapping, "is_live": bool(row.is_live)},
                     task_numbers=tuple(sorted(numbers.get(("t", row.id), ()))),
                     message_numbers=tuple(sorted(numbers.get(("m", row.id), ()))),
                     open_suggestions=offered.get(row.id, ()))
            for row in rows]


def note_cards(committee_id: int, slot_id: int) -> list[NoteCard]:
    """The break's live notes, newest first. Hidden, merged-away and deleted notes are out;
    a merged note stands in for its originals."""
    return _cards(_LIVE_CARDS, committee_id=committee_id, slot_id=slot_id)


def note_cards_changed_since(committee_id: int, slot_id: int, since: datetime,
                             limit: int) -> list[NoteCard] | None:
    """The break's notes changed at or after `since`, live or not (is_live says), newest first.

    None when more than `limit` changed: then the whole list is cheaper to send than the changes.
    """
    cards = _cards(_CHANGED_CARDS, committee_id=committee_id, slot_id=slot_id, since=since,
                   limit=limit + 1)
    return None if len(cards) > limit else cards


def count_live_notes(committee_id: int, slot_id: int) -> int:
    """How many notes the break screen shows for this slot."""
    return db.session.connection().execute(
        _LIVE_COUNT, {"committee_id": committee_id, "slot_id": slot_id}).scalar_one()


@dataclass(frozen=True)
class NotesStamp:
    """Where a committee's notes stand: how many rows, and the last change to any of them."""

    count: int
    latest: datetime | None

    @property
    def etag(self) -> str:
        """A fingerprint that changes whenever a note is added, edited, deleted, hidden..."""
        stamp = self.latest.strftime("%Y%m%d%H%M%S%f") if self.latest else "0"
        return f"{self.count}-{stamp}"

    @property
    def cursor(self) -> int:
        """The last change as microseconds since 1970 (UTC): what a poll asks "since when?"."""
        if self.latest is None:
            return 0
        return (self.latest - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1)


# Built once: the polls run these thousands of times a minute, and building a statement costs
# more than SQLite answering it. Run as Core statements on the session's connection.
_STAMP = (select(func.count(Note.id), func.max(Note.updated_at))
          .where(Note.committee_id == bindparam("committee_id")))
_PARTICIPANT_STAMP = _STAMP.add_columns(
    select(Participant.id)
    .where(Participant.id == bindparam("participant_id"),
           Participant.committee_id == bindparam("committee_id"),
           Participant.removed_at.is_(None),
           # The cookie's generation: a new join code ends the sessions from before it.
           Participant.session_generation == bindparam("generation"))
    .exists())


def notes_stamp(committee_id: int) -> NotesStamp:
    """The committee's notes stamp: one aggregate over an index, whatever the number of notes."""
    count, latest = db.session.connection().execute(
        _STAMP, {"committee_id": committee_id}).one()
    return NotesStamp(count, latest)


def participant_notes_stamp(committee_id: int, participant_id: int,
                            generation: int) -> NotesStamp | None:
    """The stamp, if the participant is an active member of the committee whose session (of
    this generation) still stands; else None.

    The break screen's unchanged poll is the busiest request of the summit: this answers both
    "may they look?" and "anything new?" in one query, without loading the participant.
    """
    count, latest, is_member = db.session.connection().execute(
        _PARTICIPANT_STAMP, {"committee_id": committee_id, "participant_id": participant_id,
                             "generation": generation}).one()
    return NotesStamp(count, latest) if is_member else None


def cursor_time(cursor: str | None) -> datetime | None:
    """The instant a poll's cursor names, or None for anything that is not a plausible cursor."""
    if not cursor or not cursor.isdigit() or len(cursor) > 17:
        return None
    return _EPOCH + timedelta(microseconds=int(cursor))


def new_client_key() -> str:
    """A fresh idempotency key for a note draft (the browser keeps it with the draft)."""
    return uuid.uuid4().hex
