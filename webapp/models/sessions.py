"""Sessions at the centre and what the care team shares about them: notes and referrals."""

from __future__ import annotations

import enum
from datetime import datetime
from datetime import timedelta

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .accounts import Centre
from .accounts import Discipline
from .accounts import User
from .accounts import enum_column
from .pathway import CarePlan
from .types import UTCDateTime
from .types import now_utc


class AppointmentKind(enum.StrEnum):
    MASSAGE = "massage"
    PHYSIO = "physio"
    COMBINED = "combined"
    REVIEW = "review"

    @property
    def label(self) -> str:
        return {
            "massage": "Massage",
            "physio": "Physiotherapy",
            "combined": "Massage and physiotherapy",
            "review": "Review",
        }[self.value]


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    CANCELLED_BY_CLIENT = "cancelled_client"
    CANCELLED_BY_CLINIC = "cancelled_clinic"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return {
            "booked": "Booked",
            "attended": "Attended",
            "cancelled_client": "Cancelled by the client",
            "cancelled_clinic": "Cancelled by the clinic",
            "no_show": "Missed",
        }[self.value]

    @property
    def is_cancelled(self) -> bool:
        return self in (
            AppointmentStatus.CANCELLED_BY_CLIENT,
            AppointmentStatus.CANCELLED_BY_CLINIC,
        )


class AppointmentSeries(db.Model):
    """Appointments booked together from a pattern; moving or cancelling 'the rest' follows it."""

    __tablename__ = "appointment_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    pattern: Mapped[str] = mapped_column(String(40))
    request_key: Mapped[str] = mapped_column(String(36), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="series", order_by="Appointment.starts_at"
    )

    def __repr__(self) -> str:
        return f"<AppointmentSeries {self.id} {self.pattern}>"


class Appointment(db.Model):
    """One visit to a centre; a combined visit has two therapists, one after the other."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The calendar identity: stays the same through every move, so phones update, not duplicate.
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    care_plan_id: Mapped[int] = mapped_column(
        ForeignKey("care_plan.id", ondelete="CASCADE"), index=True
    )
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id", ondelete="RESTRICT"), index=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment_series.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[AppointmentKind] = mapped_column(enum_column(AppointmentKind, "appointment_kind"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[AppointmentStatus] = mapped_column(
        enum_column(AppointmentStatus, "appointment_status"), default=AppointmentStatus.BOOKED
    )
    # iCalendar SEQUENCE: raised on every change a calendar should notice.
    sequence: Mapped[int] = mapped_column(default=0)
    request_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    care_plan: Mapped[CarePlan] = relationship()
    centre: Mapped[Centre] = relationship()
    series: Mapped[AppointmentSeries | None] = relationship(back_populates="appointments")
    slots: Mapped[list[AppointmentSlot]] = relationship(
        back_populates="appointment",
        order_by="AppointmentSlot.starts_at",
        cascade="all, delete-orphan",
    )

    __table_args__ = (db.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def therapists(self) -> list[User]:
        return [slot.therapist for slot in self.slots]

    def __repr__(self) -> str:
        return f"<Appointment {self.id} {self.kind.value} {self.starts_at:%Y-%m-%d %H:%M} UTC>"


class AppointmentSlot(db.Model):
    """One therapist's part of a visit, in UTC; the double-booking check reads these."""

    __tablename__ = "appointment_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointment.id", ondelete="CASCADE"), index=True
    )
    therapist_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    discipline: Mapped[Discipline] = mapped_column(enum_column(Discipline, "slot_discipline"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    appointment: Mapped[Appointment] = relationship(back_populates="slots")
    therapist: Mapped[User] = relationship()

    __table_args__ = (
        db.CheckConstraint("ends_at > starts_at", name="slot_ends_after_start"),
        Index("ix_appointment_slot_therapist_time", "therapist_id", "starts_at"),
    )

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def __repr__(self) -> str:
        return f"<AppointmentSlot {self.therapist_id} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}>"


class CalendarFeed(db.Model):
    """A client's private calendar subscription; the URL's secret derives from ``key``."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"<CalendarFeed {self.id} client={self.client_id} {state}>"


class SessionNote(db.Model):
    """What a therapist did and found; never edited, corrected only by addenda."""

    __tablename__ = "session_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    discipline: Mapped[Discipline] = mapped_column(enum_column(Discipline, "note_discipline"))
    treatment: Mapped[str] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    handover: Mapped[str] = mapped_column(Text, default="")
    client_summary: Mapped[str] = mapped_column(Text, default="")
    client_next_steps: Mapped[str] = mapped_column(Text, default="")
    request_key: Mapped[str] = mapped_column(String(36), unique=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    appointment: Mapped[Appointment | None] = relationship()
    addenda: Mapped[list[NoteAddendum]] = relationship(
        back_populates="note", order_by="NoteAddendum.written_at"
    )

    @property
    def for_client(self) -> bool:
        return bool(self.client_summary.strip() or self.client_next_steps.strip())

    def __repr__(self) -> str:
        return f"<SessionNote {self.id} client={self.client_id} {self.discipline.value}>"


class NoteAddendum(db.Model):
    """A later correction or addition to a note, with its own author and time."""

    __tablename__ = "note_addendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("session_note.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    request_key: Mapped[str] = mapped_column(String(36), unique=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    note: Mapped[SessionNote] = relationship(back_populates="addenda")
    author: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_note_addendum_note", "note_id", "written_at"),)


class Urgency(enum.StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return {
            "routine": "Routine: at the next planned session",
            "soon": "Soon: within a week",
            "urgent": "Urgent: before the next session",
        }[self.value]


class Referral(db.Model):
    """A therapist asks the other discipline on the care team to see the client."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    from_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    to_discipline: Mapped[Discipline] = mapped_column(
        enum_column(Discipline, "referral_discipline")
    )
    reason: Mapped[str] = mapped_column(Text)
    body_region: Mapped[str] = mapped_column(String(40))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency"))
    focus: Mapped[str] = mapped_column(Text, default="")
    request_key: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[User] = relationship(foreign_keys=[client_id])
    referrer: Mapped[User | None] = relationship(foreign_keys=[from_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    def __repr__(self) -> str:
        return f"<Referral {self.id} client={self.client_id} to {self.to_discipline.value}>"
