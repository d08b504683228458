"""The programme as data: the bundled 2021 file, a second (two-day) event, malformed files,
re-imports, and running an event "as if today"."""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import (
    DiscussionSlot,
    Event,
    Message,
    ProgrammeItem,
    Talk,
    Task,
    ThemeMeeting,
)
from delib.services.programme import (
    ProgrammeError,
    current_event,
    import_programme,
    parse_programme,
    pick_slot,
    read_programme_file,
    rehearse_as_if,
    slot_questions,
    slot_state,
)

DATA = Path(__file__).parent / "data"
TZ = ZoneInfo("Europe/Copenhagen")
TABLES = (Event, ProgrammeItem, Talk, ThemeMeeting, DiscussionSlot, Task, Message)


def counts() -> dict:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def text_2022() -> str:
    return (DATA / "butm2022.toml").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the bundled 2021 programme


def test_bundled_2021_programme_is_complete(event):
    assert event.title == "KL's Børn & Unge Topmøde 2021"
    assert event.theme == "Et sammenhængende børne- og ungeområde"
    assert (event.starts_on, event.ends_on) == (date(2021, 1, 28), date(2021, 1, 28))
    assert event.timezone == "Europe/Copenhagen"
    assert (event.max_talks, event.max_theme_meetings) == (1, 3)

    assert [t.number for t in event.talks] == [1, 2, 3]
    suggested = {t.number: t.suggested_theme_meeting for t in event.talks}
    assert suggested[1].number == 1
    assert suggested[2].number == 3
    assert suggested[3] is None
    assert all(len(t.questions) == 3 for t in event.talks)
    assert "ungdomsuddannelserne" in event.talks[2].questions[0]

    assert [m.number for m in event.theme_meetings] == [1, 2, 3, 4, 5]
    assert event.theme_meetings[4].title == "Hvad skal der til for at nedbringe skolefravær?"

    assert [(s.starts_at.time(), s.ends_at.time(), s.focus) for s in event.slots] == [
        (time(11, 45), time(12, 55), "general"),
        (time(13, 30), time(14, 15), "talk"),
        (time(14, 30), time(15, 40), "theme_meetings"),
    ]
    assert [t.number for t in event.tasks] == [1, 2, 3, 4]
    assert event.tasks[0].title == "Vores sammenhængende børne- og ungepolitik skal genbesøges"
    assert [m.number for m in event.messages] == [1, 2, 3]

    times = [(i.starts_at.strftime("%H:%M"), i.kind) for i in event.items]
    assert times[0] == ("09:00", "plenary")
    assert ("11:45", "discussion") in times
    assert ("13:00", "talks") in times
    assert ("14:30", "theme_meetings") in times
    assert all(i.starts_at.date() == date(2021, 1, 28) for i in event.items)
    assert [i.starts_at for i in event.items] == sorted(i.starts_at for i in event.items)


def test_second_two_day_event_loads_without_code_change(app, client):
    event = import_programme(text_2022())
    db.session.commit()
    assert (event.starts_on, event.ends_on) == (date(2022, 1, 27), date(2022, 1, 28))
    assert event.max_theme_meetings == 2
    assert [(s.key, s.starts_at) for s in event.slots] == [
        ("dag1", datetime(2022, 1, 27, 13, 0)),
        ("dag2-tema", datetime(2022, 1, 28, 12, 0)),
    ]
    assert event.talks[0].suggested_theme_meeting.title == "Inklusion i praksis"
    # Two events now live side by side.
    assert db.session.scalar(select(func.count()).select_from(Event)) == 2

    # Both lie in the past; the front page shows the latest, with both of its days.
    assert current_event().slug == "butm2022"
    page = client.get("/").get_data(as_text=True)
    assert "KL&#39;s Børn &amp; Unge Topmøde 2022" in page
    assert "torsdag 27. januar 2022" in page
    assert "fredag 28. januar 2022" in page
    programme = page[page.index('id="programme-heading"'):]
    day1, day2 = programme.index("torsdag 27. januar 2022"), programme.index("fredag 28. januar")
    assert day1 < programme.index("Velkomst til topmødets første dag") < day2
    assert day2 < programme.index("Godmorgen til anden dag")


def test_read_programme_file_by_path_or_bundled_name(app):
    assert "butm2021" in read_programme_file("butm2021.toml")
    assert "butm2022" in read_programme_file(DATA / "butm2022.toml")
    with pytest.raises(ProgrammeError, match="findes ikke"):
        read_programme_file("ingen-saadan-fil.toml")
    with pytest.raises(ProgrammeError, match="findes ikke"):
        read_programme_file(DATA)  # a folder, not a file


# ---------------------------------------------------------------- malformed files


def _replace(old: str, new: str, count: int = 1):
    def mutate(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)

    return mutate


