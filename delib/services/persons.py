"""A person's data on request (GDPR articles 15 and 17): export everything, or delete the person.

Deleting keeps what the committee said: the person's notes stay as part of the contribution,
under an anonymous author, while their name, account and sign-in data go. Only admins call this.
"""

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from delib.extensions import db
from delib.models import (
    Action,
    AuditEntry,
    Committee,
    Note,
    NoteRevision,
    Participant,
    Submission,
    SubmissionNote,
    Summary,
    User,
)
from delib.services import DomainError, agreements, attendance
from delib.services.audit import record

#: The author name left on notes once their author's name is gone (deletion, retention).
ANONYMOUS = "Anonym deltager"


def find_person(participant_id: int | None = None, email: str | None = None):
    """The participant with this id or the staff user with this e-mail; DomainError if none."""
    if (participant_id is None) == (email is None):
        raise DomainError(_("Angiv enten en deltager eller en bruger."))
    if participant_id is not None:
        person = db.session.get(Participant, participant_id)
    else:
        person = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if person is None:
        raise DomainError(_("Personen findes ikke."))
    return person


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _note(note: Note) -> dict:
    return {
        "id": note.id,
        "committee": note.committee.name,
        "body": note.body,
        "tasks": [t.number for t in note.tasks],
        "messages": [m.number for m in note.messages],
        "created_at": _iso(note.created_at),
        "updated_at": _iso(note.updated_at),
        "deleted_at": _iso(note.deleted_at),
        "hidden_at": _iso(note.hidden_at),
        "revisions": [{"version": r.version, "body": r.body, "edited_by": r.edited_by_name,
                       "at": _iso(r.created_at)} for r in note.revisions],
    }


def _audit(actor_id: str) -> list[dict]:
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == actor_id).order_by(AuditEntry.id))
    return [{"at": _iso(e.created_at), "action": e.action, "target": e.target,
             "details": e.details} for e in entries]


def export_person(person) -> dict:
    """Everything stored about a participant or a staff user, as JSON-ready data."""
    if isinstance(person, Participant):
        notes = db.session.scalars(
            select(Note).where(Note.author_participant_id == person.id).order_by(Note.id))
        return {
            "kind": "participant",
            "id": person.id,
            "display_name": person.display_name,
            "joined_at": _iso(person.joined_at),
            "removed_at": _iso(person.removed_at),
            "committee": {"id": person.committee.id, "name": person.committee.name,
                          "municipality": person.committee.municipality.name},
            "notes": [_note(n) for n in notes],
            "agreement_answers": agreements.answers_of(person),
            "audit": _audit(person.get_id()),
        }
    notes = db.session.scalars(select(Note).where(Note.author_user_id == person.id)
                               .order_by(Note.id))
    submissions = db.session.scalars(select(Submission).where(Submission.submitted_by_id
                                                              == person.id))
    chaired = db.session.scalars(select(Committee).where(Committee.chairs.any(User.id
                                                                             == person.id)))
    return {
        "kind": "user",
        "id": person.id,
        "email": person.email,
        "name": person.name,
        "role": person.role,
        "municipality": person.municipality.name if person.municipality else None,
        "created_at": _iso(person.created_at),
        "active": person.active,
        # Whether a second factor is on; the secret itself is never handed out.
        "second_factor": bool(person.totp_secret),
        "committees_chaired": [{"id": c.id, "name": c.name} for c in chaired],
        "submissions": [{"committee": s.committee.name, "version": s.version,
                         "submitted_at": _iso(s.submitted_at)} for s in submissions],
        "notes": [_note(n) for n in notes],
        "audit": _audit(person.get_id()),
    }


def export_on_request(actor, person, kind: str) -> dict:
    """Everything stored about the person, for their right of access; the audit log keeps who
    took it out."""
    data = export_person(person)
    record(actor, "person.export", target=f"{kind}:{person.id}")
    return data


