"""The London and Sydney care teams of the sessions tests, and a reader of the trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.sessions.conftest import london
from tests.sessions.conftest import sydney
from webapp.extensions import db
from webapp.models import AuditEvent

__all__ = ["events", "london", "sydney"]


def events(**where: Any) -> list[AuditEvent]:
    """The audit rows matching ``where`` (column=value), oldest first, read afresh."""
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(query))
