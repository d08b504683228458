"""Committees: creation by a chair, join codes, joining, and the talk/theme-meeting choice."""

import secrets

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from delib.extensions import db
from delib.models import (
    Committee,
    Event,
    Municipality,
    Participant,
    Talk,
    ThemeMeeting,
    User,
    utcnow,
)
from delib.sanitize import one_line, plain_text
from delib.services import DomainError
from delib.services.sessions import end_committee_participants

# Crockford's base 32: no I, L, O or U, so whatever someone reads as O/0 or I/L/1 maps back to
# the one symbol the code really has (see normalise_join_code).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 10 symbols from 32: 50 bits, hopeless to guess behind a rate limit.
CODE_LENGTH = 10
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
NAME_MAX = 80
COMMITTEE_NAME_MAX = 150


def new_join_code() -> str:
    """A fresh random join code, without the display dashes."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_join_code(code: str) -> str:
    """A code as people read it: ABCD-EFGH-JK."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_join_code(typed: str) -> str:
    """What someone typed, as stored: upper case, dashes and spaces dropped, look-alikes mapped."""
    # isascii: a full-width or accented letter is never part of a code (and "ß".upper() is "SS").
    cleaned = "".join(ch for ch in (typed or "").upper() if ch.isascii() and ch.isalnum())
    return cleaned.translate(_LOOK_ALIKES)


def clean_text(value: str | None) -> str:
    """Trim and drop control characters (NUL, bidi overrides) that no person means to type."""
    # delib.sanitize is the one place that decides what is kept (emoji joiners stay).
    return plain_text(value).strip()


def create_committee(event: Event, municipality: Municipality, name: str, chair: User) -> Committee:
    """A chair creates their municipality's committee for an event and becomes its chair."""
    name = one_line(name)
    if not name:
        raise DomainError(_("Skriv udvalgets navn."), field="name")
    if len(name) > COMMITTEE_NAME_MAX:
        raise DomainError(
            _("Udvalgets navn må højst være %(n)d tegn.", n=COMMITTEE_NAME_MAX), field="name"
        )
    if chair.municipality_code != municipality.code:
        raise DomainError(
            _("Du kan kun oprette udvalg for din egen kommune."), field="municipality"
        )
    duplicate = db.session.scalar(
        select(Committee.id).where(
            Committee.event_id == event.id,
            Committee.municipality_code == municipality.code,
            Committee.name == name,
        )
    )
    if duplicate is not None:
        raise DomainError(
            _("%(municipality)s har allerede et udvalg med det navn til dette topmøde.",
              municipality=municipality.name),
            field="name",
        )
    committee = Committee(
        event=event, municipality=municipality, name=name, join_code=_unused_code(),
        created_by=chair,
    )
    committee.chairs.append(chair)
    db.session.add(committee)
    db.session.flush()
    return committee


def _unused_code() -> str:
    """A join code no committee has (a clash is astronomically rare, but cheap to rule out)."""
    while True:
        code = new_join_code()
        if db.session.scalar(select(Committee.id).where(Committee.join_code == code)) is None:
            return code


def rotate_join_code(committee: Committee) -> str:
    """Give the committee a new join code; the old one stops working at once, and so does every
    participant's session (they join again with the new code, as the same participant)."""
    committee.join_code = _unused_code()
    end_committee_participants(committee.id)
    db.session.flush()
    return committee.join_code


def find_by_code(typed: str) -> Committee | None:
    """The committee with this join code, or None."""
    code = normalise_join_code(typed)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Committee).where(Committee.join_code == code))


def join(typed_code: str, display_name: str, rejoining: int | None = None) -> Participant:
    """Join a committee with its code and a display name; no account, no password.

    `rejoining` is the participant this browser's session names, if any: joining the same
    committee again (even after a new code ended the session) continues as that participant
    instead of adding a second entry with the same name.
    """
    name = one_line(display_name)
    if not name:
        raise DomainError(_("Skriv det navn, de andre skal se dig som."), field="display_name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Navnet må højst være %(n)d tegn.", n=NAME_MAX), field="display_name")
    committee = find_by_code(typed_code)
    if committee is None:
        raise DomainError(
            _("Koden passer ikke til noget udvalg. Tjek den, og prøv igen."), field="code"
        )
    if rejoining is not None:
        known = db.session.get(Participant, rejoining)
        if known is not None and known.committee_id == committee.id and known.removed_at is None:
            if known.display_name != name:
                known.display_name = _distinct_name(committee, name, exclude=known.id)
            db.session.flush()
            return known
    participant = Participant(committee=committee,
                              display_name=_distinct_name(committee, name))
    db.session.add(participant)
    db.session.flush()
    return participant


def _distinct_name(committee: Committee, name: str, exclude: int | None = None) -> str:
    """The name, or "Mette (2)", "Mette (3)"... if someone in the committee already has it."""
    query = select(Participant.display_name).where(Participant.committee_id == committee.id)
    if exclude is not None:
        query = query.where(Participant.id != exclude)
    taken = {existing.casefold() for existing in db.session.scalars(query)}
    if name.casefold() not in taken:
        return name
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = name[:NAME_MAX - len(suffix)].rstrip() + suffix
        if candidate.casefold() not in taken:
            return candidate
        number += 1


def remove_participant(committee: Committee, participant: Participant) -> None:
    """A chair removes a participant; their notes stay, their access ends."""
    if participant.committee_id != committee.id:
        raise DomainError(_("Deltageren hører ikke til dette udvalg."))
    participant.removed_at = utcnow()
    # An open stream of theirs ends at the stream process's next tick (delib/stream.py).
    participant.access_changed_at = participant.removed_at
    db.session.flush()


def choose(committee: Committee, talk_id: int | None, theme_meeting_ids: list[int]) -> None:
    """Set the committee's talk and theme meetings; all or nothing, by the programme's rules."""
    event = committee.event
    talk = None
    if talk_id is not None:
        talk = db.session.get(Talk, talk_id)
        if talk is None or talk.event_id != event.id:
            raise DomainError(_("Det valgte politiske oplæg findes ikke på dette topmøde."),
                              field="talk")

    unique_ids = list(dict.fromkeys(theme_meeting_ids or []))
    if len(unique_ids) > event.max_theme_meetings:
        raise DomainError(
            ngettext("I kan højst vælge %(num)d temamøde. Fravælg et, og gem igen.",
                     "I kan højst vælge %(num)d temamøder. Fravælg et, og gem igen.",
                     event.max_theme_meetings),
            field="theme_meetings",
        )
    meetings = []
    if unique_ids:
        meetings = list(db.session.scalars(
            select(ThemeMeeting).where(ThemeMeeting.id.in_(unique_ids))
        ))
        if len(meetings) != len(unique_ids) or any(m.event_id != event.id for m in meetings):
            raise DomainError(_("Et af de valgte temamøder findes ikke på dette topmøde."),
                              field="theme_meetings")
    committee.talk = talk
    committee.theme_meetings = sorted(meetings, key=lambda m: m.number)
    db.session.flush()


def committees_for(user: User) -> list[Committee]:
    """The committees a chair runs (a municipal admin: all of the municipality's)."""
    query = select(Committee).order_by(Committee.created_at.desc())
    if user.role == "municipal_admin":
        query = query.where(Committee.municipality_code == user.municipality_code)
    else:
        query = query.where(Committee.chairs.any(User.id == user.id))
    return list(db.session.scalars(query))
