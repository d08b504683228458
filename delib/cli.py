"""Command-line tasks: load the programme and municipalities, rehearse, accounts, demo data."""

import secrets

import click
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from delib.auth import hash_password
from delib.extensions import db
from delib.models import Committee, Event, Municipality, User
from delib.models.accounts import STAFF_ROLES
from delib.services import DomainError
from delib.services import committees as committee_service
from delib.services.municipalities import load_municipalities
from delib.services.programme import (
    create_next_event,
    event_today,
    import_programme,
    read_programme_file,
    rehearse_as_if,
)
from delib.tasks.demo import (
    add_committee_demo_contribution,
    add_committee_demo_notes,
    add_peer_demo,
)

DEMO_EMAIL = "formand@demo.delib.dk"
DEMO_COMMITTEE = "Børne- og Ungeudvalget (demo)"
DEMO_MUNICIPALITY = "Aarhus"
#: The next summit of the demo, created from 2021 with the bundled preliminary programme.
DEMO_NEXT_EVENT = ("butm2022", "butm2022.toml")
MIN_PASSWORD_LENGTH = 10


def register_cli(app: Flask) -> None:
    """Attach the commands to `flask --app delib`."""
    for command in (load_programme_command, load_municipalities_command, rehearse_command,
                    create_user_command, seed_demo_command, create_next_event_command):
        app.cli.add_command(command)
    from delib.cli_kl import COMMANDS as KL_COMMANDS

    for command in KL_COMMANDS:
        app.cli.add_command(command)
    from delib import cli_data, cli_suggestions

    cli_data.register(app)
    cli_suggestions.register(app)


def _fail(message: str):
    raise click.ClickException(message)


@click.command("load-programme")
@click.argument("path", required=False)
@click.option("--replace", is_flag=True, help="Replace an event with the same slug if unused.")
def load_programme_command(path: str | None, replace: bool):
    """Import a programme file (TOML); without PATH the bundled 2021 programme."""
    from flask import current_app

    with force_locale("da"):
        try:
            text = read_programme_file(path or current_app.config["DEFAULT_PROGRAMME"])
            event = import_programme(text, replace=replace)
        except DomainError as error:
            db.session.rollback()
            _fail(error.message)
    db.session.commit()
    click.echo(f"Indlæst: {event.title} ({event.slug}), {len(event.items)} programpunkter, "
               f"{len(event.slots)} pauser, {len(event.tasks)} opgaver.")


@click.command("create-next-event")
@click.option("--from", "source_slug", required=True, help="The previous event (its slug).")
@click.option("--file", "path", required=True,
              help="The new event's programme file (TOML, no tasks), or a bundled one by name.")
@click.option("--slug", default=None, help="Check that the file is for this event.")
@click.option("--replace", is_flag=True, help="Replace an unused event with the same slug.")
def create_next_event_command(source_slug: str, path: str, slug: str | None, replace: bool):
    """Create the next event from the previous one: its tasks and messages, the file's programme."""
    with force_locale("da"):
        source = db.session.scalar(select(Event).where(Event.slug == source_slug))
        if source is None:
            _fail(f"Arrangementet {source_slug!r} findes ikke.")
        try:
            event = create_next_event(source, read_programme_file(path), slug=slug,
                                      replace=replace)
        except DomainError as error:
            db.session.rollback()
            _fail(f"{error.message} Intet er ændret.")
    db.session.commit()
    status = " Foreløbigt program." if event.preliminary else ""
    click.echo(f"Oprettet: {event.title} ({event.slug}), {event.starts_on.isoformat()} til "
               f"{event.ends_on.isoformat()}, {len(event.items)} programpunkter, "
               f"{len(event.slots)} pauser; {len(event.tasks)} opgaver og "
               f"{len(event.messages)} budskaber kopieret fra {source.slug}.{status}")


@click.command("load-municipalities")
def load_municipalities_command():
    """Insert or update the 98 municipalities."""
    count = load_municipalities()
    db.session.commit()
    click.echo(f"{count} kommuner indlæst.")


