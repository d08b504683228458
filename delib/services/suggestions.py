"""Suggested task and message mappings for notes, and the provenance of every mapping.

The model (services/language/classifier.py) only ever suggests: a person accepts or rejects each
suggestion, and a mapping made from an accepted suggestion says so (source 'suggestion', the
model's version and who accepted it) in note_task / note_message, and in the submitted copies.
A suggestion is stored once per (note, kind, number): a rejected one is never offered again.

Services never commit; every decision goes to the audit log.
"""

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    Committee,
    Event,
    Message,
    Note,
    NoteRevision,
    NoteSuggestion,
    Submission,
    SubmissionNote,
    Task,
    utcnow,
)
from delib.models.notes import note_messages, note_tasks
from delib.models.review import submission_note_messages, submission_note_tasks
from delib.services import DomainError, NoteConflict
from delib.services.audit import record

KINDS = ("task", "message")
#: The longest text the typing endpoint looks at (the note's own limit applies when saving).
MAX_TEXT = 4000
#: Fewer characters than this and there is nothing to suggest from yet.
MIN_TEXT = 12


def _classifier():
    # Imported on first use: the model's libraries take seconds to load, and most requests
    # (and every CLI command) never need them.
    from delib.services.language import classifier

    return classifier


def model_version() -> str:
    """The version of the model whose suggestions are stored now."""
    return _classifier().MODEL_VERSION


def _actor_name(actor) -> str:
    return getattr(actor, "display_name", "") or ""


# ---------------------------------------------------------------- suggesting


@dataclass(frozen=True)
class Offer:
    """A suggestion as the note form shows it while the note is typed (nothing is stored)."""

    kind: str
    number: int
    target_id: int  # the Task.id or Message.id: the value of the checkbox it ticks
    title: str
    score: float
    reason: tuple[str, ...]


def _subjects(event: Event) -> dict[tuple[str, int], Task | Message]:
    """The event's tasks and messages by (kind, number)."""
    return {**{("task", t.number): t for t in event.tasks},
            **{("message", m.number): m for m in event.messages}}


def offers_for_text(event: Event, text: str) -> list[Offer]:
    """What the model suggests for a text being typed, tasks first; [] when it abstains."""
    text = (text or "").strip()[:MAX_TEXT]
    if len(text) < MIN_TEXT:
        return []
    subjects = _subjects(event)
    offers = []
    for s in _classifier().suggest(text, event):
        subject = subjects.get((s.kind, s.number))
        if subject is not None:
            offers.append(Offer(s.kind, s.number, subject.id,
                                subject.short_title or subject.title, s.score, tuple(s.reason)))
    return sorted(offers, key=lambda o: (KINDS.index(o.kind), -o.score, o.number))


def _rows_for(note_id: int, event: Event, suggestions, seen: set) -> list[dict]:
    subjects = _subjects(event)
    version = model_version()
    now = utcnow()
    return [
        {"note_id": note_id, "kind": s.kind, "number": s.number, "score": float(s.score),
         "reason": "\n".join(s.reason), "model_version": version, "status": "open",
         "created_at": now}
        for s in suggestions
        if (s.kind, s.number) in subjects and (s.kind, s.number) not in seen
    ]


def propose(text: str, event: Event) -> list:
    """The model's suggestions for a text (classifier.Suggestion), without storing anything."""
    return _classifier().suggest(text, event) if text else []


def suggest_for_note(note_id: int, body: str, event: Event, found: list | None = None) -> int:
    """Store the model's open suggestions for a note just saved without a task; how many.

    `found`: the model's answer for `body`, if the caller asked it already (before taking
    SQLite's write lock).
    """
    rows = _rows_for(note_id, event, propose(body, event) if found is None else found, set())
    if rows:
        db.session.execute(insert(NoteSuggestion), rows)
    return len(rows)


