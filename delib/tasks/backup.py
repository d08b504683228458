"""Backups of the SQLite database with SQLite's online backup API, and restore from one.

The backup API copies a consistent snapshot while the app keeps running (WAL readers and writers
are not stopped). PostgreSQL has its own tools: see docs/security.md (pg_dump / pg_restore).
"""

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.engine import Engine

from delib.services import DomainError

#: Tables a delib database must have; a file without them is not a delib backup.
REQUIRED_TABLES = frozenset({"committee", "note", "participant", "user", "event"})


def sqlite_path(engine: Engine) -> Path:
    """The file behind a SQLite engine; DomainError for other databases and in-memory ones."""
    if engine.dialect.name != "sqlite":
        raise DomainError(_("Databasen er ikke SQLite. Brug pg_dump til PostgreSQL (se "
                            "docs/security.md)."))
    database = engine.url.database
    if not database or database == ":memory:":
        raise DomainError(_("En database i hukommelsen kan ikke sikkerhedskopieres."))
    return Path(database)


def backup_filename(now: datetime | None = None) -> str:
    """delib-YYYYmmdd-HHMMSS.sqlite in UTC: sorts by time, never collides within a second."""
    now = now or datetime.now(UTC)
    return f"delib-{now:%Y%m%d-%H%M%S}.sqlite"


def backup(engine: Engine, directory: Path, filename: str | None = None) -> Path:
    """Copy the live database to a new file in `directory`; returns the file's path."""
    source_path = sqlite_path(engine)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / (filename or backup_filename())
    if target.exists():
        raise DomainError(_("Filen %(path)s findes allerede.", path=str(target)))
    partial = target.with_name(target.name + ".part")
    # A connection of its own: the backup reads a consistent snapshot page by page.
    source = sqlite3.connect(source_path)
    try:
        destination = sqlite3.connect(partial)
        try:
            source.backup(destination, pages=1024)
            destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            destination.close()
    finally:
        source.close()
    check_backup(partial)
    # Only a complete, checked copy gets the final name.
    os.replace(partial, target)
    os.chmod(target, 0o600)  # notes are personal data: only the service account reads them
    return target


def check_backup(path: Path) -> None:
    """Refuse a file that is not an intact delib database."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(_("Filen %(path)s findes ikke.", path=str(path)))
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise DomainError(_("%(path)s er ikke en SQLite-database (%(error)s).",
                            path=str(path), error=str(error))) from error
    if result != "ok":
        raise DomainError(_("Sikkerhedskopien er beskadiget: %(result)s", result=result))
    missing = REQUIRED_TABLES - tables
    if missing:
        raise DomainError(_("%(path)s er ikke en delib-database (mangler %(tables)s).",
                            path=str(path), tables=", ".join(sorted(missing))))


def restore(engine: Engine, backup_path: Path) -> Path:
    """Replace the live database's content with a checked backup; returns a safety copy's path.

    Stop the web server first: pages served during a restore would mix old and new data. The
    current database is backed up next to the others before it is overwritten.
    """
    backup_path = Path(backup_path)
    check_backup(backup_path)
    target_path = sqlite_path(engine)
    safety = None
    if target_path.exists():
        safety = backup(engine, backup_path.parent,
                        "before-restore-" + backup_filename())
    engine.dispose()  # no pooled connection may hold the old pages
    source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target_path)
        try:
            source.backup(destination)
            destination.execute("PRAGMA journal_mode=WAL")
            result = destination.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            destination.close()
    finally:
        source.close()
    if result != "ok":
        raise DomainError(_("Gendannelsen mislykkedes: %(result)s", result=result))
    return safety


def list_backups(directory: Path) -> list[Path]:
    """The backups in a directory, newest last."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.sqlite") if p.is_file())
