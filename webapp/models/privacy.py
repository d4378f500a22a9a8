"""A client's data rights: the consents they have given or withdrawn, and erasure requests."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .accounts import User
from .accounts import enum_column
from .types import UTCDateTime
from .types import now_utc


class ConsentTopic(enum.StrEnum):
    NOTE_SHARING = "note_sharing"  # massage and physio read each other's clinical notes
    REMINDERS = "reminders"  # exercise, session and check-in reminders by push or email


class Consent(db.Model):
    """One decision about one topic, never changed: the latest row for a topic is in force.

    A client with no row for a topic gave their consent at intake, before Continuum recorded it
    (README, "Data rights").
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    topic: Mapped[ConsentTopic] = mapped_column(enum_column(ConsentTopic, "consent_topic"))
    granted: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Who recorded it: the client in the app, or a member of staff at intake.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    __table_args__ = (Index("ix_consent_client_topic", "client_id", "topic", "recorded_at"),)

    def __repr__(self) -> str:
        state = "granted" if self.granted else "withdrawn"
        return f"<Consent {self.id} client={self.client_id} {self.topic.value} {state}>"


class ErasureStatus(enum.StrEnum):
    REQUESTED = "requested"  # the client asked; an admin has not acted yet
    COMPLETED = "completed"  # personal data erased, the clinical record pseudonymised
    WITHDRAWN = "withdrawn"  # the client changed their mind before it was done


class ErasureRequest(db.Model):
    """A client's request to be forgotten, and the admin who carried it out."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[ErasureStatus] = mapped_column(
        enum_column(ErasureStatus, "erasure_status"), default=ErasureStatus.REQUESTED
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    def __repr__(self) -> str:
        return f"<ErasureRequest {self.id} client={self.client_id} {self.status.value}>"
