"""Command-line tasks for data care: backup/restore, retention, a person's data, account links."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from delib.extensions import db
from delib.models import Event, User
from delib.services import DomainError, persons
from delib.tasks import backup as backup_service
from delib.tasks import retention


def register(app) -> None:
    """Attach these commands to `flask --app delib`."""
    for command in (backup_command, restore_command, purge_command, export_person_command,
                    delete_person_command, password_link_command):
        app.cli.add_command(command)


def _backup_dir() -> Path:
    return Path(current_app.config.get("BACKUP_DIR")
                or Path(current_app.instance_path) / "backups")


def _run(action):
    """Run a service call in Danish; a DomainError becomes a clean CLI error, nothing saved."""
    with force_locale("da"):
        try:
            return action()
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error


@click.command("backup")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where to put the file (default: instance/backups).")
@with_appcontext
def backup_command(directory):
    """Make a consistent online backup of the SQLite database (the app may keep running)."""
    path = _run(lambda: backup_service.backup(db.engine, Path(directory or _backup_dir())))
    click.echo(f"Sikkerhedskopi gemt: {path}")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path, yes):
    """Replace the database with a backup (stop the web server first)."""
    if not yes:
        click.confirm("Databasen erstattes med sikkerhedskopien. Er webserveren stoppet, og vil "
                      "du fortsætte?", abort=True)
    db.session.remove()
    safety = _run(lambda: backup_service.restore(db.engine, Path(path)))
    click.echo(f"Gendannet fra {path}.")
    if safety:
        click.echo(f"Den tidligere database er gemt som {safety}.")


@click.command("purge-personal-data")
@click.option("--event", "slug", required=True, help="The event's slug, e.g. butm2021.")
@click.option("--older-than-days", "days", type=int, default=None,
              help="Only if the event ended at least this many days ago "
                   "(default: RETENTION_DAYS).")
@with_appcontext
def purge_command(slug, days):
    """Remove an event's personal data; the anonymised contribution stays."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"Arrangementet {slug!r} findes ikke.")
    days = current_app.config.get("RETENTION_DAYS", 180) if days is None else days
    report = _run(lambda: retention.purge_event(event, days))
    db.session.commit()
    click.echo(f"Personoplysninger slettet for {event.title}: {report.participants} deltagere, "
               f"{report.notes_anonymised} noter anonymiseret, {report.notes_removed} skjulte/"
               f"slettede noter og {report.revisions_removed} gamle versioner fjernet.")


def _person_options(command):
    command = click.option("--participant", "participant_id", type=int, default=None,
                           help="A participant's id.")(command)
    return click.option("--user", "email", default=None, help="A staff user's e-mail.")(command)


@click.command("export-person")
@_person_options
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write the JSON here instead of to the screen.")
@with_appcontext
def export_person_command(participant_id, email, output):
    """Export all data about a participant or a staff user as JSON (right of access)."""
    person = _run(lambda: persons.find_person(participant_id, email))
    data = json.dumps(persons.export_person(person), ensure_ascii=False, indent=2)
    if output:
        Path(output).write_text(data + "\n", encoding="utf-8")
        click.echo(f"Oplysninger skrevet til {output}.")
    else:
        click.echo(data)


@click.command("delete-person")
@_person_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def delete_person_command(participant_id, email, yes):
    """Delete a person: names anonymised, account removed; their notes stay without a name."""
    person = _run(lambda: persons.find_person(participant_id, email))
    if not yes:
        click.confirm(f"{person.display_name} slettes. Vil du fortsætte?", abort=True)
    counts = _run(lambda: persons.delete_person(person))
    db.session.commit()
    click.echo(f"Slettet. {counts['notes']} noter står nu uden navn.")


@click.command("password-link")
@click.option("--user", "email", required=True, help="The staff user's e-mail.")
@with_appcontext
def password_link_command(email):
    """Print a time-limited link with which a staff user sets a (new) password."""
    from delib.web import password_link

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"Der findes ingen bruger med e-mail {email}.")
    click.echo(password_link(user, external=True))
