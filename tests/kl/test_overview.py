"""Cross-municipality counts for KL: latest submissions only, drafts never, filters, size groups."""

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.forms.kl import parse_filters
from delib.models import Municipality, Note
from delib.services.kl import overview
from delib.services.municipalities import import_population, size_group
from delib.tasks.demo import NoteSpec, make_submission, seed_national_demo


def municipality(name):
    return db.session.scalar(select(Municipality).where(Municipality.name == name))


@pytest.fixture
def contributions(event, make_committee):
    t1, t2 = event.tasks[0], event.tasks[1]
    talk1, talk2 = event.talks[0], event.talks[1]
    theme5 = event.theme_meetings[4]
    aarhus = make_committee(municipality="Aarhus")
    make_submission(aarhus, [NoteSpec("v1 a", tasks=[t1], talk_id=talk1.id),
                             NoteSpec("v1 b", tasks=[t1], talk_id=talk1.id)])
    make_submission(aarhus, [NoteSpec("v2", tasks=[t1, t2], talk_id=talk1.id,
                                      messages=[event.messages[2]])],
                    summaries=[(t1, None, "Aarhus opsummering")],
                    actions=[(t1, "Handling Aarhus", "Chef", "done")])
    odense = make_committee(municipality="Odense")
    make_submission(odense, [NoteSpec("o1", tasks=[t1], talk_id=talk2.id),
                             NoteSpec("o2", tasks=[t1], theme_meeting_id=theme5.id),
                             NoteSpec("o3", tasks=[t2])])
    vejle = make_committee(municipality="Vejle")
    db.session.add(Note(committee=vejle, client_key="d", author_name="A", body="kladde"))
    make_committee(municipality="Samsø")
    db.session.commit()
    return locals()


def test_participation_totals(event, contributions):
    p = overview.participation(event)
    assert (p.total.municipalities, p.total.with_committee, p.total.with_notes,
            p.total.submitted, p.total.notes) == (98, 4, 1, 2, 4)
    regions = {r.label: r for r in p.by_region}
    assert len(regions) == 5
    assert regions["Region Syddanmark"].submitted == 1  # Odense; Vejle only drafted
    assert regions["Region Syddanmark"].with_notes == 1
    assert regions["Region Midtjylland"].with_committee == 2  # Aarhus, Samsø
    sizes = {r.key: r for r in p.by_size}
    assert sizes["island"].municipalities == 4 and sizes["island"].with_committee == 1


def test_size_groups_follow_population(event, contributions):
    import_population("code,population\n751,361000\n461,205000\n630,117000\n741,3700\n")
    db.session.commit()
    sizes = {r.key: r for r in overview.participation(event).by_size}
    assert sizes["over_50000"].submitted == 2
    assert sizes["island"].municipalities == 4  # Samsø stays an island whatever its size
    assert size_group(municipality("Samsø")) == "island"
    f = parse_filters(event, {"size": "over_50000"})
    assert overview.matrix(event, "task", "talk", f).total.notes == 4


def test_matrix_counts_municipalities_and_notes(event, contributions):
    t1, t2 = event.tasks[0].id, event.tasks[1].id
    talk1, talk2 = event.talks[0].id, event.talks[1].id
    m = overview.matrix(event, "task", "talk")
    assert m.cell(t1, talk1).notes == 1 and m.cell(t1, talk1).municipalities == 1  # v2 only
    assert m.cell(t1, talk2).notes == 1
    assert m.cell(t1, None).notes == 1  # Odense's theme-meeting note has no talk
    assert m.row_totals[t1].notes == 3 and m.row_totals[t1].municipalities == 2
    assert m.row_totals[t2].notes == 2
    assert m.total.notes == 4 and m.total.municipalities == 2  # the v2 note counts once
    assert None in m.columns
    assert m.width(1) == 100


