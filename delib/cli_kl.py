"""Command-line tasks for KL's overview: population import, national demo data, API tokens."""

from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import select

from delib.extensions import db
from delib.models import Event, User
from delib.services import DomainError
from delib.services.kl import api_tokens, search
from delib.services.municipalities import import_population
from delib.services.programme import current_event
from delib.tasks import demo


def _event(slug: str | None) -> Event:
    event = (db.session.scalar(select(Event).where(Event.slug == slug)) if slug
             else current_event())
    if event is None:
        raise click.ClickException(
            f"Arrangementet {slug!r} findes ikke." if slug
            else "Der er intet arrangement. Kør load-programme først.")
    return event


@click.command("load-population")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_population_command(path: Path):
    """Set the municipalities' inhabitants from a CSV file (format: docs/population.md)."""
    with force_locale("da"):
        try:
            text = path.read_text("utf-8-sig")
        except UnicodeDecodeError as error:
            raise click.ClickException("Filen skal være gemt som UTF-8.") from error
        try:
            updated, missing = import_population(text)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Indbyggertal opdateret for {updated} kommuner.")
    if missing:
        click.echo(f"{missing} kommuner stod ikke i filen og har beholdt deres tal.")


@click.command("seed-national-demo")
@click.option("--notes", default=2000, show_default=True, type=click.IntRange(0, 200_000),
              help="How many submitted notes to generate in all.")
@click.option("--seed", default=2021, show_default=True, help="Random seed (same seed, same data).")
@click.option("--event", "slug", default=None, help="Event slug (default: the current event).")
def seed_national_demo_command(notes: int, seed: int, slug: str | None):
    """Generate DEMO committees and submitted contributions across the municipalities."""
    event = _event(slug)
    result = demo.seed_national_demo(event, notes=notes, seed=seed)
    db.session.commit()
    click.echo(f"DEMO-data for {event.title}: {result.committees} demo-udvalg, "
               f"{result.submitted} indsendte bidrag med {result.notes} noter, "
               f"{result.drafts_only} kun med kladder.")
    if result.removed:
        click.echo(f"{result.removed} tidligere demo-udvalg blev erstattet.")
    click.echo("Alle genererede bidrag er mærket »DEMO« og fjernes med remove-national-demo.")


@click.command("remove-national-demo")
@click.option("--event", "slug", default=None, help="Event slug (default: the current event).")
def remove_national_demo_command(slug: str | None):
    """Delete the generated DEMO committees and contributions."""
    event = _event(slug)
    removed = demo.remove_demo(event)
    search.rebuild_index()
    db.session.commit()
    click.echo(f"{removed} demo-udvalg slettet.")


@click.command("rebuild-search-index")
def rebuild_search_index_command():
    """Rebuild the Danish search index of submitted notes (after a change to how it reads)."""
    count = search.rebuild_index()
    db.session.commit()
    click.echo(f"Søgeindekset indeholder nu {count} noter.")


@click.command("create-api-token")
@click.option("--email", required=True, help="The KL analyst or admin who owns the token.")
@click.option("--name", default="API", show_default=True, help="What the token is for.")
def create_api_token_command(email: str, name: str):
    """Create an API token for a KL account; the secret is shown only this once."""
    user = db.session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise click.ClickException(f"Der findes ingen bruger med e-mail {email}.")
    with force_locale("da"):
        try:
            _token, secret = api_tokens.create_token(user, name)
        except DomainError as error:
            raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo("API-nøgle oprettet. Gem den nu; den vises ikke igen:")
    click.echo(secret)


COMMANDS = (load_population_command, seed_national_demo_command, remove_national_demo_command,
            rebuild_search_index_command, create_api_token_command)
