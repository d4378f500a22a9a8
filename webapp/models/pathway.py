"""The care pathway: a client's plan, its care team and the phases it moves through."""

from __future__ import annotations

import enum
from datetime import date
from datetime import datetime

from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .accounts import Centre
from .accounts import User
from .accounts import enum_column
from .types import UTCDateTime
from .types import now_utc


class Condition(enum.StrEnum):
    NECK_SHOULDER = "neck_shoulder"
    SPORTS_INJURY = "sports_injury"
    POSTURAL = "postural"
    LOW_BACK = "low_back"
    REPETITIVE_STRAIN = "repetitive_strain"
    JOINT_STIFFNESS = "joint_stiffness"
    POST_OP = "post_op"


care_team = Table(
    "care_team",
    db.metadata,
    Column("care_plan_id", ForeignKey("care_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("therapist_id", ForeignKey("user.id", ondelete="RESTRICT"), primary_key=True),
    # The key starts with the plan: a therapist's caseload and the access policy look up by
    # therapist.
    Index("ix_care_team_therapist_id", "therapist_id"),
)


class CarePlan(db.Model):
    __tablename__ = "care_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id", ondelete="RESTRICT"), index=True)
    condition: Mapped[Condition] = mapped_column(enum_column(Condition, "condition"))
    phase: Mapped[int]
    goals: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    client: Mapped[User] = relationship(back_populates="care_plans", foreign_keys=[client_id])
    centre: Mapped[Centre] = relationship()
    team: Mapped[list[User]] = relationship(secondary=care_team, order_by=User.name)
    phase_changes: Mapped[list[PhaseChange]] = relationship(
        back_populates="care_plan",
        order_by="PhaseChange.changed_at",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        db.CheckConstraint("phase BETWEEN 1 AND 3", name="phase_range"),
        # One active plan per client, enforced by the database on both engines.
        Index(
            "uq_care_plan_active_client",
            "client_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    def __repr__(self) -> str:
        return f"<CarePlan {self.id} client={self.client_id} {self.condition.value} P{self.phase}>"


class PhaseChange(db.Model):
    """One move along the pathway (or the start of it): who, when, from, to and why."""

    __tablename__ = "phase_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    care_plan_id: Mapped[int] = mapped_column(
        ForeignKey("care_plan.id", ondelete="CASCADE"), index=True
    )
    from_phase: Mapped[int | None]
    to_phase: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    care_plan: Mapped[CarePlan] = relationship(back_populates="phase_changes")
    changed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        db.CheckConstraint("to_phase BETWEEN 1 AND 3", name="to_phase_range"),
        db.CheckConstraint(
            "from_phase IS NULL OR (from_phase BETWEEN 1 AND 3 AND from_phase <> to_phase)",
            name="from_phase_valid",
        ),
    )

    def __repr__(self) -> str:
        return f"<PhaseChange plan={self.care_plan_id} {self.from_phase}->{self.to_phase}>"
