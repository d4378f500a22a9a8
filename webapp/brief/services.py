"""The pre-session brief: everything about a client since their last visit, on one screen."""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import localtime
from ..careteam import services as careteam
from ..diary import chart as diary_chart
from ..diary.measures import RED_FLAG_KEYS
from ..models import Appointment
from ..models import CarePlan
from ..models import Difficulty
from ..models import ExerciseLog
from ..models import PsfsActivity
from ..models import Referral
from ..models import SessionNote
from ..models import User
from ..programmes import adherence
from ..programmes import services as programmes
from ..sessions import booking
from . import progression
from .record import ClientRecord
from .record import gather
from .rules import Flag
from .rules import evaluate
from .thresholds import DEFAULT
from .thresholds import Thresholds

DEFAULT_PERIOD = 28  # days, when there has been no visit yet
MIN_CHART_DAYS = 14


@dataclass(frozen=True)
class ExerciseRow:
    name: str
    dose: str
    percent: int | None  # last 14 days
    sessions: int  # logged in the period
    pain_during: float | None  # mean in the period
    pain_max: int | None
    difficulty: dict[str, int]


@dataclass(frozen=True)
class PsfsRow:
    name: str
    first: int | None
    latest: int | None


@dataclass(frozen=True)
class Brief:
    client: User
    plan: CarePlan
    today: date
    period_start: date
    last_visit: date | None
    record: ClientRecord
    flags: list[Flag]
    checklist_title: str
    checklist: list[progression.Criterion]
    chart: diary_chart.Chart
    exercises: list[ExerciseRow]
    adherence_14: int | None
    psfs: list[PsfsRow]
    red_flags: list[tuple[date, list[str]]]
    notes: list[SessionNote]
    referrals: list[Referral]
    next_visit: Appointment | None

    @property
    def period_days(self) -> int:
        return (self.today - self.period_start).days + 1

    @property
    def has_diary(self) -> bool:
        return any(d.pain is not None for d in self.record.days)


def build(
    session: Session, client: User, now: datetime, limits: Thresholds = DEFAULT
) -> Brief | None:
    """The brief for a client with an active care plan (None without one)."""
    plan = client.active_care_plan
    if plan is None:
        return None
    record = gather(session, [plan], now)[client.id]
    today = record.today
    visits = [d for d in record.sessions if d < today]
    last_visit = visits[-1] if visits else None
    period_start = last_visit or today - timedelta(days=DEFAULT_PERIOD - 1)
    chart_start = min(period_start, today - timedelta(days=MIN_CHART_DAYS - 1))
    days = [d for d in record.days if d.day >= chart_start]
    marks = [(d, "Session") for d in record.sessions]
    marks += [
        (localtime.local_day(c.changed_at, plan.centre.timezone), f"Phase {c.to_phase}")
        for c in plan.phase_changes
        if c.from_phase is not None
    ]
    band = (
        max(limits.pain_change_min_points, min(limits.pain_change_points, 0.3 * record.baseline))
        if record.baseline is not None
        else None
    )
    title, criteria = progression.checklist(record, limits)
    since = localtime.to_utc(period_start, time(0), plan.centre.timezone)
    return Brief(
        client=client,
        plan=plan,
        today=today,
        period_start=period_start,
        last_visit=last_visit,
        record=record,
        flags=evaluate(record, limits),
        checklist_title=title,
        checklist=criteria,
        chart=diary_chart.build(days, marks, record.baseline, band, with_sleep_and_stress=True),
        exercises=_exercises(session, client, plan.centre.timezone, period_start, now),
        adherence_14=record.adherence_14,
        psfs=psfs_rows(session, client),
        red_flags=[(d, t) for d, t in record.screens if d >= period_start and t],
        notes=_notes_since(session, client, since),
        referrals=[r for r in careteam.referrals_for(session, client) if r.is_open],
        next_visit=booking.next_visit(session, client, now),
    )


def _exercises(
    session: Session, client: User, timezone: str, start: date, now: datetime
) -> list[ExerciseRow]:
    """Each current exercise: adherence over 14 days and the client's ratings in the period."""
    programme = programmes.programme_of(session, client)
    if programme is None:
        return []
    # Whole days only, like the flags: today isn't over yet.
    figures = adherence.programme_adherence(session, programme, timezone, now - timedelta(days=1))
    slot_of = {rx.id: rx.slot for rx in programme.prescriptions}
    logs: dict[str, list[ExerciseLog]] = defaultdict(list)
    for log in session.scalars(
        select(ExerciseLog).where(
            ExerciseLog.client_id == client.id, ExerciseLog.local_date >= start
        )
    ):
        if log.prescription_id in slot_of:
            logs[slot_of[log.prescription_id]].append(log)
    rows = []
    for slot in figures.by_exercise:
        items = logs.get(slot.current.slot, [])
        pains = [log.pain_during for log in items if log.pain_during is not None]
        tally = Counter(log.difficulty for log in items if log.difficulty is not None)
        rows.append(
            ExerciseRow(
                name=slot.current.exercise.name,
                dose=programmes.dose_text(slot.current),
                percent=slot.last_14_days.percent,
                sessions=len(items),
                pain_during=round(mean(pains), 1) if pains else None,
                pain_max=max(pains) if pains else None,
                difficulty={d.label: tally[d] for d in Difficulty if tally[d]},
            )
        )
    return rows


def psfs_rows(session: Session, client: User) -> list[PsfsRow]:
    rows = []
    for activity in session.scalars(
        select(PsfsActivity).where(
            PsfsActivity.client_id == client.id, PsfsActivity.retired_at.is_(None)
        )
    ):
        scores = sorted(activity.scores, key=lambda s: s.week_start)
        rows.append(
            PsfsRow(
                activity.name,
                scores[0].score if scores else None,
                scores[-1].score if scores else None,
            )
        )
    return rows


def _notes_since(session: Session, client: User, since: datetime) -> list[SessionNote]:
    query = (
        select(SessionNote)
        .where(SessionNote.client_id == client.id, SessionNote.written_at >= since)
        .order_by(SessionNote.written_at.desc())
    )
    return list(session.scalars(query))


def red_flag_text(key: str) -> str:
    flag = RED_FLAG_KEYS.get(key)
    return flag.question if flag else key
