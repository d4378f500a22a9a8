"""Builders for test data, as plain functions."""

from __future__ import annotations

import itertools
from datetime import date
from datetime import datetime
from typing import Any

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import update

from webapp.auth.passwords import hash_password
from webapp.extensions import db
from webapp.models import CarePlan
from webapp.models import Centre
from webapp.models import Condition
from webapp.models import Discipline
from webapp.models import Role
from webapp.models import User
from webapp.models import now_utc
from webapp.pathway import services as pathway

PASSWORD = "correct horse battery"
# Every staff member gen_user makes has two-step sign-in on with this authenticator secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_seq = itertools.count(1)


def gen_centre(name: str | None = None, timezone: str = "Europe/London") -> Centre:
    n = next(_seq)
    centre = Centre(name=name or f"Centre {n}", address=f"{n} High Street", timezone=timezone)
    db.session.add(centre)
    db.session.flush()
    return centre


def gen_user(
    role: Role,
    centres: list[Centre],
    *,
    discipline: Discipline | None = None,
    name: str | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    two_factor: bool | None = None,
) -> User:
    """Make a user; staff get two-step sign-in (``TOTP_SECRET``) unless ``two_factor=False``."""
    n = next(_seq)
    enrolled = role is not Role.CLIENT if two_factor is None else two_factor
    user = User(
        name=name or f"{role.value.title()} {n}",
        email=email or f"{role.value}{n}@example.test",
        role=role,
        discipline=discipline,
        centres=list(centres),
        password_hash=hash_password(password, "cheapest") if password else None,
        totp_secret=TOTP_SECRET if enrolled else None,
        totp_enabled_at=now_utc() if enrolled else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def gen_therapist(centre: Centre, discipline: Discipline, **kwargs: Any) -> User:
    return gen_user(Role.THERAPIST, [centre], discipline=discipline, **kwargs)


def gen_client(
    centre: Centre,
    team: list[User],
    *,
    phase: int = 1,
    condition: Condition = Condition.NECK_SHOULDER,
    now: datetime | None = None,
    **kwargs: Any,
) -> User:
    client = gen_user(Role.CLIENT, [centre], **kwargs)
    pathway.start_care_plan(
        db.session,
        client=client,
        centre=centre,
        condition=condition,
        phase=phase,
        team=team,
        goals="Carry the shopping home",
        start_date=date(2026, 10, 1),
        started_by=None,
        now=now or now_utc(),
    )
    db.session.flush()
    return client


def plan_of(client: User) -> CarePlan:
    plan = client.active_care_plan
    assert plan is not None
    return plan


def totp_code(secret: str = TOTP_SECRET, at: datetime | None = None) -> str:
    """The code an authenticator app with ``secret`` shows at ``at`` (default: now)."""
    return pyotp.TOTP(secret).at(at or now_utc())


def login(http: FlaskClient, user: User, password: str = PASSWORD) -> Any:
    """Sign in through the real forms: the password, then (if asked) the authenticator's code."""
    user_id = user.id
    response = http.post("/login", data={"email": user.email, "password": password})
    if response.status_code == 302 and response.headers["Location"] == "/login/code":
        # Each code is good once per 30 seconds; tests sign the same person in many times.
        with http.application.app_context():
            db.session.execute(update(User).where(User.id == user_id).values(totp_last_step=None))
            db.session.commit()
        response = http.post("/login/code", data={"code": totp_code()})
    return response