@click.command("rehearse")
@click.argument("slug")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to run the event on (default: today).")
@click.option("--off", is_flag=True, help="Back to the event's real dates.")
def rehearse_command(slug: str, on, off: bool):
    """Run an event as if it were held today (or on --date), so the countdown is live."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        _fail(f"Arrangementet {slug!r} findes ikke.")
    if off:
        event.day_offset = 0
    else:
        rehearse_as_if(event, on.date() if on else event_today(event))
    db.session.commit()
    click.echo(f"{event.title} vises nu som {event.shifted_start.isoformat()}.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(STAFF_ROLES), default="chair")
@click.option("--municipality", "municipality_name", default=None,
              help="Municipality name, for chairs and municipal admins.")
@click.password_option()
def create_user_command(email, name, role, municipality_name, password):
    """Create a staff account."""
    email = email.strip()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        _fail(f"{email!r} er ikke en e-mailadresse.")
    if not name.strip():
        _fail("Skriv brugerens navn (--name).")
    if len(password) < MIN_PASSWORD_LENGTH:
        _fail(f"Adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn.")
    municipality = None
    if municipality_name:
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.name == municipality_name))
        if municipality is None:
            _fail(f"Kommunen {municipality_name!r} findes ikke. Kør load-municipalities først.")
    if role in ("chair", "municipal_admin") and municipality is None:
        _fail("Formænd og kommunale administratorer skal have en kommune (--municipality).")
    if db.session.scalar(select(User).where(User.email == email.lower())):
        _fail(f"Der findes allerede en bruger med e-mail {email}.")
    db.session.add(User(email=email.lower(), name=name.strip(), role=role,
                        municipality=municipality, password_hash=hash_password(password)))
    db.session.commit()
    click.echo(f"Bruger oprettet: {email} ({role}).")


def _demo_committee(event: Event, municipality: Municipality, chair: User,
                    with_notes: bool = True) -> Committee:
    """The demo chair's committee at `event`, created (with its demo notes) the first time."""
    committee = db.session.scalar(select(Committee).where(
        Committee.event_id == event.id, Committee.name == DEMO_COMMITTEE))
    if committee is None:
        db.session.flush()
        committee = committee_service.create_committee(event, municipality, DEMO_COMMITTEE, chair)
        if with_notes and event.slots:
            add_committee_demo_notes(committee, event.slots[0])
    return committee


@click.command("seed-demo")
def seed_demo_command():
    """Programme, municipalities, a rehearsal of 2021 as if today, a demo chair and committee."""
    from flask import current_app

    load_municipalities()
    event = db.session.scalar(select(Event).where(Event.slug == "butm2021"))
    if event is None:
        with force_locale("da"):
            event = import_programme(read_programme_file(current_app.config["DEFAULT_PROGRAMME"]))
    rehearse_as_if(event, event_today(event))
    municipality = db.session.scalar(
        select(Municipality).where(Municipality.name == DEMO_MUNICIPALITY))
    chair = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    # A new password at every run: a demo login is never a fixed, published secret.
    password = secrets.token_urlsafe(9)
    if chair is None:
        chair = User(email=DEMO_EMAIL, name="Demo Formand", role="chair", municipality=municipality)
        db.session.add(chair)
    chair.password_hash = hash_password(password)
    committee = _demo_committee(event, municipality, chair)
    # The 2021 contribution is submitted and reopened: KL, the peers page and the 2022
    # committee's follow-up see it, while the chair can still review the live notes.
    add_committee_demo_contribution(committee, chair)
    add_peer_demo(event)
    next_committee, problem = None, ""
    next_event = db.session.scalar(select(Event).where(Event.slug == DEMO_NEXT_EVENT[0]))
    if next_event is None:
        with force_locale("da"):
            try:
                # The real dates stay: 2021, rehearsed as today, remains the current event.
                next_event = create_next_event(event, read_programme_file(DEMO_NEXT_EVENT[1]),
                                               slug=DEMO_NEXT_EVENT[0])
            except DomainError as error:
                problem = error.message
    if next_event is not None:
        next_committee = _demo_committee(next_event, municipality, chair, with_notes=False)
    db.session.commit()
    code = committee_service.format_join_code(committee.join_code)
    click.echo("")
    click.echo("delib demo er klar.")
    click.echo(f"  Deltagerkode til demo-udvalget: {code}")
    click.echo(f"  Formandens login: {DEMO_EMAIL} / {password}")
    click.echo(f"  {event.title}: bidraget er indsendt og genåbnet, så du kan gennemgå noterne.")
    click.echo("    Andre kommuners delte bidrag: "
               f"/udvalg/{committee.id}/gennemgang/andre-kommuner")
    if next_committee is not None:
        click.echo(f"  {next_event.title}: opfølgning på handlingerne fra {event.title}:")
        click.echo(f"    /udvalg/{next_committee.id}/gennemgang/opfoelgning")
        click.echo("    KL's opfølgning, når 2022-bidraget er indsendt: "
                   f"/kl/opfoelgning?event={next_event.slug}")
    elif problem:
        click.echo(f"  Topmødet {DEMO_NEXT_EVENT[0]} blev ikke oprettet: {problem}")
    click.echo("")
