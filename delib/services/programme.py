"""Programme files: parse, validate and import an event with its programme, talks and tasks."""

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import (
    Committee,
    DiscussionSlot,
    Event,
    Message,
    ProgrammeItem,
    Talk,
    Task,
    ThemeMeeting,
)
from delib.services import DomainError, audit

ITEM_KINDS = ("plenary", "keynote", "break", "discussion", "talks", "theme_meetings")
SLOT_FOCUSES = ("general", "talk", "theme_meetings")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_HHMM = re.compile(r"^([01]\d|2[0-3])[:.]([0-5]\d)$")


class ProgrammeError(DomainError):
    """A programme file that cannot be imported; the message names the line or field."""


@dataclass
class _Reader:
    """Reads typed fields from a TOML table and names the exact field in every error."""

    data: dict
    path: str

    def where(self, key: str) -> str:
        """The field's path as a person finds it in the file: talks[2].title."""
        return f"{self.path}.{key}" if self.path else key

    def _fail(self, key: str, problem: str):
        field = self.where(key)
        raise ProgrammeError(
            _("Fejl i programfilen ved feltet %(field)s: %(problem)s",
              field=field, problem=problem),
            field=field,
        )

    def only(self, *allowed: str) -> "_Reader":
        """Refuse fields this table does not know: a typo must not be silently ignored."""
        for key in self.data:
            if key not in allowed:
                self._fail(key, _("ukendt felt (tilladte felter: %(allowed)s)",
                                  allowed=", ".join(allowed)))
        return self

    def text(self, key: str, required: bool = True, max_len: int = 300) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self._fail(key, _("feltet mangler"))
            return ""
        if not isinstance(value, str):
            self._fail(key, _("skal være en tekst"))
        value = value.strip()
        if required and not value:
            self._fail(key, _("må ikke være tomt"))
        if len(value) > max_len:
            self._fail(key, _("er længere end %(n)d tegn", n=max_len))
        return value

    def integer(self, key: str, required: bool = True, default: int = 0, minimum: int = 0) -> int:
        value = self.data.get(key)
        if value is None:
            if required:
                self._fail(key, _("feltet mangler"))
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self._fail(key, _("skal være et helt tal på mindst %(n)d", n=minimum))
        return value

    def day(self, key: str) -> date:
        value = self.data.get(key)
        if value is None:
            self._fail(key, _("feltet mangler"))
        if isinstance(value, datetime) or not isinstance(value, date):
            self._fail(key, _("skal være en dato som 2021-01-28"))
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self._fail(key, _("skal være true eller false"))
        return value

    def clock(self, key: str, required: bool = True) -> time | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._fail(key, _("feltet mangler"))
            return None
        match = _HHMM.match(value) if isinstance(value, str) else None
        if not match:
            self._fail(key, _("skal være et klokkeslæt som \"09:30\""))
        return time(int(match.group(1)), int(match.group(2)))

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        value = self.data.get(key, default)
        if value not in options:
            self._fail(key, _("skal være en af: %(options)s", options=", ".join(options)))
        return value

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._fail(key, _("skal være en liste af tekster"))
        return [v.strip() for v in value]

    def tables(self, key: str, required: bool = True) -> list["_Reader"]:
        value = self.data.get(key)
        if value is None:
            if required:
                self._fail(key, _("mangler (mindst én [[%(key)s]])", key=key))
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self._fail(key, _("skal være en liste af tabeller [[%(key)s]]", key=key))
        prefix = f"{self.path}." if self.path else ""
        return [_Reader(v, f"{prefix}{key}[{i + 1}]") for i, v in enumerate(value)]

    def table(self, key: str) -> "_Reader":
        value = self.data.get(key)
        if not isinstance(value, dict):
            self._fail(key, _("mangler tabellen [%(key)s]", key=key))
        return _Reader(value, key)


