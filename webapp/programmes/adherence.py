"""What is due today and how much of the programme got done: one service for the client's
Today, the therapist's brief and the reminders.

Days are the client's local days (their centre's time zone); weeks run Monday to Sunday.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import String
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import type_coerce
from sqlalchemy.orm import Session

from ..localtime import ONE_DAY
from ..localtime import local_day
from ..localtime import week_start
from ..models import ExerciseLog
from ..models import Prescription
from ..models import Programme


def _expected_sevenths(rx: Prescription) -> int:
    # Counted in sevenths of a session, so 3 days a week adds up to exactly 3 a week.
    return rx.times_per_day * 7 if rx.times_per_day else rx.days_per_week or 0


def _daily_cap(rx: Prescription) -> int:
    return rx.times_per_day or 1


@dataclass(frozen=True)
class Adherence:
    """Prescribed versus completed sessions over a span of days."""

    sevenths: int  # sessions prescribed, in sevenths (exact for weekly doses)
    completed: int

    @property
    def prescribed(self) -> Fraction:
        return Fraction(self.sevenths, 7)

    @property
    def percent(self) -> int | None:
        if self.sevenths <= 0:
            return None
        return round(100 * min(7 * self.completed / self.sevenths, 1.0))

    def __add__(self, other: Adherence) -> Adherence:
        return Adherence(self.sevenths + other.sevenths, self.completed + other.completed)


NONE = Adherence(0, 0)


@dataclass(frozen=True)
class SlotAdherence:
    current: Prescription
    this_week: Adherence
    last_14_days: Adherence


@dataclass(frozen=True)
class ProgrammeAdherence:
    this_week: Adherence
    last_14_days: Adherence
    by_exercise: list[SlotAdherence]
    days: list[tuple[date, Adherence]]  # this week, Monday to Sunday


def _done(
    session: Session, prescriptions: list[Prescription], start: date, end: date
) -> dict[str, Counter[date]]:
    """Count logged sessions per slot and local day, in one grouped query."""
    slot_of = {p.id: p.slot for p in prescriptions}
    done: dict[str, Counter[date]] = defaultdict(Counter)
    if not slot_of:
        return done
    rows = session.execute(
        select(ExerciseLog.prescription_id, ExerciseLog.local_date, func.count())
        .where(
            ExerciseLog.prescription_id.in_(list(slot_of)),
            ExerciseLog.local_date >= start,
            ExerciseLog.local_date <= end,
        )
        .group_by(ExerciseLog.prescription_id, ExerciseLog.local_date)
    )
    for prescription_id, day, count in rows:
        done[slot_of[prescription_id]][day] += count
    return done


@dataclass(frozen=True)
class _Dose:
    """What one prescription asks for, read once into plain numbers for the day loops."""

    first: date  # first local day in force
    stop: date | None  # first local day no longer in force
    sevenths: int  # sessions prescribed per day, in sevenths
    cap: int  # most sessions that count on one day
    weekly: int  # sessions a week for weekly doses, else 0

    def covers(self, day: date) -> bool:
        return self.first <= day and (self.stop is None or day < self.stop)


def _dose(rx: Prescription, timezone: str, before: tuple[datetime, date] | None = None) -> _Dose:
    """Read a prescription's dose; with ``before`` (an instant that is still the day before
    in every zone, and that day), a start before it is read as that day without converting
    it: either way the dose is in force all through the days counted from the next one."""
    if before is not None and rx.started_at < before[0]:
        first = before[1]
    else:
        first = local_day(rx.started_at, timezone)
    stop = local_day(rx.ended_at, timezone) if rx.ended_at is not None else None
    return _Dose(
        first=first,
        stop=stop,
        sevenths=_expected_sevenths(rx),
        cap=_daily_cap(rx),
        weekly=0 if rx.times_per_day else rx.days_per_week or 0,
    )


def _slot_adherence(
    doses: list[_Dose], done: Counter[date], start: date, end: date
) -> tuple[Adherence, dict[date, Adherence]]:
    """Adherence of one slot (an exercise and its successors) from ``start`` to ``end``."""
    per_day: dict[date, Adherence] = {}
    weekly_done: Counter[date] = Counter()
    sevenths = completed_total = 0
    day = start
    while day <= end:
        dose = next((d for d in doses if d.covers(day)), None)
        if dose is not None:
            completed = min(done[day], dose.cap)
            if dose.weekly:
                week = week_start(day)
                completed = min(completed, dose.weekly - weekly_done[week])
                weekly_done[week] += completed
            per_day[day] = Adherence(dose.sevenths, completed)
            sevenths += dose.sevenths
            completed_total += completed
        day += ONE_DAY
    return Adherence(sevenths, completed_total), per_day


_NOTHING_DONE: Mapping[date, int] = {}


def _slot_total(doses: list[_Dose], done: Mapping[date, int], start: date, end: date) -> Adherence:
    """``_slot_adherence``'s total, from the logged days alone when one dose is in force on
    every day that counts (most slots over a fortnight): its days in force times its dose,
    and each logged day up to the cap. Anything else takes the day-by-day path."""
    spans = []
    for dose in doses:
        first = max(dose.first, start)
        last = end if dose.stop is None else min(dose.stop - ONE_DAY, end)
        if first <= last:
            spans.append((first, last, dose))
    if len(spans) > 1:
        total, _days = _slot_adherence(doses, Counter(done), start, end)
        return total
    if not spans:
        return NONE
    first, last, dose = spans[0]
    completed = 0
    weekly_done: dict[date, int] = {}
    for day in sorted(done):
        if not first <= day <= last:
            continue
        count = min(done[day], dose.cap)
        if dose.weekly:
            week = week_start(day)
            so_far = weekly_done.get(week, 0)
            count = min(count, dose.weekly - so_far)
            weekly_done[week] = so_far + count
        completed += count
    return Adherence(dose.sevenths * ((last - first).days + 1), completed)


def _window(now: datetime, timezone: str) -> tuple[date, date]:
    """The days both Today and adherence look at: this week and the last 14 days."""
    today = local_day(now, timezone)
    return min(week_start(today), today - timedelta(days=13)), today


def _recent_rows(programme: Programme, first: date, timezone: str) -> list[Prescription]:
    return [
        p
        for p in programme.prescriptions
        if p.ended_at is None or local_day(p.ended_at, timezone) > first
    ]


def programme_adherence(
    session: Session,
    programme: Programme,
    timezone: str,
    now: datetime,
    done: dict[str, Counter[date]] | None = None,
) -> ProgrammeAdherence:
    """Adherence for this week (Monday–Sunday, prescribed for the whole week) and the last
    14 days (today included), per exercise and overall."""
    first, today = _window(now, timezone)
    monday = week_start(today)
    sunday = monday + timedelta(days=6)
    rows = _recent_rows(programme, first, timezone)
    by_slot: dict[str, list[Prescription]] = defaultdict(list)
    for row in rows:
        by_slot[row.slot].append(row)
    if done is None:
        done = _done(session, rows, first, today)

    by_exercise: list[SlotAdherence] = []
    week_total = fortnight_total = NONE
    days: dict[date, Adherence] = {monday + timedelta(days=n): NONE for n in range(7)}
    for slot, slot_rows in by_slot.items():
        current = next((r for r in slot_rows if r.ended_at is None), None)
        doses = [_dose(row, timezone) for row in slot_rows]
        # Assume today's prescription continues to Sunday when counting this week's target.
        week, week_days = _slot_adherence(doses, done[slot], monday, sunday)
        fortnight, _ = _slot_adherence(doses, done[slot], today - timedelta(days=13), today)
        week_total += week
        fortnight_total += fortnight
        for day, value in week_days.items():
            days[day] += value
        if current is not None:
            by_exercise.append(SlotAdherence(current, week, fortnight))
    by_exercise.sort(key=lambda s: s.current.position)
    return ProgrammeAdherence(week_total, fortnight_total, by_exercise, sorted(days.items()))


def fortnight(
    rows: Sequence[Prescription | Any],
    timezone: str,
    today: date,
    done: Mapping[str, Mapping[date, int]],
) -> Adherence:
    """Adherence over the 14 days to ``today`` from prescription rows (ORM objects, or plain
    rows with the same columns, as a caseload reads them) and the logged counts per slot."""
    first = today - timedelta(days=13)
    before = (datetime.combine(first, time(0), tzinfo=UTC) - ONE_DAY, first - ONE_DAY)
    by_slot: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row.ended_at is None or local_day(row.ended_at, timezone) > first:
            by_slot[row.slot].append(row)
    total = NONE
    for slot, slot_rows in by_slot.items():
        doses = [_dose(row, timezone, before) for row in slot_rows]
        total += _slot_total(doses, done.get(slot, _NOTHING_DONE), first, today)
    return total


def fortnights(session: Session, ends: Mapping[int, tuple[str, date]]) -> dict[int, Adherence]:
    """Each client's adherence over the 14 days ending on their own day (client id → (time
    zone, last day)), in two queries whatever the number of clients: plain rows rather than
    ORM objects, since a caseload or a company report reads thousands of prescriptions."""
    if not ends:
        return {}
    ids = list(ends)
    first = min(day for _, day in ends.values()) - timedelta(days=13)
    last = max(day for _, day in ends.values())
    since = datetime.combine(first, time(0), tzinfo=UTC) - ONE_DAY
    until = datetime.combine(last, time(0), tzinfo=UTC) + 2 * ONE_DAY
    # Core rather than the ORM: plain tuples, without the ORM's per-row bookkeeping.
    connection = session.connection()
    rows = connection.execute(
        select(
            Programme.client_id,
            Prescription.id,
            Prescription.slot,
            Prescription.started_at,
            Prescription.ended_at,
            Prescription.times_per_day,
            Prescription.days_per_week,
        )
        .join(Programme, Prescription.programme_id == Programme.id)
        .where(
            Programme.client_id.in_(ids),
            Prescription.started_at < until,
            Prescription.ended_at.is_(None) | (Prescription.ended_at >= since),
        )
    ).all()
    # Each client's logged sessions per slot and day, filled through their prescriptions.
    done: dict[int, dict[str, dict[date, int]]] = {}
    counts_of: dict[int, dict[date, int]] = {}
    for row in rows:
        counts_of[row.id] = done.setdefault(row.client_id, {}).setdefault(row.slot, {})
    days: dict[Any, date] = {}  # at most a few dozen distinct values: parse each once
    if counts_of:
        # Grouped in the order of the (client, day, prescription) index, which holds every
        # column read: no table rows and no sort, on either engine.
        logged = connection.execute(
            select(
                # SQLite's dates read as text: SQLAlchemy's date parsing is slow over many rows.
                type_coerce(ExerciseLog.local_date, String),
                ExerciseLog.prescription_id,
                func.count(),
            )
            .where(
                ExerciseLog.client_id.in_(ids),
                ExerciseLog.local_date >= first,
                ExerciseLog.local_date <= last,
            )
            .group_by(ExerciseLog.client_id, ExerciseLog.local_date, ExerciseLog.prescription_id)
        ).all()
        for day, prescription_id, count in logged:
            counts = counts_of.get(prescription_id)
            if counts is not None:
                when = days.get(day) or days.setdefault(day, _as_day(day))
                counts[when] = counts.get(when, 0) + count
    by_client: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_client[row.client_id].append(row)
    return {
        cid: fortnight(by_client[cid], zone, day, done[cid])
        for cid, (zone, day) in ends.items()
        if cid in by_client
    }


def _as_day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# --- Today ----------------------------------------------------------------------------------


def client_week(
    session: Session, programme: Programme | None, timezone: str, now: datetime
) -> tuple[list[TodayItem], ProgrammeAdherence | None]:
    """Today's exercises and the adherence figures, from one query of the logs."""
    if programme is None:
        return [], None
    first, today = _window(now, timezone)
    done = _done(session, _recent_rows(programme, first, timezone), first, today)
    return (
        today_items(session, programme, timezone, now, done),
        programme_adherence(session, programme, timezone, now, done),
    )


