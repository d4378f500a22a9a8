"""The therapist's caseload: their clients, the most urgent flags first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import joinedload

from .. import policy
from ..brief import rules
from ..brief.record import CACHE_LIMIT
from ..brief.record import ClientRecord
from ..brief.record import clear_cache
from ..brief.record import gather_cached
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
        .options(contains_eager(CarePlan.client), joinedload(CarePlan.centre))
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
class Summary:
    """What a caseload row shows of a client's record; made once per record."""

    flags: list[Flag]
    pain_points: str  # sparkline polyline points, 14 days
    pain_label: str
    exercise_bars: Markup  # the bars as SVG rectangles
    exercise_label: str
    last_entry: date | None

    @property
    def top_flags(self) -> list[Flag]:
        return [f for f in self.flags if f.level != rules.GREEN][:3]


@dataclass(frozen=True)
class Row:
    plan: CarePlan
    summary: Summary
    alert: bool  # an unacknowledged red-flag alert
    next_visit: datetime | None


_SUMMARIES: dict[int, tuple[ClientRecord, Summary]] = {}


def summarise(record: ClientRecord, limits: Thresholds = DEFAULT) -> Summary:
    """The row's flags and sparklines, reused while the record is the cached one."""
    cached = _SUMMARIES.get(record.client_id)
    if cached is not None and cached[0] is record and limits is DEFAULT:
        return cached[1]
    days = record.span(record.today, SPARK_DAYS)
    pains = [(i, d.pain) for i, d in enumerate(days) if d.pain is not None]
    counts = [record.exercise_counts.get(d.day, 0) for d in days]
    logged = f"Exercise sessions logged over {len(days)} days: {sum(counts)}"
    if record.adherence_14 is not None:
        logged += f"; {record.adherence_14}% of prescribed in the 14 days before today"
    summary = Summary(
        flags=rules.evaluate(record, limits),
        pain_points=_points(pains, len(days)),
        pain_label=_pain_label(pains),
        exercise_bars=_bars(counts),
        exercise_label=logged,
        last_entry=record.last_entry,
    )
    if limits is DEFAULT:
        if len(_SUMMARIES) > CACHE_LIMIT:
            _SUMMARIES.clear()
        _SUMMARIES[record.client_id] = (record, summary)
    return summary


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
    records = gather_cached(session, shown, now)
    ids = [p.client_id for p in shown]
    alerts = {a.client_id for a in diary.open_alerts(session, ids)} if ids else set()
    upcoming = _next_visits(session, ids, now)
    found = [
        Row(
            plan=plan,
            summary=summarise(records[plan.client_id], limits),
            alert=plan.client_id in alerts,
            next_visit=upcoming.get(plan.client_id),
        )
        for plan in shown
    ]
    found.sort(key=lambda r: (not r.alert, rules.urgency(r.summary.flags), r.plan.client.name))
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


def _bars(counts: list[int]) -> Markup:
    top = max(max(counts, default=0), 1)
    width = SPARK_W / max(len(counts), 1)
    bars = []
    for i, count in enumerate(counts):
        if count:
            height = round((SPARK_H - 2) * count / top, 1)
            x, y = round(i * width + 1, 1), round(SPARK_H - height, 1)
            bars.append(f'<rect class="spark-bar" x="{x}" y="{y}" width="6" height="{height}"/>')
    return Markup("".join(bars))  # numbers only: nothing from users


def since(day: date | None, today: date) -> str:
    """'today', 'yesterday' or 'N days ago'."""
    if day is None:
        return "never"
    days = (today - day).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def forget_cached() -> None:
    """Forget cached records and rows, as after a restart."""
    clear_cache()
    _SUMMARIES.clear()
