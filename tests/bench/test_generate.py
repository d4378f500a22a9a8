"""bench/generate.py: a small company that keeps every constraint, the same from the same seed,
and that the app signs into and shows."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from bench import generate
from tests.conftest import BASE_CONFIG
from webapp import create_app
from webapp.extensions import db
from webapp.models import Appointment
from webapp.models import AppointmentStatus
from webapp.models import CarePlan
from webapp.models import DiaryEntry
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import Exercise
from webapp.models import ExerciseLog
from webapp.models import Programme
from webapp.models import Role
from webapp.models import User

SIZE = generate.Size(centres=2, therapists=6, clients=20, days=45)
NOW = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
EVERY_CLIENT_HAS = [
    "care_plan",
    "phase_change",
    "programme",
    "programme_change",
    "prescription",
    "diary_entry",
    "exercise_log",
    "psfs_activity",
    "psfs_score",
    "red_flag_screen",
    "appointment",
    "appointment_slot",
    "session_note",
    "reminder_settings",
]


def orphans(connection: Any) -> dict[str, int]:
    """Foreign-key values that name no row, per column (PostgreSQL's load skips the checks)."""
    found = {}
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = fk.column.table.alias()
            parent, to = fk.parent, target.c[fk.column.name]
            query = (
                select(func.count())
                .select_from(table.outerjoin(target, parent == to))
                .where(parent.is_not(None), to.is_(None))
            )
            found[f"{table.name}.{parent.name}"] = connection.scalar(query)
    return {name: n for name, n in found.items() if n}


def test_a_small_company_keeps_every_constraint(database_url: str, tmp_path: Path) -> None:
    lines: list[str] = []
    accounts_path = tmp_path / "accounts.json"
    result = generate.generate(
        database_url,
        SIZE,
        seed=3,
        now=NOW,
        chunk=7,  # several chunks, so ids are shifted past earlier chunks'
        accounts_path=accounts_path,
        config=BASE_CONFIG,
        out=lines.append,
    )

    assert result.counted == result.written
    assert all(result.counted[name] for name in EVERY_CLIENT_HAS)
    assert result.counted["user"] == 20 + 6 + 3 + 1  # clients, therapists, admins, company admin
    assert result.counted["care_plan"] == result.counted["programme"] == 20
    assert any(line.endswith(f"accounts in {accounts_path}") for line in lines)
    assert [page["status"] for page in result.pages] == [200] * len(result.pages)
    assert {page["role"] for page in result.pages} >= {"client", "therapist", "admin"}

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        session = db.session
        assert orphans(session.connection()) == {}
        # A care team of at least one physio and one massage therapist from the plan's centre.
        for plan in session.scalars(select(CarePlan)):
            assert plan.active and 1 <= plan.phase <= 3
            assert {member.discipline for member in plan.team} == set(Discipline)
            assert all([c.id for c in member.centres] == [plan.centre_id] for member in plan.team)
            assert plan.phase_changes[0].from_phase is None
            assert plan.phase_changes[-1].to_phase == plan.phase
        # 4-7 exercises in force, each suiting the client's phase.
        for programme in session.scalars(select(Programme)):
            current = programme.current
            assert 4 <= len(current) <= 7
            assert all(programme.care_plan.phase in rx.exercise.phases for rx in current)
            assert programme.version == len(programme.changes)
        assert session.scalar(select(func.count()).select_from(Exercise)) > 0
        # Nothing recorded after "now"; visits attended and missed before it, booked after.
        assert session.scalar(select(func.max(DiaryEntry.recorded_at))) <= NOW
        assert session.scalar(select(func.max(ExerciseLog.performed_at))) <= NOW
        visits = session.execute(select(Appointment.ends_at, Appointment.status)).all()
        assert all(ends > NOW for ends, status in visits if status is AppointmentStatus.BOOKED)
        assert all(ends <= NOW for ends, status in visits if status is not AppointmentStatus.BOOKED)
        assert {status for _at, status in visits} >= {
            AppointmentStatus.ATTENDED,
            AppointmentStatus.BOOKED,
        }
        checkins = (
            select(DiaryEntry.client_id, DiaryEntry.local_date)
            .where(DiaryEntry.kind == EntryKind.CHECKIN)
            .group_by(DiaryEntry.client_id, DiaryEntry.local_date)
            .having(func.count() > 1)
        )
        assert session.execute(checkins).all() == []
        # The sequences moved past the written ids: the app can add rows.
        client = session.get(User, result.accounts["samples"]["client"]["id"])
        assert client is not None and client.role is Role.CLIENT
        session.add(User(name="New Client", email="new@example.test", role=Role.CLIENT))
        session.add(
            DiaryEntry(
                client_entry_id="00000000-0000-4000-8000-000000000001",
                client_id=client.id,
                kind=EntryKind.QUICK,
                local_date=NOW.date(),
                recorded_at=NOW,
                timezone="Europe/London",
                utc_offset_minutes=0,
                pain_now=3,
            )
        )
        session.commit()
        db.session.remove()
        db.engine.dispose()

    accounts = json.loads(accounts_path.read_text())
    assert accounts["password"] == generate.PASSWORD
    assert len(accounts["clients"]) == 20
    assert accounts["samples"]["therapist"]["id"] in accounts["samples"]["client"]["team"]


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in id order, but for values made fresh each run (salted hashes,
    sealed secrets, when the library was loaded)."""
    fresh = {"password_hash", "totp_secret", "loaded_at"}
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        found = {}
        for table in tables:
            columns = [r[1] for r in connection.execute(f'PRAGMA table_info("{table}")')]
            kept = ", ".join(f'"{c}"' for c in columns if c not in fresh)
            found[table] = connection.execute(f'SELECT {kept} FROM "{table}" ORDER BY 1').fetchall()
        return found
    finally:
        connection.close()


def test_the_same_seed_makes_the_same_rows_with_or_without_workers(tmp_path: Path) -> None:
    made = []
    for jobs in (0, 2):
        path = tmp_path / f"jobs{jobs}.db"
        generate.generate(
            f"sqlite:///{path}",
            generate.Size(centres=2, therapists=4, clients=12, days=20),
            seed=7,
            now=NOW,
            chunk=5,
            jobs=jobs,
            check=False,
            config=BASE_CONFIG,
            out=lambda line: None,
        )
        made.append(dump(path))
    assert made[0]["diary_entry"] and made[0] == made[1]


def test_refuses_a_database_with_accounts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    small = generate.Size(centres=1, therapists=2, clients=2, days=3)
    quiet = {"check": False, "config": BASE_CONFIG, "out": lambda line: None}
    generate.generate(url, small, **quiet)
    with pytest.raises(SystemExit, match="already has accounts"):
        generate.generate(url, small, **quiet)
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM care_plan")) == 2
    engine.dispose()
    result = generate.generate(url, small, replace=True, **quiet)
    assert result.counted["care_plan"] == 2
