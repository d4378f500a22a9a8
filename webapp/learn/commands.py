"""``flask learn validate``: check the articles in ``learn/``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..models import now_utc
from .articles import read_articles


@click.group("learn")
def learn_group() -> None:
    """The Learn articles for clients."""


@learn_group.command("validate")
@click.option("--path", type=click.Path(file_okay=False), help="Articles folder to check.")
@with_appcontext
def validate_command(path: str | None) -> None:
    """Check every article's front matter, links and text; fail with one line per problem."""
    collection = read_articles(Path(path or current_app.config["LEARN_DIR"]), now_utc().date())
    if collection.problems:
        for problem in collection.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(collection.problems)} problem(s) in the articles")
    click.echo(f"{len(collection.articles)} articles: ok")
