"""The audit trail: who read or changed which client's health data, when. Append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..extensions import db
from .types import UTCDateTime
from .types import now_utc


class AuditEvent(db.Model):
    """One read or change of a client's health data (or an export of it).

    No foreign keys: the trail outlives erasure, and holds ids and codes, never names or
    clinical text. The app only ever inserts; on PostgreSQL a trigger refuses UPDATE and
    DELETE (migration 0007).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    actor_id: Mapped[int | None]  # None: the system (a scheduled job)
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_centres: Mapped[str] = mapped_column(String(200), default="")  # centre ids, "1,3"
    client_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(20))  # read, change, export, erase, …
    record: Mapped[str] = mapped_column(String(40))  # diary, programme, notes, brief, …
    record_id: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (
        Index("ix_audit_event_client_at", "client_id", "at"),
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_at", "at"),
    )

    def __repr__(self) -> str:
        return (
            f"<AuditEvent {self.id} {self.actor_role} {self.actor_id} {self.action} "
            f"{self.record} client={self.client_id} request={self.request_id}>"
        )
