"""``flask demo``: seed the demo company and print its sign-ins."""

from __future__ import annotations

import time
from pathlib import Path

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..library import services as library
from ..models import now_utc
from . import outcomes as cohort
from . import services


@click.command("demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only seed when the database has no accounts (or already holds the demo).",
)
@click.option(
    "--code",
    is_flag=True,
    help="Print the demo staff's current sign-in code instead (their authenticator's).",
)
@with_appcontext
def demo_command(if_empty: bool, code: bool) -> None:
    """Seed the demo company idempotently and print role, email and password per account."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException("refusing to seed demo accounts in a production configuration")
    if code:
        totp = pyotp.TOTP(services.DEMO_TOTP_SECRET)
        left = totp.interval - int(time.time()) % totp.interval
        click.echo(totp.now())
        click.echo(f"(good for {left} more seconds, once per staff member)", err=True)
        return
    if if_empty and services.has_accounts(db.session) and not services.is_seeded(db.session):
        click.echo("The database already has accounts; the demo company was not added.", err=True)
        return
    root = Path(current_app.config["EXERCISES_DIR"])
    library.load(db.session, root)  # idempotent: the demo's programmes need the library
    now, profile = now_utc(), current_app.config["PASSWORD_HASH_PROFILE"]
    created = services.seed(db.session, now, profile, root)
    # The outcomes cohort, also added to a demo company seeded before it existed.
    created = cohort.seed(db.session, now, profile, root) or created
    db.session.commit()
    click.echo(
        "Seeded the demo company." if created else "The demo company is already here.", err=True
    )
    for account in services.accounts() + cohort.accounts():
        click.echo(f"{account.role}\t{account.email}\t{account.password}")
    key = " ".join(services.DEMO_TOTP_SECRET[i : i + 4] for i in range(0, 32, 4))
    click.echo(
        f"Staff also give a code: add the key {key} to an authenticator app, "
        "or run `flask --app webapp demo --code`.",
        err=True,
    )
