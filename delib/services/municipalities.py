"""The 98 municipalities: reference data shipped with the package, and size groups."""

import csv
import io
from importlib import resources

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from delib.extensions import db
from delib.models import Municipality

SIZE_ISLAND = "island"
SIZE_SMALL = "under_50000"
SIZE_LARGE = "over_50000"
SIZE_UNKNOWN = "unknown"
SIZE_LABELS = {
    SIZE_ISLAND: _l("Ø-kommuner"),
    SIZE_SMALL: _l("Under 50.000 indbyggere"),
    SIZE_LARGE: _l("Over 50.000 indbyggere"),
    SIZE_UNKNOWN: _l("Ukendt indbyggertal"),
}


def size_group(municipality: Municipality) -> str:
    """KL's size groups (also its price tiers): island, under or over 50,000 inhabitants."""
    if municipality.island:
        return SIZE_ISLAND
    if municipality.population is None:
        return SIZE_UNKNOWN
    return SIZE_LARGE if municipality.population > 50000 else SIZE_SMALL


def load_municipalities() -> int:
    """Insert or update the 98 municipalities from the bundled CSV; returns how many."""
    text = resources.files("delib.data").joinpath("municipalities.csv").read_text("utf-8")
    existing = {m.code: m for m in db.session.scalars(select(Municipality))}
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        code = int(row["code"])
        m = existing.get(code) or Municipality(code=code)
        m.name = row["name"]
        m.official_name = row["official_name"]
        m.region_code = int(row["region_code"])
        m.region = row["region"]
        m.island = row["island_municipality"].strip().lower() == "true"
        if code not in existing:
            db.session.add(m)
    db.session.flush()
    return len(rows)


def all_municipalities() -> list[Municipality]:
    """Every municipality, by name."""
    return list(db.session.scalars(select(Municipality).order_by(Municipality.name)))
