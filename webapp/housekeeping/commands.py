"""The clock process and one-shot maintenance commands."""

from __future__ import annotations

import logging

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import now_utc
from ..reminders import commands as reminders
from . import services

log = logging.getLogger(__name__)


def run_pass(app: Flask) -> services.Purged:
    """Run one pass of the clock's jobs in a fresh app context."""
    with app.app_context():
        longest = max(app.config["SESSION_ABSOLUTE_CLIENT"], app.config["SESSION_ABSOLUTE_STAFF"])
        purged = services.purge(db.session, now_utc(), longest)
        db.session.commit()
        return purged


@click.group("housekeeping")
def housekeeping_group() -> None:
    """Maintenance of short-lived records."""


@housekeeping_group.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete dead sessions, old sign-in attempts and records past retention once (for cron)."""
    purged = run_pass(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(
        f"purged {purged.sessions} sessions, {purged.login_attempts} sign-in attempts, "
        f"{purged.erased_clients} erased clients past retention"
    )


@click.command("clock")
@with_appcontext
def clock_command() -> None:
    """Run the one scheduler (the Procfile's clock process); never inside a web worker."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        run_pass,
        "interval",
        args=[app],
        seconds=app.config["CLOCK_INTERVAL_SECONDS"],
        id="housekeeping",
        next_run_time=now_utc(),
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        reminders.run_pass,
        "interval",
        args=[app],
        seconds=app.config["CLOCK_INTERVAL_SECONDS"],
        id="reminders",
        next_run_time=now_utc(),
        max_instances=1,
        coalesce=True,
    )
    every = app.config["CLOCK_INTERVAL_SECONDS"]
    click.echo(f"clock: running housekeeping and reminders every {every}s")
    scheduler.start()
