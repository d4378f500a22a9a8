"""Home programmes and exercise logs for the demo clients, so every screen has a story."""

from __future__ import annotations

import random
import uuid
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..library.loader import Template
from ..models import CarePlan
from ..models import Difficulty
from ..models import Exercise
from ..models import ExerciseLog
from ..models import Prescription
from ..models import User
from ..programmes import services as programmes


def seed_programme(
    session: Session,
    *,
    plan: CarePlan,
    template: Template,
    exercises: dict[str, Exercise],
    physio: User,
    started: datetime,
    now: datetime,
    adherence: float,
    stopped_days_ago: int | None = None,
    too_hard: str | None = None,
) -> None:
    """Start the client's programme from their template and log believable weeks of practice."""
    client = plan.client
    programme = programmes.programme_for(session, client, plan)
    programmes.start_from_template(
        session, programme, template, plan.phase, exercises, by=physio, now=started
    )
    programme.client_seen_version = programme.version
    rng = random.Random(client.email)
    zone = ZoneInfo(plan.centre.timezone)
    today = now.astimezone(zone).date()
    day = started.astimezone(zone).date() + timedelta(days=1)
    last = today - timedelta(days=stopped_days_ago or 1)
    while day <= last:
        for rx in programme.current:
            for session_number in range(_sessions_due(rx, day)):
                if rng.random() > adherence:
                    continue
                recent_flare = too_hard is not None and too_hard == rx.exercise.id
                recent_flare = recent_flare and (today - day).days <= 8
                _log(session, rng, client, rx, day, zone, session_number, recent_flare)
        day += timedelta(days=1)


def _sessions_due(rx: Prescription, day: date) -> int:
    if rx.times_per_day:
        return rx.times_per_day
    days = {
        1: (2,),
        2: (1, 4),
        3: (0, 2, 4),
        4: (0, 1, 3, 5),
        5: (0, 1, 2, 3, 4),
        6: (0, 1, 2, 3, 4, 5),
    }
    return int(day.weekday() in days.get(rx.days_per_week or 7, range(7)))


def _log(
    session: Session,
    rng: random.Random,
    client: User,
    rx: Prescription,
    day: date,
    zone: ZoneInfo,
    session_number: int,
    recent_flare: bool,
) -> None:
    spacing = 14 // (rx.times_per_day or 1)
    hour = min(7 + session_number * spacing + rng.randint(0, 1), 22)
    performed = datetime.combine(day, time(hour, rng.randint(0, 59)), zone)
    log = ExerciseLog(
        client_entry_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        client_id=client.id,
        prescription=rx,
        performed_at=performed,
        local_date=day,
        sets_done=rx.sets,
        with_timer=rng.random() < 0.4,
        received_at=performed,
    )
    if recent_flare:
        log.pain_during = rng.randint(6, 7)
        log.difficulty = Difficulty.TOO_HARD
    elif rng.random() < 0.3:
        log.pain_during = rng.randint(1, 3)
        log.difficulty = Difficulty.ABOUT_RIGHT if rng.random() < 0.8 else Difficulty.TOO_EASY
    session.add(log)
