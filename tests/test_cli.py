"""The command line: load-programme, rehearse, create-user and seed-demo, as an operator would."""

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from delib.extensions import db
from delib.models import Committee, Event, Note, ProgrammeItem, Talk, User
from tests.conftest import text_of

DATA = Path(__file__).parent / "data"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_load_programme_second_event_from_a_file(runner):
    result = runner.invoke(args=["load-programme", str(DATA / "butm2022.toml")])
    assert result.exit_code == 0, result.output
    assert "Indlæst: KL's Børn & Unge Topmøde 2022 (butm2022)" in result.output
    assert "4 programpunkter, 2 pauser, 2 opgaver" in result.output
    event = db.session.scalar(select(Event).where(Event.slug == "butm2022"))
    assert (event.starts_on, event.ends_on) == (date(2022, 1, 27), date(2022, 1, 28))


def test_load_programme_again_refuses_without_replace(runner, event):
    items = _count(ProgrammeItem)
    result = runner.invoke(args=["load-programme"])
    assert result.exit_code != 0
    assert "findes allerede" in result.output and "--replace" in result.output
    assert _count(Event) == 1 and _count(ProgrammeItem) == items


def test_load_programme_with_replace(runner, event):
    result = runner.invoke(args=["load-programme", "--replace"])
    assert result.exit_code == 0, result.output
    assert _count(Event) == 1 and _count(Talk) == 3


