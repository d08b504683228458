"""KL creates the next event from the previous one: on the web (KL admins) and as a command."""

import html
import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from delib.extensions import db
from delib.models import AuditEntry, Event, Message, Municipality, ProgrammeItem, Task
from delib.services import committees as committee_service
from delib.services.programme import bundled_programme, parse_programme
from tests.conftest import plant_session, text_of

ROOT = Path(__file__).resolve().parents[2]
TWO_DAY_FILE = (ROOT / "tests/data/butm2022.toml").read_text("utf-8")


def _without_tasks(text: str, slug: str = "butm2022", first: str = "2022-01-27",
                   second: str = "2022-01-28") -> str:
    """tests/data/butm2022.toml as a next event's file: no tasks, other slug or dates."""
    text = text[:text.index("[[tasks]]")]
    return (text.replace('slug = "butm2022"', f'slug = "{slug}"')
            .replace("date = 2022-01-27", "date = FIRST")
            .replace("date = 2022-01-28", "date = SECOND")
            .replace("FIRST", first).replace("SECOND", second))


def page_text(response) -> str:
    """The page's visible text, entities (KL&#39;s) decoded."""
    return html.unescape(text_of(response))


def _counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Event, Task, Message, ProgrammeItem, AuditEntry))


@pytest.fixture
def kl_admin(make_user, make_client):
    # A KL admin signs in with a second factor: planted, as the access matrix does.
    admin = make_user(role="kl_admin", email="admin@kl.dk", municipality=None)
    client, _actions = make_client()
    plant_session(client, admin)
    return client


# --------------------------------------------------------------------------- the shipped file


def test_the_preliminary_2022_programme_has_the_brochures_dates_and_no_tasks(app):
    data = parse_programme(bundled_programme("butm2022.toml"), tasks_required=False)
    assert data["event"]["slug"] == "butm2022"
    assert (data["event"]["starts_on"], data["event"]["ends_on"]) == (
        date(2022, 1, 27), date(2022, 1, 28))
    assert data["event"]["preliminary"] is True
    assert {i["starts_at"].date() for i in data["items"]} == {date(2022, 1, 27),
                                                              date(2022, 1, 28)}
    assert data["slots"] and data["tasks"] == [] and data["messages"] == []


# --------------------------------------------------------------------------- the command


