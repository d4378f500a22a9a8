"""The trail is append-only: on PostgreSQL the database refuses UPDATE and DELETE (a trigger,
migration 0007), whoever asks; on SQLite there is no trigger, and append-only means the app has
no path that changes a row (tests/audit/test_coverage.py reads the source to show it)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from tests.audit.conftest import events
from tests.sessions.conftest import Care
from webapp.audit import services
from webapp.extensions import db
from webapp.models import AuditEvent

ATTEMPTS = {
    "raw UPDATE": lambda: db.session.execute(text("UPDATE audit_event SET action = 'read'")),
    "raw DELETE": lambda: db.session.execute(text("DELETE FROM audit_event")),
    "Core update": lambda: db.session.execute(update(AuditEvent).values(client_id=None)),
    "Core delete": lambda: db.session.execute(delete(AuditEvent)),
}


@pytest.fixture
def on_postgresql(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no trigger: there, append-only is the app having no such path")


@pytest.mark.parametrize("attempt", sorted(ATTEMPTS))
def test_postgresql_refuses_to_change_the_trail(
    app: Flask, on_postgresql: None, london: Care, attempt: str
) -> None:
    services.record(db.session, london.physio, london.client.id, "change", "notes")
    db.session.commit()
    with pytest.raises(DBAPIError, match="audit_event is append-only"):
        ATTEMPTS[attempt]()
        db.session.flush()
    db.session.rollback()
    (event,) = events()
    assert (event.client_id, event.action) == (london.client.id, "change")


def test_postgresql_refuses_an_orm_edit_or_delete(
    app: Flask, on_postgresql: None, london: Care
) -> None:
    event = services.record(db.session, london.physio, london.client.id, "read", "brief")
    db.session.commit()
    event.action = "change"
    with pytest.raises(DBAPIError, match="UPDATE refused"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(DBAPIError, match="DELETE refused"):
        db.session.commit()
    db.session.rollback()
    assert [e.action for e in events()] == ["read"]