@dataclass(frozen=True)
class TodayItem:
    prescription: Prescription
    status: str  # "due", "done" or "rest"
    done_today: int
    target_today: int
    done_this_week: int
    weekly_target: int | None

    @property
    def remaining_today(self) -> int:
        return max(self.target_today - self.done_today, 0)


def today_items(
    session: Session,
    programme: Programme | None,
    timezone: str,
    now: datetime,
    done: dict[str, Counter[date]] | None = None,
) -> list[TodayItem]:
    """The client's exercises for today, honouring each one's frequency, in programme order."""
    if programme is None:
        return []
    current = sorted(programme.current, key=lambda p: p.position)
    first, today = _window(now, timezone)
    monday = week_start(today)
    if done is None:
        done = _done(session, _recent_rows(programme, first, timezone), first, today)

    items = []
    for rx in current:
        counts = done[rx.slot]
        done_today = counts[today]
        if rx.times_per_day:
            status = "due" if done_today < rx.times_per_day else "done"
            items.append(TodayItem(rx, status, done_today, rx.times_per_day, 0, None))
            continue
        target = rx.days_per_week or 1
        days_done = sum(1 for day, n in counts.items() if day >= monday and n)
        if done_today:
            status = "done"
        elif days_done >= target:
            status = "rest"
        else:
            sessions_left = target - days_done
            days_left = 7 - today.weekday()
            rested = not counts[today - timedelta(days=1)] or today == monday
            # Strength work wants a day's rest between sessions, unless the week would run out.
            spaced = target * 2 <= 7 and days_left > sessions_left
            status = "rest" if spaced and not rested else "due"
        items.append(TodayItem(rx, status, min(done_today, 1), 1, days_done, target))
    return items