def test_matrix_messages_and_theme_meetings(event, contributions):
    m = overview.matrix(event, "message", "slot")
    assert m.total.notes == 1 and m.row_totals[event.messages[2].id].municipalities == 1
    m = overview.matrix(event, "task", "theme_meeting")
    assert m.cell(event.tasks[0].id, event.theme_meetings[4].id).notes == 1


def test_matrix_rejects_unknown_kinds(event):
    with pytest.raises(ValueError):
        overview.matrix(event, "task", "bogus")


def test_parse_filters_checks_ids_against_the_event(event):
    f = parse_filters(event, {"task": str(event.tasks[0].id), "talk": "999",
                                          "region": "1084", "size": "huge", "slot": "x"})
    assert f.task_id == event.tasks[0].id and f.region_code == 1084
    assert f.talk_id is None and f.size_group is None and f.slot_id is None
    assert len(f.errors) == 3


def test_drill_down_filters_and_pages(event, contributions):
    f = parse_filters(event, {"municipality": "461"})
    page = overview.notes_page(event, f, per_page=2)
    assert page.total == 3 and page.pages == 2 and len(page.items) == 2
    assert overview.notes_page(event, f, page=2, per_page=2).items[0][0].body == "o3"
    f = parse_filters(event, {"message": str(event.messages[2].id)})
    assert [n.body for n, _m in overview.notes_page(event, f).items] == ["v2"]


def test_summaries_and_actions_latest_only(event, contributions):
    f = parse_filters(event, {"task": str(event.tasks[0].id)})
    assert [s.body for s, _m in overview.summaries(event, f)] == ["Aarhus opsummering"]
    assert [a.title for a, _m in overview.actions(event, f)] == ["Handling Aarhus"]


def test_reopened_contribution_counts_previous_version_until_resubmitted(event, contributions):
    # Before a new version is submitted, KL still sees the last submitted one.
    aarhus = contributions["aarhus"]
    p = overview.participation(event)
    assert p.total.submitted == 2
    make_submission(aarhus, [])
    db.session.commit()
    assert overview.participation(event).total.notes == 3


def test_overview_is_sql_bounded_with_demo_data(event):
    seed_national_demo(event, notes=600, seed=1)
    db.session.commit()
    p = overview.participation(event)
    assert p.total.notes == 600
    m = overview.matrix(event, "task", "slot")
    assert m.total.notes == 600
    assert sum(c.notes for c in m.column_totals.values()) == 600  # every note has a break
    assert p.demo_submissions == p.total.submitted


