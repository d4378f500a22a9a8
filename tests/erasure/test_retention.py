"""The retention job: an erased client's kept record goes 8 years after their last visit."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from tests.erasure.conftest import NOW
from tests.erasure.conftest import Full
from tests.erasure.conftest import gen_full_client
from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from webapp.erasure import services as erasure
from webapp.extensions import db
from webapp.housekeeping import services as housekeeping
from webapp.models import Appointment
from webapp.models import AuditEvent
from webapp.models import CarePlan
from webapp.models import Discipline
from webapp.models import ErasureRequest
from webapp.models import Prescription
from webapp.models import Role
from webapp.models import SessionNote
from webapp.models import User
from webapp.models import now_utc


def erased(full: Full, when: datetime = NOW) -> int:
    erasure.complete(db.session, full.request, full.admin, when)
    db.session.commit()
    return full.client.id


def count(model: type, **where: int) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    return db.session.scalar(query) or 0


def test_shift_years_keeps_the_day_and_moves_29_february_to_the_28th() -> None:
    assert erasure.shift_years(datetime(2026, 11, 3, 14, tzinfo=UTC), 8) == datetime(
        2034, 11, 3, 14, tzinfo=UTC
    )
    assert erasure.shift_years(datetime(2028, 2, 29, tzinfo=UTC), 8) == datetime(
        2036, 2, 29, tzinfo=UTC
    )
    assert erasure.shift_years(datetime(2028, 2, 29, tzinfo=UTC), -1) == datetime(
        2027, 2, 28, tzinfo=UTC
    )


def test_the_record_is_kept_until_8_years_after_the_last_visit_or_note(full: Full) -> None:
    client_id = erased(full)
    note_written = db.session.scalar(select(func.max(SessionNote.written_at)))
    assert note_written is not None and note_written > full.last_visit
    ends = erasure.retention_ends(db.session, full.client)
    assert ends == erasure.shift_years(note_written, 8)

    # The day before: nothing goes.
    assert erasure.purge_expired(db.session, ends - timedelta(seconds=1)) == 0
    assert db.session.get(User, client_id) is not None
    kept = count(SessionNote, client_id=client_id)
    assert kept == 1

    # Once it's over: the tombstone and the whole kept record go; the trail keeps its rows.
    trail = count(AuditEvent, client_id=client_id)
    assert erasure.purge_expired(db.session, ends + timedelta(seconds=1)) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, client_id) is None
    for model in (SessionNote, Appointment, CarePlan, ErasureRequest):
        assert count(model, client_id=client_id) == 0, model
    assert db.session.scalar(select(func.count(Prescription.id))) == 0
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.client_id == client_id)).all()
    assert len(events) == trail + 1
    assert (events[-1].actor_id, events[-1].action, events[-1].record) == (None, "erase", "record")
    # Run again: nothing more to do.
    assert erasure.purge_expired(db.session, ends + timedelta(days=400)) == 0


def test_a_client_who_never_came_is_kept_8_years_from_the_erasure(app: Flask) -> None:
    centre = gen_centre()
    team = [gen_therapist(centre, Discipline.MASSAGE), gen_therapist(centre, Discipline.PHYSIO)]
    client = gen_client(centre, team)
    admin = gen_user(Role.ADMIN, [centre])
    request = erasure.request_erasure(db.session, client, NOW)
    erasure.complete(db.session, request, admin, NOW)
    db.session.commit()
    assert erasure.retention_ends(db.session, client) == erasure.shift_years(NOW, 8)
    assert erasure.purge_expired(db.session, erasure.shift_years(NOW, 8)) == 0
    assert erasure.purge_expired(db.session, erasure.shift_years(NOW, 8) + timedelta(1)) == 1


def test_clients_who_were_not_erased_are_never_purged(app: Flask) -> None:
    """Retention for everyone else is a separate decision; this job only finishes erasures."""
    full = gen_full_client()
    assert erasure.purge_expired(db.session, NOW + timedelta(days=365 * 30)) == 0
    assert db.session.get(User, full.client.id) is not None
    assert erasure.retention_ends(db.session, full.client) is None


def test_housekeeping_runs_the_retention_job(app: Flask) -> None:
    full = gen_full_client(now=now_utc() - timedelta(days=9 * 366))
    client_id = erased(full, when=now_utc() - timedelta(days=9 * 366 - 60))
    purged = housekeeping.purge(db.session, now_utc(), timedelta(days=30))
    db.session.commit()
    assert purged.erased_clients == 1
    db.session.expire_all()
    assert db.session.get(User, client_id) is None


def test_the_purge_command_says_how_many_records_went(app: Flask) -> None:
    full = gen_full_client(now=now_utc() - timedelta(days=9 * 366))
    client_id = erased(full, when=now_utc() - timedelta(days=9 * 366 - 60))
    result = app.test_cli_runner().invoke(args=["housekeeping", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 erased clients past retention" in result.output
    db.session.expire_all()
    assert db.session.get(User, client_id) is None
