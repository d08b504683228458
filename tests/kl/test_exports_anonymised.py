"""The anonymised export of demo-like data: no municipality named directly or indirectly (every
published region/size group stands for at least three municipalities, the island
municipalities never stand alone, no name or demonym in any cell) and personal data masked."""

import csv
import io
import re
from collections import defaultdict

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from delib.extensions import db
from delib.models import AuditEntry, Municipality
from delib.services.kl import exports, overview
from delib.tasks.demo import NoteSpec, make_submission, seed_national_demo

ISLANDS = ("Læsø", "Samsø", "Fanø", "Ærø")
CHILD = "Mohammed i 4.a har 30 % fravær – ring til Lone på 23 45 67 89, hun kender sagen"
MASKED = "[navn] i 4.a har 30 % fravær – ring til [navn] på [telefon], hun kender sagen"
#: Notes that name municipalities by their inhabitants or adjectives, as notes do.
DEMONYMS = {
    "Aarhus": "Den aarhusianske model m. fremskudt PPR – kan vi låne den?",
    "Læsø": "Læsøboerne har 2 t. med færgen til PPR, tele-udredning?",
    "Samsø": "Samsingerne deler UU-vejleder med Odder, aftale til BUU",
    "Fanø": "Fanøs elever tager færgen til 10. kl. i Esbjerg – trivsel??",
    "Ærø": "Ærøboerne: kun én skole tilbage, Marstal. Lærerrekruttering!",
}


@pytest.fixture
def demo_like(event, make_committee):
    """The four island municipalities and Aarhus submit notes that name places and a child; the
    national demo fills in the other municipalities, as `flask demo` does."""
    t1 = event.tasks[0]
    for name, body in DEMONYMS.items():
        committee = make_committee(municipality=name)
        notes = [NoteSpec(body, tasks=[t1], author_name="Jette")]
        if name == "Aarhus":
            notes.append(NoteSpec(CHILD, tasks=[t1], author_name="Jette"))
        make_submission(committee, notes, summaries=[(t1, None, "Københavnerne gør det bedre")],
                        actions=[(t1, "Fælles PPR-aftale", "Mette Hansen", "planned")])
    seed_national_demo(event, notes=300, seed=11)
    db.session.commit()


