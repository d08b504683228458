"""Who took part: proposed from the committee's chairs and participants, corrected by the chair
before approval, and copied into each submitted version at submission."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from delib.extensions import db
from delib.models import (
    ATTENDANCE_ROLE_LABELS,
    ATTENDANCE_ROLES,
    AttendanceEntry,
    Committee,
    Note,
    Participant,
    Submission,
    User,
)
from delib.services import DomainError
from delib.services.audit import record
from delib.services.contribution import ensure_open

#: The longest name the list takes (the column's width).
NAME_MAX = 120


@dataclass(frozen=True)
class Attendee:
    """One name on the attendance list; `role` is its Danish label ("Formand") or ""."""

    name: str
    role: str


@dataclass(frozen=True)
class Entry:
    """A line of the chair's attendance page: `key` addresses it in a correction."""

    key: str
    name: str
    role: str

    @property
    def role_label(self) -> str:
        return str(ATTENDANCE_ROLE_LABELS.get(self.role, ""))


def attendees(committee: Committee, submission: Submission | None = None) -> list[Attendee]:
    """The attendance list: as the chair corrected it (or as proposed), or as copied into
    `submission` (empty for a version submitted before lists were kept)."""
    if submission is not None:
        rows = db.session.scalars(
            select(AttendanceEntry).where(AttendanceEntry.submission_id == submission.id)
            .order_by(AttendanceEntry.position, AttendanceEntry.id))
        return [Attendee(row.name, row.role_label) for row in rows]
    return [Attendee(entry.name, entry.role_label) for entry in current_list(committee)]


def current_list(committee: Committee) -> list[Entry]:
    """The committee's list as it stands: the chair's corrected rows, else the proposal."""
    rows = _rows(committee)
    if rows:
        return [Entry(f"a:{row.id}", row.name, row.role) for row in rows if row.present]
    return _proposal(committee)


def not_on_list(committee: Committee) -> list[Entry]:
    """People who took part but are not on the corrected list (removed, or joined after the
    chair corrected it): the chair may add them back with one click."""
    rows = _rows(committee)
    if not rows:
        return []
    listed = {(row.participant_id, row.user_id) for row in rows if row.present}
    return [entry for entry in _proposal(committee) if _source(entry.key) not in listed]


def is_corrected(committee: Committee) -> bool:
    """True once the chair has changed the proposed list."""
    return bool(db.session.scalar(
        select(func.count(AttendanceEntry.id)).where(
            AttendanceEntry.committee_id == committee.id,
            AttendanceEntry.submission_id.is_(None))))


def add(committee: Committee, actor, name: str = "", role: str = "", key: str = "") -> None:
    """Put a name on the list: a typed name with a role, or a proposed person by `key`."""
    ensure_open(committee)
    role = _checked_role(role)
    _materialise(committee)
    if key:
        row = _find(committee, key)
        if row is None:
            row = _from_proposal(committee, key)
        row.present = True
        if role:
            row.role = role
        name = row.name
    else:
        name = " ".join((name or "").split())
        if not name:
            raise DomainError(_("Skriv navnet på den, der deltog."), field="name")
        if len(name) > NAME_MAX:
            raise DomainError(_("Navnet må højst være %(max)d tegn.", max=NAME_MAX),
                              field="name")
        db.session.add(AttendanceEntry(committee_id=committee.id, name=name, role=role,
                                       position=_next_position(committee)))
    db.session.flush()
    record(actor, "attendance.add", committee, name=name, role=_role_text(role))


def remove(committee: Committee, actor, key: str) -> None:
    """Take a name off the list (it stays offered to add back if it was proposed)."""
    ensure_open(committee)
    _materialise(committee)
    row = _find(committee, key)
    if row is None or not row.present:
        raise DomainError(_("Navnet står ikke på deltagerlisten."))
    if row.participant_id is None and row.user_id is None:
        db.session.delete(row)
    else:
        row.present = False
    db.session.flush()
    record(actor, "attendance.remove", committee, name=row.name)


def set_role(committee: Committee, actor, key: str, role: str) -> None:
    """Set the role of a name on the list ("" when unknown)."""
    ensure_open(committee)
    role = _checked_role(role)
    _materialise(committee)
    row = _find(committee, key)
    if row is None or not row.present:
        raise DomainError(_("Navnet står ikke på deltagerlisten."))
    row.role = role
    db.session.flush()
    record(actor, "attendance.role", committee, name=row.name, role=_role_text(role))


def copy_into(submission: Submission, committee: Committee) -> int:
    """Freeze the list into the submitted version; returns how many names it holds."""
    entries = current_list(committee)
    for position, entry in enumerate(entries):
        participant_id, user_id = _source(entry.key)
        db.session.add(AttendanceEntry(
            committee_id=committee.id, submission_id=submission.id, name=entry.name,
            role=entry.role, position=position, participant_id=participant_id,
            user_id=user_id))
    return len(entries)


