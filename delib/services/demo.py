"""Generated demo contributions for KL's overview, clearly marked as demo.

`seed_national_demo` gives many municipalities a demo committee ("… (DEMO)"), some with draft
notes only and most with a submitted contribution whose `submitted_by_name` is
`DEMO_SUBMITTER`, so every page can say the data is generated. The notes are Danish sentences
built from templates about the declaration's four tasks, the three talks and five theme
meetings. It scales to tens of thousands of notes by inserting rows in bulk.

`make_submission` is the small factory tests use to create one submitted contribution through
the ORM without depending on the chair's review flow.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
from delib.services import search
from delib.services.aggregation import DEMO_SUBMITTER
from delib.services.committees import new_join_code

DEMO_COMMITTEE_NAME = "Børne- og Ungeudvalget (DEMO)"

# --- text templates ----------------------------------------------------------------------------

GROUPS = ["lederne", "medarbejderne", "forældrene", "børnene og de unge", "skolebestyrelserne",
          "dagtilbudslederne", "skolelederne", "de faglige organisationer", "ungdomsskolen"]
AREAS = ["dagtilbud", "folkeskolen", "fritidsområdet", "ungeområdet", "specialområdet",
         "sundhedsplejen", "PPR", "familieområdet", "SFO og klub"]
PARTNERS = ["et professionshøjskole", "VIVE", "Aarhus Universitet", "nabokommunerne",
            "et universitet", "KL's netværk"]
TOPICS = ["skolefravær", "trivsel", "overgange", "inklusion", "sprogindsatser", "mellemformer",
          "forældresamarbejde", "tidlig indsats", "ungdomsuddannelse", "motiverende undervisning"]

TASK_SENTENCES = {
    1: [
        "Vi skal genbesøge børne- og ungepolitikken, så den giver mening for {group}.",
        "Politikken er for abstrakt i dag; {group} kan ikke spejle deres prioriteringer i den.",
        "Inddrag {group} aktivt, når vi skriver den nye børne- og ungepolitik.",
        "Børne- og ungepolitikken skal have færre mål og en klar retning for {area}.",
        "Politikken skal hænge sammen fra 0 til 25 år, også når de unge forlader {area}.",
        "Lad os evaluere politikken hvert år i udvalget med data om {topic}.",
    ],
    2: [
        "Skoleledere og dagtilbudsledere mødes for sjældent; vi vil lave et fælles ledelsesforum.",
        "Der mangler samarbejde mellem {area} og {area2} om de børn, der har det svært.",
        "Giv mere plads til decentral ledelse og professionel dømmekraft hos {group}.",
        "Fælles retning kræver, at forvaltningen og {group} taler sammen om {topic}.",
        "Vi vil styrke det tværfaglige samarbejde mellem {area} og {area2}.",
        "Ledelsesniveauerne skal have et fælles sprog om kvalitet og {topic}.",
    ],
    3: [
        "Vi har for mange projekter på {area}; lav en oversigt og luk dem, der ikke skaber værdi.",
        "Alle nye tiltag skal vurderes: skaber de værdi for børnene og de unge?",
        "Indsatserne for {topic} skal tænkes sammen med arbejdet i {area}.",
        "Luk projekter, som {group} ikke oplever mening med.",
        "Vi skal være skarpere på, om indsatserne mod {topic} virker, før vi starter nye.",
        "Projekterne i {area} og {area2} overlapper; saml dem i én indsats.",
    ],
    4: [
        "Vi vil samarbejde med {partner} om forskning tæt på praksis i {area}.",
        "Del erfaringer med andre kommuner om {topic}, så vi ikke opfinder den dybe "
        "tallerken igen.",
        "Data om {topic} skal bruges mere i udvalgets beslutninger.",
        "Vi vil bidrage til forskning om {topic} og bruge resultaterne i {area}.",
        "Lav et netværk med nabokommunerne om viden og erfaringer med {topic}.",
        "Medarbejderne i {area} skal have tid til at bruge ny viden i praksis.",
    ],
}

TALK_SENTENCES = {
    1: ["De strukturelle rammer i dagtilbuddet, især normeringer og uddannet personale, betyder "
        "mest for børnenes læring og trivsel.",
        "Stort set alle børn går i dagtilbud; det potentiale skal vi udnytte bedre."],
    2: ["Fælles rammer for kvaliteten må ikke fjerne skolernes lokale faglige råderum.",
        "Balancen mellem styring og ledelse i folkeskolen skal findes sammen med skolelederne."],
    3: ["Alt for mange unge har hverken startet eller gennemført en ungdomsuddannelse.",
        "Vi vil samarbejde på tværs af udvalg om de unge fra 15 til 25 år og inddrage de unge."],
}

THEME_SENTENCES = {
    1: ["Tilsynet med dagtilbuddene skal understøtte en god evalueringskultur.",
        "Den faglige ledelse i dagtilbuddene skal have bedre rammer."],
    2: ["Sundhedsplejen og pædagogerne skal dele viden om barnet ved overgangen til dagtilbud.",
        "Forældrene skal inddrages tidligere i overgangen til dagtilbud."],
    3: ["Undervisningen skal være mere praktisk og varieret, så eleverne er motiverede.",
        "En sammenhængende skoledag kræver, at lærere og pædagoger planlægger sammen."],
    4: ["Vi mangler mellemformer mellem almen- og specialområdet.",
        "De specialpædagogiske kompetencer skal ind i almenundervisningen."],
    5: ["Bekymrende skolefravær skal opspores tidligt, allerede i indskolingen.",
        "Fraværet stiger i udskolingen; vi skal have en fælles fraværsindsats med forældrene.",
        "Skolefraværet hænger sammen med trivsel, og det skal ses i sammenhæng."],
}

MESSAGE_SENTENCES = {
    1: "Budskab til Christiansborg: nedsæt en koordinationsgruppe med kommuner og ministerier.",
    2: "Budskab til Christiansborg: lovgivningen skal tænkes sammen på tværs af sektorer.",
    3: "Budskab til Christiansborg: afskaf nationale måltal og gentænk kvalitetsrapporten.",
}

SUMMARY_TEMPLATES = {
    1: "Udvalget vil genbesøge børne- og ungepolitikken med fokus på {topic} og inddrage {group}.",
    2: "Udvalget ønsker et tættere samarbejde mellem {area} og {area2} og et fælles ledelsesforum.",
    3: "Udvalget vil gennemgå projekterne på {area} og lukke dem, der ikke skaber værdi.",
    4: "Udvalget vil dele viden om {topic} med andre kommuner og samarbejde med {partner}.",
}

ACTION_TEMPLATES = [
    ("Lav en oversigt over alle projekter på {area}", "Forvaltningen"),
    ("Sæt børne- og ungepolitikken på udvalgets dagsorden", "Udvalgsformanden"),
    ("Hold et fælles ledelsesseminar om {topic}", "Skolechefen"),
    ("Indgå aftale med {partner} om praksisnær forskning", "Børne- og ungedirektøren"),
    ("Inviter de unge til dialogmøde om {topic}", "Ungdomsskolen"),
]
ACTION_STATUS_CHOICES = ("planned", "planned", "under_way", "done")


def _fill(rng: random.Random, template: str) -> str:
    area, area2 = rng.sample(AREAS, 2)
    return template.format(group=rng.choice(GROUPS), area=area, area2=area2,
                           partner=rng.choice(PARTNERS), topic=rng.choice(TOPICS))


def note_text(rng: random.Random, task_numbers: list[int], talk: int | None,
              theme: int | None, message: int | None) -> str:
    """One plausible Danish note about these tasks in this context."""
    parts = [_fill(rng, rng.choice(TASK_SENTENCES[task_numbers[0]]))]
    if talk and rng.random() < 0.6:
        parts.append(rng.choice(TALK_SENTENCES.get(talk, [""])))
    if theme and rng.random() < 0.7:
        parts.append(rng.choice(THEME_SENTENCES.get(theme, [""])))
    if len(task_numbers) > 1 and rng.random() < 0.5:
        parts.append(_fill(rng, rng.choice(TASK_SENTENCES[task_numbers[1]])))
    if message:
        parts.append(MESSAGE_SENTENCES[message])
    return " ".join(p for p in parts if p)


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
                    submitted_by: str = "Formand", theme_meetings=()) -> Submission:
    """A committee's next submitted version through the ORM; earlier versions stop being latest.

    summaries: (task_or_None, message_or_None, body); actions: (task, title, responsible, status).
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
    for task, title, responsible, status in actions:
        submission.actions.append(SubmissionAction(
            event_id=event.id, municipality_code=committee.municipality_code, task=task,
            title=title, responsible=responsible, status=status))
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
    for m in chosen:
        talk = rng.choice(talks) if talks else None
        chosen_themes = rng.sample(themes, k=min(len(themes), rng.randint(1, 3))) if themes else []
        committee_rows.append({
            "id": committee_id, "event_id": event.id, "municipality_code": m.code,
            "name": DEMO_COMMITTEE_NAME, "join_code": new_join_code(),
            "talk_id": talk.id if talk else None,
        })
        plan[m.code] = (committee_id, talk, chosen_themes)
        # A few draft notes for every committee: "has notes" in the participation table.
        for i in range(3):
            draft_rows.append({
                "id": note_id, "committee_id": committee_id, "slot_id": slots[0].id,
                "client_key": f"demo-{committee_id}-{i}", "author_name": "Demo-deltager",
                "body": note_text(rng, [rng.choice(tasks).number], None, None, None),
            })
            note_id += 1
        committee_id += 1
    db.session.execute(insert(Committee), committee_rows)
    db.session.execute(insert(Note), draft_rows)
    result.committees = len(chosen)
    result.drafts_only = len(chosen) - len(submitting)

    per_municipality = _spread(rng, notes, len(submitting))
    _insert_submissions(event, rng, submitting, per_municipality, plan, result)
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
    tasks, messages = event.tasks, event.messages
    theme_by_id = {t.id: t for t in event.theme_meetings}
    submission_id = _next_id(Submission)
    sn_id = _next_id(SubmissionNote)
    subs, sub_themes, notes, note_tasks, note_messages, summaries, actions = ([] for _ in range(7))
    day = event.starts_on
    for m, count in zip(submitting, per_municipality, strict=True):
        committee_id, talk, chosen_themes = plan[m.code]
        # Some committees reopened and submitted again: only version 2 may count for KL.
        versions = [1, 2] if rng.random() < 0.15 else [1]
        for version in versions:
            latest = version == versions[-1]
            subs.append({
                "id": submission_id, "committee_id": committee_id, "event_id": event.id,
                "municipality_code": m.code, "version": version, "is_latest": latest,
                "submitted_at": datetime(day.year, day.month, day.day, 16, 0)
                + timedelta(hours=version * 20, minutes=rng.randint(0, 600)),
                "submitted_by_name": DEMO_SUBMITTER, "talk_id": talk.id if talk else None,
            })
            sub_themes += [{"submission_id": submission_id, "theme_meeting_id": t.id}
                           for t in chosen_themes]
            n_notes = count if latest else max(1, count // 2)
            for _ in range(n_notes):
                slot = rng.choice(event.slots)
                note_talk = talk if slot.focus == "talk" else None
                theme = (rng.choice(chosen_themes) if slot.focus == "theme_meetings"
                         and chosen_themes else None)
                picked = rng.sample(tasks, k=1 if rng.random() < 0.7 else 2)
                message = rng.choice(messages) if messages and rng.random() < 0.2 else None
                body = note_text(rng, [t.number for t in picked],
                                 note_talk.number if note_talk else None,
                                 theme_by_id[theme.id].number if theme else None,
                                 message.number if message else None)
                notes.append({
                    "id": sn_id, "submission_id": submission_id, "event_id": event.id,
                    "municipality_code": m.code, "slot_id": slot.id,
                    "talk_id": note_talk.id if note_talk else None,
                    "theme_meeting_id": theme.id if theme else None, "body": body,
                    "author_name": "", "key_point": rng.random() < 0.1,
                    # Programme times are local (CET in January); stored instants are UTC.
                    "written_at": slot.starts_at - timedelta(hours=1)
                    + timedelta(minutes=rng.randint(1, 40)),
                })
                note_tasks += [{"submission_note_id": sn_id, "task_id": t.id} for t in picked]
                if message:
                    note_messages.append({"submission_note_id": sn_id, "message_id": message.id})
                sn_id += 1
            for task in tasks:
                summaries.append({
                    "submission_id": submission_id, "event_id": event.id,
                    "municipality_code": m.code, "task_id": task.id,
                    "body": _fill(rng, SUMMARY_TEMPLATES.get(task.number, "{topic}")),
                })
            for title, responsible in rng.sample(ACTION_TEMPLATES, k=rng.randint(1, 3)):
                actions.append({
                    "submission_id": submission_id, "event_id": event.id,
                    "municipality_code": m.code, "task_id": rng.choice(tasks).id,
                    "title": _fill(rng, title), "responsible": responsible,
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
#: (author, text, task numbers, message numbers)
COMMITTEE_DEMO_NOTES = [
    ("Mette (demo)", "Vores børne- og ungepolitik er fra 2016 og bliver ikke brugt i hverdagen. "
     "Den skal genbesøges sammen med lederne.", [1], []),
    ("Jonas (demo)", "Skoleledere og dagtilbudsledere mødes for sjældent på tværs. Et fast "
     "ledernetværk for 0-18 år kunne give en fælles retning.", [2], [1]),
    ("Mette (demo)", "Vi har for mange projekter, der kører side om side. Lav et overblik, og "
     "luk dem, der ikke skaber værdi for børnene.", [3], []),
    ("Jonas (demo)", "Lovgivningen om specialundervisning og socialområdet trækker i hver sin "
     "retning – det skal med i vores budskab til Christiansborg.", [3], [2]),
    ("Mette (demo)", "Samarbejd med professionshøjskolen om at følge vores indsats mod "
     "skolefravær, så andre kommuner kan lære af det.", [4], []),
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
