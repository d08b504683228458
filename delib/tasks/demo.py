"""Generated demo contributions for KL's overview, clearly marked as demo.

`seed_national_demo` gives many municipalities a demo committee ("… (DEMO)"), some with draft
notes only and most with a submitted contribution whose `submitted_by_name` is
`DEMO_SUBMITTER`, so every page can say the data is generated. The notes, chair summaries and
follow-up actions are hand-written (delib/data/demo_notes.toml): a first-time user judges the
product by them, so recurring points come in each municipality's own words rather than from
templates. Each municipality draws different notes that fit the talk and theme meetings it
chose; corpus notes recur only across municipalities, and within one only when it writes more
notes than its breaks have. It scales to tens of thousands of notes by inserting rows in bulk.

`make_submission` is the small factory tests use to create one submitted contribution through
the ORM without depending on the chair's review flow.
"""

import random
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files

from sqlalchemy import delete, func, insert, select

from delib.extensions import db
from delib.models import (
    Committee,
    Event,
    Municipality,
    Note,
    Submission,
    SubmissionAction,
    SubmissionNote,
    SubmissionSummary,
)
from delib.models.review import (
    submission_note_messages,
    submission_note_tasks,
    submission_theme_meetings,
)
from delib.services.committees import new_join_code
from delib.services.kl import search
from delib.services.kl.overview import DEMO_SUBMITTER

DEMO_COMMITTEE_NAME = "Børne- og Ungeudvalget (DEMO)"

# --- the hand-written corpus -------------------------------------------------------------------

#: Where the demo text lives: hand-written notes per break, chair summaries and follow-up
#: actions per task (delib/data/demo_notes.toml).
CORPUS_FILE = "demo_notes.toml"
ACTION_STATUS_CHOICES = ("planned", "planned", "under_way", "done")
#: The corpus groups notes by break; a break key names the slot focus and, for a talk or theme
#: meeting, its number.
_BREAK_KEYS = {"frokost": "general", "oplaeg": "talk", "temamoede": "theme_meetings"}


@dataclass(frozen=True)
class CorpusNote:
    """One hand-written note: its text, task and message numbers, and the break it belongs to."""

    text: str
    tasks: tuple[int, ...]
    messages: tuple[int, ...]
    focus: str  # "general", "talk" or "theme_meetings", as DiscussionSlot.focus
    number: int | None = None  # the talk or theme meeting it follows


@dataclass(frozen=True)
class Corpus:
    notes: tuple[CorpusNote, ...]
    summaries: dict[int, tuple[str, ...]]
    #: task number -> (title, responsible) pairs
    actions: dict[int, tuple[tuple[str, str], ...]]

    contexts: dict[tuple[str, int | None], tuple[CorpusNote, ...]] = field(init=False)

    def __post_init__(self):
        contexts: dict[tuple[str, int | None], list[CorpusNote]] = {}
        for note in self.notes:
            contexts.setdefault((note.focus, note.number), []).append(note)
        object.__setattr__(self, "contexts", {k: tuple(v) for k, v in contexts.items()})

    def in_context(self, focus: str, number: int | None = None) -> list[CorpusNote]:
        """The notes written in this kind of break (after this talk or theme meeting)."""
        return list(self.contexts.get((focus, number), ()))


def _break_context(key: str) -> tuple[str, int | None]:
    name, _, number = key.partition("-")
    if name not in _BREAK_KEYS or (name == "frokost") != (number == ""):
        raise ValueError(f"{CORPUS_FILE}: unknown break {key!r}")
    return _BREAK_KEYS[name], int(number) if number else None


def parse_corpus(text: str) -> Corpus:
    """The demo corpus from its TOML text; ValueError when a note lacks text or tasks."""
    data = tomllib.loads(text)
    notes = []
    for key, rows in data.get("notes", {}).items():
        focus, number = _break_context(key)
        for row in rows:
            body = row.get("text", "").strip()
            tasks = tuple(row.get("tasks", ()))
            if not body or not tasks or not all(t in range(1, 5) for t in tasks):
                raise ValueError(f"{CORPUS_FILE}: a note in {key!r} lacks text or tasks 1-4")
            notes.append(CorpusNote(body, tasks, tuple(row.get("messages", ())), focus, number))
    summaries = {int(task): tuple(texts) for task, texts in data.get("summaries", {}).items()}
    actions = {int(task): tuple((a["title"], a["responsible"]) for a in rows)
               for task, rows in data.get("actions", {}).items()}
    return Corpus(tuple(notes), summaries, actions)


