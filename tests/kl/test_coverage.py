"""KL's municipality × task grid: who said something on each task, and where the gaps are."""

import re
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from delib.extensions import db
from delib.models import Municipality, Note
from delib.services.kl import coverage, overview
from delib.tasks.demo import NoteSpec, make_submission
from tests.conftest import text_of

URL = "/kl/daekning"



@pytest.fixture
def contributions(event, make_committee):
    """Aarhus submitted twice (v2 counts), Læsø once, Vejle without tasks, Odense a draft only."""
    t1, t2, t3, t4 = event.tasks
    aarhus = make_committee(municipality="Aarhus")
    make_submission(aarhus, [NoteSpec("v1: UU-vejledning ud på skolerne, ikke kun i 9.",
                                      tasks=[t4])])
    make_submission(aarhus, [
        NoteSpec("Politikken er for abstrakt – skal kunne bruges af lederne i dagtilbud",
                 tasks=[t1]),
        NoteSpec("Fælles ledelsesforum skole/dagtilbud/PPR, mødes 4 gange om året",
                 tasks=[t1, t2]),
        NoteSpec("SSP og klubberne skal tale sammen før sommerferien", tasks=[t2]),
    ])
    # Written after the submission: a draft, which KL never counts.
    db.session.add(Note(committee=aarhus, client_key="kladde-1", author_name="Mette",
                        body="KLADDE: luk 3 projekter i SFO", tasks=[t3]))
    laeso = make_committee(municipality="Læsø")
    make_submission(laeso, [NoteSpec("Færgen styrer alt – FGU må komme til os", tasks=[t1])])
    vejle = make_committee(municipality="Vejle")
    make_submission(vejle, [NoteSpec("Godt oplæg, men vi nåede ikke at drøfte det", tasks=[])])
    odense = make_committee(municipality="Odense")
    db.session.add(Note(committee=odense, client_key="kladde-2", author_name="Ole",
                        body="KLADDE: AKT-vejlederne er for få", tasks=[t4]))
    db.session.commit()
    return {"aarhus": aarhus, "laeso": laeso, "vejle": vejle, "odense": odense}


def _grid(response) -> dict:
    """The coverage table as {municipality: [cell per task]}, each cell (text, link or None)."""
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    table = tree.xpath("//table[contains(@class, 'coverage')]")[0]
    rows = {}
    for tr in table.xpath("./tbody/tr[th[@scope='row']]"):
        # A submitted municipality's name is its first link (the second is its contribution).
        name = (tr.xpath("./th/a[1]") or tr.xpath("./th"))[0].text_content().strip()
        cells = []
        for td in tr.xpath("./td"):
            link = td.xpath(".//a/@href")
            text = re.sub(r"\s+", " ", " ".join(td.itertext())).strip()
            cells.extend([(text, link[0] if link else None)] * int(td.get("colspan", 1)))
        rows[name] = cells
    return rows


def _code(name: str) -> int:
    return db.session.scalar(select(Municipality.code).where(Municipality.name == name))


def test_counts_come_from_the_latest_submissions_only(event, contributions):
    t1, t2, t3, t4 = (t.id for t in event.tasks)
    c = coverage.coverage(event)
    assert len(c.rows) == 98
    rows = {r.name: r for r in c.rows}
    assert rows["Aarhus"].submitted and rows["Aarhus"].notes == {t1: 2, t2: 2}  # v1's t4 is gone
    assert rows["Læsø"].notes == {t1: 1}
    assert rows["Vejle"].submitted and rows["Vejle"].notes == {}
    assert not rows["Odense"].submitted and rows["Odense"].notes == {}  # a draft only
    assert not rows["København"].submitted
    assert c.totals == {t1: 2, t2: 1, t3: 0, t4: 0}
    assert c.submitted == 3


def test_a_new_version_replaces_the_old_counts(event, contributions):
    t1, t2, t3, _t4 = event.tasks
    make_submission(contributions["aarhus"], [
        NoteSpec("Projektlisten gennemgås i BUU i marts; luk dem uden effekt", tasks=[t3])])
    db.session.commit()
    aarhus = next(r for r in coverage.coverage(event).rows if r.name == "Aarhus")
    assert aarhus.notes == {t3.id: 1}


def test_committees_of_one_municipality_add_up(event, contributions, make_committee):
    t1 = event.tasks[0]
    second = make_committee(municipality="Aarhus", name="Folkeoplysningsudvalget")
    make_submission(second, [NoteSpec("Klubberne med i politikken fra start", tasks=[t1])])
    db.session.commit()
    c = coverage.coverage(event)
    assert [r.notes for r in c.rows if r.name == "Aarhus"] == [{t1.id: 3, event.tasks[1].id: 2}]
    assert c.totals[t1.id] == 2 and c.submitted == 3  # still one municipality each