def delete_person(person, by=None) -> dict:
    """Anonymise the person's name wherever it is stored and remove the account."""
    actor_id, name = person.get_id(), person.display_name
    if isinstance(person, Participant):
        mine = Note.author_participant_id == person.id
        committees = [person.committee_id]
    else:
        if by is not None and getattr(by, "id", None) == person.id and by.kind == "user":
            raise DomainError(_("Du kan ikke slette din egen konto her."))
        mine = Note.author_user_id == person.id
        committees = list(db.session.scalars(
            select(Committee.id).where(or_(Committee.chairs.any(User.id == person.id),
                                           Committee.created_by_id == person.id))))
    note_ids = list(db.session.scalars(select(Note.id).where(mine)))
    counts = {"notes": len(note_ids)}
    sync = {"synchronize_session": False}
    db.session.execute(update(Note).where(Note.id.in_(note_ids)).values(
        author_name=ANONYMOUS, author_participant_id=None, author_user_id=None
    ).execution_options(**sync))
    # The name as editor: on the person's own notes, and (staff) wherever they reviewed.
    revision_scope = NoteRevision.note_id.in_(note_ids)
    if committees:
        revision_scope = or_(revision_scope, NoteRevision.note_id.in_(
            select(Note.id).where(Note.committee_id.in_(committees))))
    db.session.execute(update(NoteRevision).where(
        revision_scope, NoteRevision.edited_by_name == name).values(edited_by_name="")
        .execution_options(**sync))
    if committees:
        db.session.execute(update(Summary).where(
            Summary.committee_id.in_(committees), Summary.updated_by_name == name)
            .values(updated_by_name="").execution_options(**sync))
        db.session.execute(update(Action).where(
            Action.committee_id.in_(committees), Action.created_by_name == name)
            .values(created_by_name="").execution_options(**sync))
        submissions = select(Submission.id).where(Submission.committee_id.in_(committees))
        db.session.execute(update(SubmissionNote).where(
            SubmissionNote.submission_id.in_(submissions), SubmissionNote.author_name == name)
            .values(author_name="").execution_options(**sync))
    # Attendance lists (the committee's and the submitted copies) and agreement answers.
    counts["attendance_lines"] = attendance.forget_person(person, ANONYMOUS)
    if isinstance(person, Participant):
        counts["agreement_answers"] = agreements.forget_participant(person)
    if isinstance(person, User):
        db.session.execute(update(Submission).where(Submission.submitted_by_id == person.id)
                           .values(submitted_by_name="", submitted_by_id=None)
                           .execution_options(**sync))
    counts["audit_entries"] = db.session.execute(
        update(AuditEntry).where(AuditEntry.actor_id == actor_id)
        .values(actor_id="", actor_name="").execution_options(**sync)).rowcount
    db.session.delete(person)
    db.session.flush()
    db.session.expire_all()
    record(by, "person.delete", committee=committees[0] if len(committees) == 1 else None,
           target="participant" if actor_id.startswith("p:") else "user", **counts)
    db.session.flush()
    return counts


def may_handle(admin, person) -> bool:
    """KL admins handle anyone's request; a municipal admin only their municipality's people."""
    if admin is None or getattr(admin, "kind", None) != "user":
        return False
    if admin.role == "kl_admin":
        return True
    if admin.role != "municipal_admin":
        return False
    if isinstance(person, Participant):
        return person.committee.municipality_code == admin.municipality_code
    return (person.municipality_code == admin.municipality_code
            and person.role in ("chair", "municipal_admin"))


def summary(person) -> dict:
    """What an admin sees before exporting or deleting: who, where, how many notes."""
    if isinstance(person, Participant):
        notes = db.session.scalar(select(func.count(Note.id)).where(
            Note.author_participant_id == person.id))
        return {"kind": "deltager", "name": person.display_name,
                "where": f"{person.committee.name}, {person.committee.municipality.name}",
                "notes": notes}
    notes = db.session.scalar(select(func.count(Note.id)).where(Note.author_user_id == person.id))
    where = person.municipality.name if person.municipality else "KL"
    return {"kind": "bruger", "name": f"{person.name} <{person.email}>", "where": where,
            "notes": notes}