MALFORMED = [
    ("wrong type", _replace('title = "Unge på vej mod uddannelse"', "title = 42"),
     "talks[2].title", "skal være en tekst"),
    ("empty text", _replace('title = "Unge på vej mod uddannelse"', 'title = "  "'),
     "talks[2].title", "må ikke være tomt"),
    ("missing field", _replace('title = "Styrk fællesskaberne"\n', ""),
     "tasks[1].title", "feltet mangler"),
    ("unknown suggested theme meeting",
     _replace("suggested_theme_meeting = 2", "suggested_theme_meeting = 9"),
     "talks[1].suggested_theme_meeting", "temamøde 9 findes ikke"),
    ("end before start", _replace('start = "13:00"\nend = "13:45"\nquestions',
                                  'start = "13:00"\nend = "12:45"\nquestions'),
     "breaks[1].end", "skal ligge efter start"),
    ("end equals start",
     _replace('start = "12:00"\nend = "12:30"', 'start = "12:00"\nend = "12:00"'),
     "breaks[2].end", "skal ligge efter start"),
    ("bad clock", _replace('start = "10:00"', 'start = "25:00"'), "items[1].start", "klokkeslæt"),
    ("clock as number", _replace('start = "10:00"', "start = 10"), "items[1].start", "klokkeslæt"),
    ("bad date", _replace("date = 2022-01-27", 'date = "27-01-2022"'), "days[1].date", "dato"),
    ("same day twice", _replace("date = 2022-01-28", "date = 2022-01-27"), "days[1].date",
     "to gange"),
    ("day beyond the days", _replace("day = 2\nstart = \"09:00\"", "day = 3\nstart = \"09:00\""),
     "items[3].day", "kun 2 dage"),
    ("duplicate break key", _replace('key = "dag2-tema"', 'key = "dag1"'), "breaks[2].key",
     "dag1"),
    ("duplicate task number", _replace("number = 2\ntitle = \"Del viden",
                                       "number = 1\ntitle = \"Del viden"),
     "tasks[2].number", "nummer 1 er brugt to gange"),
    ("duplicate theme meeting number",
     _replace('number = 2\ntitle = "Inklusion', 'number = 1\ntitle = "Inklusion'),
     "theme_meetings[2].number", "to gange"),
    ("unknown field (typo)", _replace('title = "Mistrivsel blandt unge"',
                                      'titel = "Mistrivsel blandt unge"'),
     "theme_meetings[1].titel", "ukendt felt"),
    ("unknown item kind", _replace('kind = "discussion"', 'kind = "frokost"'), "items[2].kind",
     "skal være en af"),
    ("questions not a list", _replace('questions = ["Hvad gør vi allerede?"]',
                                      'questions = "Hvad gør vi allerede?"'),
     "theme_meetings[1].questions", "liste"),
    ("number below one", _replace("number = 1\ntitle = \"Styrk", "number = 0\ntitle = \"Styrk"),
     "tasks[1].number", "mindst 1"),
    ("number as text", _replace("number = 1\ntitle = \"Styrk", "number = \"1\"\ntitle = \"Styrk"),
     "tasks[1].number", "helt tal"),
    ("bad slug", _replace('slug = "butm2022"', 'slug = "BUTM 2022"'), "event.slug",
     "små bogstaver"),
    ("unknown time zone", _replace('max_theme_meetings = 2',
                                   'max_theme_meetings = 2\ntimezone = "Europe/Aarhus"'),
     "event.timezone", "tidszone"),
    ("missing event table", _replace("[event]\n", "[arrangement]\n"), "arrangement", "ukendt felt"),
    ("no tasks", lambda t: t[: t.index("[[tasks]]")], "tasks", "mangler"),
    ("talk focus without talks", lambda t: t.replace('focus = "theme_meetings"', 'focus = "talk"')
     .replace(t[t.index("[[talks]]"): t.index("[[theme_meetings]]")], ""), "breaks[2].focus",
     "ingen [[talks]]"),
]


