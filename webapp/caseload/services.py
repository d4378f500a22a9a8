"""The therapist's caseload: their clients, the most urgent flags first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from .. import policy
from ..brief import rules
from ..brief.record import gather
from ..brief.rules import Flag
from ..brief.thresholds import DEFAULT
from ..brief.thresholds import Thresholds
from ..diary import services as diary
from ..models import Appointment
from ..models import AppointmentStatus
from ..models import CarePlan
from ..models import User

SPARK_DAYS = 14
SPARK_W, SPARK_H = 112, 28


def caseload(session: Session, therapist: User) -> list[CarePlan]:
    """Return the active care plans of the therapist's clients, by client name."""
    clients = policy.visible_clients(therapist).with_only_columns(User.id)
    query = (
        select(CarePlan)
        .join(CarePlan.client)
        .where(CarePlan.active, CarePlan.client_id.in_(clients))
        .options(
            selectinload(CarePlan.client),
            selectinload(CarePlan.centre),
            selectinload(CarePlan.team),
            selectinload(CarePlan.phase_changes),
        )
        .order_by(User.name)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class Filters:
    centre_id: int | None = None
    phase: int | None = None
    condition: str | None = None

    def keep(self, plan: CarePlan) -> bool:
        return (
            (self.centre_id is None or plan.centre_id == self.centre_id)
            and (self.phase is None or plan.phase == self.phase)
            and (self.condition is None or plan.condition.value == self.condition)
        )


@dataclass(frozen=True)
class Row:
    plan: CarePlan
    flags: list[Flag]
    alert: bool  # an unacknowledged red-flag alert
    pain_points: str  # sparkline polyline points, 14 days
    pain_label: str
    exercise_bars: list[tuple[float, float, float]]  # x, y, height
    exercise_label: str
    last_entry: date | None
    next_visit: datetime | None

    @property
    def top_flags(self) -> list[Flag]:
        return [f for f in self.flags if f.level != rules.GREEN][:3]


def rows(
    session: Session,
    therapist: User,
    now: datetime,
    filters: Filters = Filters(),  # noqa: B008 (frozen, so one shared default is safe)
    limits: Thresholds = DEFAULT,
) -> tuple[list[Row], list[CarePlan]]:
    """The filtered caseload, most urgent first, and every plan (for the filter choices)."""
    plans = caseload(session, therapist)
    shown = [p for p in plans if filters.keep(p)]
    records = gather(session, shown, now)
    ids = [p.client_id for p in shown]
    alerts = {a.client_id for a in diary.open_alerts(session, ids)} if ids else set()
    upcoming = _next_visits(session, ids, now)
    found = []
    for plan in shown:
        record = records[plan.client_id]
        flags = rules.evaluate(record, limits)
        days = record.span(record.today, SPARK_DAYS)
        pains = [(i, d.pain) for i, d in enumerate(days) if d.pain is not None]
        counts = [record.exercise_counts.get(d.day, 0) for d in days]
        found.append(
            Row(
                plan=plan,
                flags=flags,
                alert=plan.client_id in alerts,
                pain_points=_points(pains, len(days)),
                pain_label=_pain_label(pains),
                exercise_bars=_bars(counts),
                exercise_label=(
                    f"Exercise sessions logged over {len(days)} days: {sum(counts)}; "
                    f"{record.adherence_14}% of prescribed in 14 days"
                    if record.adherence_14 is not None
                    else f"Exercise sessions logged over {len(days)} days: {sum(counts)}"
                ),
                last_entry=record.last_entry,
                next_visit=upcoming.get(plan.client_id),
            )
        )
    found.sort(key=lambda r: (not r.alert, rules.urgency(r.flags), r.plan.client.name))
    return found, plans


def _next_visits(session: Session, ids: list[int], now: datetime) -> dict[int, datetime]:
    if not ids:
        return {}
    query = (
        select(Appointment.client_id, func.min(Appointment.starts_at))
        .where(
            Appointment.client_id.in_(ids),
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.ends_at > now,
        )
        .group_by(Appointment.client_id)
    )
    return {cid: when for cid, when in session.execute(query)}


def _points(values: list[tuple[int, float]], length: int) -> str:
    span = max(length - 1, 1)
    return " ".join(
        f"{round(2 + (SPARK_W - 4) * i / span, 1)},{round(2 + (SPARK_H - 4) * (1 - v / 10), 1)}"
        for i, v in values
    )


def _pain_label(values: list[tuple[int, float]]) -> str:
    if not values:
        return "No pain entries in the last 14 days"
    first, last = values[0][1], values[-1][1]
    return f"Pain over 14 days, {len(values)} entries: from {first:g} to {last:g}"


def _bars(counts: list[int]) -> list[tuple[float, float, float]]:
    top = max(max(counts, default=0), 1)
    width = SPARK_W / max(len(counts), 1)
    bars = []
    for i, count in enumerate(counts):
        height = round((SPARK_H - 2) * count / top, 1)
        bars.append((round(i * width + 1, 1), round(SPARK_H - height, 1), height))
    return bars


def since(day: date | None, today: date) -> str:
    """'today', 'yesterday' or 'N days ago'."""
    if day is None:
        return "never"
    days = (today - day).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"
