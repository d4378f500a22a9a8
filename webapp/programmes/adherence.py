"""What is due today and how much of the programme got done: one service for the client's
Today, the therapist's brief and the reminders.

Days are the client's local days (their centre's time zone); weeks run Monday to Sunday.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ExerciseLog
from ..models import Prescription
from ..models import Programme
from ..models import User


def client_timezone(client: User) -> str:
    """The zone a client's days are counted in: their care plan's centre, else UTC."""
    plan = client.active_care_plan
    return plan.centre.timezone if plan is not None else "UTC"


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _active_on(rx: Prescription, day: date, timezone: str) -> bool:
    if local_day(rx.started_at, timezone) > day:
        return False
    return rx.ended_at is None or day < local_day(rx.ended_at, timezone)


def _expected(rx: Prescription) -> Fraction:
    # Exact sevenths, so a 3-days-a-week exercise adds up to exactly 3 a week.
    return Fraction(rx.times_per_day) if rx.times_per_day else Fraction(rx.days_per_week or 0, 7)


def _daily_cap(rx: Prescription) -> int:
    return rx.times_per_day or 1


@dataclass(frozen=True)
class Adherence:
    """Prescribed versus completed sessions over a span of days."""

    prescribed: Fraction
    completed: int

    @property
    def percent(self) -> int | None:
        if self.prescribed <= 0:
            return None
        return round(100 * min(self.completed / self.prescribed, 1.0))

    def __add__(self, other: Adherence) -> Adherence:
        return Adherence(self.prescribed + other.prescribed, self.completed + other.completed)


NONE = Adherence(Fraction(0), 0)


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


def _logs(
    session: Session, prescriptions: list[Prescription], start: date, end: date
) -> list[ExerciseLog]:
    ids = [p.id for p in prescriptions]
    if not ids:
        return []
    return list(
        session.scalars(
            select(ExerciseLog).where(
                ExerciseLog.prescription_id.in_(ids),
                ExerciseLog.local_date >= start,
                ExerciseLog.local_date <= end,
            )
        )
    )


def _slot_adherence(
    rows: list[Prescription], done: Counter[date], start: date, end: date, timezone: str
) -> tuple[Adherence, dict[date, Adherence]]:
    """Adherence of one slot (an exercise and its successors) from ``start`` to ``end``."""
    per_day: dict[date, Adherence] = {}
    weekly_done: Counter[date] = Counter()
    day = start
    while day <= end:
        row = next((r for r in rows if _active_on(r, day, timezone)), None)
        if row is not None:
            completed = min(done[day], _daily_cap(row))
            if row.days_per_week:
                week = week_start(day)
                completed = min(completed, row.days_per_week - weekly_done[week])
                weekly_done[week] += completed
            per_day[day] = Adherence(_expected(row), completed)
        day += timedelta(days=1)
    total = sum(per_day.values(), NONE)
    return total, per_day


def programme_adherence(
    session: Session, programme: Programme, timezone: str, now: datetime
) -> ProgrammeAdherence:
    """Adherence for this week (Monday–Sunday, prescribed for the whole week) and the last
    14 days (today included), per exercise and overall."""
    today = local_day(now, timezone)
    monday = week_start(today)
    sunday = monday + timedelta(days=6)
    first = min(monday, today - timedelta(days=13))
    rows = [
        p
        for p in programme.prescriptions
        if p.ended_at is None or local_day(p.ended_at, timezone) > first
    ]
    by_slot: dict[str, list[Prescription]] = defaultdict(list)
    for row in rows:
        by_slot[row.slot].append(row)
    slot_of = {row.id: row.slot for row in rows}
    done: dict[str, Counter[date]] = defaultdict(Counter)
    for log in _logs(session, rows, first, today):
        done[slot_of[log.prescription_id]][log.local_date] += 1

    by_exercise: list[SlotAdherence] = []
    week_total = fortnight_total = NONE
    days: dict[date, Adherence] = {monday + timedelta(days=n): NONE for n in range(7)}
    for slot, slot_rows in by_slot.items():
        current = next((r for r in slot_rows if r.ended_at is None), None)
        # Assume today's prescription continues to Sunday when counting this week's target.
        week, week_days = _slot_adherence(slot_rows, done[slot], monday, sunday, timezone)
        fortnight, _ = _slot_adherence(
            slot_rows, done[slot], today - timedelta(days=13), today, timezone
        )
        week_total += week
        fortnight_total += fortnight
        for day, value in week_days.items():
            days[day] += value
        if current is not None:
            by_exercise.append(SlotAdherence(current, week, fortnight))
    by_exercise.sort(key=lambda s: s.current.position)
    return ProgrammeAdherence(week_total, fortnight_total, by_exercise, sorted(days.items()))


# --- Today ----------------------------------------------------------------------------------


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
    session: Session, programme: Programme | None, timezone: str, now: datetime
) -> list[TodayItem]:
    """The client's exercises for today, honouring each one's frequency, in programme order."""
    if programme is None:
        return []
    current = sorted(programme.current, key=lambda p: p.position)
    today = local_day(now, timezone)
    monday = week_start(today)
    slots = {p.slot for p in current}
    rows = [p for p in programme.prescriptions if p.slot in slots]
    slot_of = {p.id: p.slot for p in rows}
    done: dict[str, Counter[date]] = defaultdict(Counter)
    for log in _logs(session, rows, min(monday, today - timedelta(days=1)), today):
        done[slot_of[log.prescription_id]][log.local_date] += 1

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