@cache
def load_corpus() -> Corpus:
    """The bundled demo corpus, read once per process."""
    return parse_corpus(files("delib.data").joinpath(CORPUS_FILE).read_text(encoding="utf-8"))


def note_text(rng: random.Random, task_numbers: list[int], talk: int | None,
              theme: int | None, message: int | None) -> str:
    """A hand-written note from the corpus for these tasks in this context.

    Prefers notes written in the same break that share the first task (and the message, when
    one is given); falls back to the lunch break's general notes.
    """
    corpus = load_corpus()
    if theme:
        pool = corpus.in_context("theme_meetings", theme)
    elif talk:
        pool = corpus.in_context("talk", talk)
    else:
        pool = []
    pool = pool or corpus.in_context("general")
    for wanted in ((lambda n: task_numbers[:1] and task_numbers[0] in n.tasks
                    and (message is None or message in n.messages)),
                   (lambda n: task_numbers[:1] and task_numbers[0] in n.tasks),
                   (lambda _n: True)):
        matching = [n for n in pool if wanted(n)]
        if matching:
            return rng.choice(matching).text
    return rng.choice(corpus.notes).text


class _Deck:
    """Draws items in shuffled rounds: every item once before any comes back."""

    def __init__(self, rng: random.Random, items):
        self.rng, self.items, self.left = rng, list(items), []

    def draw(self):
        if not self.left:
            self.left = self.rng.sample(self.items, len(self.items))
        return self.left.pop()

    def draw_distinct(self, k: int) -> list:
        """k different items (fewer when there are fewer), continuing the rounds."""
        picked = []
        for _ in range(len(self.items) * 2):
            if len(picked) == min(k, len(self.items)):
                break
            item = self.draw()
            if item not in picked:
                picked.append(item)
        return picked


class _NoteDrawer:
    """A municipality's notes: corpus notes that fit its breaks, none twice until all are used.

    Each break has its pool (lunch: the general notes; the talk break: notes on the committee's
    talk; the theme-meeting break: notes on its theme meetings). A pool is ordered when the
    municipality first draws, least used by the municipalities before it first, so the corpus
    spreads evenly over the country instead of a few notes recurring everywhere.
    """

    def __init__(self, rng: random.Random, corpus: Corpus, slots, talk, themes,
                 used: Counter):
        self.rng, self.used, self.taken = rng, used, set()
        self.next: dict[int, int] | None = None
        self.round = 1
        self.first: dict[int, list[CorpusNote]] = {}  # per break, the first round's notes
        general = corpus.in_context("general")
        self.pools = {}
        for slot in slots:
            pool: list[tuple[CorpusNote, object]] = []
            if slot.focus == "talk" and talk is not None:
                pool = [(n, None) for n in corpus.in_context("talk", talk.number)]
            elif slot.focus == "theme_meetings":
                pool = [(n, t) for t in themes for n in corpus.in_context("theme_meetings",
                                                                         t.number)]
            if not pool:
                # A break the corpus has no notes for: general points, still in that break.
                fallback = rng.choice(themes) if slot.focus == "theme_meetings" and themes \
                    else None
                pool = [(n, fallback) for n in general]
            self.pools[slot.id] = pool

    def _order(self) -> None:
        # Least used first; a random key breaks ties, so municipalities differ.
        for slot_id, pool in self.pools.items():
            keys = {id(n): (self.used[n.text], self.rng.random()) for n, _t in pool}
            self.pools[slot_id] = sorted(pool, key=lambda p: keys[id(p[0])])
        self.next = dict.fromkeys(self.pools, 0)

    def _take(self, slot_id):
        pool, i = self.pools[slot_id], self.next[slot_id]
        while i < len(pool) and pool[i][0].text in self.taken:
            i += 1
        self.next[slot_id] = i + 1
        return pool[i] if i < len(pool) else None

    def draw(self, slots, slot):
        """(slot, note, theme meeting or None): a fresh note for `slot`, or for another break
        when this one's notes are used up; repeats only once every pool is used up."""
        if self.next is None:
            self._order()
        for _ in range(2):
            found = self._take(slot.id)
            if found is None:
                others = [s for s in slots if self.next[s.id] < len(self.pools[s.id])]
                while found is None and others:
                    slot = others.pop(self.rng.randrange(len(others)))
                    found = self._take(slot.id)
            if found is not None:
                note, theme = found
                if self.round == 1:
                    self.first.setdefault(slot.id, []).append(note)
                self.taken.add(note.text)
                self.used[note.text] += 1
                return slot, note, theme
            self.taken.clear()  # every note used once: a second round
            self.round += 1
            self._order()
        raise ValueError("demo corpus has no notes")

    def drafts(self, slot, k: int) -> list[CorpusNote]:
        """k notes still on the table in `slot`: the first it submitted, else the next ones."""
        if self.next is None:
            self._order()
        notes = self.first.get(slot.id, [])[:k]
        for note, _theme in self.pools[slot.id][self.next[slot.id]:]:
            if len(notes) == k:
                break
            if note.text not in self.taken and note not in notes:
                notes.append(note)
        return notes