def parse_programme(text: str, tasks_required: bool = True) -> dict:
    """Validate a programme file's text into plain data; raise ProgrammeError naming the place.

    `tasks_required=False` for the next event's file, whose tasks come from the previous event.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(text, exc) from exc
    except UnicodeError as exc:  # pragma: no cover - str input is already decoded
        raise ProgrammeError(_("Programfilen kan ikke læses som UTF-8.")) from exc
    root = _Reader(raw, "").only(
        "event", "days", "items", "breaks", "talks", "theme_meetings", "tasks", "messages"
    )
    ev = root.table("event").only(
        "slug", "title", "theme", "venue", "description", "timezone", "max_talks",
        "max_theme_meetings", "preliminary",
    )
    slug = ev.text("slug", max_len=64)
    if not _SLUG.match(slug):
        ev._fail("slug", _("må kun indeholde små bogstaver a-z, tal og bindestreg"))
    tz_name = ev.text("timezone", required=False) or "Europe/Copenhagen"
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        ev._fail("timezone", _("ukendt tidszone"))
    day_readers = root.tables("days")
    days = [d.only("date").day("date") for d in day_readers]
    for reader, day in zip(day_readers, days, strict=True):
        if days.count(day) > 1:
            reader._fail("date", _("samme dato står to gange i [[days]]"))
    days.sort()

    def at(reader: _Reader, key: str, required: bool = True) -> datetime | None:
        day_number = reader.integer("day", required=False, default=1, minimum=1)
        if day_number > len(days):
            reader._fail("day", ngettext("der er kun %(num)d dag i [[days]]",
                                         "der er kun %(num)d dage i [[days]]", len(days)))
        clock = reader.clock(key, required)
        return datetime.combine(days[day_number - 1], clock) if clock else None

    def span(reader: _Reader, end_required: bool):
        start = at(reader, "start")
        end = at(reader, "end", required=end_required)
        if end is not None and end <= start:
            reader._fail("end", _("skal ligge efter start"))
        return start, end

    theme_meetings = []
    for r in root.tables("theme_meetings", required=False):
        r.only("number", "title", "description", "questions")
        theme_meetings.append(dict(
            number=r.integer("number", minimum=1), title=r.text("title"),
            description=r.text("description", required=False, max_len=5000),
            questions=r.strings("questions"),
        ))
    _unique_numbers(root, "theme_meetings", theme_meetings)
    meeting_numbers = {m["number"] for m in theme_meetings}

    talks = []
    for r in root.tables("talks", required=False):
        r.only("number", "title", "description", "questions", "suggested_theme_meeting")
        suggested = r.integer("suggested_theme_meeting", required=False, default=0, minimum=1)
        if suggested and suggested not in meeting_numbers:
            r._fail("suggested_theme_meeting",
                    _("temamøde %(n)d findes ikke i filen", n=suggested))
        talks.append(dict(
            number=r.integer("number", minimum=1), title=r.text("title"),
            description=r.text("description", required=False, max_len=5000),
            questions=r.strings("questions"), suggested_theme_meeting=suggested or None,
        ))
    _unique_numbers(root, "talks", talks)

    items = []
    for r in root.tables("items"):
        r.only("day", "start", "end", "title", "kind", "description", "speakers")
        start, end = span(r, end_required=False)
        items.append(dict(
            starts_at=start, ends_at=end, title=r.text("title"),
            kind=r.choice("kind", ITEM_KINDS, "plenary"),
            description=r.text("description", required=False, max_len=5000),
            speakers=r.text("speakers", required=False, max_len=1000),
        ))

    slots = []
    for r in root.tables("breaks"):
        r.only("day", "start", "end", "key", "title", "focus", "questions")
        start, end = span(r, end_required=True)
        key = r.text("key", max_len=64)
        if not _SLUG.match(key):
            r._fail("key", _("må kun indeholde små bogstaver a-z, tal og bindestreg"))
        focus = r.choice("focus", SLOT_FOCUSES, "general")
        if focus == "talk" and not talks:
            r._fail("focus",
                    _("pausen handler om et politisk oplæg, men filen har ingen [[talks]]"))
        if focus == "theme_meetings" and not theme_meetings:
            r._fail("focus",
                    _("pausen handler om temamøder, men filen har ingen [[theme_meetings]]"))
        if any(s["key"] == key for s in slots):
            r._fail("key", _("en anden pause har allerede key \"%(key)s\"", key=key))
        slots.append(dict(key=key, title=r.text("title"), starts_at=start, ends_at=end,
                          focus=focus, questions=r.strings("questions")))

    def numbered(key: str, required: bool):
        rows = [dict(number=r.only("number", "title", "short_title", "description")
                     .integer("number", minimum=1), title=r.text("title"),
                     short_title=r.text("short_title", required=False, max_len=120),
                     description=r.text("description", required=False, max_len=5000))
                for r in root.tables(key, required=required)]
        _unique_numbers(root, key, rows)
        return rows

    return dict(
        event=dict(
            slug=slug, title=ev.text("title", max_len=200),
            theme=ev.text("theme", required=False),
            venue=ev.text("venue", required=False, max_len=200),
            description=ev.text("description", required=False, max_len=5000), timezone=tz_name,
            starts_on=days[0], ends_on=days[-1],
            max_talks=ev.integer("max_talks", required=False, default=1, minimum=0),
            max_theme_meetings=ev.integer("max_theme_meetings", required=False, default=3,
                                          minimum=0),
            preliminary=ev.flag("preliminary"),
        ),
        items=items, talks=talks, theme_meetings=theme_meetings, slots=slots,
        tasks=numbered("tasks", required=tasks_required),
        messages=numbered("messages", required=False),
    )


def _unique_numbers(root: _Reader, key: str, rows: list[dict]) -> None:
    """Refuse a number used twice, naming the second row that uses it: talks[3].number."""
    seen: set[int] = set()
    for index, row in enumerate(rows):
        if row["number"] in seen:
            _Reader({}, f"{key}[{index + 1}]")._fail(
                "number", _("nummer %(n)d er brugt to gange", n=row["number"])
            )
        seen.add(row["number"])


_TOML_PLACE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")


def _syntax_error(text: str, exc: tomllib.TOMLDecodeError) -> ProgrammeError:
    """A TOML syntax error in Danish, naming the line (and column) where reading stopped."""
    message = str(exc)
    match = _TOML_PLACE.search(message)
    problem = _TOML_PLACE.sub("", message) if match else message
    if match and match.group(1):
        line, column = int(match.group(1)), int(match.group(2))
    else:
        # "at end of document": the problem is on the last line with content.
        lines = text.rstrip().splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    return ProgrammeError(
        _("Programfilen er ikke gyldig TOML: linje %(line)d, kolonne %(column)d: %(problem)s",
          line=line, column=column, problem=problem),
        field=f"line {line}",
    )


def import_programme(text: str, replace: bool = False) -> Event:
    """Create the event described by a programme file; all or nothing.

    An event with the same slug is replaced only when asked and only while no committee uses it.
    """
    data = parse_programme(text)
    existing = db.session.scalar(select(Event).where(Event.slug == data["event"]["slug"]))
    if existing is not None:
        if not replace:
            raise ProgrammeError(
                _("Arrangementet \"%(slug)s\" findes allerede. Brug --replace for at erstatte det.",
                  slug=existing.slug)
            )
        in_use = db.session.scalar(select(Committee.id).where(Committee.event_id == existing.id))
        if in_use is not None:
            raise ProgrammeError(
                _("Arrangementet \"%(slug)s\" har allerede udvalg og kan ikke erstattes.",
                  slug=existing.slug)
            )
        db.session.delete(existing)
        db.session.flush()

    return _add_event(data)


def _add_event(data: dict) -> Event:
    """Add the event that parsed (and possibly completed) programme data describe."""
    event = Event(**data["event"])
    db.session.add(event)
    meetings = {m["number"]: ThemeMeeting(**m) for m in data["theme_meetings"]}
    event.theme_meetings = list(meetings.values())
    event.talks = [
        Talk(**{k: v for k, v in t.items() if k != "suggested_theme_meeting"},
             suggested_theme_meeting=meetings.get(t["suggested_theme_meeting"]))
        for t in data["talks"]
    ]
    event.items = [ProgrammeItem(**i) for i in data["items"]]
    event.slots = [DiscussionSlot(**s) for s in data["slots"]]
    event.tasks = [Task(**t) for t in data["tasks"]]
    event.messages = [Message(**m) for m in data["messages"]]
    db.session.flush()
    return event


#: Programme files shipped in delib/data for a next event (no tasks of their own): KL's web
#: form offers them.
NEXT_EVENT_PROGRAMMES = ("butm2022.toml",)


@dataclass
class NextEventPlan:
    """A next event's programme, checked against the previous event and every other event."""

    source: Event
    data: dict
    #: The unused event with the same slug that --replace will replace, if any.
    replaces: Event | None
    #: The programme file's text, as checked.
    text: str = ""

    @property
    def event(self) -> dict:
        return self.data["event"]


