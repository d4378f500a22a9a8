"""Routine clean-up: short-lived security records, and erased clients past retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy.orm import Session

from ..erasure import services as erasure
from ..models import LoginAttempt
from ..models import PasswordReset
from ..models import UserSession

# Keep revoked sessions and old attempts a little while for investigating incidents.
KEEP_REVOKED_SESSIONS = timedelta(days=7)
KEEP_LOGIN_ATTEMPTS = timedelta(days=7)


@dataclass(frozen=True)
class Purged:
    sessions: int
    login_attempts: int
    reset_links: int = 0
    erased_clients: int = 0  # erased clients whose kept record is past retention


def purge(session: Session, now: datetime, longest_session: timedelta) -> Purged:
    """Delete sessions that can no longer be used, attempts and reset links past their use, and
    erased clients' records past retention."""
    erasure.sweep_outbox(session)
    erased_clients = erasure.purge_expired(session, now)
    sessions = session.execute(
        delete(UserSession).where(
            or_(
                UserSession.revoked_at < now - KEEP_REVOKED_SESSIONS,
                UserSession.created_at < now - longest_session - KEEP_REVOKED_SESSIONS,
            )
        )
    ).rowcount
    attempts = session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at < now - KEEP_LOGIN_ATTEMPTS)
    ).rowcount
    resets = session.execute(
        delete(PasswordReset).where(PasswordReset.expires_at < now - KEEP_LOGIN_ATTEMPTS)
    ).rowcount
    return Purged(
        sessions=sessions or 0,
        login_attempts=attempts or 0,
        reset_links=resets or 0,
        erased_clients=erased_clients,
    )