def _numbered(objects, numbers) -> list:
    by_number = {o.number: o for o in objects}
    return [by_number[n] for n in numbers if n in by_number]


# --- the factory for one submission (tests) ----------------------------------------------------


@dataclass
class NoteSpec:
    """A submitted note to create: body, tasks/messages (objects) and context ids."""

    body: str
    tasks: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    slot_id: int | None = None
    talk_id: int | None = None
    theme_meeting_id: int | None = None
    key_point: bool = False
    author_name: str = ""


def make_submission(committee: Committee, notes: list[NoteSpec], summaries=(), actions=(),
                    submitted_by: str = "Formand", theme_meetings=(),
                    shared_with_peers: bool = False) -> Submission:
    """A committee's next submitted version through the ORM; earlier versions stop being latest.

    summaries: (task_or_None, message_or_None, body); actions: (task, title, responsible, status)
    or (task, title, responsible, status, due date).
    For tests and demos only: the real flow is services/review.py's submit.
    """
    previous = db.session.scalar(
        select(func.max(Submission.version)).where(Submission.committee_id == committee.id))
    db.session.execute(
        Submission.__table__.update()
        .where(Submission.committee_id == committee.id).values(is_latest=False))
    event = committee.event
    # Stored instants are naive UTC; the programme's times are local.
    written = (event.shifted(event.slots[0].starts_at).astimezone(UTC).replace(tzinfo=None)
               if event.slots else datetime(2021, 1, 28, 11))
    submission = Submission(
        committee=committee, event=event, municipality_code=committee.municipality_code,
        version=(previous or 0) + 1, is_latest=True, submitted_by_name=submitted_by,
        talk_id=committee.talk_id, theme_meetings=list(theme_meetings),
        shared_with_peers=shared_with_peers,
    )
    for spec in notes:
        submission.notes.append(SubmissionNote(
            event_id=event.id, municipality_code=committee.municipality_code,
            slot_id=spec.slot_id, talk_id=spec.talk_id, theme_meeting_id=spec.theme_meeting_id,
            body=spec.body, author_name=spec.author_name, key_point=spec.key_point,
            written_at=written, tasks=list(spec.tasks), messages=list(spec.messages)))
    for task, message, body in summaries:
        submission.summaries.append(SubmissionSummary(
            event_id=event.id, municipality_code=committee.municipality_code,
            task=task, message=message, body=body))
    for task, title, responsible, status, *due_on in actions:
        submission.actions.append(SubmissionAction(
            event_id=event.id, municipality_code=committee.municipality_code, task=task,
            title=title, responsible=responsible, status=status,
            due_on=due_on[0] if due_on else None))
    db.session.add(submission)
    db.session.flush()
    return submission


# --- the national demo (bulk) ------------------------------------------------------------------


@dataclass
class DemoResult:
    committees: int = 0
    submitted: int = 0
    drafts_only: int = 0
    notes: int = 0
    removed: int = 0