def _dates(starts: date, ends: date) -> str:
    """An event's days as a reader writes them: 27. januar 2022 – 28. januar 2022."""
    first = format_date(starts, "d. MMMM yyyy")
    return first if starts == ends else f"{first} – {format_date(ends, 'd. MMMM yyyy')}"


def plan_next_event(source: Event, text: str, slug: str | None = None,
                    replace: bool = False) -> NextEventPlan:
    """Check the next event's programme file (its tasks come from `source`); writes nothing.

    Raises ProgrammeError in Danish for a clash: a slug already used, or dates that overlap
    another event or do not come after the source event.
    """
    data = parse_programme(text, tasks_required=False)
    ev = data["event"]
    if data["tasks"] or data["messages"]:
        raise ProgrammeError(_(
            "Opgaverne og budskaberne kopieres fra »%(source)s«. Fjern [[tasks]] og [[messages]] "
            "fra programfilen.", source=source.title))
    if slug and slug != ev["slug"]:
        raise ProgrammeError(_("Programfilen er til topmødet »%(file)s«, ikke »%(slug)s«.",
                               file=ev["slug"], slug=slug))
    if ev["starts_on"] <= source.ends_on:
        raise ProgrammeError(_(
            "Det nye topmøde (%(dates)s) skal ligge efter »%(source)s« (%(source_dates)s).",
            dates=_dates(ev["starts_on"], ev["ends_on"]), source=source.title,
            source_dates=_dates(source.starts_on, source.ends_on)))
    existing = db.session.scalar(select(Event).where(Event.slug == ev["slug"]))
    if existing is not None:
        if not replace:
            raise ProgrammeError(_(
                "Der findes allerede et topmøde med det korte navn »%(slug)s« (%(title)s). "
                "Giv det nye topmøde et andet navn i programfilen.",
                slug=existing.slug, title=existing.title))
        if db.session.scalar(select(Committee.id).where(Committee.event_id == existing.id)):
            raise ProgrammeError(_(
                "Arrangementet \"%(slug)s\" har allerede udvalg og kan ikke erstattes.",
                slug=existing.slug))
    overlapping = select(Event).where(Event.starts_on <= ev["ends_on"],
                                      Event.ends_on >= ev["starts_on"])
    if existing is not None:
        overlapping = overlapping.where(Event.id != existing.id)
    clash = db.session.scalars(overlapping.order_by(Event.starts_on)).first()
    if clash is not None:
        raise ProgrammeError(_(
            "Datoerne %(dates)s overlapper med »%(title)s« (%(other)s). To topmøder kan ikke "
            "ligge på samme dage.", dates=_dates(ev["starts_on"], ev["ends_on"]),
            title=clash.title, other=_dates(clash.starts_on, clash.ends_on)))
    return NextEventPlan(source=source, data=data, replaces=existing, text=text)


