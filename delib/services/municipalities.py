"""The 98 municipalities: reference data shipped with the package, and size groups."""

import csv
import io
from importlib import resources

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from delib.extensions import db
from delib.models import Municipality

SIZE_ISLAND = "island"
SIZE_SMALL = "under_50000"
SIZE_LARGE = "over_50000"
SIZE_UNKNOWN = "unknown"
#: The groups a shipped size-group file may name (empty: not certain, left for the import).
SHIPPED_SIZE_GROUPS = (SIZE_ISLAND, SIZE_SMALL, SIZE_LARGE)
#: KL's size groups on 1 January 2021 (Danmarks Statistik, FOLK1A); see the file's header.
SIZE_GROUPS_FILE = "size_groups_2021.csv"
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
        # The shipped group (1 January 2021) until a population is imported, which overrides it.
        return municipality.size_group or SIZE_UNKNOWN
    return SIZE_LARGE if municipality.population > 50000 else SIZE_SMALL


def size_group_expr():
    """`size_group` as an SQL expression, for GROUP BY and filters."""
    return case(
        (Municipality.island.is_(True), SIZE_ISLAND),
        (Municipality.population.is_(None), func.coalesce(Municipality.size_group, SIZE_UNKNOWN)),
        (Municipality.population > 50000, SIZE_LARGE),
        else_=SIZE_SMALL,
    )


def shipped_size_groups() -> dict[int, str | None]:
    """The size groups shipped in delib/data (code -> group, None where left for the import)."""
    text = resources.files("delib.data").joinpath(SIZE_GROUPS_FILE).read_text("utf-8")
    # The file starts with comment lines stating its source and date.
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    groups: dict[int, str | None] = {}
    for row in csv.DictReader(lines):
        group = row["size_group"].strip() or None
        if group is not None and group not in SHIPPED_SIZE_GROUPS:
            raise ValueError(f"{SIZE_GROUPS_FILE}: unknown size group {group!r} for {row['code']}")
        groups[int(row["code"])] = group
    return groups


def load_municipalities() -> int:
    """Insert or update the 98 municipalities and their shipped size groups; returns how many."""
    text = resources.files("delib.data").joinpath("municipalities.csv").read_text("utf-8")
    existing = {m.code: m for m in db.session.scalars(select(Municipality))}
    rows = list(csv.DictReader(io.StringIO(text)))
    groups = shipped_size_groups()
    for row in rows:
        code = int(row["code"])
        m = existing.get(code) or Municipality(code=code)
        m.name = row["name"]
        m.official_name = row["official_name"]
        m.region_code = int(row["region_code"])
        m.region = row["region"]
        m.island = row["island_municipality"].strip().lower() == "true"
        m.size_group = groups.get(code)
        if code not in existing:
            db.session.add(m)
    db.session.flush()
    return len(rows)


def get_municipality(code) -> Municipality | None:
    """The municipality with this code, if there is one."""
    return db.session.get(Municipality, code) if code else None


def all_municipalities() -> list[Municipality]:
    """Every municipality, by name."""
    return list(db.session.scalars(select(Municipality).order_by(Municipality.name)))


def import_population(text: str) -> tuple[int, int]:
    """Set inhabitants from a CSV (docs/population.md), all rows or none; (updated, missing).

    Raises DomainError naming the line of the first problem; nothing is changed then.
    """
    from flask_babel import gettext as _

    from delib.services import DomainError

    text = text.lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "code" not in header or "population" not in header:
        raise DomainError(_("Filen skal have en overskriftslinje med kolonnerne code og "
                            "population (adskilt af komma eller semikolon)."))
    reader.fieldnames = header
    municipalities = {m.code: m for m in db.session.scalars(select(Municipality))}
    values: dict[int, int] = {}
    for row in reader:
        line = reader.line_num
        raw_code = (row.get("code") or "").strip()
        raw_population = (row.get("population") or "").strip().replace(".", "").replace(" ", "")
        if not raw_code and not raw_population:
            continue
        if not raw_code.isdigit() or int(raw_code) not in municipalities:
            raise DomainError(_("Linje %(line)d: kommunekoden »%(code)s« findes ikke.",
                                line=line, code=raw_code))
        code = int(raw_code)
        if code in values:
            raise DomainError(_("Linje %(line)d: kommunekoden %(code)d står der to gange.",
                                line=line, code=code))
        name = (row.get("name") or "").strip()
        if name and name != municipalities[code].name:
            raise DomainError(_("Linje %(line)d: kode %(code)d er %(expected)s, ikke %(name)s.",
                                line=line, code=code, expected=municipalities[code].name,
                                name=name))
        if not raw_population.isdigit() or not 0 < int(raw_population) < 10_000_000:
            raise DomainError(_("Linje %(line)d: indbyggertallet »%(value)s« er ikke et "
                                "gyldigt helt tal.", line=line, value=row.get("population")))
        values[code] = int(raw_population)
    if not values:
        raise DomainError(_("Filen indeholder ingen kommuner."))
    for code, population in values.items():
        municipalities[code].population = population
    db.session.flush()
    return len(values), len(municipalities) - len(values)
