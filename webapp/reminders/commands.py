"""``flask reminders send-due`` (one pass, for cron hosts and tests) and ``vapid-keys``."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import now_utc
from . import keys
from . import services


def pass_settings(app: Flask) -> services.Settings:
    config = app.config
    return services.Settings(
        base_url=config["BASE_URL"],
        smtp_url=config["SMTP_URL"],
        mail_from=config["MAIL_FROM"],
        vapid_private_key=config["VAPID_PRIVATE_KEY"],
        vapid_contact=config["VAPID_CONTACT"],
        lease=timedelta(seconds=config["REMINDER_LEASE_SECONDS"]),
    )


def run_pass(app: Flask, now: datetime | None = None) -> services.Tally:
    """One reminders pass in a fresh app context (the clock calls this every interval)."""
    with app.app_context():
        try:
            return services.send_due(db.session, now or now_utc(), pass_settings(app))
        finally:
            db.session.remove()


@click.group("reminders")
def reminders_group() -> None:
    """Reminders by web push and email."""


@reminders_group.command("send-due")
@click.option("--now", "at", default=None, help="Pretend it is this ISO instant (tests).")
@with_appcontext
def send_due_command(at: str | None) -> None:
    """Plan and send every reminder that is due, once."""
    now = datetime.fromisoformat(at) if at else None
    tally = run_pass(current_app._get_current_object(), now)  # type: ignore[attr-defined]
    click.echo(
        f"planned {tally.planned}, sent {tally.sent}, skipped {tally.skipped}, "
        f"retrying {tally.retried}, failed {tally.failed}"
    )


@reminders_group.command("vapid-keys")
@with_appcontext
def vapid_keys_command() -> None:
    """Make the Web Push (VAPID) key pair in the instance folder, once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    path, made = keys.write_instance_keys(app)
    click.echo(f"{'made' if made else 'kept'} {path}")
