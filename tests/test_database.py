"""The database: SQLite pragmas, constraints on both engines, migrations matching models."""

from __future__ import annotations

import sqlite3
import warnings
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.conftest import BASE_CONFIG
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from tests.factories import plan_of
from webapp import create_app
from webapp.database import _sqlite_pragmas
from webapp.extensions import db
from webapp.models import CarePlan
from webapp.models import Condition
from webapp.models import Discipline
from webapp.models import PhaseChange
from webapp.models import Role
from webapp.models import UserSession


def test_sqlite_pragmas_take_effect(tmp_path: Path) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        db.engine.dispose()


def test_pragmas_that_do_not_take_are_an_error() -> None:
    # An in-memory database can't switch to WAL: the check must notice.
    connection = sqlite3.connect(":memory:")
    with pytest.raises(RuntimeError, match="did not take effect"):
        _sqlite_pragmas(connection, in_memory=False)
    connection.close()


def test_foreign_keys_are_enforced(app: Flask) -> None:
    db.session.add(UserSession(token_hash="x" * 64, user_id=999_999))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_email_is_unique_whatever_its_case(app: Flask) -> None:
    centre = gen_centre()
    gen_user(Role.ADMIN, [centre], email="same@example.test")
    db.session.commit()
    with pytest.raises(IntegrityError):
        gen_user(Role.ADMIN, [centre], email="SAME@example.test")


def test_only_therapists_have_a_discipline(app: Flask) -> None:
    with pytest.raises(IntegrityError):
        gen_user(Role.CLIENT, [gen_centre()], discipline=Discipline.PHYSIO)


def test_one_active_care_plan_per_client(app: Flask) -> None:
    centre = gen_centre()
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    client = gen_client(centre, team)
    db.session.commit()
    db.session.add(
        CarePlan(
            client=client,
            centre=centre,
            condition=Condition.LOW_BACK,
            phase=1,
            start_date=datetime.now(UTC).date(),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_phase_must_be_one_to_three(app: Flask) -> None:
    centre = gen_centre()
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    plan = plan_of(gen_client(centre, team))
    db.session.commit()
    db.session.add(PhaseChange(care_plan=plan, from_phase=1, to_phase=4, reason="no"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_times_come_back_aware_and_in_utc(app: Flask) -> None:
    sydney = timezone(timedelta(hours=11))
    centre = gen_centre()
    user = gen_user(Role.ADMIN, [centre])
    moment = datetime(2026, 4, 5, 2, 30, tzinfo=sydney)
    db.session.add(
        UserSession(token_hash="t" * 64, user=user, created_at=moment, last_seen_at=moment)
    )
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(UserSession, "t" * 64)
    assert stored.created_at == moment
    assert stored.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(app: Flask) -> None:
    user = gen_user(Role.ADMIN, [gen_centre()])
    naive = datetime(2026, 1, 1, 12, 0)
    db.session.add(
        UserSession(token_hash="n" * 64, user=user, created_at=naive, last_seen_at=naive)
    )
    with pytest.raises(Exception, match="naive"):
        db.session.flush()
    db.session.rollback()


def test_migrations_match_the_models(app: Flask) -> None:
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite can't reflect the lower(email) index; Alembic warns and skips it.
        warnings.simplefilter("ignore")
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
