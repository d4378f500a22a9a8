"""Reminders: what each client has chosen, their phones' push subscriptions, and the outbox."""

from __future__ import annotations

import enum
from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .accounts import User
from .accounts import enum_column
from .types import UTCDateTime
from .types import now_utc


class ReminderSettings(db.Model):
    """One client's choices: when, how, and whether at all."""

    __tablename__ = "reminder_settings"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    # Consent: reminders go out only while it is given; withdrawing stops every kind.
    enabled: Mapped[bool] = mapped_column(default=True)
    exercise_times: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["08:30", "18:30"])
    exercise_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4, 5, 6])
    by_push: Mapped[bool] = mapped_column(default=True)
    by_email: Mapped[bool] = mapped_column(default=False)
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    paused_until: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    client: Mapped[User] = relationship()

    def __repr__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"<ReminderSettings client={self.client_id} {state}>"


class PushSubscription(db.Model):
    """A browser's Web Push endpoint and keys, for one signed-in user."""

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    def __repr__(self) -> str:
        return f"<PushSubscription {self.id} user={self.user_id}>"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its time, or for a retry
    SENDING = "sending"  # claimed by a pass
    SENT = "sent"
    SKIPPED = "skipped"  # no longer wanted when its time came (done, paused, withdrawn)
    FAILED = "failed"  # gave up after the last retry, or nowhere to send it


class Delivery(db.Model):
    """One reminder to one person by one channel at one instant: the outbox row.

    The unique key (recipient, kind, channel, due instant, subject) makes planning idempotent:
    every pass may plan the same reminder again, and the database keeps one. The subject keeps
    two visits whose reminders fall at the same instant apart.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What it is about (an appointment, a programme version, a local day), for the message.
    subject: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(Text, default="")  # never clinical detail
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    recipient: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint(
            "recipient_id", "kind", "channel", "due_at", "subject", name="uq_delivery_once"
        ),
        Index("ix_delivery_status_next", "status", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.kind}/{self.channel} {self.status.value}>"