def refresh_after_edit(note: Note) -> int:
    """After a note's text changed: its open suggestions follow the new text.

    Open suggestions the model no longer makes are dropped; new ones are added for a note
    without a task. Accepted and rejected ones stay as they are (a rejection holds).
    """
    if not note.is_live:
        return 0
    stored = list(db.session.scalars(
        select(NoteSuggestion).where(NoteSuggestion.note_id == note.id)))
    if note.tasks and not any(row.status == "open" for row in stored):
        return 0  # a mapped note with nothing pending: no need to ask the model
    found = propose(note.body, note.committee.event)
    keep = {(s.kind, s.number) for s in found}
    for row in stored:
        if row.status == "open" and (row.kind, row.number) not in keep:
            db.session.delete(row)
    if note.tasks:
        db.session.flush()
        return 0
    rows = _rows_for(note.id, note.committee.event, found,
                     {(r.kind, r.number) for r in stored})
    if rows:
        db.session.execute(insert(NoteSuggestion), rows)
    db.session.flush()
    return len(rows)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class CardSuggestion:
    """An open suggestion as a break-screen card shows it (same names as NoteSuggestion)."""

    id: int
    kind: str
    number: int
    score: float
    reason: str

    @property
    def reason_words(self) -> list[str]:
        return [w for w in self.reason.split("\n") if w]


# Built once, like the break screen's other statements (services/notes.py).
_CARD_SUGGESTIONS = (
    select(NoteSuggestion.id, NoteSuggestion.note_id, NoteSuggestion.kind,
           NoteSuggestion.number, NoteSuggestion.score, NoteSuggestion.reason)
    .where(NoteSuggestion.note_id.in_(bindparam("ids", expanding=True)),
           NoteSuggestion.status == "open")
    .order_by(NoteSuggestion.note_id, NoteSuggestion.kind.desc(), NoteSuggestion.score.desc())
)


def card_suggestions(connection, note_ids: list[int]) -> dict[int, tuple[CardSuggestion, ...]]:
    """Open suggestions of these notes for the break screen's cards; no query without ids."""
    if not note_ids:
        return {}
    found: dict[int, list[CardSuggestion]] = defaultdict(list)
    for row in connection.execute(_CARD_SUGGESTIONS, {"ids": note_ids}):
        found[row.note_id].append(CardSuggestion(row.id, row.kind, row.number, row.score,
                                                 row.reason))
    return {note_id: tuple(rows) for note_id, rows in found.items()}


def open_suggestions(note_ids: list[int]) -> dict[int, list[NoteSuggestion]]:
    """Open suggestions of these notes, per note, tasks first then by score (one query)."""
    if not note_ids:
        return {}
    found: dict[int, list[NoteSuggestion]] = defaultdict(list)
    for row in db.session.scalars(
            select(NoteSuggestion)
            .where(NoteSuggestion.note_id.in_(note_ids), NoteSuggestion.status == "open")
            .order_by(NoteSuggestion.note_id, NoteSuggestion.kind.desc(),
                      NoteSuggestion.score.desc(), NoteSuggestion.number)):
        found[row.note_id].append(row)
    return dict(found)


@dataclass(frozen=True)
class SuggestedMapping:
    """A mapping of a note that came from an accepted suggestion (for the review's marker)."""

    kind: str
    number: int
    model_version: str
    decided_by_name: str


def suggested_mappings(note_ids: list[int]) -> dict[int, list[SuggestedMapping]]:
    """Per note, its mappings that were accepted suggestions (two queries, any number of notes)."""
    if not note_ids:
        return {}
    found: dict[int, list[SuggestedMapping]] = defaultdict(list)
    for kind, table, subject, column in (
            ("task", note_tasks, Task, note_tasks.c.task_id),
            ("message", note_messages, Message, note_messages.c.message_id)):
        rows = db.session.execute(
            select(table.c.note_id, subject.number, table.c.model_version,
                   table.c.decided_by_name)
            .join(subject, subject.id == column)
            .where(table.c.note_id.in_(note_ids), table.c.source == "suggestion")
            .order_by(table.c.note_id, subject.number))
        for note_id, number, version, name in rows:
            found[note_id].append(SuggestedMapping(kind, number, version or "", name or ""))
    return dict(found)


@dataclass
class UnmappedNote:
    """A note in the review's "Noter uden opgave": the note and its open suggestions."""

    note: Note
    suggestions: list[NoteSuggestion]


