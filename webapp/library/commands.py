"""``flask exercises validate|load``: check and load the library in ``exercises/``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from . import services
from .loader import read_library


@click.group("exercises")
def exercises_group() -> None:
    """The exercise library."""


def _root(path: str | None) -> Path:
    return Path(path or current_app.config["EXERCISES_DIR"])


@exercises_group.command("validate")
@click.option("--path", type=click.Path(file_okay=False), help="Library folder to check.")
@with_appcontext
def validate_command(path: str | None) -> None:
    """Check every record, illustration and template; fail with one line per problem."""
    library = read_library(_root(path))
    if library.problems:
        for problem in library.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(library.problems)} problem(s) in the exercise library")
    click.echo(
        f"{len(library.exercises)} exercises and {len(library.templates)} condition templates: ok"
    )


@exercises_group.command("load")
@click.option("--path", type=click.Path(file_okay=False), help="Library folder to load.")
@with_appcontext
def load_command(path: str | None) -> None:
    """Insert or update every exercise by id (idempotent); refuse a broken library."""
    try:
        added, updated = services.load(db.session, _root(path))
    except services.LibraryInvalid as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"exercises: {added} added, {updated} updated")