def municipality_patterns() -> list[re.Pattern]:
    """Every municipality's name and official name, as a word; names that are also words
    ("Vejen", "Odder") only when capitalised."""
    patterns = []
    for m in db.session.scalars(select(Municipality)):
        for name in {m.name, m.official_name}:
            flags = 0 if name in exports._NAMES_THAT_ARE_WORDS else re.IGNORECASE
            patterns.append(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", flags))
    return patterns


def cells(workbook) -> list[str]:
    return [str(c.value) for ws in workbook for row in ws.iter_rows() for c in row
            if c.value is not None]


def test_every_published_group_stands_for_three_municipalities(event, demo_like):
    sheets = exports.sheets(event, overview.Filters(), anonymise=True)
    members, label_of = defaultdict(set), {}
    for sheet in sheets[:-1]:
        for row, m in zip(sheet.rows, sheet.municipalities, strict=True):
            members[(row[0], row[1])].add(m.code)
            assert label_of.setdefault(m.code, (row[0], row[1])) == (row[0], row[1])
    assert len(label_of) > 40
    assert min(len(codes) for codes in members.values()) >= exports.MIN_GROUP, members
    # The island municipalities are merged (into their region, or the whole country).
    islands = dict(db.session.execute(select(Municipality.name, Municipality.code)
                                      .where(Municipality.name.in_(ISLANDS))).all())
    for name, code in islands.items():
        assert label_of[code][1] == "Alle størrelser (sammenlagt)", name
    assert not any(label[1] == "Ø-kommuner" for label in members)
    # Larger cells still show region and size group.
    assert ("Region Hovedstaden", "Under 50.000 indbyggere") in members


def test_no_cell_names_a_municipality_and_personal_data_is_masked(event, demo_like):
    sheets = exports.sheets(event, overview.Filters(), anonymise=True)
    workbook = load_workbook(io.BytesIO(exports.to_xlsx(sheets)))
    assert workbook.sheetnames == ["Noter", "Opsummeringer", "Handlinger", "Opfølgning",
                                   "Om anonymiseringen"]
    found = cells(workbook)
    patterns = municipality_patterns()
    named = [(cell, p.pattern) for cell in found for p in patterns if p.search(cell)]
    assert named == []
    text = "\n".join(found)
    for demonym in ("aarhusianske", "Læsøboerne", "Samsingerne", "Fanøs", "Ærøboerne",
                    "Københavnerne", "Esbjerg", "Odder"):
        assert demonym not in text, demonym
    assert "Den [kommunen] model m. fremskudt PPR – kan vi låne den?" in text
    assert "[kommunen] gør det bedre" in text
    assert MASKED in text and "Mohammed" not in text and "Lone" not in text
    assert "Mette Hansen" not in text and "[navn]" in [r[-3] for r in sheets[2].rows]
    assert "Jette" not in text and "Ø-kommuner" not in " ".join(cells([workbook["Noter"]]))
    assert "Ingen kommune nævnes direkte eller indirekte." in text


def test_anonymised_csv_download_names_no_municipality(kl_client, event, demo_like):
    response = kl_client.post("/kl/eksport",
                              data={"format": "csv", "kind": "notes", "anonymise": "1"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="butm2021-noter-anonymiseret.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Region", "Størrelsesgruppe"] and len(rows) > 300
    patterns = municipality_patterns()
    assert not [c for r in rows for c in r for p in patterns if p.search(c)]
    assert MASKED in [r[-1] for r in rows]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.csv"))
    assert entry.details["anonymised"] is True and entry.details["rows"] == len(rows) - 1


def test_a_filter_down_to_one_island_is_refused(kl_client, event, demo_like):
    laeso = db.session.scalar(select(Municipality).where(Municipality.name == "Læsø"))
    response = kl_client.post("/kl/eksport", data={
        "format": "xlsx", "kind": "all", "anonymise": "1",
        "region": str(laeso.region_code), "size": "island"})
    assert response.status_code == 400
    assert "færre end 3 kommuner" in response.get_data(as_text=True)
    # Not anonymised, KL's own analysts may still see it.
    plain = kl_client.post("/kl/eksport", data={
        "format": "csv", "kind": "notes", "region": str(laeso.region_code), "size": "island"})
    assert "Læsø" in plain.data.decode("utf-8-sig")


def test_groups_too_small_are_merged_into_region_then_country(app):
    by_name = {m.name: m for m in db.session.scalars(select(Municipality))}
    capital = ("København", "Frederiksberg", "Gentofte", "Gladsaxe")
    chosen = [by_name[n] for n in (*capital, "Fanø", "Ærø", "Odense", "Læsø", "Aalborg")]
    labels = exports.publishable_groups(chosen)
    for name in capital:  # four large municipalities of one region: shown as they are
        assert labels[by_name[name].code] == ("Region Hovedstaden", "Over 50.000 indbyggere")
    # Fanø, Ærø and Odense make Syddanmark's three, but Nordjylland's two (Læsø, Aalborg) would
    # stand alone in the nationwide group: the smallest published group joins them.
    merged = ("Hele landet (sammenlagt)", "Alle størrelser (sammenlagt)")
    for name in ("Fanø", "Ærø", "Odense", "Læsø", "Aalborg"):
        assert labels[by_name[name].code] == merged, name
    # Three of Syddanmark's, one of them an island: merged within the region.
    three = [by_name[n] for n in ("Fanø", "Ærø", "Odense")]
    assert set(exports.publishable_groups(three).values()) == {
        ("Region Syddanmark", "Alle størrelser (sammenlagt)")}
    assert exports.publishable_groups(three[:2]) == {m.code: None for m in three[:2]}