def test_grid_shows_counts_gaps_and_missing_contributions(kl_client, event, contributions):
    response = kl_client.get(URL)
    assert response.status_code == 200
    grid = _grid(response)
    assert len(grid) == 98
    assert [text for text, _link in grid["Aarhus"]] == ["2 noter", "2 noter", "– intet", "– intet"]
    assert [text for text, _link in grid["Læsø"]] == ["1 note", "– intet", "– intet", "– intet"]
    assert [text for text, _link in grid["Vejle"]] == ["– intet"] * 4
    # Submitted-but-silent and not-submitted look different, in words and not only in colour.
    assert [text for text, _link in grid["Odense"]] == ["ikke indsendt"] * 4
    assert all(link is None for _text, link in grid["Odense"] + grid["Vejle"])
    page = text_of(response)
    assert "3 af 98 kommuner har indsendt et bidrag. 95 har ikke." in page
    assert "KLADDE" not in page and "v1:" not in page
    assert "Kommuner med noter 2 af 98 1 af 98 0 af 98 0 af 98" in page


def test_grid_is_an_accessible_table_grouped_by_region(kl_client, event, contributions):
    html = kl_client.get(URL).get_data(as_text=True)
    tree = lxml.html.fromstring(html)
    table = tree.xpath("//table[contains(@class, 'coverage')]")[0]
    assert table.xpath("./caption")[0].text_content().strip()
    headers = table.xpath("./thead/tr/th[@scope='col']")
    assert headers[0].text_content().strip() == "Kommune"
    # "Opgave 1" where there is room, "Opg. 1" on a phone (the CSS shows one of them).
    assert [(th.xpath(".//*[@class='coverage-long']")[0].text_content(),
             th.xpath(".//*[@class='coverage-short']")[0].text_content(),
             th.xpath(".//*[@class='coverage-title']")[0].text_content())
            for th in headers[1:]] == [
        (f"Opgave {t.number}", f"Opg. {t.number}", t.short_title) for t in event.tasks]
    regions = [th.text_content().split("\n")[0] for th in table.xpath(".//th[@scope='rowgroup']")]
    assert regions == list(overview.regions().values())  # as in the filter, by region code
    assert len(table.xpath("./tbody")) == 5
    midt = table.xpath("./tbody[tr/th[@scope='rowgroup'][contains(., 'Midtjylland')]]")[0]
    assert "Aarhus" in midt.text_content() and "Odense" not in midt.text_content()
    assert re.search(r"1 af 19 kommuner har indsendt", midt.text_content())
    assert "style=" not in html  # CSP: no inline styles


def test_filled_cell_links_to_exactly_those_notes(kl_client, event, contributions):
    grid = _grid(kl_client.get(URL))
    text, link = grid["Aarhus"][0]
    assert text == "2 noter"
    query = parse_qs(urlsplit(link).query)
    assert query == {"municipality": [str(_code("Aarhus"))], "task": [str(event.tasks[0].id)]}
    page = text_of(kl_client.get(link))
    assert "2 noter" in page
    assert "Politikken er for abstrakt" in page and "Fælles ledelsesforum" in page
    assert "SSP og klubberne" not in page  # Aarhus, but only task 2
    assert "Færgen styrer alt" not in page  # task 1, but Læsø
    assert "v1: UU-vejledning" not in page
    _text, link = grid["Aarhus"][1]
    page = text_of(kl_client.get(link))
    assert "Fælles ledelsesforum" in page and "SSP og klubberne" in page
    assert "Politikken er for abstrakt" not in page


def test_region_and_size_filters_narrow_the_rows(kl_client, event, contributions):
    nordjylland = db.session.scalar(
        select(Municipality.region_code).where(Municipality.name == "Læsø"))
    response = kl_client.get(f"{URL}?region={nordjylland}")
    grid = _grid(response)
    assert len(grid) == 11 and "Læsø" in grid and "Aalborg" in grid and "Aarhus" not in grid
    page = text_of(response)
    assert "1 af 11 kommuner har indsendt et bidrag." in page
    assert "Kommuner med noter 1 af 11 0 af 11 0 af 11 0 af 11" in page
    grid = _grid(kl_client.get(f"{URL}?size=island"))
    assert sorted(grid) == ["Fanø", "Læsø", "Samsø", "Ærø"]
    # The form keeps the choice, and works as a plain GET without JavaScript.
    html = kl_client.get(f"{URL}?size=island").get_data(as_text=True)
    form = lxml.html.fromstring(html).xpath("//form[contains(@class, 'filters')]")[0]
    assert form.get("method") == "get" and form.get("action") == URL
    assert form.xpath(".//option[@selected]/@value") == ["island"]