def remove_demo(event: Event) -> int:
    """Delete earlier demo committees (and, by cascade, their notes and submissions)."""
    ids = list(db.session.scalars(select(Committee.id).where(
        Committee.event_id == event.id, Committee.name == DEMO_COMMITTEE_NAME)))
    if ids:
        # Core deletes: the database cascades to notes, submissions and their rows.
        db.session.execute(delete(Submission).where(Submission.committee_id.in_(ids)))
        db.session.execute(delete(Note).where(Note.committee_id.in_(ids)))
        db.session.execute(delete(Committee).where(Committee.id.in_(ids)))
    return len(ids)


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def seed_national_demo(event: Event, notes: int = 2000, seed: int = 2021,
                       participation: float = 0.85, submit_share: float = 0.8) -> DemoResult:
    """Generate demo committees and submitted contributions for the event's municipalities.

    Deterministic for the same arguments. Earlier demo data for the event is replaced; real
    committees are never touched. About `participation` of the municipalities get a committee,
    `submit_share` of those submit; `notes` submitted notes are spread over them.
    """
    # Reproducible demo text, not security.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    result = DemoResult(removed=remove_demo(event))
    taken = set(db.session.scalars(select(Committee.municipality_code).where(
        Committee.event_id == event.id)))
    everyone = db.session.scalars(select(Municipality).order_by(Municipality.code))
    municipalities = [m for m in everyone if m.code not in taken]
    chosen = [m for m in municipalities if rng.random() < participation]
    if municipalities and not chosen:
        chosen = municipalities[:1]
    submitting = [m for m in chosen if rng.random() < submit_share] or chosen[:1]
    tasks = event.tasks
    talks, themes, slots = event.talks, event.theme_meetings, event.slots
    if not (tasks and slots):
        return result

    committee_rows, draft_rows = [], []
    committee_id = _next_id(Committee)
    note_id = _next_id(Note)
    plan = {}
    corpus, used = load_corpus(), Counter()
    for m in chosen:
        talk = rng.choice(talks) if talks else None
        chosen_themes = rng.sample(themes, k=min(len(themes), rng.randint(1, 3))) if themes else []
        committee_rows.append({
            "id": committee_id, "event_id": event.id, "municipality_code": m.code,
            "name": DEMO_COMMITTEE_NAME, "join_code": new_join_code(),
            "talk_id": talk.id if talk else None,
        })
        drawer = _NoteDrawer(rng, corpus, slots, talk, chosen_themes, used)
        plan[m.code] = (committee_id, talk, chosen_themes, drawer)
        committee_id += 1
    db.session.execute(insert(Committee), committee_rows)
    result.committees = len(chosen)
    result.drafts_only = len(chosen) - len(submitting)

    per_municipality = _spread(rng, notes, len(submitting))
    _insert_submissions(event, rng, submitting, per_municipality, plan, result)
    # A few draft notes for every committee: "has notes" in the participation table. They are
    # the first notes its lunch break submitted, as a real committee's live notes would be.
    for m in chosen:
        committee_id, drawer = plan[m.code][0], plan[m.code][3]
        for i, note in enumerate(drawer.drafts(slots[0], 3)):
            draft_rows.append({
                "id": note_id, "committee_id": committee_id, "slot_id": slots[0].id,
                "client_key": f"demo-{committee_id}-{i}", "author_name": "Demo-deltager",
                "body": note.text,
            })
            note_id += 1
    if draft_rows:
        db.session.execute(insert(Note), draft_rows)
    _advance_sequences(Committee, Note, Submission, SubmissionNote)
    search.rebuild_index()
    db.session.flush()
    return result


def _advance_sequences(*models) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them (SQLite needs not)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        db.session.execute(
            select(func.setval(func.pg_get_serial_sequence(table, "id"),
                               select(func.coalesce(func.max(model.id), 1)).scalar_subquery())))


def _spread(rng: random.Random, total: int, buckets: int) -> list[int]:
    """`total` split over `buckets` unevenly (some municipalities write a lot), summing exactly."""
    if buckets == 0:
        return []
    weights = [rng.uniform(0.3, 1.7) for _ in range(buckets)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % buckets] += 1
    return counts


