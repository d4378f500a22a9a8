"""The exercise library and each client's versioned home programme."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .accounts import User
from .accounts import enum_column
from .pathway import CarePlan
from .types import UTCDateTime
from .types import now_utc


class Exercise(db.Model):
    """One exercise from the library in ``exercises/``; loaded by id, never edited in the app."""

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    regions: Mapped[list[str]] = mapped_column(JSON)
    phases: Mapped[list[int]] = mapped_column(JSON)
    equipment: Mapped[list[str]] = mapped_column(JSON)
    post_op: Mapped[bool] = mapped_column(default=False)
    steps: Mapped[list[str]] = mapped_column(JSON)
    cautions: Mapped[list[str]] = mapped_column(JSON)
    progression: Mapped[list[str]] = mapped_column(JSON)
    regression: Mapped[list[str]] = mapped_column(JSON)
    sets: Mapped[int]
    reps: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    rest_seconds: Mapped[int]
    times_per_day: Mapped[int | None]
    days_per_week: Mapped[int | None]
    each_side: Mapped[bool] = mapped_column(default=False)
    illustration: Mapped[str] = mapped_column(String(64))
    licence: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(120))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    def __repr__(self) -> str:
        return f"<Exercise {self.id} {self.name!r}>"


class Programme(db.Model):
    """A client's home programme. ``version`` rises with every change; nothing is deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    care_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_plan.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=0)
    # The version the client has seen; changes after it are shown on Today.
    client_seen_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    client: Mapped[User] = relationship()
    care_plan: Mapped[CarePlan | None] = relationship()
    prescriptions: Mapped[list[Prescription]] = relationship(
        back_populates="programme", order_by="Prescription.position", cascade="all"
    )
    changes: Mapped[list[ProgrammeChange]] = relationship(
        back_populates="programme", order_by="ProgrammeChange.version", cascade="all"
    )

    @property
    def current(self) -> list[Prescription]:
        """The prescriptions in force now, in the order the client does them."""
        return [p for p in self.prescriptions if p.ended_at is None]

    def __repr__(self) -> str:
        return f"<Programme {self.id} client={self.client_id} v{self.version}>"


class Prescription(db.Model):
    """One exercise at one dose for a span of time.

    A new dose, a progression or a regression ends the row and starts a new one in the same
    ``slot``, so the client's history carries across; a removal only ends it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    exercise_id: Mapped[str] = mapped_column(ForeignKey("exercise.id", ondelete="RESTRICT"))
    slot: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex, index=True)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("prescription.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(default=0)
    sets: Mapped[int]
    reps: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    rest_seconds: Mapped[int]
    times_per_day: Mapped[int | None]
    days_per_week: Mapped[int | None]
    each_side: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    started_in_version: Mapped[int]
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_in_version: Mapped[int | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))  # removed, changed, progressed…

    programme: Mapped[Programme] = relationship(back_populates="prescriptions")
    exercise: Mapped[Exercise] = relationship()
    previous: Mapped[Prescription | None] = relationship(remote_side=[id])

    __table_args__ = (
        db.CheckConstraint("sets BETWEEN 1 AND 10", name="sets_range"),
        db.CheckConstraint("reps IS NULL OR reps BETWEEN 1 AND 50", name="reps_range"),
        db.CheckConstraint(
            "hold_seconds IS NULL OR hold_seconds BETWEEN 1 AND 600", name="hold_range"
        ),
        db.CheckConstraint("reps IS NOT NULL OR hold_seconds IS NOT NULL", name="reps_or_hold"),
        db.CheckConstraint("rest_seconds BETWEEN 0 AND 600", name="rest_range"),
        db.CheckConstraint(
            "(times_per_day IS NULL) <> (days_per_week IS NULL)", name="one_frequency"
        ),
        db.CheckConstraint(
            "times_per_day IS NULL OR times_per_day BETWEEN 1 AND 6", name="times_per_day_range"
        ),
        db.CheckConstraint(
            "days_per_week IS NULL OR days_per_week BETWEEN 1 AND 7", name="days_per_week_range"
        ),
    )

    def dosage(self) -> dict[str, Any]:
        """Return the dose fields, for copying into a successor row."""
        return {
            "sets": self.sets,
            "reps": self.reps,
            "hold_seconds": self.hold_seconds,
            "rest_seconds": self.rest_seconds,
            "times_per_day": self.times_per_day,
            "days_per_week": self.days_per_week,
            "each_side": self.each_side,
        }

    def __repr__(self) -> str:
        state = "current" if self.ended_at is None else f"ended ({self.end_reason})"
        return f"<Prescription {self.id} {self.exercise_id} {state}>"


class ProgrammeChange(db.Model):
    """Who changed a programme, when, why, and what changed, one row per version."""

    __tablename__ = "programme_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    summary: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(500))
    post_op_approved: Mapped[bool] = mapped_column(default=False)

    programme: Mapped[Programme] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        db.UniqueConstraint("programme_id", "version", name="uq_programme_change_version"),
    )

    def __repr__(self) -> str:
        return f"<ProgrammeChange programme={self.programme_id} v{self.version} {self.summary!r}>"


class Difficulty(enum.StrEnum):
    TOO_EASY = "too_easy"
    ABOUT_RIGHT = "about_right"
    TOO_HARD = "too_hard"

    @property
    def label(self) -> str:
        return {"too_easy": "Too easy", "about_right": "About right", "too_hard": "Too hard"}[
            self.value
        ]


class ExerciseLog(db.Model):
    """One session of one prescribed exercise, done by the client.

    ``client_entry_id`` is made on the client's device, so a retried request or an offline
    replay finds the row it already made instead of adding another.
    """

    __tablename__ = "exercise_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_entry_id: Mapped[str] = mapped_column(String(36), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescription.id", ondelete="CASCADE"))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    sets_done: Mapped[int | None]
    pain_during: Mapped[int | None]
    difficulty: Mapped[Difficulty | None] = mapped_column(enum_column(Difficulty, "difficulty"))
    with_timer: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    prescription: Mapped[Prescription] = relationship()

    __table_args__ = (
        # With the prescription, a client's logs over a span are counted from the index alone
        # (a caseload's or a company's adherence reads thousands of clients' fortnights).
        Index("ix_exercise_log_client_date_rx", "client_id", "local_date", "prescription_id"),
        Index("ix_exercise_log_prescription_date", "prescription_id", "local_date"),
        db.CheckConstraint(
            "pain_during IS NULL OR pain_during BETWEEN 0 AND 10", name="pain_range"
        ),
        db.CheckConstraint("sets_done IS NULL OR sets_done BETWEEN 0 AND 10", name="sets_done"),
    )

    def __repr__(self) -> str:
        return f"<ExerciseLog {self.client_entry_id} rx={self.prescription_id} {self.local_date}>"
