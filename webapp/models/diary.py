"""The pain diary and the measures around it: check-ins, quick logs, PSFS, global rating of
change, the weekly red-flag screen, and the alerts they raise for the care team."""

from __future__ import annotations

import enum
from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .accounts import User
from .accounts import enum_column
from .types import UTCDateTime
from .types import now_utc


class EntryKind(enum.StrEnum):
    CHECKIN = "checkin"  # the daily check-in: one per client per local day
    QUICK = "quick"  # a quick pain log from Today: as many as the client likes


class DiaryEntry(db.Model):
    """A pain diary entry, kept with the client's own local time and zone.

    ``client_entry_id`` is made on the device, so an offline entry replayed twice is stored once.
    """

    __tablename__ = "diary_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_entry_id: Mapped[str] = mapped_column(String(36), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, "entry_kind"))
    local_date: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    utc_offset_minutes: Mapped[int]
    pain_now: Mapped[int]
    pain_worst: Mapped[int | None]
    sleep: Mapped[int | None]
    stress: Mapped[int | None]
    flare: Mapped[bool | None]
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    __table_args__ = (
        # With the rating, the outcomes' passes over a year of diary read the index alone.
        Index("ix_diary_entry_client_date_pain", "client_id", "local_date", "pain_now"),
        # One daily check-in per client per day, on both engines.
        Index(
            "uq_diary_entry_checkin_day",
            "client_id",
            "local_date",
            unique=True,
            sqlite_where=text("kind = 'checkin'"),
            postgresql_where=text("kind = 'checkin'"),
        ),
        db.CheckConstraint("pain_now BETWEEN 0 AND 10", name="pain_now_range"),
        db.CheckConstraint("pain_worst IS NULL OR pain_worst BETWEEN 0 AND 10", name="worst"),
        db.CheckConstraint("sleep IS NULL OR sleep BETWEEN 0 AND 10", name="sleep_range"),
        db.CheckConstraint("stress IS NULL OR stress BETWEEN 0 AND 10", name="stress_range"),
    )

    def __repr__(self) -> str:
        return f"<DiaryEntry {self.kind.value} client={self.client_id} {self.local_date}>"


class PsfsActivity(db.Model):
    """An activity the client named with their therapist, rated 0 (can't) to 10 (as before)."""

    __tablename__ = "psfs_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    scores: Mapped[list[PsfsScore]] = relationship(
        back_populates="activity", order_by="PsfsScore.week_start"
    )

    def __repr__(self) -> str:
        return f"<PsfsActivity {self.id} {self.name!r}>"


class PsfsScore(db.Model):
    """One week's rating of one activity; re-rating the same week updates it."""

    __tablename__ = "psfs_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("psfs_activity.id", ondelete="CASCADE"), index=True
    )
    week_start: Mapped[date]
    score: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    activity: Mapped[PsfsActivity] = relationship(back_populates="scores")

    __table_args__ = (
        db.UniqueConstraint("activity_id", "week_start", name="uq_psfs_score_week"),
        db.CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
    )

    def __repr__(self) -> str:
        return f"<PsfsScore activity={self.activity_id} {self.week_start} {self.score}>"


class GlobalRating(db.Model):
    """The client's overall sense of change since starting care, −7 to +7, at reviews."""

    __tablename__ = "global_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[date]
    score: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    __table_args__ = (db.CheckConstraint("score BETWEEN -7 AND 7", name="score_range"),)

    def __repr__(self) -> str:
        return f"<GlobalRating client={self.client_id} {self.local_date} {self.score:+d}>"


class RedFlagScreen(db.Model):
    """One weekly red-flag screen: which items the client ticked (empty when none)."""

    __tablename__ = "red_flag_screen"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[date]
    ticked: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    def __repr__(self) -> str:
        return f"<RedFlagScreen client={self.client_id} {self.local_date} {self.ticked}>"


class CareAlert(db.Model):
    """Something the care team must see, such as a ticked red flag, until one of them acts."""

    __tablename__ = "care_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    def __repr__(self) -> str:
        state = "open" if self.acknowledged_at is None else "acknowledged"
        return f"<CareAlert {self.kind} client={self.client_id} {state}>"
