"""Exports for KL: CSV and Excel with context, formula-safe cells, an anonymised variant."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from delib.extensions import db
from delib.forms.kl import parse_filters
from delib.models import AuditEntry, Municipality
from delib.services.kl import exports, overview
from delib.tasks.demo import NoteSpec, make_submission
from tests.conftest import plant_session


@pytest.fixture
def contributions(event, make_committee):
    t1 = event.tasks[0]
    aarhus = make_committee(municipality="Aarhus")
    make_submission(aarhus, [
        NoteSpec("=HYPERLINK(\"http://evil\",\"klik\")", tasks=[t1], author_name="Mette"),
        NoteSpec("I Aarhus og i Odense er fraværet for højt", tasks=[t1],
                 talk_id=event.talks[1].id, slot_id=event.slots[1].id, key_point=True,
                 messages=[event.messages[0]]),
    ], summaries=[(t1, None, "+Aarhus vil handle")],
        actions=[(t1, "@Fraværsplan i Aarhus", "Skolechefen", "under_way")])
    laeso = make_committee(municipality="Læsø")
    make_submission(laeso, [NoteSpec("-Læsøs skole samarbejder med Frederikshavn", tasks=[t1])])
    db.session.commit()



def all_names():
    return [m.name for m in db.session.scalars(select(Municipality))]


def test_notes_sheet_has_context(event, contributions):
    sheet = exports.notes_sheet(event, overview.Filters())
    assert sheet.header[:4] == ["Kommune", "Kommunekode", "Region", "Størrelsesgruppe"]
    rows = {r[-1]: dict(zip(sheet.header, r, strict=True)) for r in sheet.rows}
    row = rows["I Aarhus og i Odense er fraværet for højt"]
    assert row["Kommune"] == "Aarhus" and row["Region"] == "Region Midtjylland"
    assert row["Politisk oplæg"] == event.talks[1].title
    assert row["Pause"] == event.slots[1].title
    assert row["Opgaver"].startswith("1. ") and row["Budskaber til Christiansborg"].startswith("1.")
    assert row["Nøglepunkt"] == "Ja" and row["Indsendt version"] == 1
    assert row["Skrevet"].tzinfo is None


def test_csv_neutralises_formulas(event, contributions):
    content = exports.to_csv(exports.notes_sheet(event, overview.Filters())).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    bodies = [r[-1] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\",\"klik\")" in bodies
    assert "'-Læsøs skole samarbejder med Frederikshavn" in bodies
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_xlsx_has_three_sheets_and_no_formulas(event, contributions):
    f = overview.Filters()
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(exports.sheets(event, f))))
    assert workbook.sheetnames == ["Noter", "Opsummeringer", "Handlinger", "Opfølgning"]
    cells = [c for ws in workbook for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert "'+Aarhus vil handle" in values and "'@Fraværsplan i Aarhus" in values
    assert "I gang" in values
    notes = workbook["Noter"]
    assert notes.freeze_panes == "A2" and notes["A1"].font.bold
    assert notes.max_row == 4  # header + 3 notes of the latest submissions
    assert "Mette" in values  # the author, since the chair chose to show it


def test_anonymised_export_of_two_municipalities_withholds_their_rows(event, contributions):
    # Aarhus and Læsø alone: any row would be one of two known municipalities (tests/kl/
    # test_exports_anonymised.py has the export of many).
    f = overview.Filters()
    sheets = exports.sheets(event, f, anonymise=True)
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(sheets)))
    assert workbook.sheetnames[-1] == "Om anonymiseringen"
    assert all(ws.max_row == 1 for ws in workbook if ws.title != "Om anonymiseringen")
    text = " ".join(str(c.value) for ws in workbook for row in ws.iter_rows() for c in row
                    if c.value is not None)
    for name in all_names():
        assert name not in text, name
    assert "Mette" not in text
    # 3 notes, 1 summary, 1 action.
    assert "5 rækker er udeladt, fordi eksporten omfatter færre end 3 kommuner." in text
    assert sheets[0].header[:2] == ["Region", "Størrelsesgruppe"]


def test_export_filters_apply(event, contributions):
    f = parse_filters(event, {"municipality": "825"})  # Læsø
    assert len(exports.notes_sheet(event, f).rows) == 1


def test_export_download_xlsx_is_audited(kl_client, event, contributions):
    response = kl_client.post("/kl/eksport", data={"format": "xlsx", "kind": "all"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="butm2021-bidrag.xlsx"'
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook["Noter"].max_row == 4
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.xlsx"))
    assert entry is not None and entry.details["anonymised"] is False and entry.details["rows"] > 0


def test_anonymised_download_of_two_municipalities_is_refused_in_danish(kl_client, contributions):
    response = kl_client.post("/kl/eksport",
                              data={"format": "csv", "kind": "notes", "anonymise": "1"})
    assert response.status_code == 400
    assert "færre end 3 kommuner, så hver kommune ville kunne genkendes" in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.csv")) is None


def test_export_download_csv_with_search(kl_client, event, contributions):
    response = kl_client.post("/kl/eksport", data={"format": "csv", "kind": "notes", "q": "fravær"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    assert "fraværet for højt" in text and "HYPERLINK" not in text


def test_export_rejects_bad_choice_in_danish(kl_client, contributions):
    response = kl_client.post("/kl/eksport", data={"format": "csv", "kind": "all"})
    assert response.status_code == 400
    assert "CSV indeholder én slags ad gangen" in response.get_data(as_text=True)
    assert kl_client.post("/kl/eksport", data={"format": "pdf", "kind": "notes"}).status_code == 400


def test_export_form_carries_filters(kl_client, event, contributions):
    html = kl_client.get(f"/kl/eksport?task={event.tasks[0].id}&q=fravær").get_data(as_text=True)
    assert f'name="task" value="{event.tasks[0].id}"' in html
    assert 'name="q" value="fravær"' in html


def test_export_needs_kl_role(make_user, make_client):
    make_user(role="chair", email="c@aarhus.dk")
    client, actions = make_client()
    actions.login("c@aarhus.dk")
    assert client.post("/kl/eksport", data={"format": "xlsx", "kind": "all"}).status_code == 403




@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_export_post_requires_csrf_token(csrf_on, make_user, make_client, contributions):
    user = make_user(role="kl_analyst", email="a@kl.dk", municipality=None)
    client, _actions = make_client()
    plant_session(client, user)
    assert client.get("/kl/").status_code == 200  # signed in
    response = client.post("/kl/eksport", data={"format": "xlsx", "kind": "all"})
    assert response.status_code == 400
    assert "xlsx" not in response.headers.get("Content-Disposition", "")
