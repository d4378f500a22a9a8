"""Password reset by an emailed one-time link.

Asking gives the same answer whether or not the address has an account, and the email goes
out after that answer has been sent (``send_link`` runs when the response closes), so neither
the page nor its timing says whether an account exists. The link works once, for a short
time; only its hash is stored. Choosing a new password ends every session the person has, and
does not skip the second step: someone with an authenticator app still enters a code.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..models import LoginAttempt
from ..models import PasswordReset
from ..models import User
from ..reminders import channels
from .passwords import hash_password
from .services import Throttle
from .services import digest
from .services import end_all_sessions
from .services import find_user_by_email
from .services import normalise_email

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResetRequest:
    user: User | None = None
    token: str | None = None
    throttled: bool = False  # this address asked too often: the one answer that differs


def request_reset(
    session: Session,
    email: str,
    *,
    address: str,
    now: datetime,
    ttl: timedelta,
    throttle: Throttle,
) -> ResetRequest:
    """Make a reset link for the account with ``email``, if there is one and it may have one."""
    email = normalise_email(email)
    account_done, address_done = throttle.used(
        session, "reset", email, address, now, failures_only=False
    )
    if address_done:
        return ResetRequest(throttled=True)
    # An account past its limit quietly gets no more mail: the page says the same thing.
    session.add(
        LoginAttempt(email=email, address=address, succeeded=True, kind="reset", attempted_at=now)
    )
    user = find_user_by_email(session, email)
    if user is None or not user.active or account_done:
        return ResetRequest()
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(token_hash=digest(token), user=user, created_at=now, expires_at=now + ttl)
    )
    return ResetRequest(user=user, token=token)


@dataclass(frozen=True)
class ResetMail:
    to: str
    link: str
    minutes: int


def compose(mail: ResetMail, sender: str) -> EmailMessage:
    """Write the reset email: the link, how long it works, and what to do if it wasn't you."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = "Reset your Continuum password"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="continuum.invalid")
    message.set_content(
        "Someone asked to reset the password of your Continuum account. If it was you, choose "
        f"a new password here (the link works once, for {mail.minutes} minutes):\n\n"
        f"{mail.link}\n\n"
        "If it wasn't you, you can ignore this email: your password stays as it is.\n"
    )
    return message


def send_link(mail: ResetMail, *, smtp_url: str, sender: str) -> None:
    """Send the reset email by the reminders' SMTP path; never log the link or the address."""
    if not smtp_url:
        log.info("password reset email not sent: no SMTP_URL (development)")
        return
    outcome = channels.send_mail(compose(mail, sender), smtp_url=smtp_url)
    channels.close_connections()
    if outcome.state != "sent":
        log.warning("password reset email not sent: %s", outcome.detail)


class ResetProblem(Exception):
    """Why a reset link can't be used; ``kind`` picks the page shown."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "unknown", "expired", "used"


def find_reset(session: Session, token: str, now: datetime) -> PasswordReset:
    """Return the usable reset for ``token`` or raise ResetProblem."""
    if not token or len(token) > 128:
        raise ResetProblem("unknown")
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == digest(token)))
    if reset is None or not reset.user.active:
        raise ResetProblem("unknown")
    if reset.used_at is not None:
        raise ResetProblem("used")
    if reset.expires_at <= now:
        raise ResetProblem("expired")
    return reset


def complete_reset(
    session: Session, reset: PasswordReset, password: str, now: datetime, hash_profile: str
) -> User:
    """Set the new password, spend every open link of the user's, and end all their sessions."""
    user = reset.user
    user.password_hash = hash_password(password, hash_profile)
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    end_all_sessions(session, user, now)
    return user