def forget_person(person, anonymous: str) -> int:
    """A person's data deleted (services/persons.py): their name on every attendance list, the
    committee's and the submitted copies, becomes `anonymous`; returns how many lines."""
    column = (AttendanceEntry.participant_id if person.kind == "participant"
              else AttendanceEntry.user_id)
    return db.session.execute(
        update(AttendanceEntry).where(column == person.id)
        .values(name=anonymous, participant_id=None, user_id=None)
        .execution_options(synchronize_session=False)).rowcount


def role_choices() -> list[tuple[str, str]]:
    """The roles the chair can set, as (value, label); "" is "unknown"."""
    return [("", _("Ingen rolle"))] + [
        (role, str(ATTENDANCE_ROLE_LABELS[role])) for role in ATTENDANCE_ROLES]


# --- internals --------------------------------------------------------------------------------

def _rows(committee: Committee) -> list[AttendanceEntry]:
    return list(db.session.scalars(
        select(AttendanceEntry).where(AttendanceEntry.committee_id == committee.id,
                                      AttendanceEntry.submission_id.is_(None))
        .order_by(AttendanceEntry.position, AttendanceEntry.id)))


def _proposal(committee: Committee) -> list[Entry]:
    """The committee's chairs, staff who wrote notes, and its participants who joined (and are
    still in) or wrote a note: chairs as "Formand", participants as "Medlem"."""
    wrote = select(Note.id).where(Note.committee_id == committee.id, Note.deleted_at.is_(None))
    chair_ids = {user.id for user in committee.chairs}
    writers = db.session.scalars(select(User).where(
        User.id.in_(wrote.with_only_columns(Note.author_user_id).scalar_subquery()))
        .order_by(User.name))
    staff = list(committee.chairs) + [u for u in writers if u.id not in chair_ids]
    participants = db.session.scalars(select(Participant).where(
        Participant.committee_id == committee.id,
        or_(Participant.removed_at.is_(None), Participant.id.in_(
            wrote.with_only_columns(Note.author_participant_id).scalar_subquery()))
    ).order_by(Participant.joined_at, Participant.id))
    return ([Entry(f"u:{u.id}", u.name, "chair" if u.id in chair_ids else "") for u in staff]
            + [Entry(f"p:{p.id}", p.display_name, "member") for p in participants])


def _materialise(committee: Committee) -> None:
    """Store the proposal as the committee's own rows, so the chair's corrections stick."""
    if _rows(committee):
        return
    for position, entry in enumerate(_proposal(committee)):
        participant_id, user_id = _source(entry.key)
        db.session.add(AttendanceEntry(
            committee_id=committee.id, name=entry.name, role=entry.role, position=position,
            participant_id=participant_id, user_id=user_id))
    db.session.flush()


def _source(key: str) -> tuple[int | None, int | None]:
    """(participant_id, user_id) of a proposal's key."""
    kind, _sep, raw = key.partition(":")
    number = int(raw) if raw.isdigit() else None
    return (number if kind == "p" else None, number if kind == "u" else None)


def _find(committee: Committee, key: str) -> AttendanceEntry | None:
    kind, _sep, raw = (key or "").partition(":")
    if not raw.isdigit() or kind not in ("a", "p", "u"):
        return None
    column = {"a": AttendanceEntry.id, "p": AttendanceEntry.participant_id,
              "u": AttendanceEntry.user_id}[kind]
    return db.session.scalar(select(AttendanceEntry).where(
        AttendanceEntry.committee_id == committee.id, AttendanceEntry.submission_id.is_(None),
        column == int(raw)))


def _from_proposal(committee: Committee, key: str) -> AttendanceEntry:
    """A proposed person not yet on the stored list (joined after the correction)."""
    entry = next((e for e in _proposal(committee) if e.key == key), None)
    if entry is None:
        raise DomainError(_("Personen deltager ikke i udvalget."))
    participant_id, user_id = _source(key)
    row = AttendanceEntry(committee_id=committee.id, name=entry.name, role=entry.role,
                          participant_id=participant_id, user_id=user_id,
                          position=_next_position(committee))
    db.session.add(row)
    return row


def _next_position(committee: Committee) -> int:
    return (db.session.scalar(select(func.max(AttendanceEntry.position)).where(
        AttendanceEntry.committee_id == committee.id,
        AttendanceEntry.submission_id.is_(None))) or 0) + 1


def _role_text(role: str) -> str:
    # The audit log keeps the words the chair saw, not a code.
    return str(ATTENDANCE_ROLE_LABELS.get(role, "")) or _("Ingen rolle")


def _checked_role(role: str) -> str:
    role = role or ""
    if role and role not in ATTENDANCE_ROLES:
        raise DomainError(_("Vælg en af rollerne på listen."), field="role")
    return role