def _insert_submissions(event, rng, submitting, per_municipality, plan, result) -> None:
    tasks, messages, slots = event.tasks, event.messages, event.slots
    corpus = load_corpus()
    # Summaries and actions come in rounds over the corpus, so neighbours rarely share one.
    summary_decks = {number: _Deck(rng, texts) for number, texts in corpus.summaries.items()}
    action_deck = _Deck(rng, [(number, title, responsible)
                              for number, rows in corpus.actions.items()
                              for title, responsible in rows])
    task_by_number = {t.number: t for t in tasks}
    submission_id = _next_id(Submission)
    sn_id = _next_id(SubmissionNote)
    subs, sub_themes, notes, note_tasks, note_messages, summaries, actions = ([] for _ in range(7))
    day = event.starts_on
    for m, count in zip(submitting, per_municipality, strict=True):
        committee_id, talk, chosen_themes, drawer = plan[m.code]
        # Some committees reopened and submitted again: only version 2 may count for KL.
        versions = [1, 2] if rng.random() < 0.15 else [1]
        # A reopened committee's first version holds part of what it finally sent.
        drawn = [drawer.draw(slots, rng.choice(slots))
                 for _ in range(max(count, 1 if len(versions) > 1 else 0))]
        chair_summaries = [(task, summary_decks[task.number].draw()) for task in tasks
                           if task.number in summary_decks]
        follow_ups = action_deck.draw_distinct(rng.randint(1, 3)) if action_deck.items else []
        for version in versions:
            latest = version == versions[-1]
            subs.append({
                "id": submission_id, "committee_id": committee_id, "event_id": event.id,
                "municipality_code": m.code, "version": version, "is_latest": latest,
                "submitted_at": datetime(day.year, day.month, day.day, 16, 0)
                + timedelta(hours=version * 20, minutes=rng.randint(0, 600)),
                "submitted_by_name": DEMO_SUBMITTER, "talk_id": talk.id if talk else None,
                # Two in three demo municipalities share with the others (no random draw, so
                # the rest of the seeded demo stays as it was), so a chair sees peers at once.
                "shared_with_peers": m.code % 3 != 0,
            })
            sub_themes += [{"submission_id": submission_id, "theme_meeting_id": t.id}
                           for t in chosen_themes]
            for slot, note, theme in drawn[:count] if latest else drawn[:max(1, count // 2)]:
                note_talk = talk if slot.focus == "talk" else None
                picked = _numbered(tasks, note.tasks) or [rng.choice(tasks)]
                notes.append({
                    "id": sn_id, "submission_id": submission_id, "event_id": event.id,
                    "municipality_code": m.code, "slot_id": slot.id,
                    "talk_id": note_talk.id if note_talk else None,
                    "theme_meeting_id": theme.id if theme else None, "body": note.text,
                    "author_name": "", "key_point": rng.random() < 0.1,
                    # Programme times are local (CET in January); stored instants are UTC.
                    "written_at": slot.starts_at - timedelta(hours=1)
                    + timedelta(minutes=rng.randint(1, 40)),
                })
                note_tasks += [{"submission_note_id": sn_id, "task_id": t.id} for t in picked]
                note_messages += [{"submission_note_id": sn_id, "message_id": msg.id}
                                  for msg in _numbered(messages, note.messages)]
                sn_id += 1
            summaries += [{"submission_id": submission_id, "event_id": event.id,
                           "municipality_code": m.code, "task_id": task.id, "body": body}
                          for task, body in chair_summaries]
            for number, title, responsible in follow_ups:
                task = task_by_number.get(number) or rng.choice(tasks)
                actions.append({
                    "submission_id": submission_id, "event_id": event.id,
                    "municipality_code": m.code, "task_id": task.id,
                    "title": title, "responsible": responsible,
                    "status": rng.choice(ACTION_STATUS_CHOICES),
                    "due_on": day + timedelta(days=rng.randint(60, 300)),
                })
            submission_id += 1
        result.submitted += 1
        result.notes += count
    for stmt, rows in ((insert(Submission), subs), (insert(submission_theme_meetings), sub_themes),
                       (insert(SubmissionNote), notes), (insert(submission_note_tasks), note_tasks),
                       (insert(submission_note_messages), note_messages),
                       (insert(SubmissionSummary), summaries), (insert(SubmissionAction), actions)):
        for start in range(0, len(rows), 5000):
            if rows[start:start + 5000]:
                db.session.execute(stmt, rows[start:start + 5000])


#: The demo committee's lunch-break notes, so a chair has something to review straight away.
#: (author, text, task numbers, message numbers). Two were written without a task, as happens
#: in a busy break: the chair's review shows the model's suggestions for them.
COMMITTEE_DEMO_NOTES = [
    ("Mette (demo)", "B&U-politikken er fra 2016 – ingen ude i institutionerne bruger den. "
     "Genbesøg m. lederne, ikke skrevet på rådhuset igen", [1], []),
    ("Jonas (demo)", "Skolelederne og dagtilbudslederne ses kun til de store lederdage. Fast "
     "ledernetværk for 0-18 år pr. distrikt? Og samme tanke nationalt: koordinationsgruppe",
     [2], [1]),
    ("Mette (demo)", "30+ projekter på B&U iflg. forv., flere rettet mod de samme børn. "
     "Overblik til næste møde – luk dem der ikke skaber værdi", [], []),
    ("Jonas (demo)", "Specialundervisning (folkeskolelov) og støtte efter serviceloven: samme "
     "barn, to afgørelser, to sagsbehandlere. Med i budskabet til Chr.borg", [3], [2]),
    ("Mette (demo)", "Fraværsindsatsen – lad professionshøjskolen følge den fra start, så vi "
     "ved om den virker og kan dele det m. nabokommunerne", [], []),
]


def add_committee_demo_notes(committee: Committee, slot) -> int:
    """Give a demo committee a few clearly marked demo notes in one break; returns how many."""
    from delib.models import Participant
    from delib.services.notes import NoteInput, new_client_key, post_note

    event = committee.event
    authors: dict[str, Participant] = {}
    for name, body, tasks, messages in COMMITTEE_DEMO_NOTES:
        author = authors.get(name)
        if author is None:
            author = authors[name] = Participant(committee=committee, display_name=name)
            db.session.add(author)
        post_note(committee, slot, author,
                  NoteInput(body=body, task_ids=[t.id for t in event.tasks if t.number in tasks],
                            message_ids=[m.id for m in event.messages if m.number in messages]),
                  new_client_key(), 4000)
    return len(COMMITTEE_DEMO_NOTES)


# --- the demo chair's contribution, the next summit and a few peers (seed-demo) -----------------

#: The demo committee's chair summaries per task, in the words of its five notes.
COMMITTEE_DEMO_SUMMARIES = {
    1: "B&U-politikken fra 2016 lever ikke ude i institutionerne. Vi genbesøger den sammen med "
       "lederne i stedet for at skrive en ny på rådhuset: færre mål, tydelig retning 0-18 år.",
    2: "Fast ledernetværk for skole og dagtilbud pr. distrikt, så samarbejdet ikke kun sker på "
       "de store lederdage. Samme tanke nationalt: en koordinationsgruppe på tværs.",
    3: "30+ projekter, flere rettet mod de samme børn. Overblik til næste møde, og vi lukker dem, "
       "der ikke skaber værdi. Til Chr.borg: én afgørelse pr. barn, ikke to love og to "
       "sagsbehandlere.",
    4: "Fraværsindsatsen følges af professionshøjskolen fra start, så vi ved, om den virker, og "
       "kan dele erfaringerne med nabokommunerne.",
}
#: The demo committee's follow-up actions: (task, title, responsible, due date, status).
COMMITTEE_DEMO_ACTIONS = [
    (1, "Procesplan for revision af børne- og ungepolitikken til udvalgets aprilmøde",
     "Børne- og ungedirektøren", date(2021, 4, 27), "planned"),
    (2, "Etabler fast ledelsesforum for skole- og dagtilbudsledere i hvert distrikt",
     "Skolechefen", date(2021, 8, 31), "planned"),
    (3, "Samlet projektoversigt med økonomi, udløb og resultater", "Forvaltningen",
     date(2021, 3, 16), "under_way"),
    (4, "Aftale med professionshøjskolen om følgeforskning i fraværsindsatsen",
     "Børne- og ungedirektøren", date(2021, 6, 30), "planned"),
]


#: The demo members' answers to the draft referat: (display name, remark).
COMMITTEE_DEMO_AGREEMENT = [
    ("Mette (demo)", ""),
    ("Jonas (demo)", "Enig. Husk at ledernetværket også skal omfatte dagplejen."),
]


def add_committee_demo_contribution(committee: Committee, chair) -> Submission | None:
    """Submit the demo committee's contribution through the chair's own flow, then reopen it.

    KL and the committee of the next summit see the submitted version; the chair can still
    review the live notes (reopened: KL keeps the submitted version until the next submit).
    Nothing happens once the committee has a submission, a summary or an action, so a chair's
    own work in the demo is never overwritten.
    """
    from delib.models import Action, Participant, Summary
    from delib.services import agreements
    from delib.services.actions import ActionInput, create_action
    from delib.services.submissions import reopen, submit
    from delib.services.summaries import save_summary

    for model in (Submission, Summary, Action):
        if db.session.scalar(select(model.id).where(model.committee_id == committee.id)):
            return None
    tasks = {t.number: t for t in committee.event.tasks}
    for number, body in COMMITTEE_DEMO_SUMMARIES.items():
        if number in tasks:
            save_summary(committee, tasks[number], chair, body, 0)
    for number, title, responsible, due_on, status in COMMITTEE_DEMO_ACTIONS:
        if number in tasks:
            create_action(committee, chair, ActionInput(
                task_id=tasks[number].id, title=title, responsible=responsible, due_on=due_on,
                status=status))
    # The members read the draft and agreed (one with a remark), so the submitted version says
    # "Godkendt af 2 af 2 deltagere" and the chair's page shows what an agreement round looks like.
    members = {p.display_name: p for p in db.session.scalars(
        select(Participant).where(Participant.committee_id == committee.id,
                                  Participant.removed_at.is_(None)))}
    if members:
        agreements.open_round(committee, chair)
        for name, remark in COMMITTEE_DEMO_AGREEMENT:
            if name in members:
                agreements.answer(committee, members[name], True, remark)
    # The personal-data check no longer flags "Fraværsindsatsen"; the acknowledgement stays for
    # any demo note it might flag.
    submission = submit(committee, chair, show_authors=False, privacy_acknowledged=True)
    reopen(committee, chair)
    return submission


#: Other municipalities' demo contributions, so the demo chair has peers to compare with:
#: (municipality code, shared with other municipalities). All in the demo municipality's
#: region and size group; Horsens does not share, so the chair must not see it. The choice
#: follows seed_national_demo's rule (code % 3), so the national demo agrees with it.
PEER_DEMO = ((746, True), (730, True), (615, False))


def add_peer_demo(event: Event) -> list[Submission]:
    """Clearly marked demo contributions of a few other municipalities (PEER_DEMO).

    A municipality that already has a committee at the event (a real one, or the national
    demo's) is left alone, so running this twice adds nothing.
    """
    corpus = load_corpus()
    rng = random.Random(f"delib-peer-demo-{event.slug}")  # noqa: S311  # nosec B311
    tasks = {t.number: t for t in event.tasks}
    own_titles = {title for _n, title, *_rest in COMMITTEE_DEMO_ACTIONS}
    summary_decks = {n: _Deck(rng, texts) for n, texts in sorted(corpus.summaries.items())}
    action_deck = _Deck(rng, [(n, title, responsible)
                              for n, rows in sorted(corpus.actions.items())
                              for title, responsible in rows if title not in own_titles])
    note_deck = _Deck(rng, corpus.in_context("general"))
    slot = event.slots[0] if event.slots else None
    created = []
    for code, shared in PEER_DEMO:
        municipality = db.session.get(Municipality, code)
        if municipality is None or not tasks or db.session.scalar(select(Committee.id).where(
                Committee.event_id == event.id, Committee.municipality_code == code)):
            continue
        committee = Committee(event=event, municipality=municipality, name=DEMO_COMMITTEE_NAME,
                              join_code=new_join_code())
        db.session.add(committee)
        db.session.flush()
        notes = [note_deck.draw() for _ in range(5)]
        specs = [NoteSpec(body=n.text, tasks=_numbered(event.tasks, n.tasks),
                          messages=_numbered(event.messages, n.messages),
                          slot_id=slot.id if slot else None, key_point=i < 2)
                 for i, n in enumerate(notes)]
        summaries = [(tasks[n], None, summary_decks[n].draw())
                     for n in sorted(rng.sample(sorted(tasks), k=min(3, len(tasks))))
                     if n in summary_decks]
        actions = [(tasks.get(n) or tasks[min(tasks)], title, responsible,
                    # Submitted on the summit's day: nothing is done yet.
                    rng.choice(("planned", "planned", "under_way")),
                    event.starts_on + timedelta(days=rng.randint(60, 300)))
                   for n, title, responsible in action_deck.draw_distinct(3)]
        created.append(make_submission(committee, specs, summaries, actions,
                                       submitted_by=DEMO_SUBMITTER,
                                       shared_with_peers=shared))
    return created