def test_load_malformed_programme_names_field_and_changes_nothing(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((DATA / "butm2022.toml").read_text("utf-8")
                   .replace('title = "Unge på vej mod uddannelse"', "title = 2"), "utf-8")
    before = (_count(Event), _count(ProgrammeItem), _count(Talk))
    result = runner.invoke(args=["load-programme", str(bad)])
    assert result.exit_code != 0
    assert "talks[2].title" in result.output and "skal være en tekst" in result.output
    assert (_count(Event), _count(ProgrammeItem), _count(Talk)) == before


def test_load_programme_syntax_error_names_line(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[event]\nslug = "x"\ntitle = "uafsluttet\n', "utf-8")
    result = runner.invoke(args=["load-programme", str(bad)])
    assert result.exit_code != 0
    assert "linje 3" in result.output
    assert _count(Event) == 1


def test_load_programme_missing_file(runner):
    result = runner.invoke(args=["load-programme", "findes-ikke.toml"])
    assert result.exit_code != 0
    assert "findes ikke" in result.output


def test_rehearse_today_and_off(runner, event):
    result = runner.invoke(args=["rehearse", "butm2021"])
    assert result.exit_code == 0, result.output
    db.session.refresh(event)
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    assert event.shifted_start == today
    assert today.isoformat() in result.output

    result = runner.invoke(args=["rehearse", "butm2021", "--date", "2025-01-30"])
    db.session.refresh(event)
    assert event.shifted_start == date(2025, 1, 30)

    result = runner.invoke(args=["rehearse", "butm2021", "--off"])
    db.session.refresh(event)
    assert event.day_offset == 0 and event.shifted_start == date(2021, 1, 28)


def test_rehearse_unknown_event(runner):
    result = runner.invoke(args=["rehearse", "butm1999"])
    assert result.exit_code != 0 and "findes ikke" in result.output


def test_create_user_then_log_in(runner, client):
    result = runner.invoke(args=["create-user", "--email", "Formand@Odense.dk", "--name", "Ole",
                                 "--municipality", "Odense", "--password", "et-godt-kodeord"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "formand@odense.dk"))
    assert user.role == "chair" and user.municipality.name == "Odense"
    assert user.password_hash != "et-godt-kodeord"  # hashed
    response = client.post("/login", data={"email": "formand@odense.dk",
                                           "password": "et-godt-kodeord"})
    assert response.status_code == 302


def test_create_user_refusals(runner):
    base = ["create-user", "--name", "Ole", "--password", "et-godt-kodeord"]
    cases = [
        (["--email", "a@b.dk"], "skal have en kommune"),
        (["--email", "a@b.dk", "--municipality", "Atlantis"], "findes ikke"),
        (["--email", "ikke-en-adresse", "--municipality", "Odense"], "ikke en e-mailadresse"),
    ]
    for extra, message in cases:
        result = runner.invoke(args=base + extra)
        assert result.exit_code != 0 and message in result.output, (extra, result.output)
    short = runner.invoke(args=["create-user", "--email", "a@b.dk", "--name", "Ole",
                                "--municipality", "Odense", "--password", "kort"])
    assert short.exit_code != 0 and "mindst 10 tegn" in short.output
    ok = runner.invoke(args=base + ["--email", "a@b.dk", "--municipality", "Odense"])
    assert ok.exit_code == 0
    again = runner.invoke(args=base + ["--email", "A@B.dk", "--municipality", "Odense"])
    assert again.exit_code != 0 and "findes allerede" in again.output
    assert _count(User) == 1


def _seed(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    code = re.search(r"Deltagerkode til demo-udvalget: (\S+)", result.output).group(1)
    email, password = re.search(r"Formandens login: (\S+) / (\S+)", result.output).groups()
    return code, email, password


def test_seed_demo_prints_a_join_code_and_login_that_work(runner, make_client):
    code, email, password = _seed(runner)
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    assert db.session.scalar(select(Event).where(Event.slug == "butm2021")).shifted_start == today

    participant, actions = make_client()
    joined = actions.join(code, name="Mette")
    assert joined.status_code == 302
    page = participant.get(joined.headers["Location"])
    assert "Børne- og Ungeudvalget (demo)" in text_of(page)

    chair, chair_actions = make_client()
    assert chair_actions.login(email, password).status_code == 302
    mine = chair.get("/udvalg/")
    assert "Børne- og Ungeudvalget (demo), Aarhus" in text_of(mine)
    # The chair has demo notes to review straight away, marked as demo.
    committee = db.session.scalar(select(Committee).join(Event).where(
        Event.slug == "butm2021", Committee.name == "Børne- og Ungeudvalget (demo)"))
    lunch = committee.event.slots[0]
    notes = text_of(chair.get(f"/udvalg/{committee.id}/pauser/{lunch.id}"))
    assert "Mette (demo)" in notes and "ledernetværk for 0-18 år" in notes


def test_seed_demo_twice_is_fine(runner, make_client):
    first_code, email, first_password = _seed(runner)
    second_code, _email, second_password = _seed(runner)
    assert first_code == second_code
    # The demo chair's committees for 2021 and 2022, three other municipalities' demo
    # committees (tests/test_seed_demo.py), one chair and the two summits.
    assert _count(Committee) == 5 and _count(User) == 1 and _count(Event) == 2
    # The demo notes come once, with the committee, not again at every run.
    assert _count(Note) == 5
    # The password is renewed at each run: only the latest works.
    _client, actions = make_client()
    assert actions.login(email, first_password).status_code == 422
    assert actions.login(email, second_password).status_code == 302


def test_load_municipalities_is_idempotent(runner):
    from delib.models import Municipality
    from delib.services.municipalities import SIZE_ISLAND, size_group

    for _ in range(2):
        result = runner.invoke(args=["load-municipalities"])
        assert result.exit_code == 0 and "98 kommuner indlæst." in result.output
    assert _count(Municipality) == 98
    islands = db.session.scalars(select(Municipality).where(Municipality.island)).all()
    assert sorted(m.name for m in islands) == ["Fanø", "Læsø", "Samsø", "Ærø"]
    assert all(size_group(m) == SIZE_ISLAND for m in islands)
    regions = set(db.session.scalars(select(Municipality.region)))
    assert len(regions) == 5
    aarhus = db.session.get(Municipality, 751)
    assert aarhus.name == "Aarhus" and aarhus.region == "Region Midtjylland"


def test_malformed_replacement_keeps_the_old_event(runner, event, tmp_path):
    from delib.services.programme import read_programme_file

    bad = tmp_path / "butm2021-bad.toml"
    bad.write_text(read_programme_file("butm2021.toml").replace("number = 5", "number = 4"),
                   "utf-8")
    result = runner.invoke(args=["load-programme", "--replace", str(bad)])
    assert result.exit_code != 0 and "theme_meetings[5].number" in result.output
    db.session.expire_all()
    kept = db.session.scalar(select(Event).where(Event.slug == "butm2021"))
    assert kept.id == event.id and len(kept.theme_meetings) == 5
