"""The clock process: one scheduler, outside the web workers, running idempotent passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import select

from tests.factories import gen_centre
from tests.factories import gen_user
from webapp.extensions import db
from webapp.housekeeping import services
from webapp.models import LoginAttempt
from webapp.models import Role
from webapp.models import UserSession
from webapp.models import now_utc


def old_and_new_rows(now):  # type: ignore[no-untyped-def]
    user = gen_user(Role.ADMIN, [gen_centre()])
    long_ago = now - timedelta(days=90)
    db.session.add_all(
        [
            UserSession(
                token_hash="a" * 64,
                user=user,
                created_at=long_ago,
                last_seen_at=long_ago,
                revoked_at=long_ago,
            ),
            UserSession(token_hash="b" * 64, user=user, created_at=now, last_seen_at=now),
            LoginAttempt(
                email="x@example.test", address="1.2.3.4", succeeded=False, attempted_at=long_ago
            ),
            LoginAttempt(
                email="x@example.test", address="1.2.3.4", succeeded=False, attempted_at=now
            ),
        ]
    )
    db.session.commit()


def test_purge_removes_only_dead_records(app: Flask) -> None:
    now = now_utc()
    old_and_new_rows(now)
    purged = services.purge(db.session, now, timedelta(days=30))
    db.session.commit()
    assert (purged.sessions, purged.login_attempts) == (1, 1)
    assert db.session.scalars(select(UserSession.token_hash)).all() == ["b" * 64]
    again = services.purge(db.session, now, timedelta(days=30))
    assert (again.sessions, again.login_attempts) == (0, 0)


def test_purge_command(app: Flask) -> None:
    old_and_new_rows(now_utc())
    result = app.test_cli_runner().invoke(args=["housekeeping", "purge"])
    assert result.exit_code == 0
    assert "purged 1 sessions, 1 sign-in attempts" in result.output


def test_web_app_starts_no_scheduler(app: Flask) -> None:
    before = {t.name for t in threading.enumerate()}
    app.test_client().get("/login")
    after = {t.name for t in threading.enumerate()}
    assert not any("APScheduler" in name for name in after - before)


def test_clock_process_runs_the_pass(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "clock.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url, "CONTINUUM_CLOCK_INTERVAL_SECONDS": "1"}
    # Write rows through a separate app so the clock sees them as another process would.
    from tests.conftest import BASE_CONFIG
    from webapp import create_app

    writer = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with writer.app_context():
        old_and_new_rows(now_utc())
        db.engine.dispose()
    clock = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp", "clock"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + 20
        remaining = 2
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                remaining = conn.execute(select(func.count()).select_from(UserSession)).scalar()
            if remaining == 1:
                break
            time.sleep(0.2)
        assert remaining == 1, "the clock did not purge the dead session"
        assert clock.poll() is None, "the clock process should keep running"
    finally:
        clock.terminate()
        output, _ = clock.communicate(timeout=10)
        engine.dispose()
    assert "clock: running housekeeping and reminders every 1s" in output
