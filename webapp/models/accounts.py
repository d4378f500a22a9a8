"""People, places and the credentials that let them in."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column
from sqlalchemy import Enum
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import func
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .types import SealedString
from .types import UTCDateTime
from .types import now_utc


class Role(enum.StrEnum):
    CLIENT = "client"
    THERAPIST = "therapist"
    ADMIN = "admin"


class Discipline(enum.StrEnum):
    MASSAGE = "massage"
    PHYSIO = "physio"

    @property
    def label(self) -> str:
        return {"massage": "Massage therapist", "physio": "Physiotherapist"}[self.value]


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by value in a portable VARCHAR with a CHECK constraint."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


centre_membership = Table(
    "centre_membership",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("centre_id", ForeignKey("centre.id", ondelete="CASCADE"), primary_key=True),
    # The key starts with the user: a centre's members (an admin's clients) look up by centre.
    Index("ix_centre_membership_centre_id", "centre_id"),
)


class Centre(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(64))

    members: Mapped[list[User]] = relationship(
        secondary=centre_membership, back_populates="centres", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<Centre {self.id} {self.name!r} {self.timezone}>"


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    discipline: Mapped[Discipline | None] = mapped_column(enum_column(Discipline, "discipline"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # When a client finished or skipped the first-run tour (None: not yet).
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Two-step sign-in (TOTP). The authenticator app's secret, sealed at rest; the secret shown
    # while setting up, until a code from it confirms it; when it was turned on; and the last
    # 30-second step a code was accepted for, so each code is good once.
    totp_secret: Mapped[str | None] = mapped_column(SealedString())
    totp_setup_secret: Mapped[str | None] = mapped_column(SealedString())
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None]
    # When an admin erased this client's personal data; the row stays, pseudonymised, for as
    # long as the clinical record must be kept (README, "Data rights").
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    centres: Mapped[list[Centre]] = relationship(
        secondary=centre_membership, back_populates="members", order_by="Centre.name"
    )
    care_plans: Mapped[list[CarePlan]] = relationship(  # noqa: F821
        back_populates="client", foreign_keys="CarePlan.client_id"
    )

    __table_args__ = (
        Index("uq_user_email_lower", func.lower(email), unique=True),
        db.CheckConstraint(
            "(role = 'therapist') = (discipline IS NOT NULL)", name="discipline_for_therapists"
        ),
    )

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.THERAPIST, Role.ADMIN)

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def needs_second_factor(self) -> bool:
        """Staff must turn on two-step sign-in before they reach anything else."""
        return self.is_staff and not self.has_second_factor

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    @property
    def active_care_plan(self) -> CarePlan | None:  # noqa: F821
        return next((plan for plan in self.care_plans if plan.active), None)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class UserSession(db.Model):
    """A signed-in device; revoking the row ends the session whatever the cookie says."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"<UserSession user={self.user_id} {state} since {self.created_at:%Y-%m-%d %H:%M}>"


class Invitation(db.Model):
    """A one-time, expiring link with which a new client sets a password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"<Invitation {self.id} user={self.user_id} expires {self.expires_at:%Y-%m-%d}>"


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        state = "used" if self.used_at else "unused"
        return f"<RecoveryCode {self.id} user={self.user_id} {state}>"


class PasswordReset(db.Model):
    """A one-time, short-lived emailed link to choose a new password; only its hash is kept."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PasswordReset {self.id} user={self.user_id} expires {self.expires_at:%H:%M}>"


class LoginAttempt(db.Model):
    """One attempt at a password, a second-step code or a reset, kept a while to throttle."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    # "password", "code" (the second step, or confirming who you are) or "reset" (a link asked for)
    kind: Mapped[str] = mapped_column(String(10), default="password", server_default="password")
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)

    def __repr__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"<LoginAttempt {self.kind} {self.email} from {self.address} {outcome}>"