def create_next_event(source: Event, text: str, actor=None, slug: str | None = None,
                      replace: bool = False) -> Event:
    """Create the next event from its programme file, with `source`'s tasks and messages copied.

    All or nothing: a clash (see plan_next_event) raises ProgrammeError and adds nothing.
    """
    plan = plan_next_event(source, text, slug=slug, replace=replace)
    if plan.replaces is not None:
        db.session.delete(plan.replaces)
        db.session.flush()
    copied = ("number", "title", "short_title", "description")
    data = dict(plan.data,
                tasks=[{k: getattr(t, k) for k in copied} for t in source.tasks],
                messages=[{k: getattr(m, k) for k in copied} for m in source.messages])
    event = _add_event(data)
    audit.record(actor, "event.create_next", target=f"event:{event.id}", source=source.slug,
                 slug=event.slug, replaced=plan.replaces is not None)
    return event


def events_with_committees() -> list[tuple[Event, int]]:
    """Every event, newest first, with how many committees it has."""
    committees = (select(Committee.event_id, func.count(Committee.id).label("n"))
                  .group_by(Committee.event_id).subquery())
    rows = db.session.execute(
        select(Event, func.coalesce(committees.c.n, 0))
        .outerjoin(committees, committees.c.event_id == Event.id)
        .order_by(Event.starts_on.desc(), Event.id.desc()))
    return [(event, n) for event, n in rows]


def _source_event(source_id: int | None) -> Event:
    source = db.session.get(Event, source_id) if source_id else None
    if source is None:
        raise ProgrammeError(_("Det forrige topmøde findes ikke. Vælg et af dem på listen."))
    return source


