"""The chair's review page: per task its summary, its notes grouped by break and talk, its
actions; per message likewise. The changes themselves live with their nouns (notes.curation,
summaries, actions, submissions)."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from delib.models import (
    Action,
    Committee,
    DiscussionSlot,
    Message,
    Note,
    Summary,
    Task,
    utcnow,
)
from delib.services.actions import list_actions
from delib.services.contribution import approved_notes
from delib.services.summaries import summaries_by_key


@dataclass
class NoteGroup:
    """Notes from one break about one talk/theme meeting (or none)."""

    slot: DiscussionSlot | None
    subject: str
    notes: list[Note] = field(default_factory=list)


@dataclass
class TaskSection:
    task: Task
    summary: Summary | None
    groups: list[NoteGroup]
    actions: list[Action]

    @property
    def note_count(self) -> int:
        return sum(len(g.notes) for g in self.groups)


@dataclass
class MessageSection:
    message: Message
    summary: Summary | None
    notes: list[Note]


def _subject(note: Note) -> str:
    if note.theme_meeting is not None:
        return _("Temamøde %(n)d: %(title)s", n=note.theme_meeting.number,
                 title=note.theme_meeting.title)
    if note.talk is not None:
        return _("Oplæg %(n)d: %(title)s", n=note.talk.number, title=note.talk.title)
    return ""


def group_notes(notes: list[Note]) -> list[NoteGroup]:
    """Group notes by break (in programme order), then by talk/theme meeting."""
    groups: dict[tuple, NoteGroup] = {}
    for note in notes:
        key = (note.slot.starts_at if note.slot else None, note.slot_id or 0,
               note.theme_meeting.number if note.theme_meeting else 0,
               note.talk_id or 0)
        if key not in groups:
            groups[key] = NoteGroup(note.slot, _subject(note))
        groups[key].notes.append(note)

    def order(key):
        starts_at = key[0]
        return (starts_at is None, starts_at or utcnow(), key[1], key[2], key[3])

    return [groups[k] for k in sorted(groups, key=order)]


def review_sections(committee: Committee) -> tuple[list[TaskSection], list[MessageSection]]:
    """The review screen: per task its summary, grouped notes and actions; per message likewise."""
    notes = approved_notes(committee)
    summaries = summaries_by_key(committee)
    actions = list_actions(committee)
    event = committee.event
    tasks = [
        TaskSection(
            task, summaries.get(f"task:{task.id}"),
            group_notes([n for n in notes if task in n.tasks]),
            [a for a in actions if a.task_id == task.id],
        )
        for task in event.tasks
    ]
    messages = [
        MessageSection(message, summaries.get(f"message:{message.id}"),
                       [n for n in notes if message in n.messages])
        for message in event.messages
    ]
    return tasks, messages