def test_a_bad_filter_says_so_in_danish_and_shows_everything(kl_client, contributions):
    response = kl_client.get(f"{URL}?region=77&size=kæmpe")
    assert response.status_code == 200
    page = text_of(response)
    assert "Den valgte region findes ikke." in page
    assert "Den valgte størrelsesgruppe findes ikke." in page
    assert len(_grid(response)) == 98


def test_overview_shows_the_gaps_per_task_and_links_to_the_grid(kl_client, event, contributions):
    response = kl_client.get("/kl/")
    page = text_of(response)
    t1, t2, t3 = event.tasks[:3]
    assert f"Opgave 1: {t1.short_title} 2 af 98 kommuner" in page
    assert f"Opgave 2: {t2.short_title} 1 af 98 kommuner" in page
    assert f"Opgave 3: {t3.short_title} 0 af 98 kommuner" in page
    assert "95 kommuner har ikke indsendt noget." in page
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    assert tree.xpath("//main//a[@href='/kl/daekning']")
    nav = tree.xpath("//nav[@aria-label='KL-overblik']//a[@href='/kl/daekning']")
    assert nav and nav[0].text_content() == "Kommuner og opgaver"


def test_links_stay_with_the_chosen_event(kl_client, event, contributions):
    grid = _grid(kl_client.get(f"{URL}?event={event.slug}"))
    _text, link = grid["Aarhus"][0]
    assert parse_qs(urlsplit(link).query)["event"] == [event.slug]


def test_only_kl_gets_in(make_user, make_client, contributions):
    make_user(role="chair", email="formand@aarhus.dk")
    client, actions = make_client()
    actions.login("formand@aarhus.dk")
    response = client.get(URL)
    assert response.status_code == 403
    assert "adgang" in text_of(response) and "ikke indsendt" not in text_of(response)
    anonymous, _actions = make_client()
    assert "/login" in anonymous.get(URL).headers["Location"]


def _queries_of(app, client, url) -> tuple:
    """(response, the SELECT statements) of one request, in a fresh session like a server's."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*(SELECT|WITH)\b", statement, re.I):
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        sa_event.listen(engine, "before_cursor_execute", before)
        try:
            response = client.get(url)
        finally:
            sa_event.remove(engine, "before_cursor_execute", before)
    return response, statements


def test_query_count_does_not_grow_with_submissions(app, kl_client, event, make_committee):
    tasks = event.tasks
    make_submission(make_committee(municipality="Aarhus"),
                    [NoteSpec("Fravær i udskolingen, SSP med", tasks=[tasks[0]])])
    db.session.commit()
    few, few_statements = _queries_of(app, kl_client, URL)
    assert "1 af 98 kommuner har indsendt" in text_of(few)
    for k, name in enumerate(("Odense", "Læsø", "Esbjerg", "Ærø", "Tønder", "Gentofte")):
        make_submission(make_committee(municipality=name), [
            NoteSpec(f"{name}: punkt {i}", tasks=tasks[i % 4: i % 4 + 1 + k % 2])
            for i in range(25)])
    db.session.commit()
    many, many_statements = _queries_of(app, kl_client, URL)
    assert "7 af 98 kommuner har indsendt" in text_of(many)
    assert len(many_statements) == len(few_statements), "\n".join(
        s for s, _p in many_statements)
    # Exactly one statement reads the submitted notes' tasks: the grid's GROUP BY.
    grids = [s for s, _p in many_statements if "submission_note_task" in s]
    assert len(grids) == 1 and "GROUP BY" in grids[0]


def test_the_grid_query_reads_indexes_only(app, event, contributions):
    stmt = coverage._coverage_stmt(event.id, [t.id for t in event.tasks])
    compiled = stmt.compile(db.engine)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + str(compiled),
                           [compiled.params[k] for k in compiled.positiontup])
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + str(compiled), compiled.params)
            plan = "\n".join(str(row[0]) for row in cursor.fetchall())
            raw.rollback()
    finally:
        raw.close()
    for table in ("submission", "submission_note", "submission_note_task"):
        assert not re.search(rf"\bSCAN {table}\b|Seq Scan on {table}\b", plan), plan
    if db.engine.dialect.name == "sqlite":
        # The 20,000 notes are walked per submission in index order, never sorted.
        assert "COVERING INDEX sqlite_autoindex_submission_note_task_1" in plan, plan
