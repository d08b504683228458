"""KL's size groups shipped with the code (1 January 2021), and the population import on top."""

import csv
import re
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from delib.extensions import db
from delib.models import Municipality
from delib.services.kl import overview
from delib.services.municipalities import (
    SIZE_GROUPS_FILE,
    load_municipalities,
    shipped_size_groups,
    size_group,
)
from tests.conftest import text_of

ROOT = Path(__file__).resolve().parent.parent
ISLANDS = {"Fanø", "Læsø", "Samsø", "Ærø"}
#: The municipalities the issue names as far from 50,000 on either side.
CLEARLY_OVER = {"København", "Aarhus", "Odense", "Aalborg"}
CLEARLY_UNDER = {"Dragør", "Langeland", "Morsø"}
#: A row of /kl/kommuner: name (maybe a link), region, size group.
ROW = re.compile(r'<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th>\s*<td>[^<]*</td>\s*'
                 r"<td>([^<]*)</td>")


def _shipped_file() -> str:
    return resources.files("delib.data").joinpath(SIZE_GROUPS_FILE).read_text("utf-8")


def _by_name() -> dict[str, str | None]:
    names = {m.code: m.name for m in db.session.scalars(select(Municipality))}
    return {names[code]: group for code, group in shipped_size_groups().items()}


def _left_for_import() -> set[str]:
    return {name for name, group in _by_name().items() if group is None}


@pytest.fixture
def kl_browser(make_user, make_client):
    make_user(role="kl_analyst", email="storrelse@kl.dk", municipality=None)
    client, actions = make_client()
    actions.login("storrelse@kl.dk")
    return client


def test_the_file_states_its_source_and_date_and_how_many_are_left(app):
    text = _shipped_file()
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "Danmarks Statistik" in header and "FOLK1A" in header
    assert "1 January 2021" in header and "2021K1" in header
    left = len(_left_for_import())
    assert 0 < left < 98 - 4
    assert f"{left} municipalities close to 50.000 are left empty" in " ".join(
        line.lstrip("# ") for line in header.splitlines())
    docs = (ROOT / "docs/population.md").read_text("utf-8")
    assert f"{left} municipalities" in docs


def test_the_file_covers_the_98_municipalities_with_their_names(app):
    municipalities = list(csv.DictReader(
        resources.files("delib.data").joinpath("municipalities.csv").read_text("utf-8")
        .splitlines()))
    rows = list(csv.DictReader(line for line in _shipped_file().splitlines()
                               if not line.startswith("#")))
    assert [(r["code"], r["name"]) for r in rows] == [
        (m["code"], m["name"]) for m in municipalities]


def test_known_groups(app):
    groups = _by_name()
    assert {name for name, g in groups.items() if g == "island"} == ISLANDS
    assert all(groups[name] == "over_50000" for name in CLEARLY_OVER)
    assert all(groups[name] == "under_50000" for name in CLEARLY_UNDER)
    # Close to the threshold: no guess, the import decides.
    assert {"Ballerup", "Greve", "Varde", "Fredericia"} <= _left_for_import()


def test_loaded_municipalities_carry_the_shipped_group(app):
    by_name = {m.name: m for m in db.session.scalars(select(Municipality))}
    assert by_name["København"].size_group == "over_50000"
    assert size_group(by_name["Aalborg"]) == "over_50000"
    assert size_group(by_name["Morsø"]) == "under_50000"
    assert size_group(by_name["Ærø"]) == "island"
    assert size_group(by_name["Varde"]) == "unknown"


def test_participation_view_shows_the_groups_and_unknown_only_for_the_ones_left(
        kl_browser, event):
    html = kl_browser.get("/kl/kommuner").get_data(as_text=True)
    shown = dict(ROW.findall(html))
    assert len(shown) == 98
    left = _left_for_import()
    assert {name for name, label in shown.items() if label == "Ukendt indbyggertal"} == left
    assert {name for name, label in shown.items() if label == "Ø-kommuner"} == ISLANDS
    assert shown["København"] == shown["Aalborg"] == "Over 50.000 indbyggere"
    assert shown["Dragør"] == shown["Langeland"] == "Under 50.000 indbyggere"
    # The filter uses the same groups as the table.
    page = text_of(kl_browser.get("/kl/kommuner?size=unknown"))
    assert f"{len(left)} kommuner" in page


def test_overview_size_table(kl_browser, event):
    groups = list(_by_name().values())
    sizes = {g.key: g.municipalities for g in overview.participation(event).by_size}
    assert sizes == {"island": 4, "under_50000": groups.count("under_50000"),
                     "over_50000": groups.count("over_50000"), "unknown": groups.count(None)}
    page = text_of(kl_browser.get("/kl/"))
    assert f"Ukendt indbyggertal {groups.count(None)} " in page
    assert f"Over 50.000 indbyggere {groups.count('over_50000')} " in page


def test_the_population_import_overrides_the_shipped_groups(kl_browser, event, runner,
                                                            tmp_path):
    path = tmp_path / "folketal.csv"
    # Hypothetical figures: a file that moves Dragør up and settles Varde.
    path.write_text("code;name;population\n155;Dragør;60.000\n573;Varde;49.500\n"
                    "825;Læsø;1.764\n", encoding="utf-8")
    result = runner.invoke(args=["load-population", str(path)])
    assert result.exit_code == 0, result.output
    shown = dict(ROW.findall(kl_browser.get("/kl/kommuner").get_data(as_text=True)))
    assert shown["Dragør"] == "Over 50.000 indbyggere"
    assert shown["Varde"] == "Under 50.000 indbyggere"
    assert shown["Læsø"] == "Ø-kommuner"
    assert shown["Langeland"] == "Under 50.000 indbyggere"  # not in the file: shipped group
    # Reloading the municipalities keeps the imported figure, and it still wins.
    load_municipalities()
    db.session.commit()
    dragor = db.session.scalar(select(Municipality).where(Municipality.name == "Dragør"))
    assert dragor.size_group == "under_50000" and size_group(dragor) == "over_50000"
    sizes = {g.key: g.municipalities for g in overview.participation(event).by_size}
    assert sizes["unknown"] == len(_left_for_import()) - 1


def test_an_unknown_group_in_the_file_is_refused(app, monkeypatch):
    from delib.services import municipalities

    text = _shipped_file().replace("101,København,over_50000", "101,København,stor")
    monkeypatch.setattr(municipalities, "resources", _FakeResources(text))
    with pytest.raises(ValueError, match="stor"):
        shipped_size_groups()


class _FakeResources:
    """Serves one text as the shipped size-group file."""

    def __init__(self, text):
        self.text = text

    def files(self, package):
        return self

    def joinpath(self, name):
        return self

    def read_text(self, encoding):
        return self.text
