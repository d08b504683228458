"""Discussion groups beyond the committee: a group (the school leaders' network, a youth
council) has its own code, choices and notes; its chair sends the notes to the municipality's
committee, whose chair takes points over into the committee's contribution, source kept.

A group never submits to KL (access.py refuses the submission routes for a group); KL sees a
group's point only as a committee note taken over, marked by group_note_source."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from delib.extensions import db
from delib.models import (
    Committee,
    DiscussionSlot,
    GroupBreak,
    GroupNoteSource,
    Note,
    User,
    note_messages,
    note_tasks,
    utcnow,
)
from delib.services import DomainError, audit
from delib.services.committees import create_committee
from delib.services.contribution import approved_notes, ensure_open
from delib.services.programme import slot_state


@dataclass
class SentGroup:
    """A group that sent its notes to the committee, with which of them were taken over."""

    group: Committee
    notes: list[Note] = field(default_factory=list)
    taken_over: set[int] = field(default_factory=set)


def create_group(committee: Committee, name: str, actor: User) -> Committee:
    """A chair or municipal admin adds a discussion group under the municipality's committee."""
    if committee.is_group:
        raise DomainError(_("En gruppe kan ikke have sine egne grupper. Opret gruppen under "
                            "udvalget."), field="name")
    # The same rules as a committee's name (required, length, unique in the municipality);
    # the chair of the committee becomes the group's chair too.
    group = create_committee(committee.event, committee.municipality, name, actor)
    group.parent = committee
    audit.record(actor, "group.create", committee=committee, target=group.name)
    db.session.flush()
    return group


def send_to_committee(group: Committee, actor: User) -> int:
    """The group's chair sends its notes to the committee; returns how many were sent."""
    if not group.is_group:
        raise DomainError(_("Kun en gruppe kan sende sine noter til udvalget."))
    count = len(approved_notes(group))
    if count == 0:
        raise DomainError(_("Gruppen har ingen noter at sende endnu."))
    group.sent_to_parent_at = utcnow()
    audit.record(actor, "group.send", committee=group.parent_committee_id, target=group.name,
                 notes=count)
    db.session.flush()
    return count


def sent_groups(committee: Committee) -> list[SentGroup]:
    """The committee's groups that have sent their notes, each with its live notes."""
    groups = [g for g in committee.groups if g.sent_to_parent_at is not None]
    if not groups:
        return []
    by_id = {g.id: SentGroup(g) for g in groups}
    notes = db.session.scalars(
        select(Note)
        .where(Note.committee_id.in_(by_id), Note.deleted_at.is_(None),
               Note.hidden_at.is_(None), Note.merged_into_id.is_(None))
        .options(selectinload(Note.tasks), selectinload(Note.messages),
                 selectinload(Note.theme_meeting), selectinload(Note.talk))
        .order_by(Note.created_at, Note.id)
    )
    for note in notes:
        by_id[note.committee_id].notes.append(note)
    taken = db.session.execute(
        select(GroupNoteSource.group_id, GroupNoteSource.source_note_id)
        .join(Note, Note.id == GroupNoteSource.note_id)
        .where(GroupNoteSource.group_id.in_(by_id), Note.committee_id == committee.id,
               Note.deleted_at.is_(None))
    )
    for group_id, source_note_id in taken:
        by_id[group_id].taken_over.add(source_note_id)
    return list(by_id.values())


def group_note(committee: Committee, note_id: int) -> Note | None:
    """A live note of one of the committee's groups that has sent its notes; None otherwise."""
    return db.session.scalar(
        select(Note).join(Committee, Committee.id == Note.committee_id)
        .where(Note.id == note_id, Committee.parent_committee_id == committee.id,
               Committee.sent_to_parent_at.is_not(None), Note.deleted_at.is_(None),
               Note.hidden_at.is_(None), Note.merged_into_id.is_(None))
    )


