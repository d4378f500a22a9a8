"""A care team in London and one in Sydney, each with a client whose plan is open."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time

import pytest
from flask import Flask

from tests.factories import gen_centre
from tests.factories import gen_client
from tests.factories import gen_therapist
from tests.factories import gen_user
from webapp.extensions import db
from webapp.models import Appointment
from webapp.models import AppointmentKind
from webapp.models import Discipline
from webapp.models import Role
from webapp.models import User
from webapp.models import now_utc
from webapp.sessions import booking


@dataclass
class Care:
    client: User
    massage: User
    physio: User
    admin: User

    @property
    def team(self) -> booking.Team:
        return booking.Team(massage=self.massage, physio=self.physio)


def visit_for(
    care: Care, kind: AppointmentKind, day: date, clock: time, now: datetime | None = None
) -> Appointment:
    """Book one visit for the care team's client, as their admin, as if at ``now``."""
    return booking.book(
        db.session,
        care.client,
        care.team.visit(kind),
        day=day,
        clock=clock,
        by=care.admin,
        request_key=str(uuid.uuid4()),
        now=now or now_utc(),
    )


def _care(name: str, timezone: str) -> Care:
    centre = gen_centre(name, timezone)
    massage = gen_therapist(centre, Discipline.MASSAGE, name=f"{name} Masseur")
    physio = gen_therapist(centre, Discipline.PHYSIO, name=f"{name} Physio")
    client = gen_client(centre, [massage, physio], name=f"{name} Client")
    admin = gen_user(Role.ADMIN, [centre])
    return Care(client, massage, physio, admin)


@pytest.fixture
def london(app: Flask) -> Care:
    care = _care("Islington", "Europe/London")
    db.session.commit()
    return care


@pytest.fixture
def sydney(app: Flask) -> Care:
    care = _care("Surry Hills", "Australia/Sydney")
    db.session.commit()
    return care