def test_load_population_cli(runner, tmp_path):
    path = tmp_path / "folketal.csv"
    path.write_text("code;name;population\n101;København;653.664\n825;Læsø;1.764\n",
                    encoding="utf-8-sig")
    result = runner.invoke(args=["load-population", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 kommuner" in result.output and "96 kommuner stod ikke i filen" in result.output
    assert municipality("København").population == 653664
    assert size_group(municipality("København")) == "over_50000"


@pytest.mark.parametrize("content, message", [
    ("kode,indbyggere\n101,5\n", "overskriftslinje"),
    ("code,population\n101,653664\n999,5\n", "Linje 3: kommunekoden »999« findes ikke."),
    ("code,population\n101,mange\n", "Linje 2: indbyggertallet »mange«"),
    ("code,population\n101,5\n101,6\n", "står der to gange"),
    ("code,name,population\n101,Aarhus,5\n", "kode 101 er København, ikke Aarhus"),
    ("code,population\n", "ingen kommuner"),
])
def test_load_population_refuses_bad_files_and_changes_nothing(runner, tmp_path, content,
                                                               message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["load-population", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert municipality("København").population is None


def test_matrices_in_one_statement_equal_single_matrices(event, contributions):
    together = overview.matrices(event, "task")
    for kind, combined in zip(overview.COL_KINDS, together, strict=True):
        alone = overview.matrix(event, "task", kind)
        assert combined.col_kind == kind
        assert combined.cells == alone.cells and combined.total == alone.total
        assert combined.column_totals == alone.column_totals
        assert combined.row_totals == alone.row_totals


def _counted_from_note_rows(event, rows, cols, f):
    """The matrix counted the slow, obvious way: note by note, from the drill-down's rows."""
    cells, row_totals, column_totals = {}, {}, {}
    total = [0, set()]

    def add(counts, key, code):
        entry = counts.setdefault(key, [0, set()])
        entry[0] += 1
        entry[1].add(code)

    for note, m in db.session.execute(overview.notes_query(event, f)):
        items = note.tasks if rows == "task" else note.messages
        if not items:
            continue  # a note without a task is in no row and no total
        col = getattr(note, f"{cols}_id")
        add(column_totals, col, m.code)
        total[0] += 1
        total[1].add(m.code)
        for item in items:
            add(cells, (item.id, col), m.code)
            add(row_totals, item.id, m.code)

    def as_cells(counts):
        return {key: overview.Cell(len(codes), n) for key, (n, codes) in counts.items()}

    return (as_cells(cells), as_cells(row_totals), as_cells(column_totals),
            overview.Cell(len(total[1]), total[0]))


@pytest.mark.parametrize("args", [
    {}, {"region": "1084"}, {"size": "island"}, {"municipality": "751"}, {"key_points": "1"},
    {"talk": "first"}, {"slot": "second"}, {"task": "first"}, {"message": "first"},
])
def test_matrices_equal_a_count_of_the_note_rows(event, contributions, args):
    seed_national_demo(event, notes=300, seed=7, participation=0.5, submit_share=0.8)
    db.session.commit()
    ids = {"talk": event.talks[0].id, "slot": event.slots[1].id, "task": event.tasks[0].id,
           "message": event.messages[0].id}
    args = {key: str(ids[key]) if value in ("first", "second") else value
            for key, value in args.items()}
    f = parse_filters(event, args)
    assert not f.errors
    for rows in overview.ROW_KINDS:
        # All three contexts from one statement, as the overview asks for them (this also
        # covers a task filter on the task rows, whose EXISTS once lost its FROM clause).
        for m in overview.matrices(event, rows, overview.COL_KINDS, f):
            cells, row_totals, column_totals, total = _counted_from_note_rows(
                event, rows, m.col_kind, f)
            assert (m.cells, m.row_totals, m.column_totals, m.total) == (
                cells, row_totals, column_totals, total), (rows, m.col_kind)
            assert (None in m.columns) == (None in column_totals)
    everything = overview.matrix(event, "task", "slot")
    assert everything.total.notes > 0 and len(everything.cells) > 4


def test_participation_adds_up_the_municipalities(event, contributions):
    seed_national_demo(event, notes=200, seed=5, participation=0.6, submit_share=0.7)
    db.session.commit()
    rows = overview.participation_by_municipality(event)
    p = overview.participation(event)

    def expected(group):
        return (len(group), sum(r.committees > 0 for r in group),
                sum(r.draft_notes > 0 for r in group), sum(r.submissions > 0 for r in group),
                sum(r.submitted_notes for r in group))

    def got(g):
        return (g.municipalities, g.with_committee, g.with_notes, g.submitted, g.notes)

    assert got(p.total) == expected(rows)
    assert p.total.notes == 200 + 4  # the demo's notes and the fixture's latest versions
    assert [g.label for g in p.by_region] == list(overview.regions().values())
    for g in p.by_region:
        assert got(g) == expected([r for r in rows if r.region_code == int(g.key)]), g.label
    assert [g.key for g in p.by_size] == [
        key for key in overview.SIZE_ORDER if any(r.size_group == key for r in rows)]
    for g in p.by_size:
        assert got(g) == expected([r for r in rows if r.size_group == g.key]), g.key
    assert p.demo_submissions == sum(r.demo for r in rows) > 0