def review_queue(committee: Committee) -> list[UnmappedNote]:
    """The committee's live notes without a task or with open suggestions, oldest first."""
    open_ids = select(NoteSuggestion.note_id).where(NoteSuggestion.status == "open")
    mapped = select(note_tasks.c.note_id).where(note_tasks.c.note_id == Note.id).exists()
    notes = list(db.session.scalars(
        select(Note)
        .where(Note.committee_id == committee.id, Note.deleted_at.is_(None),
               Note.hidden_at.is_(None), Note.merged_into_id.is_(None),
               (~mapped) | Note.id.in_(open_ids))
        .options(selectinload(Note.tasks), selectinload(Note.messages))
        .order_by(Note.created_at, Note.id)))
    found = open_suggestions([n.id for n in notes])
    return [UnmappedNote(n, found.get(n.id, [])) for n in notes]


# ---------------------------------------------------------------- deciding


def _ensure_open(committee: Committee) -> None:
    from delib.services.contribution import is_locked

    if is_locked(committee):
        raise DomainError(_("Bidraget er godkendt og indsendt. Genåbn det, før du ændrer noget."))


def _chosen(note: Note, suggestion_ids) -> list[NoteSuggestion]:
    """The note's open suggestions named by id ('all': every one); refused if one is not open."""
    if note.deleted_at is not None:
        raise DomainError(_("Noten findes ikke i dette udvalg."))
    if not note.is_live:
        raise DomainError(_("Noten er skjult eller lagt sammen med en anden og er ikke med."))
    rows = list(db.session.scalars(
        select(NoteSuggestion).where(NoteSuggestion.note_id == note.id,
                                     NoteSuggestion.status == "open")
        .order_by(NoteSuggestion.kind.desc(), NoteSuggestion.number)))
    if suggestion_ids == "all":
        chosen = rows
    else:
        wanted = set(suggestion_ids)
        chosen = [r for r in rows if r.id in wanted]
        if not wanted or len(chosen) != len(wanted):
            raise DomainError(_("Forslaget er allerede besvaret eller findes ikke længere. "
                                "Genindlæs siden."))
    if not chosen:
        raise DomainError(_("Noten har ingen forslag, der venter på svar."))
    return chosen


def _check_version(note: Note, based_on_version: int | None) -> None:

    if based_on_version is not None and based_on_version != note.version:
        raise NoteConflict(
            _("Noten er blevet ændret, mens du så på den. Se den igen, og svar på forslaget."),
            note)


def _accept_rows(committee: Committee, rows: list[NoteSuggestion], actor) -> int:
    """Map each suggestion's note to its task/message with provenance; a few statements in all.

    Each changed note gets one version step (the ORM's optimistic lock: a concurrent save makes
    the flush raise StaleDataError), a revision and an audit entry.
    """
    name = _actor_name(actor)
    now = utcnow()
    subjects = _subjects(committee.event)
    by_note: dict[int, list[NoteSuggestion]] = defaultdict(list)
    for row in rows:
        by_note[row.note_id].append(row)
    notes = {n.id: n for n in db.session.scalars(
        select(Note).where(Note.id.in_(list(by_note)))
        .options(selectinload(Note.tasks), selectinload(Note.messages)))}
    task_rows, message_rows, revisions = [], [], []
    changed = []
    for note_id, suggestions in by_note.items():
        note = notes[note_id]
        tasks = {t.number for t in note.tasks}
        messages = {m.number for m in note.messages}
        added = {"task": [], "message": []}
        for s in suggestions:
            subject = subjects.get((s.kind, s.number))
            have = tasks if s.kind == "task" else messages
            if subject is not None and s.number not in have:
                have.add(s.number)
                added[s.kind].append(s.number)
                values = {"source": "suggestion", "model_version": s.model_version,
                          "decided_by_name": name}
                if s.kind == "task":
                    task_rows.append({"note_id": note_id, "task_id": subject.id, **values})
                else:
                    message_rows.append({"note_id": note_id, "message_id": subject.id,
                                         **values})
            s.status, s.decided_by_name, s.decided_at = "accepted", name, now
        if added["task"] or added["message"]:
            note.updated_at = now
            changed.append((note, sorted(tasks), sorted(messages), added,
                            suggestions[0].model_version))
    db.session.flush()  # one version step per changed note, checked against the database
    if task_rows:
        db.session.execute(insert(note_tasks), task_rows)
    if message_rows:
        db.session.execute(insert(note_messages), message_rows)
    for note, tasks, messages, added, version in changed:
        db.session.expire(note, ["tasks", "messages"])
        revisions.append(NoteRevision(
            note_id=note.id, version=note.version, body=note.body,
            task_numbers=",".join(map(str, tasks)), message_numbers=",".join(map(str, messages)),
            edited_by_name=name))
        record(actor, "note.suggestion_accept", committee, target=f"note:{note.id}",
               tasks_added=added["task"], messages_added=added["message"],
               model_version=version)
    db.session.add_all(revisions)
    db.session.flush()
    return len(rows)


