"""The 98 Danish municipalities."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from delib.extensions import db


class Municipality(db.Model):
    #: The official municipality code (e.g. 101 København).
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    official_name: Mapped[str] = mapped_column(String(150))
    region_code: Mapped[int]
    region: Mapped[str] = mapped_column(String(100))
    #: Island municipalities (ø-kommuner) are their own size group and price tier.
    island: Mapped[bool] = mapped_column(default=False)
    #: Inhabitants; imported yearly, so it may be unknown.
    population: Mapped[int | None]
    #: The size group shipped with the code (delib/data/size_groups_2021.csv), used while no
    #: population is imported: island, under_50000, over_50000, or None where not certain.
    size_group: Mapped[str | None] = mapped_column(String(16))
