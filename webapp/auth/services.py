"""Signing in and out, server-side sessions, throttling and invitations.

The second step lives in ``two_factor``, password reset links in ``reset``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import joinedload

from ..models import Invitation
from ..models import LoginAttempt
from ..models import Role
from ..models import User
from ..models import UserSession
from .passwords import hash_password
from .passwords import verify_password


def digest(token: str) -> str:
    """Hash a bearer token for storage; the token itself never reaches the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Fold an email address the way the unique index does."""
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    """Find an account by email, ignoring case."""
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


# --- Sign-in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    window: timedelta
    per_account: int
    per_address: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Throttle:
        return cls(
            window=config["LOGIN_WINDOW"],
            per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
            per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        )

    @classmethod
    def for_codes(cls, config: Mapping[str, Any]) -> Throttle:
        """Wrong second-step codes (and wrong answers when confirming who you are)."""
        return cls(
            window=config["LOGIN_WINDOW"],
            per_account=config["CODE_MAX_FAILURES_PER_ACCOUNT"],
            per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        )

    @classmethod
    def for_resets(cls, config: Mapping[str, Any]) -> Throttle:
        """Reset links asked for, whether or not the address has an account."""
        return cls(
            window=config["LOGIN_WINDOW"],
            per_account=config["RESET_MAX_PER_ACCOUNT"],
            per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        )

    def used(
        self,
        session: Session,
        kind: str,
        email: str,
        address: str,
        now: datetime,
        failures_only: bool = True,
    ) -> tuple[bool, bool]:
        """Answer whether the account, and whether the address, used up their ``kind`` tries."""
        attempts = select(func.count(LoginAttempt.id)).where(
            LoginAttempt.kind == kind, LoginAttempt.attempted_at >= now - self.window
        )
        if failures_only:
            attempts = attempts.where(LoginAttempt.succeeded.is_(False))
        by_account = session.scalar(attempts.where(LoginAttempt.email == email)) or 0
        by_address = session.scalar(attempts.where(LoginAttempt.address == address)) or 0
        return by_account >= self.per_account, by_address >= self.per_address

    def exceeded(
        self, session: Session, kind: str, email: str, address: str, now: datetime
    ) -> bool:
        """Answer whether the account or the address has used up its failed ``kind`` tries."""
        return any(self.used(session, kind, email, address, now))


@dataclass(frozen=True)
class SignIn:
    user: User | None
    throttled: bool = False


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    address: str,
    now: datetime,
    throttle: Throttle,
    hash_profile: str,
) -> SignIn:
    """Check credentials, refusing further guesses once an account or address is throttled."""
    email = normalise_email(email)
    if throttle.exceeded(session, "password", email, address, now):
        return SignIn(user=None, throttled=True)

    user = find_user_by_email(session, email)
    stored = user.password_hash if user is not None else None
    ok = verify_password(stored, password, hash_profile) and user is not None and user.active
    session.add(LoginAttempt(email=email, address=address, succeeded=ok, attempted_at=now))
    return SignIn(user=user if ok else None)


def start_session(session: Session, user: User, now: datetime) -> str:
    """Open a server-side session for ``user`` and return its bearer token."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=digest(token), user=user, created_at=now, last_seen_at=now))
    return token


@dataclass(frozen=True)
class SessionLimits:
    idle_staff: timedelta
    absolute_staff: timedelta
    idle_client: timedelta
    absolute_client: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SessionLimits:
        return cls(
            idle_staff=config["SESSION_IDLE_STAFF"],
            absolute_staff=config["SESSION_ABSOLUTE_STAFF"],
            idle_client=config["SESSION_IDLE_CLIENT"],
            absolute_client=config["SESSION_ABSOLUTE_CLIENT"],
        )

    def for_role(self, role: Role) -> tuple[timedelta, timedelta]:
        if role is Role.CLIENT:
            return self.idle_client, self.absolute_client
        return self.idle_staff, self.absolute_staff


# Refresh ``last_seen_at`` at most this often, so reads don't all become writes.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Resumed:
    user: User | None
    # Why there is no user: "idle" or "lifetime" the moment a session runs out, else "gone".
    ended: str | None = None
    after: timedelta | None = None  # the limit that ran out


def check_session(
    session: Session, token: str, user_id: int, now: datetime, limits: SessionLimits
) -> Resumed:
    """Resume a live session, or say why it can't be: revoked, forged, idle too long or too old.

    ``last_seen_at`` is written at most once a ``TOUCH_EVERY``, so most pages stay reads.
    """
    row = session.get(UserSession, digest(token), options=[joinedload(UserSession.user)])
    if row is None or row.revoked_at is not None or row.user_id != user_id:
        return Resumed(None, "gone")
    user = row.user
    if not user.active:
        return Resumed(None, "gone")
    idle, absolute = limits.for_role(user.role)
    if now - row.created_at > absolute:
        row.revoked_at = now
        return Resumed(None, "lifetime", absolute)
    if now - row.last_seen_at > idle:
        row.revoked_at = now
        return Resumed(None, "idle", idle)
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Resumed(user)


def resume_session(
    session: Session, token: str, user_id: int, now: datetime, limits: SessionLimits
) -> User | None:
    """Return the user of a live session, or None if it was revoked, expired or forged."""
    return check_session(session, token, user_id, now, limits).user


def end_session(session: Session, token: str | None, now: datetime) -> None:
    """Revoke a session so a copy of its cookie is worthless."""
    if token:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == digest(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def end_all_sessions(session: Session, user: User, now: datetime) -> None:
    """Revoke every session a user has, on every device."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def deactivate_user(session: Session, user: User, now: datetime) -> None:
    """Take away a user's access: no new sign-ins, and every session ends at once."""
    user.active = False
    end_all_sessions(session, user, now)


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


# --- Invitations -----------------------------------------------------------------------


def issue_invitation(
    session: Session, user: User, created_by: User | None, now: datetime, ttl: timedelta
) -> str:
    """Revoke the client's earlier links and return a fresh one-time token."""
    session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            token_hash=digest(token),
            user=user,
            created_by=created_by,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


class InvitationProblem(Exception):
    """Why an invitation link can't be used; ``kind`` picks the page shown."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "unknown", "expired", "used"


def find_invitation(session: Session, token: str, now: datetime) -> Invitation:
    """Return the usable invitation for ``token`` or raise InvitationProblem."""
    if not token or len(token) > 128:
        raise InvitationProblem("unknown")
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))
    if invitation is None:
        raise InvitationProblem("unknown")
    if invitation.used_at is not None or invitation.user.password_hash is not None:
        raise InvitationProblem("used")
    if invitation.revoked_at is not None or invitation.expires_at <= now:
        raise InvitationProblem("expired")
    return invitation


def accept_invitation(
    session: Session, invitation: Invitation, password: str, now: datetime, hash_profile: str
) -> User:
    """Set the client's password and spend the invitation."""
    invitation.used_at = now
    invitation.user.password_hash = hash_password(password, hash_profile)
    return invitation.user
