"""Remove personal data from a note for good: "Fjern personoplysninger".

Hiding or editing a note keeps its text (revisions, submitted versions, the audit log), which is
right for everything except personal data. A redaction replaces the passages the chair marks with
"[fjernet]" in every copy the database holds of the note's text: the note, its revisions, the
notes it was merged from or into and the group notes it was taken over from (the note's
"family"), the model's suggestion reasons, the submitted copies (and so KL's search index, which
follows them), and, within the committees of that family, summaries, actions, follow-ups, the
members' comments on the draft referat and the audit log's details. KL's overview, exports and
reports read these tables, so they follow.

What stays is that a redaction happened, by whom and when (a `Redaction` row and an audit entry,
never the removed text), and each submitted version that changed says so (`redacted_at`).
"""

import logging
import re
import sqlite3
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import event, or_, select

from delib.extensions import db
from delib.models import (
    Action,
    ActionFollowUp,
    AgreementAnswer,
    AgreementRound,
    AuditEntry,
    Committee,
    GroupNoteSource,
    Note,
    NoteRevision,
    NoteSuggestion,
    Redaction,
    Submission,
    SubmissionAction,
    SubmissionFollowUp,
    SubmissionNote,
    SubmissionSummary,
    Summary,
    utcnow,
)
from delib.services import DomainError
from delib.services.audit import record, scrub_details
from delib.services.contribution import committee_note
from delib.services.privacy import flag_personal_data

#: What a removed passage reads as, everywhere.
PLACEHOLDER = "[fjernet]"
#: Shorter passages would hit ordinary words ("i", "og"); "Bo" and "Ib" are names.
MIN_PASSAGE = 2
MAX_PASSAGE = 500
MAX_PASSAGES = 20

logger = logging.getLogger(__name__)


@dataclass
class Change:
    """One text that the redaction changes: where it is, and the text it gets."""

    label: str
    obj: object
    attribute: str
    new_value: object
    submission_id: int | None = None


@dataclass
class Plan:
    """What a redaction will do, shown on the confirmation page before it is done."""

    note: Note
    passages: list[str]
    changes: list[Change] = field(default_factory=list)
    #: Other notes of the committee with the same text; a redaction is per note, so the chair
    #: is told and can redact them too.
    other_notes: list[Note] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """Where text is removed, each place once, in the order found."""
        return list(dict.fromkeys(change.label for change in self.changes))

    @property
    def submission_ids(self) -> set[int]:
        return {c.submission_id for c in self.changes if c.submission_id is not None}


def clean_passages(passages) -> list[str]:
    """The passages as given, whitespace tidied, duplicates and empty ones left out."""
    seen: dict[str, str] = {}
    for passage in passages or []:
        text = " ".join(str(passage or "").split())
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


def pattern(passages: list[str]) -> re.Pattern:
    """A passage as a word, whatever the case and the spacing inside it.

    It does not match inside a longer word ("Bo" in "Bolig", "Jens" in "Jensen"), but it does
    before a genitive s ("Mettes mor"): that s stays and the name goes.
    """
    alternatives = []
    for passage in sorted(passages, key=len, reverse=True):
        body = r"\s+".join(re.escape(word) for word in passage.split())
        left = r"(?<!\w)" if passage[0].isalnum() else ""
        right = r"(?=s?(?!\w))" if passage[-1].isalnum() else ""
        alternatives.append(left + body + right)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def scrub(text: str, compiled: re.Pattern) -> str:
    """The text with every passage replaced by the placeholder."""
    return compiled.sub(PLACEHOLDER, text) if text else text


def suggested_passages(note: Note) -> list[str]:
    """What the personal-data guard finds in the note and its earlier texts: offered to tick."""
    texts = [note.body] + [revision.body for revision in note.revisions]
    return clean_passages(finding.text for text in texts for finding in flag_personal_data(text))


def _family_ids(note: Note) -> set[int]:
    """The note and every note that holds a copy of its text: merged from or into it, taken over
    from or into a group, and so on transitively (one query per step of the chain)."""
    ids, frontier = {note.id}, {note.id}
    while frontier:
        linked = set(db.session.scalars(select(Note.id).where(or_(
            Note.merged_into_id.in_(frontier),
            Note.id.in_(select(Note.merged_into_id).where(Note.id.in_(frontier))),
            Note.id.in_(select(GroupNoteSource.source_note_id)
                        .where(GroupNoteSource.note_id.in_(frontier))),
            Note.id.in_(select(GroupNoteSource.note_id)
                        .where(GroupNoteSource.source_note_id.in_(frontier))),
        ))))
        frontier = linked - ids
        ids |= linked
    return ids


