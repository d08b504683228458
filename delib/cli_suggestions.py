"""Command-line task suggestions: map a JSON-lines file of notes onto the declaration's tasks."""

import json
import os
import tempfile
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from delib.extensions import db
from delib.models import Event
from delib.services.language import classifier
from delib.services.programme import current_event


def register(app) -> None:
    """Attach these commands to `flask --app delib`."""
    app.cli.add_command(suggest_tasks_command)


def read_notes(raw: bytes) -> list[tuple[object, str]]:
    """(id, text) for each line of a JSON-lines file; a bad line fails the whole file."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException("Filen skal være gemt som UTF-8.") from error
    notes = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise click.ClickException(
                f"Linje {number} er ikke gyldig JSON ({error.msg}, kolonne {error.colno}).",
            ) from error
        if not isinstance(item, dict):
            raise click.ClickException(
                f"Linje {number} skal være et JSON-objekt med \"id\" og \"text\".")
        if "id" not in item or item["id"] is None or isinstance(item["id"], dict | list):
            raise click.ClickException(f"Linje {number} mangler et \"id\" (tekst eller tal).")
        if not isinstance(item.get("text"), str):
            raise click.ClickException(f"Linje {number} mangler noten i feltet \"text\".")
        notes.append((item["id"], item["text"]))
    return notes


def suggestion_lines(notes: list[tuple[object, str]], event) -> list[str]:
    """One JSON line per note: suggested tasks and messages, every label's score, the reasons."""
    texts = [text for _, text in notes]
    found = classifier.suggest_many(texts, event)
    scores = classifier.score_many(texts, event)
    lines = []
    for (note_id, _), suggestions, score in zip(notes, found, scores, strict=True):
        lines.append(json.dumps({
            "id": note_id,
            "tasks": [s.number for s in suggestions if s.kind == "task"],
            "messages": [s.number for s in suggestions if s.kind == "message"],
            "scores": {key: round(value, 3) for key, value in score.items()},
            "reasons": {s.key: list(s.reason) for s in suggestions},
        }, ensure_ascii=False))
    return lines


def _event(slug: str | None):
    if slug:
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            raise click.ClickException(f"Arrangementet {slug!r} findes ikke.")
        return event
    # Without any event in the database the shipped 2021 declaration is the one to map onto.
    try:
        return current_event()
    except SQLAlchemyError as error:
        raise click.ClickException(
            "Databasen kan ikke læses. Er den sat op (flask --app delib db upgrade)?") from error


def _write_atomically(path: Path, content: str) -> None:
    # A crash half-way must not leave half a file where the caller expects the answer.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.command("suggest-tasks")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON lines to this file instead of stdout.")
@click.option("--event", "slug", default=None, help="Event slug (default: the current event).")
def suggest_tasks_command(path: Path, output: Path | None, slug: str | None):
    """Suggest tasks and messages for each note in a JSON-lines file ({"id": ..., "text": ...})."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise click.ClickException(f"Filen {str(path)!r} findes ikke.") from error
    except OSError as error:
        raise click.ClickException(f"Filen {str(path)!r} kan ikke læses: {error.strerror}.") \
            from error
    notes = read_notes(raw)
    event = _event(slug)
    lines = suggestion_lines(notes, event)
    content = "".join(line + "\n" for line in lines)
    mapped = sum(1 for line in lines if json.loads(line)["tasks"])
    summary = (f"{len(lines)} noter, {mapped} med forslag til opgaver "
               f"({event.title if event is not None else 'topmødeerklæringen 2021'}, "
               f"model {classifier.MODEL_VERSION}).")
    if output is None:
        click.echo(content, nl=False)
        click.echo(summary, err=True)
    else:
        if output.parent and not output.parent.is_dir():
            raise click.ClickException(f"Mappen {str(output.parent)!r} findes ikke.")
        _write_atomically(output, content)
        click.echo(summary)
