"""Two-step sign-in: a TOTP code from an authenticator app, or a single-use recovery code.

The secret is sealed at rest (``SealedString``); recovery codes are stored as SHA-256 hashes
(80 random bits each, so a hash can't be reversed by guessing). A code is accepted for the
current 30-second step or one either side (clock drift), and only for a later step than the
last code used, so a code read over a shoulder can't be replayed.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import LoginAttempt
from ..models import RecoveryCode
from ..models import User
from .passwords import verify_password
from .services import Throttle
from .services import digest
from .services import normalise_email

ISSUER = "Continuum"
RECOVERY_CODE_COUNT = 10
SIX_DIGITS = re.compile(r"\d{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{16}")


def normalise_code(text: str) -> str:
    """Drop the spaces and dashes people type or paste, and fold case."""
    return re.sub(r"[\s-]", "", text or "").lower()


def matching_step(secret: str | None, code: str, now: datetime) -> int | None:
    """Return the time step ``code`` belongs to (now, or one step either side), or None."""
    if not secret or not SIX_DIGITS.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def setup_secret(user: User) -> str:
    """Return the secret to show while setting up, making one the first time."""
    if not user.totp_setup_secret:
        user.totp_setup_secret = pyotp.random_base32()
    return user.totp_setup_secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def confirm_setup(session: Session, user: User, code: str, now: datetime) -> list[str] | None:
    """Turn two-step sign-in on if ``code`` comes from the new secret; return recovery codes."""
    secret = user.totp_setup_secret
    step = matching_step(secret, normalise_code(code), now)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_setup_secret = None
    user.totp_enabled_at = now
    user.totp_last_step = step
    return new_recovery_codes(session, user, now)


def turn_off(session: Session, user: User) -> None:
    """Forget the authenticator and the recovery codes."""
    user.totp_secret = None
    user.totp_setup_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def new_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    """Replace the user's recovery codes with fresh ones; the plain codes are shown once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        code = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        session.add(RecoveryCode(user_id=user.id, code_hash=digest(code), created_at=now))
        codes.append("-".join(code[i : i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    """Count the recovery codes not used yet."""
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


@dataclass(frozen=True)
class Check:
    ok: bool
    throttled: bool = False
    used_recovery_code: bool = False


def _spend(session: Session, user: User, code: str, now: datetime) -> Check:
    """Accept a fresh TOTP code or an unused recovery code, using it up."""
    if SIX_DIGITS.fullmatch(code):
        step = matching_step(user.totp_secret, code, now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            return Check(ok=False)
        user.totp_last_step = step
        return Check(ok=True)
    if not RECOVERY_CODE.fullmatch(code):
        return Check(ok=False)
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return Check(ok=False)
    row.used_at = now
    return Check(ok=True, used_recovery_code=True)


def second_step(
    session: Session, user: User, code: str, *, address: str, now: datetime, throttle: Throttle
) -> Check:
    """Check the second step of a sign-in, refusing guesses once the account is throttled."""
    email = normalise_email(user.email)
    if throttle.exceeded(session, "code", email, address, now):
        return Check(ok=False, throttled=True)
    check = _spend(session, user, normalise_code(code), now) if user.has_second_factor else None
    ok = check is not None and check.ok
    session.add(
        LoginAttempt(email=email, address=address, succeeded=ok, kind="code", attempted_at=now)
    )
    return check if check is not None else Check(ok=False)


def confirm_identity(
    session: Session,
    user: User,
    answer: str,
    *,
    address: str,
    now: datetime,
    throttle: Throttle,
    hash_profile: str,
) -> Check:
    """Check a signed-in user's password or current code before a change to how they sign in."""
    email = normalise_email(user.email)
    if throttle.exceeded(session, "code", email, address, now):
        return Check(ok=False, throttled=True)
    code = normalise_code(answer)
    if user.has_second_factor and SIX_DIGITS.fullmatch(code):
        ok = _spend(session, user, code, now).ok
    else:
        ok = verify_password(user.password_hash, answer, hash_profile)
    session.add(
        LoginAttempt(email=email, address=address, succeeded=ok, kind="code", attempted_at=now)
    )
    return Check(ok=ok)
