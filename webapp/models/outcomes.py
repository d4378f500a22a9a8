"""Outcome reports kept for a few minutes, so every web instance can show one without
counting a year of a company's diary again (issue #10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..extensions import db
from .types import UTCDateTime


class OutcomeSnapshot(db.Model):
    """One outcomes report as it was counted at ``made_at``: aggregate figures only, already
    small-group protected, for one scope and one set of filters (``key``, a hash of both)."""

    __tablename__ = "outcome_snapshot"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<OutcomeSnapshot {self.key[:12]} made {self.made_at:%Y-%m-%d %H:%M}>"