def test_command_creates_the_next_event_with_the_same_tasks_and_rehearse_runs_it(runner, event):
    result = runner.invoke(args=["create-next-event", "--from", "butm2021", "--slug",
                                 "butm2022", "--file", "butm2022.toml"])
    assert result.exit_code == 0, result.output
    assert "4 opgaver og 3 budskaber kopieret fra butm2021" in result.output
    assert "Foreløbigt program" in result.output
    new = db.session.scalar(select(Event).where(Event.slug == "butm2022"))
    assert (new.starts_on, new.ends_on) == (date(2022, 1, 27), date(2022, 1, 28))
    assert new.preliminary
    assert [(t.number, t.title, t.short_title, t.description) for t in new.tasks] == [
        (t.number, t.title, t.short_title, t.description) for t in event.tasks]
    assert [m.title for m in new.messages] == [m.title for m in event.messages]
    assert {t.id for t in new.tasks}.isdisjoint({t.id for t in event.tasks})  # copies
    assert len(event.tasks) == 4  # the source keeps its own
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.create_next"))
    assert entry.details["source"] == "butm2021" and entry.target == f"event:{new.id}"

    result = runner.invoke(args=["rehearse", "butm2022", "--date", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "vises nu som 2026-03-02" in result.output


def test_front_page_says_the_programme_is_preliminary(runner, client, event):
    runner.invoke(args=["create-next-event", "--from", "butm2021", "--file", "butm2022.toml"])
    runner.invoke(args=["rehearse", "butm2022"])
    page = page_text(client.get("/"))
    assert "KL's Børn & Unge Topmøde 2022" in page and "Foreløbigt program" in page
    assert "Kommunale drøftelser: opfølgning på topmødet 2021" in page


@pytest.mark.parametrize("args, content, message", [
    ([], None, "Der findes allerede et topmøde med det korte navn »butm2022«"),
    ([], _without_tasks(TWO_DAY_FILE, slug="butm2022b"),
     "Datoerne 27. januar 2022 – 28. januar 2022 overlapper med »KL's Børn & Unge Topmøde 2022«"),
    ([], _without_tasks(TWO_DAY_FILE, slug="tidligt", first="2021-01-28", second="2021-01-29"),
     "skal ligge efter »KL's Børn & Unge Topmøde 2021«"),
    ([], TWO_DAY_FILE.replace('slug = "butm2022"', 'slug = "medopgaver"')
     .replace("2022-01-2", "2023-01-2"),
     "Opgaverne og budskaberne kopieres fra"),
    (["--slug", "butm2030"], _without_tasks(TWO_DAY_FILE, slug="butm2023", first="2023-01-26",
                                            second="2023-01-27"),
     "Programfilen er til topmødet »butm2023«, ikke »butm2030«."),
])
def test_command_refuses_a_clash_and_changes_nothing(runner, event, tmp_path, args, content,
                                                     message):
    assert runner.invoke(args=["create-next-event", "--from", "butm2021", "--file",
                               "butm2022.toml"]).exit_code == 0
    before = _counts()
    path = "butm2022.toml"
    if content is not None:
        path = tmp_path / "next.toml"
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["create-next-event", "--from", "butm2021", "--file",
                                 str(path), *args])
    assert result.exit_code != 0
    assert message in result.output and "Intet er ændret." in result.output
    assert _counts() == before


def test_command_names_an_unknown_source(runner, event):
    result = runner.invoke(args=["create-next-event", "--from", "butm1999", "--file",
                                 "butm2022.toml"])
    assert result.exit_code != 0 and "'butm1999' findes ikke" in result.output
    assert db.session.scalar(select(Event).where(Event.slug == "butm2022")) is None


def test_replace_fills_in_the_preliminary_programme_while_unused(runner, event, tmp_path,
                                                                  make_user):
    runner.invoke(args=["create-next-event", "--from", "butm2021", "--file", "butm2022.toml"])
    final = tmp_path / "butm2022-final.toml"
    final.write_text(_without_tasks(TWO_DAY_FILE), encoding="utf-8")
    result = runner.invoke(args=["create-next-event", "--from", "butm2021", "--file",
                                 str(final), "--replace"])
    assert result.exit_code == 0, result.output
    new = db.session.scalar(select(Event).where(Event.slug == "butm2022"))
    assert not new.preliminary and new.venue == "Aalborg Kongres & Kultur Center"
    assert len(new.tasks) == 4
    odense = db.session.scalar(select(Municipality).where(Municipality.name == "Odense"))
    committee_service.create_committee(new, odense, "Børne- og Ungeudvalget",
                                       make_user(municipality="Odense"))
    db.session.commit()
    result = runner.invoke(args=["create-next-event", "--from", "butm2021", "--file",
                                 "butm2022.toml", "--replace"])
    assert result.exit_code != 0 and "har allerede udvalg" in result.output


# --------------------------------------------------------------------------- the web


def test_web_form_checks_confirms_and_creates(kl_admin, event):
    page = kl_admin.get("/kl/topmoeder")
    assert page.status_code == 200
    assert "Opret næste topmøde" in page_text(page) and "butm2022.toml" in page_text(page)
    before = _counts()
    check = kl_admin.post("/kl/topmoeder/naeste",
                          data={"source": event.id, "bundled": "butm2022.toml"})
    assert check.status_code == 200
    text = page_text(check)
    assert "Opret »KL's Børn & Unge Topmøde 2022«?" in text
    assert "torsdag 27. januar 2022 – fredag 28. januar 2022" in text
    assert "8 programpunkter, 3 pauser til drøftelser · Foreløbigt program" in text
    assert "4 opgaver, 3 budskaber" in text
    assert _counts() == before  # checking writes nothing
    programme = re.search(r'name="programme" value="([^"]*)"', check.get_data(as_text=True))
    done = kl_admin.post("/kl/topmoeder/naeste",
                         data={"source": event.id, "programme": html.unescape(programme[1])})
    assert done.status_code == 302
    page = page_text(kl_admin.get("/kl/topmoeder"))
    assert ("Topmødet »KL's Børn & Unge Topmøde 2022« er oprettet med 4 opgaver og 3 budskaber "
            "fra »KL's Børn & Unge Topmøde 2021«.") in page
    new = db.session.scalar(select(Event).where(Event.slug == "butm2022"))
    assert [t.title for t in new.tasks] == [t.title for t in event.tasks]
    assert new.preliminary and len(new.items) == 8


def test_web_form_with_an_uploaded_file(kl_admin, event):
    content = _without_tasks(TWO_DAY_FILE).encode("utf-8")
    check = kl_admin.post("/kl/topmoeder/naeste", content_type="multipart/form-data", data={
        "source": str(event.id), "bundled": "",
        "upload": (io.BytesIO(content), "butm2022.toml")})
    assert check.status_code == 200
    assert "Opret »KL's Børn & Unge Topmøde 2022«?" in page_text(check)
    assert db.session.scalar(select(Event).where(Event.slug == "butm2022")) is None


@pytest.mark.parametrize("data, message", [
    ({"bundled": ""}, "Vælg et medfølgende program, eller upload en programfil."),
    ({"bundled": "../config.py"}, "Programmet ../config.py følger ikke med delib."),
    ({"programme": _without_tasks(TWO_DAY_FILE, slug="butm2021")},
     "Der findes allerede et topmøde med det korte navn »butm2021«"),
    ({"programme": "[event\nslug ="}, "Programfilen er ikke gyldig TOML: linje 1"),
    ({"programme": _without_tasks(TWO_DAY_FILE, slug="igen", first="2021-01-27",
                                  second="2021-01-28")},
     "skal ligge efter »KL's Børn & Unge Topmøde 2021«"),
])
def test_web_form_refuses_in_danish_and_changes_nothing(kl_admin, event, data, message):
    before = _counts()
    response = kl_admin.post("/kl/topmoeder/naeste", data={"source": event.id, **data})
    assert response.status_code == 422
    assert message in page_text(response)
    assert _counts() == before


def test_web_form_refuses_an_overlap_and_an_unknown_source(kl_admin, event, runner):
    runner.invoke(args=["create-next-event", "--from", "butm2021", "--file", "butm2022.toml"])
    before = _counts()
    response = kl_admin.post("/kl/topmoeder/naeste", data={
        "source": event.id, "programme": _without_tasks(TWO_DAY_FILE, slug="ekstra",
                                                        first="2022-01-28", second="2022-01-29")})
    assert response.status_code == 422
    assert "overlapper med »KL's Børn & Unge Topmøde 2022«" in page_text(response)
    response = kl_admin.post("/kl/topmoeder/naeste",
                             data={"source": 99999, "bundled": "butm2022.toml"})
    assert response.status_code == 422
    assert "Det forrige topmøde findes ikke." in page_text(response)
    assert _counts() == before


def test_only_kl_admins_get_in(kl_client, kl_admin):
    assert kl_client.get("/kl/topmoeder").status_code == 403
    assert kl_client.post("/kl/topmoeder/naeste",
                          data={"bundled": "butm2022.toml"}).status_code == 403
    assert "Topmøder" in page_text(kl_admin.get("/kl/kommuner"))
    assert ">Topmøder<" not in kl_client.get("/kl/kommuner").get_data(as_text=True)
