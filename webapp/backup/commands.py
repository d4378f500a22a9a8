"""``flask backup create`` and ``flask backup restore``: the database, whole."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from ..extensions import db
from . import services


@click.group("backup")
def backup_group() -> None:
    """Back up the database, or restore a backup."""


@backup_group.command("create")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_appcontext
def create_command(path: Path | None) -> None:
    """Write a consistent backup (safe while the app runs) to PATH, or to instance/backups/."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if path is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        suffix = ".sqlite3" if url.startswith("sqlite") else ".dump"
        path = Path(current_app.instance_path) / "backups" / f"continuum-{stamp}{suffix}"
    try:
        done = services.create(url, path)
    except services.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup: {done.path} ({done.bytes:,} bytes in {done.seconds:.1f} s)")


@backup_group.command("restore")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Don't ask: replace the database.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH, then migrate it to this release."""
    if not yes:
        click.confirm("Stop web and clock first. Replace the whole database?", abort=True)
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.engine.dispose()  # no pooled connection may hold the old database open
    try:
        done = services.restore(url, path)
    except services.BackupError as error:
        raise click.ClickException(str(error)) from error
    upgrade()
    counts = services.row_counts(url)
    click.echo(f"restored: {done.path} in {done.seconds:.1f} s; {sum(counts.values()):,} rows")
