"""What the flags and the brief read about a client, gathered for many clients at once.

A ``ClientRecord`` is plain data (no database objects), so the rules are pure functions that
tests can feed hand-built diaries. ``gather`` fills records for a whole caseload in a fixed
number of queries, whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from statistics import median
from typing import Any

from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import type_coerce
from sqlalchemy.orm import Session

from ..diary.chart import Day
from ..diary.chart import DayTotal
from ..diary.chart import from_totals
from ..localtime import local_day
from ..models import Appointment
from ..models import AppointmentStatus
from ..models import CarePlan
from ..models import DiaryEntry
from ..models import EntryKind
from ..models import ExerciseLog
from ..models import GlobalRating
from ..models import Programme
from ..models import PsfsActivity
from ..models import PsfsScore
from ..models import RedFlagScreen
from ..programmes import adherence
from .thresholds import Thresholds

WINDOW_DAYS = 42  # enough for a 14-day median before the last week and a 4-week plateau
BASELINE_DAYS = 7


def mean(values: list[float] | list[int]) -> float:
    """A plain mean (``statistics.mean`` is exact but slow, and the caseload calls this a lot)."""
    return sum(values) / len(values)


def as_day(value: date | str) -> date:
    """A date from the database: PostgreSQL gives dates, SQLite ISO text (read as text, since
    SQLAlchemy's SQLite date parsing is slow over tens of thousands of rows)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True)
class ClientRecord:
    """A client's recent diary, exercise, function and safety data, in their local days."""

    client_id: int
    today: date
    start: date  # the care plan's start
    phase: int
    days: list[Day]  # one per local day, oldest first, ending today
    baseline: float | None = None  # mean daily pain over the first week of diary
    exercise_pain: dict[date, list[int]] = field(default_factory=dict)
    exercise_days: list[date] = field(default_factory=list)  # days with any exercise logged
    exercise_counts: dict[date, int] = field(default_factory=dict)  # sessions logged per day
    # Percent of prescribed sessions done in the 14 whole days before today (today isn't over).
    adherence_14: int | None = None
    psfs: list[tuple[date, float]] = field(default_factory=list)  # week, mean score
    psfs_best: list[tuple[date, float]] = field(default_factory=list)  # week, best activity
    grocs: list[tuple[date, int]] = field(default_factory=list)
    screens: list[tuple[date, list[str]]] = field(default_factory=list)
    sessions: list[date] = field(default_factory=list)  # attended visits
    last_entry: date | None = None

    # --- Readings the rules share --------------------------------------------------------

    def day(self, when: date) -> Day | None:
        index = (when - self.days[0].day).days if self.days else -1
        return self.days[index] if 0 <= index < len(self.days) else None

    def span(self, last: date, length: int) -> list[Day]:
        """The ``length`` days ending on ``last`` (those the record holds)."""
        if not self.days:
            return []
        end = (last - self.days[0].day).days + 1
        return self.days[max(end - length, 0) : max(end, 0)]

    def mean_pain(self, last: date, limits: Thresholds, length: int = 7) -> float | None:
        """Mean daily pain over ``length`` days to ``last``, if enough days were logged."""
        values = [d.pain for d in self.span(last, length) if d.pain is not None]
        return round(mean(values), 1) if len(values) >= limits.min_days_for_mean else None

    def mean_of(self, attribute: str, last: date, limits: Thresholds) -> float | None:
        values = [getattr(d, attribute) for d in self.span(last, 7)]
        values = [v for v in values if v is not None]
        return round(mean(values), 1) if len(values) >= limits.min_days_for_mean else None

    def usual_pain(self, before: date, limits: Thresholds) -> float | None:
        """The median daily pain of the 14 days before ``before``."""
        values = [
            d.pain
            for d in self.span(before - timedelta(days=1), limits.median_days)
            if d.pain is not None
        ]
        return median(values) if len(values) >= limits.min_days_for_mean else None

    @property
    def last_week(self) -> list[Day]:
        return self.span(self.today, 7)


# --- Gathering ---------------------------------------------------------------------------------


def gather(
    session: Session, plans: list[CarePlan], now: datetime, window_days: int = WINDOW_DAYS
) -> dict[int, ClientRecord]:
    """Records for the clients of these care plans, in a fixed number of queries."""
    if not plans:
        return {}
    today_of = {p.client_id: local_day(now, p.centre.timezone) for p in plans}
    first_of = {cid: today - timedelta(days=window_days - 1) for cid, today in today_of.items()}
    ids = list(today_of)
    earliest = min(first_of.values())

    flare = func.max(case((DiaryEntry.flare.is_(True), 1), else_=0))
    checkin = DiaryEntry.kind == EntryKind.CHECKIN
    totals: dict[int, dict[date, DayTotal]] = defaultdict(dict)
    for cid, day, pain, worst, sleep, stress, flared in session.execute(
        select(
            DiaryEntry.client_id,
            type_coerce(DiaryEntry.local_date, String),
            func.avg(DiaryEntry.pain_now),
            func.max(case((checkin, DiaryEntry.pain_worst))),
            func.max(case((checkin, DiaryEntry.sleep))),
            func.max(case((checkin, DiaryEntry.stress))),
            flare,
        )
        .where(DiaryEntry.client_id.in_(ids), DiaryEntry.local_date >= earliest)
        .group_by(DiaryEntry.client_id, DiaryEntry.local_date)
    ):
        totals[cid][as_day(day)] = DayTotal(float(pain), worst, sleep, stress, bool(flared))

    last_entry = dict(
        session.execute(
            select(DiaryEntry.client_id, func.max(DiaryEntry.local_date))
            .where(DiaryEntry.client_id.in_(ids))
            .group_by(DiaryEntry.client_id)
        ).all()
    )
    baselines = _baselines(session, plans)

    exercise_pain: dict[int, dict[date, list[int]]] = defaultdict(dict)
    exercise_counts: dict[int, dict[date, int]] = defaultdict(dict)
    for client_id, day, count, pain in session.execute(
        select(
            ExerciseLog.client_id,
            type_coerce(ExerciseLog.local_date, String),
            func.count(),
            func.max(ExerciseLog.pain_during),
        )
        .where(ExerciseLog.client_id.in_(ids), ExerciseLog.local_date >= earliest)
        .group_by(ExerciseLog.client_id, ExerciseLog.local_date)
    ):
        day = as_day(day)
        exercise_counts[client_id][day] = count
        if pain is not None:
            exercise_pain[client_id][day] = [pain]  # the day's highest

    fortnight = _adherence(session, ids, today_of, plans, now)
    psfs, psfs_best = _psfs(session, ids)

    grocs: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for client_id, day, score in session.execute(
        select(GlobalRating.client_id, GlobalRating.local_date, GlobalRating.score)
        .where(GlobalRating.client_id.in_(ids))
        .order_by(GlobalRating.local_date)
    ):
        grocs[client_id].append((day, score))

    screens: dict[int, list[tuple[date, list[str]]]] = defaultdict(list)
    for client_id, day, ticked in session.execute(
        select(RedFlagScreen.client_id, RedFlagScreen.local_date, RedFlagScreen.ticked)
        .where(RedFlagScreen.client_id.in_(ids), RedFlagScreen.local_date >= earliest)
        .order_by(RedFlagScreen.local_date)
    ):
        screens[client_id].append((day, list(ticked or [])))

    sessions: dict[int, list[date]] = defaultdict(list)
    zone_of = {p.client_id: p.centre.timezone for p in plans}
    for client_id, starts_at in session.execute(
        select(Appointment.client_id, Appointment.starts_at).where(
            Appointment.client_id.in_(ids),
            Appointment.status == AppointmentStatus.ATTENDED,
            Appointment.starts_at >= now - timedelta(days=window_days + 1),
        )
    ):
        sessions[client_id].append(local_day(starts_at, zone_of[client_id]))

    records = {}
    for plan in plans:
        cid = plan.client_id
        records[cid] = ClientRecord(
            client_id=cid,
            today=today_of[cid],
            start=plan.start_date,
            phase=plan.phase,
            days=from_totals(totals[cid], first_of[cid], today_of[cid]),
            baseline=baselines.get(cid),
            exercise_pain=exercise_pain[cid],
            exercise_days=sorted(exercise_counts[cid]),
            exercise_counts=exercise_counts[cid],
            adherence_14=fortnight.get(cid),
            psfs=psfs.get(cid, []),
            psfs_best=psfs_best.get(cid, []),
            grocs=grocs.get(cid, []),
            screens=screens.get(cid, []),
            sessions=sorted(sessions.get(cid, [])),
            last_entry=last_entry.get(cid),
        )
    return records


def _baselines(session: Session, plans: list[CarePlan]) -> dict[int, float]:
    """Mean daily pain over the first week of diary since each plan started."""
    start_of = {p.client_id: p.start_date for p in plans}
    firsts = session.execute(
        select(DiaryEntry.client_id, func.min(DiaryEntry.local_date))
        .where(
            or_(
                *(
                    and_(DiaryEntry.client_id == cid, DiaryEntry.local_date >= start)
                    for cid, start in start_of.items()
                )
            )
        )
        .group_by(DiaryEntry.client_id)
    ).all()
    if not firsts:
        return {}
    daily_values: dict[int, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    windows = [
        and_(
            DiaryEntry.client_id == cid,
            DiaryEntry.local_date >= first,
            DiaryEntry.local_date < first + timedelta(days=BASELINE_DAYS),
        )
        for cid, first in firsts
    ]
    for cid, day, pain in session.execute(
        select(DiaryEntry.client_id, DiaryEntry.local_date, DiaryEntry.pain_now).where(
            or_(*windows)
        )
    ):
        daily_values[cid][day].append(pain)
    return {
        cid: round(mean([mean(values) for values in by_day.values()]), 1)
        for cid, by_day in daily_values.items()
    }


def _adherence(
    session: Session,
    ids: list[int],
    today_of: dict[int, date],
    plans: list[CarePlan],
    now: datetime,
) -> dict[int, int | None]:
    """Percent of prescribed sessions done in the 14 days before today, per client with a
    programme (None when nothing was prescribed then)."""
    zone_of = {p.client_id: p.centre.timezone for p in plans}
    found = adherence.fortnights(
        session, {cid: (zone_of[cid], today_of[cid] - timedelta(days=1)) for cid in ids}
    )
    programmes = set(
        session.scalars(select(Programme.client_id).where(Programme.client_id.in_(ids)))
    )
    return {cid: found[cid].percent if cid in found else None for cid in programmes}


def _psfs(
    session: Session, ids: list[int]
) -> tuple[dict[int, list[tuple[date, float]]], dict[int, list[tuple[date, float]]]]:
    """Weekly PSFS: the mean over the client's activities, and their best-rated activity."""
    by_week: dict[int, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for client_id, week, score in session.execute(
        select(PsfsActivity.client_id, PsfsScore.week_start, PsfsScore.score)
        .join(PsfsScore.activity)
        .where(PsfsActivity.client_id.in_(ids))
    ):
        by_week[client_id][week].append(score)
    means = {
        cid: [(week, round(mean(scores), 1)) for week, scores in sorted(weeks.items())]
        for cid, weeks in by_week.items()
    }
    best = {
        cid: [(week, float(max(scores))) for week, scores in sorted(weeks.items())]
        for cid, weeks in by_week.items()
    }
    return means, best


# --- A per-process cache for the caseload --------------------------------------------------------

_CACHE: dict[int, tuple[tuple[Any, ...], ClientRecord]] = {}
CACHE_LIMIT = 20_000


def gather_cached(
    session: Session, plans: list[CarePlan], now: datetime
) -> dict[int, ClientRecord]:
    """``gather``, reusing records whose data has not changed since they were made.

    Each client's fingerprint (row counts, latest change times and sums of what the rules
    read, their plan and today's date) comes from a few grouped queries that return one row
    per client; only clients whose fingerprint moved are gathered again. Every process keeps
    its own cache, and a fingerprint is exact, so several web instances never disagree.
    """
    if not plans:
        return {}
    keys = _fingerprints(session, plans, now)
    found: dict[int, ClientRecord] = {}
    stale = []
    for plan in plans:
        cached = _CACHE.get(plan.client_id)
        if cached is not None and cached[0] == keys[plan.client_id]:
            found[plan.client_id] = cached[1]
        else:
            stale.append(plan)
    if stale:
        if len(_CACHE) > CACHE_LIMIT:
            _CACHE.clear()
        for client_id, record in gather(session, stale, now).items():
            _CACHE[client_id] = (keys[client_id], record)
            found[client_id] = record
    return found


def _fingerprints(
    session: Session, plans: list[CarePlan], now: datetime
) -> dict[int, tuple[Any, ...]]:
    today_of = {p.client_id: local_day(now, p.centre.timezone) for p in plans}
    ids = list(today_of)
    earliest = min(today_of.values()) - timedelta(days=WINDOW_DAYS)
    since = now - timedelta(days=WINDOW_DAYS + 1)
    parts: dict[int, list[Any]] = {
        p.client_id: [today_of[p.client_id], p.id, p.phase, p.start_date, p.centre.timezone]
        for p in plans
    }
    queries = [
        select(
            DiaryEntry.client_id,
            func.count(),
            func.max(DiaryEntry.updated_at),
            func.sum(DiaryEntry.pain_now),
            func.max(DiaryEntry.local_date),
        )
        .where(DiaryEntry.client_id.in_(ids), DiaryEntry.local_date >= earliest)
        .group_by(DiaryEntry.client_id),
        select(
            ExerciseLog.client_id,
            func.count(),
            func.max(ExerciseLog.id),
            func.sum(func.coalesce(ExerciseLog.pain_during, -1)),
        )
        .where(ExerciseLog.client_id.in_(ids), ExerciseLog.local_date >= earliest)
        .group_by(ExerciseLog.client_id),
        select(Programme.client_id, Programme.version).where(Programme.client_id.in_(ids)),
        select(
            PsfsActivity.client_id,
            func.count(PsfsScore.id),
            func.max(PsfsScore.recorded_at),
            func.sum(PsfsScore.score),
        )
        .join(PsfsScore.activity)
        .where(PsfsActivity.client_id.in_(ids))
        .group_by(PsfsActivity.client_id),
        select(GlobalRating.client_id, func.count(), func.max(GlobalRating.recorded_at))
        .where(GlobalRating.client_id.in_(ids))
        .group_by(GlobalRating.client_id),
        select(RedFlagScreen.client_id, func.count(), func.max(RedFlagScreen.recorded_at))
        .where(RedFlagScreen.client_id.in_(ids), RedFlagScreen.local_date >= earliest)
        .group_by(RedFlagScreen.client_id),
        select(Appointment.client_id, func.count(), func.max(Appointment.updated_at))
        .where(Appointment.client_id.in_(ids), Appointment.starts_at >= since)
        .group_by(Appointment.client_id),
    ]
    for number, query in enumerate(queries):
        for client_id, *values in session.execute(query):
            parts[client_id].append((number, *values))
    return {client_id: tuple(values) for client_id, values in parts.items()}


def clear_cache() -> None:
    """Forget every cached record (benchmarks measure the cold page with it)."""
    _CACHE.clear()
