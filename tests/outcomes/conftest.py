"""Two centres, their care teams and admins, and builders for hand-made histories.

The builders write rows directly, day by day, so each test states its data and the figures
it expects. Services take ``NOW``: the last day with data is 30 June 2026.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from flask import Flask

from tests.factories import gen_centre
from tests.factories import gen_therapist
from tests.factories import gen_user
from webapp.extensions import db
from webapp.localtime import to_utc
from webapp.models import Appointment
from webapp.models import AppointmentKind
from webapp.models import AppointmentSlot
from webapp.models import AppointmentStatus
from webapp.models import CarePlan
from webapp.models import Centre
from webapp.models import Condition
from webapp.models import DiaryEntry
from webapp.models import Discipline
from webapp.models import EntryKind
from webapp.models import PhaseChange
from webapp.models import PsfsActivity
from webapp.models import PsfsScore
from webapp.models import Referral
from webapp.models import Role
from webapp.models import Urgency
from webapp.models import User
from webapp.outcomes.filters import Filters
from webapp.outcomes.periods import Period
from webapp.pathway import services as pathway

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
HALF_YEAR = Period(date(2026, 1, 1), date(2026, 6, 30), TODAY)
_keys = itertools.count(1)


@dataclass
class Clinic:
    north: Centre  # London
    harbour: Centre  # Sydney
    massage: User  # North's first care team
    physio: User
    massage_2: User  # North's second care team
    physio_2: User
    harbour_massage: User
    harbour_physio: User
    admin_north: User
    admin_harbour: User
    admin_both: User


@pytest.fixture
def clinic(app: Flask) -> Clinic:
    north = gen_centre("North", "Europe/London")
    harbour = gen_centre("Harbour", "Australia/Sydney")
    found = Clinic(
        north,
        harbour,
        gen_therapist(north, Discipline.MASSAGE, name="Mo Massage"),
        gen_therapist(north, Discipline.PHYSIO, name="Pat Physio"),
        gen_therapist(north, Discipline.MASSAGE, name="Max Massage"),
        gen_therapist(north, Discipline.PHYSIO, name="Pia Physio"),
        gen_therapist(harbour, Discipline.MASSAGE, name="Hal Massage"),
        gen_therapist(harbour, Discipline.PHYSIO, name="Hope Physio"),
        gen_user(Role.ADMIN, [north], name="Nora Admin"),
        gen_user(Role.ADMIN, [harbour], name="Hugo Admin"),
        gen_user(Role.ADMIN, [north, harbour], name="Bea Admin"),
    )
    db.session.commit()
    return found


def filters(period: Period = HALF_YEAR, **kwargs: object) -> Filters:
    return Filters(period, **kwargs)  # type: ignore[arg-type]


# --- Builders ----------------------------------------------------------------------------------


def gen_plan(
    centre: Centre,
    team: list[User],
    *,
    start: date = date(2026, 3, 1),
    condition: Condition = Condition.NECK_SHOULDER,
    name: str | None = None,
) -> CarePlan:
    """A client whose care plan started in phase 1 on ``start``."""
    client = gen_user(Role.CLIENT, [centre], name=name)
    plan = pathway.start_care_plan(
        db.session,
        client=client,
        centre=centre,
        condition=condition,
        phase=1,
        team=team,
        goals="",
        start_date=start,
        started_by=None,
        now=to_utc(start, time(9), centre.timezone),
    )
    db.session.flush()
    return plan


def gen_diary(plan: CarePlan, pains: dict[date, int], kind: EntryKind = EntryKind.CHECKIN) -> None:
    """One entry per day with this pain (``kind`` quick adds to a day's check-in)."""
    zone = plan.centre.timezone
    for day, pain in pains.items():
        recorded = to_utc(day, time(20 if kind is EntryKind.CHECKIN else 13), zone)
        db.session.add(
            DiaryEntry(
                client_entry_id=str(uuid.uuid4()),
                client_id=plan.client_id,
                kind=kind,
                local_date=day,
                recorded_at=recorded,
                timezone=zone,
                utc_offset_minutes=0,
                pain_now=pain,
                received_at=recorded,
                updated_at=recorded,
            )
        )
    db.session.flush()


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def same(first: date, count: int, pain: int) -> dict[date, int]:
    return dict.fromkeys(days(first, count), pain)


def gen_psfs(plan: CarePlan, weeks: dict[date, list[int]]) -> None:
    """Ratings per Monday, one activity per position in the lists."""
    width = max(len(scores) for scores in weeks.values())
    activities = [
        PsfsActivity(client_id=plan.client_id, name=f"Activity {n}") for n in range(width)
    ]
    db.session.add_all(activities)
    db.session.flush()
    for week, scores in weeks.items():
        for activity, score in zip(activities, scores, strict=False):
            db.session.add(PsfsScore(activity_id=activity.id, week_start=week, score=score))
    db.session.flush()


def gen_move(plan: CarePlan, to_phase: int, day: date, by: User | None = None) -> None:
    plan.phase_changes.append(
        PhaseChange(
            from_phase=plan.phase,
            to_phase=to_phase,
            reason="Criteria met.",
            changed_by=by,
            changed_at=to_utc(day, time(11), plan.centre.timezone),
        )
    )
    plan.phase = to_phase
    db.session.flush()


def gen_visit(
    plan: CarePlan,
    day: date,
    status: AppointmentStatus,
    kind: AppointmentKind = AppointmentKind.COMBINED,
    clock: time = time(10),
) -> Appointment:
    """A visit with one slot per discipline it involves, written directly (no booking rules)."""
    starts = to_utc(day, clock, plan.centre.timezone)
    disciplines = {
        AppointmentKind.MASSAGE: [Discipline.MASSAGE],
        AppointmentKind.PHYSIO: [Discipline.PHYSIO],
        AppointmentKind.REVIEW: [Discipline.PHYSIO],
        AppointmentKind.COMBINED: [Discipline.MASSAGE, Discipline.PHYSIO],
    }[kind]
    appointment = Appointment(
        uid=str(uuid.uuid4()),
        client_id=plan.client_id,
        care_plan_id=plan.id,
        centre_id=plan.centre_id,
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30 * len(disciplines)),
        status=status,
    )
    for n, discipline in enumerate(disciplines):
        therapist = next(m for m in plan.team if m.discipline is discipline)
        appointment.slots.append(
            AppointmentSlot(
                therapist_id=therapist.id,
                discipline=discipline,
                starts_at=starts + timedelta(minutes=30 * n),
                ends_at=starts + timedelta(minutes=30 * (n + 1)),
            )
        )
    db.session.add(appointment)
    db.session.flush()
    return appointment


def gen_referral(
    plan: CarePlan, by: User, made: datetime, hours_to_acknowledge: float | None
) -> Referral:
    assert by.discipline is not None
    to = Discipline.PHYSIO if by.discipline is Discipline.MASSAGE else Discipline.MASSAGE
    referral = Referral(
        client_id=plan.client_id,
        from_id=by.id,
        to_discipline=to,
        reason="Please see them.",
        body_region="neck",
        urgency=Urgency.ROUTINE,
        request_key=f"referral-{next(_keys)}",
        created_at=made,
        acknowledged_at=None
        if hours_to_acknowledge is None
        else made + timedelta(hours=hours_to_acknowledge),
    )
    db.session.add(referral)
    db.session.flush()
    return referral