def accept(note: Note, suggestion_ids, actor, based_on_version: int | None = None) -> int:
    """Accept some (or 'all') of a note's open suggestions; how many were accepted."""
    committee = note.committee
    _ensure_open(committee)
    chosen = _chosen(note, suggestion_ids)
    _check_version(note, based_on_version)
    return _accept_rows(committee, chosen, actor)


def reject(note: Note, suggestion_ids, actor, based_on_version: int | None = None) -> int:
    """Reject some (or 'all') of a note's open suggestions: they are never offered again."""
    committee = note.committee
    _ensure_open(committee)
    chosen = _chosen(note, suggestion_ids)
    _check_version(note, based_on_version)
    name, now = _actor_name(actor), utcnow()
    for row in chosen:
        row.status, row.decided_by_name, row.decided_at = "rejected", name, now
    # The break screen's poll notices a change by the notes' updated_at: the card must lose
    # its suggestions there too. Not a new version of the note: its text and mapping stand.
    db.session.execute(update(Note).where(Note.id == note.id).values(updated_at=now)
                       .execution_options(synchronize_session=False))
    db.session.expire(note, ["updated_at"])
    db.session.flush()
    record(actor, "note.suggestion_reject", committee, target=f"note:{note.id}",
           rejected=[f"{r.kind}:{r.number}" for r in chosen], model_version=chosen[0].model_version)
    return len(chosen)


def pending_for_committee(committee: Committee) -> list[UnmappedNote]:
    """The notes with open suggestions, each with them: what "accept all" would map."""
    return [item for item in review_queue(committee) if item.suggestions]


def accept_all_for_committee(committee: Committee, actor,
                             suggestion_ids: list[int] | None = None) -> int:
    """Accept every open suggestion of the committee's live notes; how many were accepted.

    With `suggestion_ids` (what the confirmation page listed) only those, so nothing the chair
    did not see gets mapped; one that was decided in the meantime is skipped.
    """
    _ensure_open(committee)
    stmt = (
        select(NoteSuggestion).join(Note, Note.id == NoteSuggestion.note_id)
        .where(Note.committee_id == committee.id, Note.deleted_at.is_(None),
               Note.hidden_at.is_(None), Note.merged_into_id.is_(None),
               NoteSuggestion.status == "open")
        .order_by(NoteSuggestion.note_id, NoteSuggestion.id)
    )
    if suggestion_ids is not None:
        stmt = stmt.where(NoteSuggestion.id.in_(suggestion_ids or [-1]))
    rows = list(db.session.scalars(stmt))
    if not rows:
        raise DomainError(_("Der er ingen forslag, der venter på svar."))
    return _accept_rows(committee, rows, actor)


# ---------------------------------------------------------------- provenance


