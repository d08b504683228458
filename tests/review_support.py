"""Shared set-up for the review, report and audit tests: a committee with notes from its breaks."""

from dataclasses import dataclass

from delib.extensions import db
from delib.models import Committee, Note, Participant, User
from delib.services import committees as committee_service
from delib.services import notes as note_service
from delib.services.notes import NoteInput

CHAIR_EMAIL = "formand@aarhus.dk"


@dataclass
class Scene:
    committee: Committee
    chair: User
    participant: Participant
    notes: dict[str, Note]

    def task(self, number):
        return next(t for t in self.committee.event.tasks if t.number == number)

    def message(self, number):
        return next(m for m in self.committee.event.messages if m.number == number)


def post(committee, slot, author, body, tasks, messages=(), theme_meeting=None, key=None):
    """Post a note as a participant would in a break."""
    event = committee.event
    note, _created = note_service.post_note(
        committee, slot, author,
        NoteInput(body=body, task_ids=[t.id for t in event.tasks if t.number in tasks],
                  message_ids=[m.id for m in event.messages if m.number in messages],
                  theme_meeting_id=theme_meeting.id if theme_meeting else None),
        key or note_service.new_client_key(), 4000,
    )
    db.session.commit()
    return note


def build_scene(make_user, make_committee) -> Scene:
    """Aarhus' committee: talk 2 and theme meetings 3 and 5 chosen, four notes in three breaks."""
    chair = make_user(email=CHAIR_EMAIL, name="Anne Formand")
    committee = make_committee(chair=chair)
    event = committee.event
    committee_service.choose(committee, event.talks[1].id,
                             [event.theme_meetings[2].id, event.theme_meetings[4].id])
    participant = Participant(committee=committee, display_name="Bo Deltager")
    db.session.add(participant)
    db.session.commit()
    lunch, talk_break, theme_break = event.slots
    notes = {
        "policy": post(committee, lunch, participant,
                       "Børne- og ungepolitikken skal give mening for lederne", [1], [1]),
        "dialogue": post(committee, lunch, participant,
                         "Vi skal tale mere med lederne om politikken", [1]),
        "school": post(committee, talk_break, participant,
                       "Rammerne for skolelederne er for snævre", [2], [3]),
        "absence": post(committee, theme_break, participant,
                        "Fravær skal opdages tidligt i indskolingen", [3, 4],
                        theme_meeting=event.theme_meetings[4]),
    }
    return Scene(committee, chair, participant, notes)
