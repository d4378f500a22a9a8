"""``flask reminders send-due`` (one pass, for cron hosts and tests) and ``vapid-keys``."""

from __future__ import annotations

import threading
from datetime import datetime
from datetime import timedelta

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import now_utc
from . import keys
from . import planning
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
    """One reminders pass (the clock calls this every interval): plan, then send with
    ``REMINDER_WORKERS`` threads, each in its own app context and database session."""
    now = now or now_utc()
    settings = pass_settings(app)
    with app.app_context():
        try:
            tally = services.Tally(planned=planning.plan(db.session, now))
            db.session.commit()
        finally:
            db.session.remove()
    tallies: list[services.Tally] = []
    errors: list[BaseException] = []

    def work() -> None:
        with app.app_context():
            mine = services.Tally()
            try:
                services.drain(db.session, now, settings, mine)
            except BaseException as error:  # noqa: BLE001 - raised again below, in the caller
                errors.append(error)
            finally:
                db.session.remove()
                tallies.append(mine)

    with app.app_context():
        single_writer = db.engine.dialect.name == "sqlite"
    workers = 1 if single_writer else app.config["REMINDER_WORKERS"]  # SQLite: one writer
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    for mine in tallies:
        tally.sent += mine.sent
        tally.skipped += mine.skipped
        tally.retried += mine.retried
        tally.failed += mine.failed
    return tally


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