def copy_mappings(pairs: list[tuple[int, int]], show_names: bool) -> None:
    """Copy notes' task and message mappings, with their provenance, to their submitted copies.

    `pairs`: (note id, submission note id), after the submitted notes are flushed. One read and
    one INSERT per kind, whatever the number of notes. Who accepted a suggestion goes to KL
    only if the chair chose to show KL the authors (`show_names`).
    """
    if not pairs:
        return
    submitted = dict(pairs)
    for source, target, column in (
            (note_tasks, submission_note_tasks, "task_id"),
            (note_messages, submission_note_messages, "message_id")):
        rows = db.session.execute(
            select(source.c.note_id, source.c[column], source.c.source,
                   source.c.model_version, source.c.decided_by_name)
            .where(source.c.note_id.in_(list(submitted)))).all()
        if rows:
            db.session.execute(insert(target), [
                {"submission_note_id": submitted[note_id], column: subject_id,
                 "source": origin, "model_version": version,
                 "decided_by_name": name if show_names else None}
                for note_id, subject_id, origin, version, name in rows])


@dataclass(frozen=True)
class ProvenanceCounts:
    """How many submitted mappings people set, and how many were accepted suggestions."""

    person: int = 0
    suggestion: int = 0

    @property
    def total(self) -> int:
        return self.person + self.suggestion


def provenance_counts(event: Event, f=None) -> ProvenanceCounts:
    """Submitted task mappings by source, under KL's filters (latest versions only), in SQL."""
    from delib.services.kl import overview

    stmt = (
        select(submission_note_tasks.c.source, func.count())
        .select_from(submission_note_tasks)
        .join(SubmissionNote, SubmissionNote.id == submission_note_tasks.c.submission_note_id)
        .join(Submission, Submission.id == SubmissionNote.submission_id)
        .where(overview._latest(event.id))
        .group_by(submission_note_tasks.c.source)
    )
    if f is not None:
        if overview._needs_municipality(f):
            from delib.models import Municipality

            stmt = stmt.join(Municipality,
                             Municipality.code == SubmissionNote.municipality_code)
        stmt = overview._apply_note_filters(stmt, f)
    counts = {source: count for source, count in db.session.execute(stmt)}
    return ProvenanceCounts(person=counts.get("person", 0),
                            suggestion=counts.get("suggestion", 0))


#: Submitted notes looked up per query (KL's exports can hold tens of thousands).
_CHUNK = 500


@dataclass(frozen=True)
class Mapping:
    """A submitted note's task or message, and who set it."""

    kind: str
    number: int
    source: str
    model_version: str | None
    decided_by_name: str | None

    def describe(self, names: bool = True) -> str:
        """In words, for exports: "Opgave 2: foreslået (model), accepteret af Mette"."""
        label = (_("Opgave %(n)d", n=self.number) if self.kind == "task"
                 else _("Budskab %(n)d", n=self.number))
        if self.source != "suggestion":
            return _("%(label)s: sat af en person", label=label)
        if names and self.decided_by_name:
            return _("%(label)s: foreslået (%(model)s), accepteret af %(name)s", label=label,
                     model=self.model_version or "?", name=self.decided_by_name)
        return _("%(label)s: foreslået (%(model)s), accepteret", label=label,
                 model=self.model_version or "?")

    def as_json(self) -> dict:
        return {"kind": self.kind, "number": self.number, "source": self.source,
                "model_version": self.model_version, "accepted_by": self.decided_by_name}


def submitted_mappings(note_ids: list[int]) -> dict[int, list[Mapping]]:
    """Per submitted note id, its task and message mappings with provenance, tasks first.

    Two queries per 500 notes (never one per note).
    """
    found: dict[int, list[Mapping]] = defaultdict(list)
    for start in range(0, len(note_ids), _CHUNK):
        chunk = note_ids[start:start + _CHUNK]
        for kind, table, subject, column in (
                ("task", submission_note_tasks, Task, submission_note_tasks.c.task_id),
                ("message", submission_note_messages, Message,
                 submission_note_messages.c.message_id)):
            rows = db.session.execute(
                select(table.c.submission_note_id, subject.number, table.c.source,
                       table.c.model_version, table.c.decided_by_name)
                .join(subject, subject.id == column)
                .where(table.c.submission_note_id.in_(chunk))
                .order_by(table.c.submission_note_id, subject.number))
            for note_id, number, source, version, name in rows:
                found[note_id].append(Mapping(kind, number, source, version, name))
    return dict(found)