def plan_next_event_from_web(source_id: int | None, bundled: str = "",
                             upload: bytes | None = None) -> NextEventPlan:
    """Check KL's choice on the web: the previous event, and a bundled or uploaded file."""
    source = _source_event(source_id)
    if bundled and upload:
        raise ProgrammeError(_("Vælg enten et medfølgende program eller en fil, ikke begge."))
    if bundled:
        if bundled not in NEXT_EVENT_PROGRAMMES:
            raise ProgrammeError(_("Programmet %(name)s følger ikke med delib.", name=bundled))
        text = bundled_programme(bundled)
    elif upload:
        try:
            text = upload.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProgrammeError(_("Programfilen er ikke en UTF-8-tekstfil.")) from exc
    else:
        raise ProgrammeError(_("Vælg et medfølgende program, eller upload en programfil."))
    return plan_next_event(source, text)


def create_next_event_from_web(source_id: int | None, text: str, actor) -> Event:
    """Create the next event KL confirmed on the web (checked once more: all or nothing)."""
    return create_next_event(_source_event(source_id), text, actor=actor)


def bundled_programme(name: str) -> str:
    """The text of a programme file shipped in the package (delib/data)."""
    return resources.files("delib.data").joinpath(name).read_text(encoding="utf-8")


def read_programme_file(path: str | Path) -> str:
    """A programme file from disk, or by name from the package when no such file exists."""
    candidate = Path(path)
    try:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
        return bundled_programme(str(path))
    except UnicodeDecodeError as exc:
        raise ProgrammeError(
            _("Programfilen %(path)s er ikke en UTF-8-tekstfil.", path=str(path))
        ) from exc
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, ValueError) as exc:
        raise ProgrammeError(_("Programfilen %(path)s findes ikke.", path=str(path))) from exc


def rehearse_as_if(event: Event, today: date) -> None:
    """Shift the event's times so its first day is `today` (for demos and rehearsals)."""
    event.day_offset = (today - event.starts_on).days


def current_event() -> Event | None:
    """The event to show on the front page: the next one still to come, else the latest."""
    # Sorted by the shifted dates: an event rehearsed "as if today" is the one to show.
    events = sorted(db.session.scalars(select(Event)), key=lambda e: (e.shifted_start, e.id))
    if not events:
        return None
    upcoming = [e for e in events if e.shifted_end >= event_today(e)]
    return upcoming[0] if upcoming else events[-1]


def event_today(event: Event) -> date:
    """Today's date where the event is held (not where the server happens to run)."""
    return datetime.now(event.tz).date()


def slot_state(event: Event, slot: DiscussionSlot, now: datetime) -> dict:
    """Where a slot stands at `now` (aware): 'upcoming', 'open' or 'over', with seconds left."""
    start, end = event.shifted(slot.starts_at), event.shifted(slot.ends_at)
    # Whether the break is on another day than `now`: then its date is worth saying.
    other_day = start.date() != now.astimezone(event.tz).date()
    times = {"starts": start, "ends": end, "other_day": other_day}
    if now < start:
        return {"state": "upcoming", "seconds": int((start - now).total_seconds()), **times}
    if now < end:
        return {"state": "open", "seconds": int((end - now).total_seconds()), **times}
    return {"state": "over", "seconds": 0, **times}


def pick_slot(event: Event, now: datetime) -> DiscussionSlot | None:
    """The slot open now, else the next to come, else the last one."""
    if not event.slots:
        return None
    for slot in event.slots:
        if slot_state(event, slot, now)["state"] in ("open", "upcoming"):
            return slot
    return event.slots[-1]


def slot_duration(slot: DiscussionSlot) -> timedelta:
    """How long the break lasts."""
    return slot.ends_at - slot.starts_at


def slot_questions(committee, slot: DiscussionSlot) -> list[dict]:
    """The guiding questions for a committee in a slot, grouped under what they belong to."""
    if slot.focus == "talk":
        talk = committee.talk
        return [{"heading": talk.title, "number": talk.number, "kind": "talk",
                 "questions": talk.questions}] if talk else []
    if slot.focus == "theme_meetings":
        return [{"heading": m.title, "number": m.number, "kind": "theme_meeting",
                 "questions": m.questions} for m in committee.theme_meetings]
    return [{"heading": slot.title, "number": None, "kind": "general",
             "questions": slot.questions}] if slot.questions else []