@pytest.mark.parametrize("mutate, field, problem",
                         [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_file_names_the_field_and_changes_nothing(app, mutate, field, problem):
    before = counts()
    with pytest.raises(ProgrammeError) as caught:
        import_programme(mutate(text_2022()))
    db.session.rollback()
    assert caught.value.field == field
    assert f"feltet {field}:" in caught.value.message
    assert problem in caught.value.message
    assert counts() == before


@pytest.mark.parametrize("broken, line", [
    ('title = "Inklusion i praksis"', 'title = "Inklusion i praksis'),  # unterminated string
    ('title = "Inklusion i praksis"', 'title = "Inklusion i praksis"\ntitle = "igen"'),  # dup key
    ("[[tasks]]\nnumber = 1", "[[tasks]]\nnumber = = 1"),
])
def test_toml_syntax_error_names_the_line(app, broken, line):
    text = text_2022().replace(broken, line, 1)
    bad_line = text.splitlines().index(line.splitlines()[-1]) + 1
    before = counts()
    with pytest.raises(ProgrammeError) as caught:
        import_programme(text)
    assert f"linje {bad_line}," in caught.value.message
    assert "ikke gyldig TOML" in caught.value.message
    assert counts() == before


def test_syntax_error_at_end_of_file_names_the_last_line(app):
    text = text_2022() + "\n[[tasks]]\nnumber =\n"
    with pytest.raises(ProgrammeError) as caught:
        parse_programme(text)
    assert f"linje {len(text.rstrip().splitlines())}," in caught.value.message


def test_reimport_refuses_without_replace_and_keeps_the_event(app, event):
    before = counts()
    with pytest.raises(ProgrammeError, match="findes allerede.*--replace"):
        import_programme(read_programme_file("butm2021.toml"))
    assert counts() == before


def test_replace_swaps_an_unused_event(app, event):
    changed = read_programme_file("butm2021.toml").replace(
        'theme = "Et sammenhængende børne- og ungeområde"', 'theme = "Nyt tema"')
    new = import_programme(changed, replace=True)
    db.session.commit()
    assert new.theme == "Nyt tema"
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1
    assert db.session.scalar(select(func.count()).select_from(Talk)) == 3


def test_replace_refuses_an_event_in_use(app, event, make_committee):
    make_committee()
    before = counts()
    with pytest.raises(ProgrammeError, match="har allerede udvalg"):
        import_programme(read_programme_file("butm2021.toml"), replace=True)
    db.session.rollback()
    assert counts() == before


# ---------------------------------------------------------------- "as if today"


def test_rehearse_shifts_the_days_not_the_clock(app, event):
    rehearse_as_if(event, date(2024, 7, 1))
    slot = event.slots[1]
    start = event.shifted(slot.starts_at)
    assert start.date() == date(2024, 7, 1)
    assert start.strftime("%H:%M") == "13:30"
    # Summer time: 13:30 in Copenhagen is 11:30 UTC (in January 2021 it was 12:30 UTC).
    assert start.astimezone(ZoneInfo("UTC")).strftime("%H:%M") == "11:30"
    assert event.shifted_start == event.shifted_end == date(2024, 7, 1)


def test_rehearse_on_the_day_summer_time_starts(app, event):
    # 31 March 2024: clocks jumped from 02:00 to 03:00 in Denmark. Local times stay as printed.
    rehearse_as_if(event, date(2024, 3, 31))
    first = event.shifted(event.slots[0].starts_at)
    assert first.strftime("%Y-%m-%d %H:%M") == "2024-03-31 11:45"
    assert first.utcoffset() == timedelta(hours=2)


def test_slot_state_at_given_instants(app, event):
    rehearse_as_if(event, date(2024, 7, 1))
    slot = event.slots[1]  # 13:30-14:15
    at = lambda hh, mm, ss=0: datetime(2024, 7, 1, hh, mm, ss, tzinfo=TZ)  # noqa: E731

    upcoming = slot_state(event, slot, at(13, 0))
    assert upcoming["state"] == "upcoming" and upcoming["seconds"] == 30 * 60
    assert upcoming["other_day"] is False
    assert slot_state(event, slot, at(13, 0) - timedelta(days=1))["other_day"] is True
    opened = slot_state(event, slot, at(13, 30))
    assert opened["state"] == "open" and opened["seconds"] == 45 * 60
    assert slot_state(event, slot, at(14, 14, 30))["seconds"] == 30
    assert slot_state(event, slot, at(14, 15))["state"] == "over"
    # The same instant given in UTC is understood the same way.
    utc = at(13, 45).astimezone(ZoneInfo("UTC"))
    assert slot_state(event, slot, utc)["state"] == "open"

    assert pick_slot(event, at(9, 0)).key == "frokost"
    assert pick_slot(event, at(12, 0)).key == "frokost"
    assert pick_slot(event, at(13, 0)).key == "politisk-oplaeg"
    assert pick_slot(event, at(20, 0)).key == "temamoeder"


def test_rehearsed_event_is_live_today(app, event):
    today = datetime.now(TZ).date()
    rehearse_as_if(event, today)
    slot = event.slots[0]
    noon = datetime.combine(today, time(12, 0), tzinfo=TZ)
    assert slot_state(event, slot, noon)["state"] == "open"
    assert current_event().slug == "butm2021"


def test_slot_questions_follow_the_committee_choice(app, event, make_committee):
    committee = make_committee()
    talk_slot, meeting_slot = event.slots[1], event.slots[2]
    assert slot_questions(committee, talk_slot) == []
    committee.talk = event.talks[1]
    committee.theme_meetings = [event.theme_meetings[2], event.theme_meetings[4]]
    talk_q = slot_questions(committee, talk_slot)
    assert [g["number"] for g in talk_q] == [2]
    assert talk_q[0]["questions"][0].startswith("Hvordan undgår vi")
    assert [g["number"] for g in slot_questions(committee, meeting_slot)] == [3, 5]
    general = slot_questions(committee, event.slots[0])
    assert general[0]["kind"] == "general" and len(general[0]["questions"]) == 3
