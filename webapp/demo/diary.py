"""Pain diaries for the demo clients: trends that tell each client's story."""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..localtime import week_start
from ..models import CarePlan
from ..models import DiaryEntry
from ..models import EntryKind
from ..models import PsfsActivity
from ..models import PsfsScore
from ..models import RedFlagScreen
from ..models import User

AREAS = {
    "neck_shoulder": ["neck", "shoulder_right", "upper_back"],
    "sports_injury": ["knee_left"],
    "postural": ["upper_back", "neck"],
    "low_back": ["low_back", "buttock_left"],
    "repetitive_strain": ["arm_right", "hand_right"],
    "joint_stiffness": ["neck", "hip_right"],
    "post_op": ["knee_right"],
}


def seed_diary(
    session: Session,
    *,
    plan: CarePlan,
    physio: User,
    now: datetime,
    start_pain: float,
    end_pain: float,
    stopped_days_ago: int | None = None,
    flare_days_ago: tuple[int, int] | None = None,
    activities: tuple[str, ...] = (),
) -> None:
    """Daily check-ins from the start of care to yesterday, easing from ``start_pain`` to
    ``end_pain``, with an optional flare and an optional stop; plus weekly PSFS ratings."""
    client = plan.client
    rng = random.Random("diary:" + client.email)
    zone = ZoneInfo(plan.centre.timezone)
    today = now.astimezone(zone).date()
    first = plan.start_date
    last = today - timedelta(days=stopped_days_ago or 1)
    total = max((today - first).days, 1)
    day = first
    while day <= last:
        progress = (day - first).days / total
        pain = start_pain + (end_pain - start_pain) * progress + rng.uniform(-0.8, 0.8)
        flare = False
        if flare_days_ago and flare_days_ago[1] <= (today - day).days <= flare_days_ago[0]:
            pain += 3
            flare = (today - day).days == flare_days_ago[0] - 1
        pain_now = max(0, min(10, round(pain)))
        if rng.random() < 0.12:  # a missed day here and there
            day += timedelta(days=1)
            continue
        recorded = datetime.combine(day, time(20, rng.randint(0, 59)), zone)
        session.add(
            DiaryEntry(
                client_entry_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                client_id=client.id,
                kind=EntryKind.CHECKIN,
                local_date=day,
                recorded_at=recorded,
                timezone=plan.centre.timezone,
                utc_offset_minutes=int(recorded.utcoffset().total_seconds() // 60),
                pain_now=pain_now,
                pain_worst=min(10, pain_now + rng.randint(1, 2)),
                sleep=max(0, min(10, round(9 - pain_now * 0.6 + rng.uniform(-1, 1)))),
                stress=max(0, min(10, round(3 + rng.uniform(-1, 3)))),
                flare=flare,
                areas=AREAS[plan.condition.value][: 1 + int(pain_now > 5)],
                notes="",
                received_at=recorded,
                updated_at=recorded,
            )
        )
        day += timedelta(days=1)
    _psfs(session, client, physio, plan, today, last, activities, rng)


def _psfs(session, client, physio, plan, today, last, activities, rng) -> None:  # type: ignore[no-untyped-def]
    created = datetime.combine(plan.start_date, time(12), ZoneInfo(plan.centre.timezone))
    rows = [
        PsfsActivity(client_id=client.id, name=name, created_by_id=physio.id, created_at=created)
        for name in activities
    ]
    session.add_all(rows)
    session.flush()
    week = week_start(plan.start_date)
    level = 3
    while week <= min(last, today):
        for row in rows:
            session.add(
                PsfsScore(
                    activity_id=row.id, week_start=week, score=min(10, level + rng.randint(0, 1))
                )
            )
        session.add(RedFlagScreen(client_id=client.id, local_date=week, ticked=[]))
        level = min(9, level + 1)
        week += timedelta(days=7)
