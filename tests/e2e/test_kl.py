"""Journey 3 in a real browser: KL's analyst sees the overview across the municipalities,
filters, searches in Danish and exports what is shown."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from delib.auth import hash_password
from delib.extensions import db
from delib.models import Committee, Event, User
from delib.services.kl import search
from delib.tasks.demo import NoteSpec, make_submission, seed_national_demo
from tests.e2e.helpers import assert_accessible, expect, shoot, watch_page

KL_EMAIL = "analytiker@kl.example.dk"
PASSWORD = "korrekt-hest-batteri"
AARHUS_NOTE = "Skolefraværet falder, når ungdomsklubben åbner om morgenen før skoletid."


@pytest.fixture
def submitted_contributions(live_app, seed):
    """Demo contributions from most municipalities, Aarhus's own submission, and a KL analyst."""
    with live_app.app_context():
        event = db.session.get(Event, seed["event_id"])
        seed_national_demo(event, notes=300, seed=7)
        aarhus = db.session.get(Committee, seed["committee_id"])
        tasks = {t.number: t for t in event.tasks}
        make_submission(aarhus, [
            NoteSpec(body=AARHUS_NOTE, tasks=[tasks[4]], slot_id=seed["slot_id"],
                     key_point=True),
            NoteSpec(body="Ledelsesniveauerne skal mødes på tværs af dagtilbud og skole.",
                     tasks=[tasks[2]], slot_id=seed["slot_id"]),
        ], summaries=[(tasks[4], None, "Aarhus vil dele erfaringer med fravær på tværs.")])
        db.session.add(User(email=KL_EMAIL, name="Karen Analytiker", role="kl_analyst",
                            password_hash=hash_password(PASSWORD)))
        search.rebuild_index()
        db.session.commit()
        db.session.remove()
    return seed


def test_kl_overview_filter_search_and_export(live_server, live_app, submitted_contributions,
                                              new_context, tmp_path):
    page = new_context().new_page()
    problems = watch_page(page)
    page.goto(live_server("/login"))
    page.get_by_label("E-mail").fill(KL_EMAIL)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    # KL staff land on their overview (not on a chair's committee list they may not see).
    expect(page).to_have_url(live_server("/kl/"))

    # The overview: participation across the country, only submitted contributions.
    expect(page.get_by_role("heading", level=1)).to_contain_text("KL-overblik")
    expect(page.locator(".demo-notice")).to_be_visible()
    expect(page.locator(".key-figures").first).to_contain_text("af 98")
    expect(page.locator(".coverage-figures")).to_contain_text("af 98 kommuner")
    assert_accessible(page, "KL's overview")
    shoot(page, "kl-overview")

    # Municipalities, filtered to Region Midtjylland: Aarhus is there, Copenhagen is not.
    kl_nav = page.get_by_role("navigation", name="KL-overblik")
    kl_nav.get_by_role("link", name="Kommuner", exact=True).click()
    page.get_by_label("Region").select_option(label="Region Midtjylland")
    page.get_by_role("button", name="Vis").click()
    expect(page.locator("main table")).to_contain_text("Aarhus")
    expect(page.locator("main table")).not_to_contain_text("København")
    assert_accessible(page, "the municipalities list")

    # Search in Danish: "fravær" finds "Skolefraværet" (compound and inflection), marked.
    kl_nav.get_by_role("link", name="Noter og søgning").click()
    page.get_by_label("Søg i noterne").fill("fravær")
    page.get_by_label("Kommune", exact=True).select_option(label="Aarhus")
    page.get_by_role("button", name="Vis").click()
    results = page.locator("#results")
    expect(results).to_contain_text("Skolefraværet falder")
    expect(results.locator("mark").first).to_be_visible()
    expect(results.locator(".result-count")).to_contain_text(re.compile(r"^\s*1 note"))
    expect(results).not_to_contain_text("Ledelsesniveauerne")
    assert_accessible(page, "the notes search")
    shoot(page, "kl-search")

    # Export exactly what is shown, as CSV and as Excel.
    results.get_by_role("link", name="Eksportér det viste (CSV eller Excel)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Eksportér")
    assert_accessible(page, "the export page")
    page.get_by_label("Noter", exact=True).check()
    page.get_by_label("CSV (semikolon, UTF-8)").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Hent fil").click()
    csv_path = tmp_path / "export.csv"
    info.value.save_as(csv_path)
    text = csv_path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 2, rows  # header + the one Aarhus note found
    assert any(AARHUS_NOTE in cell for cell in rows[1])
    assert "Aarhus" in rows[1]

    page.get_by_label("Alt: noter, opsummeringer, handlinger og opfølgning (kun Excel)").check()
    page.get_by_label("Excel (.xlsx)").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Hent fil").click()
    xlsx_path = tmp_path / "export.xlsx"
    info.value.save_as(xlsx_path)
    workbook = load_workbook(xlsx_path, read_only=True)
    cells = [str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)
             for c in row if c is not None]
    workbook.close()
    assert any(AARHUS_NOTE in c for c in cells)
    assert len(workbook.sheetnames) >= 2

    # A task's page: recurring themes, summaries and actions.
    page.goto(live_server("/kl/"))
    page.get_by_role("navigation", name="KL-overblik").get_by_role("link", name="Opgave 4").click()
    expect(page.locator("main")).to_contain_text("Tilbagevendende temaer")
    expect(page.locator("main")).to_contain_text("Aarhus vil dele erfaringer med fravær på tværs.")
    assert_accessible(page, "a task's page")
    shoot(page, "kl-task", readme=False)  # thousands of pixels tall

    with live_app.app_context():
        assert db.session.scalar(select(User).where(User.email == KL_EMAIL)).role == "kl_analyst"
    assert not problems, "\n".join(problems)