def take_over(committee: Committee, source: Note, actor: User) -> Note:
    """The committee's chair takes a group's note into the committee's own notes: same text,
    break, tasks and messages, marked with the group it came from."""
    ensure_open(committee)
    group = source.committee
    if group.parent_committee_id != committee.id or group.sent_to_parent_at is None:
        raise DomainError(_("Noten kommer ikke fra en af udvalgets grupper."))
    already = db.session.scalar(
        select(GroupNoteSource.note_id).join(Note, Note.id == GroupNoteSource.note_id)
        .where(GroupNoteSource.source_note_id == source.id, Note.committee_id == committee.id,
               Note.deleted_at.is_(None))
    )
    if already is not None:
        raise DomainError(_("Noten er allerede overtaget fra %(group)s.", group=group.name))
    now = utcnow()
    note = Note(
        committee_id=committee.id, slot_id=source.slot_id, talk_id=source.talk_id,
        theme_meeting_id=source.theme_meeting_id,
        # Unique per committee: a double click finds the first copy instead of a second one.
        client_key=f"gruppe-{source.id}-{now.timestamp():.0f}", author_user_id=actor.id,
        author_name=group.name[:80], body=source.body, created_at=now, updated_at=now,
        version=1, hidden_reason="", key_point=source.key_point,
    )
    db.session.add(note)
    db.session.flush()
    # Same tasks and messages as in the group, who set them (person or suggestion) kept.
    mapped = {"source": "person", "model_version": None, "decided_by_name": actor.name}
    task_ids = [t.id for t in source.tasks]
    message_ids = [m.id for m in source.messages]
    if task_ids:
        db.session.execute(note_tasks.insert(),
                           [{"note_id": note.id, "task_id": t, **mapped} for t in task_ids])
    if message_ids:
        db.session.execute(note_messages.insert(),
                           [{"note_id": note.id, "message_id": m, **mapped}
                            for m in message_ids])
    db.session.add(GroupNoteSource(note_id=note.id, source_note_id=source.id,
                                   group_id=group.id, group_name=group.name,
                                   taken_over_by_name=actor.name, taken_over_at=now))
    audit.record(actor, "group.take_over", committee=committee, target=str(note.id),
                 group=group.name)
    db.session.flush()
    db.session.expire(note, ["tasks", "messages"])
    return note


def group_sources(note_ids: list[int]) -> dict[int, str]:
    """For notes (or submitted notes' note_ids): the group each was taken over from."""
    if not note_ids:
        return {}
    return dict(db.session.execute(
        select(GroupNoteSource.note_id, GroupNoteSource.group_name)
        .where(GroupNoteSource.note_id.in_(note_ids))
    ).all())


def set_own_break(group: Committee, slot: DiscussionSlot, day: date | None,
                  starts: time | None, ends: time | None, actor: User) -> GroupBreak:
    """The group's chair picks the group's own time for one of the event's breaks."""
    if not group.is_group:
        raise DomainError(_("Kun en gruppe kan vælge sin egen tid til en drøftelse."))
    if slot.event_id != group.event_id:
        raise DomainError(_("Pausen hører ikke til dette topmøde."))
    if day is None:
        raise DomainError(_("Vælg dagen for gruppens drøftelse."), field="day")
    if starts is None or ends is None:
        raise DomainError(_("Skriv hvornår drøftelsen begynder og slutter, fx 14:00 og 15:00."),
                          field="starts")
    if ends <= starts:
        raise DomainError(_("Drøftelsen skal slutte efter den begynder."), field="ends")
    own = group.own_break_by_slot.get(slot.id)
    if own is None:
        own = GroupBreak(slot_id=slot.id)
        group.own_breaks.append(own)
    own.starts_at = datetime.combine(day, starts)
    own.ends_at = datetime.combine(day, ends)
    audit.record(actor, "group.break", committee=group, target=slot.title,
                 starts=own.starts_at.isoformat(" ", "minutes"),
                 ends=own.ends_at.isoformat(" ", "minutes"))
    db.session.flush()
    return own


def clear_own_break(group: Committee, slot: DiscussionSlot, actor: User) -> None:
    """Back to the event's time for this break."""
    own = group.own_break_by_slot.get(slot.id)
    if own is not None:
        group.own_breaks.remove(own)
        audit.record(actor, "group.break_clear", committee=group, target=slot.title)
        db.session.flush()


def break_state(committee: Committee, slot: DiscussionSlot, now: datetime) -> dict:
    """slot_state for this committee: a group's own time for the break if it chose one."""
    own = committee.own_break_by_slot.get(slot.id) if committee.is_group else None
    if own is None:
        return slot_state(committee.event, slot, now)
    tz = committee.event.tz
    # Not shifted by a rehearsal: the group chose a real date.
    start, end = own.starts_at.replace(tzinfo=tz), own.ends_at.replace(tzinfo=tz)
    times = {"starts": start, "ends": end,
             "other_day": start.date() != now.astimezone(tz).date()}
    if now < start:
        return {"state": "upcoming", "seconds": int((start - now).total_seconds()), **times}
    if now < end:
        return {"state": "open", "seconds": int((end - now).total_seconds()), **times}
    return {"state": "over", "seconds": 0, **times}


def pick_break(committee: Committee, now: datetime) -> DiscussionSlot | None:
    """pick_slot for this committee: the break open now (by the group's own times), else the
    next to come, else the last one."""
    slots = committee.event.slots
    if not slots:
        return None
    states = [(break_state(committee, slot, now), slot) for slot in slots]
    open_now = [slot for state, slot in states if state["state"] == "open"]
    if open_now:
        return open_now[0]
    upcoming = sorted(((state["starts"], slot.id, slot) for state, slot in states
                       if state["state"] == "upcoming"), key=lambda t: t[:2])
    return upcoming[0][2] if upcoming else slots[-1]