def _validate(committee: Committee, note: Note, passages) -> list[str]:
    committee_note(committee, note)
    passages = clean_passages(passages)
    if not passages:
        raise DomainError(_("Skriv den tekst, der skal fjernes, eller vælg et af fundene."),
                          field="passage")
    if len(passages) > MAX_PASSAGES:
        raise DomainError(_("Vælg højst %(max)d tekster ad gangen.", max=MAX_PASSAGES),
                          field="passage")
    for passage in passages:
        if len(passage) < MIN_PASSAGE:
            raise DomainError(_("»%(text)s« er for kort til at fjerne: marker mindst %(min)d "
                                "tegn, fx hele navnet.", text=passage, min=MIN_PASSAGE),
                              field="passage")
        if len(passage) > MAX_PASSAGE:
            raise DomainError(_("Teksten er for lang: højst %(max)d tegn. Marker kun "
                                "personoplysningerne.", max=MAX_PASSAGE), field="passage")
        if pattern([passage]).search(PLACEHOLDER):
            raise DomainError(_("»%(text)s« er allerede fjernet.", text=passage),
                              field="passage")
    return passages


def plan_redaction(committee: Committee, note: Note, passages) -> Plan:
    """Everything a redaction of these passages from the note would change; nothing is changed.

    Refused in Danish: no passage, a passage the note (and its earlier texts) does not hold, a
    note of another committee.
    """
    passages = _validate(committee, note, passages)
    compiled = pattern(passages)
    family = _family_ids(note)
    # The note itself first: the confirmation page lists places in this order.
    notes = sorted(db.session.scalars(select(Note).where(Note.id.in_(family))),
                   key=lambda n: (n.id != note.id, n.created_at, n.id))
    revisions = list(db.session.scalars(
        select(NoteRevision).where(NoteRevision.note_id.in_(family))
        .order_by(NoteRevision.note_id, NoteRevision.version)))
    own_texts = [note.body] + [r.body for r in revisions if r.note_id == note.id]
    own_texts += [n.body for n in notes if n.id != note.id]
    for passage in passages:
        if not any(pattern([passage]).search(text or "") for text in own_texts):
            raise DomainError(_("»%(text)s« står ikke i noten eller i dens tidligere versioner. "
                                "Kopiér teksten, præcis som den står.", text=passage),
                              field="passage")
    plan = Plan(note=note, passages=passages)
    committees = {n.committee_id for n in notes} | {committee.id}

    def check(obj, attribute: str, label: str, submission_id: int | None = None) -> None:
        old = getattr(obj, attribute)
        new = scrub(old, compiled)
        if new != old:
            plan.changes.append(Change(label, obj, attribute, new, submission_id))

    for n in notes:
        label = (_("Noten") if n.id == note.id else
                 _("Note %(id)d (lagt sammen eller overtaget fra en gruppe)", id=n.id))
        check(n, "body", label)
        check(n, "hidden_reason", label)
    for r in revisions:
        check(r, "body", _("Historik: note %(id)d, version %(version)d", id=r.note_id,
                           version=r.version))
    for s in db.session.scalars(select(NoteSuggestion).where(NoteSuggestion.note_id.in_(family))):
        check(s, "reason", _("Forslag til opgave eller budskab"))
    for row, version in db.session.execute(
            select(SubmissionNote, Submission.version)
            .join(Submission, Submission.id == SubmissionNote.submission_id)
            .where(SubmissionNote.note_id.in_(family)).order_by(Submission.version)):
        check(row, "body", _("Indsendt version %(n)d: noten", n=version), row.submission_id)
    _committee_texts(committees, check)
    for entry in db.session.scalars(select(AuditEntry).where(
            AuditEntry.committee_id.in_(committees)).order_by(AuditEntry.id)):
        new = scrub_details(entry.details, lambda text: scrub(text, compiled))
        if new != entry.details:
            plan.changes.append(Change(_("Log over ændringer"), entry, "details", new))
    plan.other_notes = [n for n in db.session.scalars(
        select(Note).where(Note.committee_id == committee.id, Note.id.not_in(family),
                           Note.deleted_at.is_(None)).order_by(Note.created_at, Note.id))
        if compiled.search(n.body)]
    return plan


