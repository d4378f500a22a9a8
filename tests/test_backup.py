"""Backups and the restore drill: back up a live database, lose data, restore it, check it all.

On SQLite and PostgreSQL. The drill prints how long the backup and the restore took (the RTO
figure in the README comes from `pytest -s tests/test_backup.py`).
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import text

from tests.conftest import PG_ADMIN_URL
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from webapp.backup import services
from webapp.extensions import db
from webapp.models import DiaryEntry
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import User
from webapp.models import now_utc

NOTE = "Slept badly after the long drive"


def some_records() -> User:
    centre = gen_centre()
    client = gen_client(centre, [gen_therapist(centre, d) for d in Discipline])
    for day in range(1, 8):
        db.session.add(
            DiaryEntry(
                client_entry_id=str(uuid.uuid4()),
                client_id=client.id,
                kind=EntryKind.CHECKIN,
                local_date=date(2026, 11, day),
                recorded_at=now_utc(),
                timezone="Europe/London",
                utc_offset_minutes=0,
                pain_now=day % 10,
                notes=NOTE if day == 3 else "",
            )
        )
    db.session.commit()
    return client


def url_of(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture
def spare_database(app: Flask, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An empty database of the same kind, to restore a backup into."""
    url = url_of(app)
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'spare.db'}"
        return
    name = f"continuum_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_backup_restored_elsewhere_holds_every_row(
    app: Flask, tmp_path: Path, spare_database: str
) -> None:
    some_records()
    db.session.remove()
    before = services.row_counts(url_of(app))
    backup = services.create(url_of(app), tmp_path / "backup.bin")
    assert backup.bytes > 0
    services.restore(spare_database, backup.path)
    assert services.row_counts(spare_database) == before
    assert before["diary_entry"] == 7 and before["user"] == 3


def test_the_restore_drill_brings_back_lost_data_with_the_commands(
    app: Flask, tmp_path: Path
) -> None:
    client = some_records()
    client_id = client.id
    db.session.remove()
    before = services.row_counts(url_of(app))
    cli = app.test_cli_runner()
    path = tmp_path / "drill.bin"
    made = cli.invoke(args=["backup", "create", str(path)])
    assert made.exit_code == 0, made.output
    assert made.output.startswith(f"backup: {path} (")

    # The disaster: a client's diary is deleted.
    db.session.execute(delete(DiaryEntry).where(DiaryEntry.client_id == client_id))
    db.session.commit()
    db.session.remove()
    assert services.row_counts(url_of(app))["diary_entry"] == 0

    refused = cli.invoke(args=["backup", "restore", str(path)], input="n\n")
    assert refused.exit_code != 0  # it asks first, and "no" changes nothing
    assert services.row_counts(url_of(app))["diary_entry"] == 0

    restored = cli.invoke(args=["backup", "restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    print(f"\n{url_of(app).split(':')[0]}: {made.output.strip()}; {restored.output.strip()}")
    assert services.row_counts(url_of(app)) == before
    notes = db.session.scalars(select(DiaryEntry.notes).where(DiaryEntry.client_id == client_id))
    assert NOTE in list(notes)


def test_a_damaged_or_missing_backup_is_refused_and_changes_nothing(
    app: Flask, tmp_path: Path
) -> None:
    some_records()
    db.session.remove()
    before = services.row_counts(url_of(app))
    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200 + b"not a database" * 100)
    answer = app.test_cli_runner().invoke(args=["backup", "restore", str(damaged), "--yes"])
    assert answer.exit_code != 0
    assert "Error:" in answer.output and "Traceback" not in answer.output
    assert services.row_counts(url_of(app)) == before
    with pytest.raises(services.BackupError, match="no backup file"):
        services.restore(url_of(app), tmp_path / "missing.bin")


def test_a_sqlite_backup_taken_while_another_connection_writes_is_consistent(
    app: Flask, tmp_path: Path
) -> None:
    url = url_of(app)
    if not url.startswith("sqlite"):
        pytest.skip("the online-copy race is SQLite's; pg_dump reads one snapshot")
    some_records()
    db.session.remove()
    writer = sqlite3.connect(url.removeprefix("sqlite:///"))
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE diary_entry SET pain_now = 0")
    backup = services.create(url, tmp_path / "online.sqlite3")  # the writer has not committed
    writer.commit()
    writer.close()
    with sqlite3.connect(backup.path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        pains = {row[0] for row in copy.execute("SELECT pain_now FROM diary_entry")}
    copy.close()
    assert pains != {0}  # the copy is the moment before the uncommitted change