def _committee_texts(committees: set[int], check) -> None:
    """Summaries, actions, follow-ups and referat comments of these committees, drafts and
    submitted copies alike (a summary may quote the note)."""
    for s in db.session.scalars(select(Summary).where(Summary.committee_id.in_(committees))):
        check(s, "body", _("Resumé"))
    for a in db.session.scalars(select(Action).where(Action.committee_id.in_(committees))):
        check(a, "title", _("Handling"))
        check(a, "responsible", _("Handling"))
    for f in db.session.scalars(select(ActionFollowUp)
                                .where(ActionFollowUp.committee_id.in_(committees))):
        check(f, "comment", _("Opfølgning på sidste topmøde"))
    submitted = (select(Submission.id, Submission.version)
                 .where(Submission.committee_id.in_(committees)).subquery())
    for model, attributes, label in (
            (SubmissionSummary, ("body",), _("Indsendt version %(n)d: resumé")),
            (SubmissionAction, ("title", "responsible"), _("Indsendt version %(n)d: handling")),
            (SubmissionFollowUp, ("title", "responsible", "comment"),
             _("Indsendt version %(n)d: opfølgning"))):
        rows = db.session.execute(select(model, submitted.c.version)
                                  .join(submitted, submitted.c.id == model.submission_id)
                                  .order_by(submitted.c.version, model.id))
        for row, version in rows:
            for attribute in attributes:
                check(row, attribute, label % {"n": version}, row.submission_id)
    for answer in db.session.scalars(
            select(AgreementAnswer).join(AgreementRound)
            .where(AgreementRound.committee_id.in_(committees))):
        check(answer, "comment", _("Kommentar til udkastet til referat"))


def redact_note(committee: Committee, note: Note, actor, passages) -> Redaction:
    """Replace the passages by "[fjernet]" in every copy of the note's text (see the module);
    keep only that it happened, by whom and when."""
    plan = plan_redaction(committee, note, passages)
    now = utcnow()
    for change in plan.changes:
        setattr(change.obj, change.attribute, change.new_value)
        if isinstance(change.obj, Note):
            # The break screen's poll and the review see the change like any other.
            change.obj.updated_at = now
    versions = []
    if plan.submission_ids:
        for submission in db.session.scalars(select(Submission).where(
                Submission.id.in_(plan.submission_ids)).order_by(Submission.version)):
            submission.redacted_at = now
            versions.append(submission.version)
    redaction = Redaction(
        committee_id=committee.id, note_id=note.id,
        redacted_by_id=actor.id if getattr(actor, "kind", "") == "user" else None,
        redacted_by_name=getattr(actor, "display_name", "") or "", redacted_at=now,
        places=len(plan.changes))
    db.session.add(redaction)
    db.session.flush()
    record(actor, "note.redact", committee, target=f"note:{note.id}",
           places=len(plan.changes), versions=versions)
    _checkpoint_after_commit()
    return redaction


def redactions(committee: Committee) -> list[Redaction]:
    """The committee's redactions, newest first (who and when; never what)."""
    return list(db.session.scalars(
        select(Redaction).where(Redaction.committee_id == committee.id)
        .order_by(Redaction.redacted_at.desc(), Redaction.id.desc())))


def _checkpoint_after_commit() -> None:
    """Once the redaction is committed, copy SQLite's write-ahead log into the file and empty it.

    The log keeps whole earlier page images, removed text included, until it is overwritten;
    with secure_delete (delib/db.py) the file's own free space is zeroed already.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    event.listen(session, "after_commit", _truncate_wal, once=True)


def _truncate_wal(_session) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        # Waits for readers briefly; a busy log is emptied by the next checkpoint instead.
        cursor.execute("PRAGMA busy_timeout=2000")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
    except sqlite3.Error:
        # The redaction is committed already; the answer must not turn into an error page.
        logger.warning("WAL checkpoint after a redaction failed", exc_info=True)
    finally:
        raw.close()
