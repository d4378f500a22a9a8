"""Outcomes from the diary: change in pain since the start of care, PSFS change, and how many
days clients log. Each figure comes from one grouped query for the whole cohort.

A day's pain is the mean of that day's ratings (check-in and quick logs), as on the diary
chart; a 7-day mean needs ``Thresholds.min_days_for_mean`` logged days in its 7.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from sqlalchemy import ColumnElement
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import distinct
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import type_coerce
from sqlalchemy import union_all
from sqlalchemy.orm import Session

from ..brief.record import as_day
from ..brief.rules import pain_threshold
from ..brief.thresholds import DEFAULT
from ..brief.thresholds import Thresholds
from ..models import CarePlan
from ..models import DiaryEntry
from ..models import PsfsActivity
from ..models import PsfsScore
from .cohort import Cohort
from .periods import Month
from .periods import Period
from .periods import days_after
from .tables import Column
from .tables import Kind
from .tables import Row
from .tables import Table
from .tables import cells_for
from .tables import mean_or_none
from .tables import median_or_none
from .tables import protect_rows
from .tables import share

WEEK = 7
APART = 2 * WEEK - 1  # the latest week starts after the first week ends


# --- Pain ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PainChange:
    """A client's 7-day mean pain in their first week of diary and their latest week."""

    first_day: date
    baseline: float
    latest: float

    @property
    def change(self) -> float:
        return round(self.latest - self.baseline, 1)


def improved(baseline: float, latest: float, limits: Thresholds = DEFAULT) -> bool:
    """Down by the clinically important change: the trend flag P2's test (2 points, or 30 %
    of the baseline when that is smaller, but never under 1 point)."""
    threshold = pain_threshold(baseline, limits.pain_change_points, limits)
    return baseline - latest >= threshold - 1e-9


def worsened(baseline: float, latest: float, limits: Thresholds = DEFAULT) -> bool:
    """Up by the clinically important change (the lower bar after a low baseline, as P1)."""
    points = limits.pain_change_points
    if baseline <= limits.low_baseline:
        points = limits.pain_change_points_low_baseline
    return latest - baseline >= pain_threshold(baseline, points, limits) - 1e-9


def pain_changes(
    session: Session, cohort: Cohort, limits: Thresholds = DEFAULT
) -> tuple[dict[int, PainChange], dict[int, tuple[date, float]]]:
    """Per plan: the change from the first week of diary since care started to the 7 days
    ending on the last diary day in the period; and every plan's baseline (first day, mean).

    The latest week must start after the first one ends, and both need enough logged days.
    """
    period = cohort.period
    since_start = and_(
        DiaryEntry.client_id == CarePlan.client_id, DiaryEntry.local_date >= CarePlan.start_date
    )
    first = select(func.min(DiaryEntry.local_date)).where(since_start).correlate(CarePlan)
    last = (
        select(func.max(DiaryEntry.local_date))
        .where(since_start, DiaryEntry.local_date <= period.last)
        .correlate(CarePlan)
    )
    # Materialised: joined as a plain subquery, SQLite would look both days up again for
    # every diary row it reads.
    span = (
        select(
            CarePlan.id.label("plan_id"),
            CarePlan.client_id.label("client_id"),
            first.scalar_subquery().label("first"),
            last.scalar_subquery().label("last"),
        )
        .where(CarePlan.id.in_(cohort.ids))
        .cte("span")
        .prefix_with("MATERIALIZED")
    )
    # Each week is its own range join, so both engines read just those days from the index.
    first_week = select(
        span.c.plan_id,
        span.c.first,
        span.c.last,
        literal_column("0").label("latest"),
        DiaryEntry.local_date.label("day"),
        DiaryEntry.pain_now,
    ).join(
        DiaryEntry,
        and_(
            DiaryEntry.client_id == span.c.client_id,
            DiaryEntry.local_date >= span.c.first,
            DiaryEntry.local_date <= days_after(span.c.first, WEEK - 1),
        ),
    )
    last_week = (
        select(
            span.c.plan_id,
            span.c.first,
            span.c.last,
            literal_column("1").label("latest"),
            DiaryEntry.local_date.label("day"),
            DiaryEntry.pain_now,
        )
        .join(
            DiaryEntry,
            and_(
                DiaryEntry.client_id == span.c.client_id,
                DiaryEntry.local_date >= days_after(span.c.last, 1 - WEEK),
                DiaryEntry.local_date <= span.c.last,
            ),
        )
        .where(span.c.last >= period.start, span.c.last >= days_after(span.c.first, APART))
    )
    entries = union_all(first_week, last_week).subquery()
    daily = (
        select(
            entries.c.plan_id,
            entries.c.first,
            entries.c.last,
            entries.c.latest,
            func.avg(entries.c.pain_now).label("pain"),
        )
        .group_by(
            entries.c.plan_id, entries.c.first, entries.c.last, entries.c.latest, entries.c.day
        )
        .subquery()
    )
    query = select(
        daily.c.plan_id,
        type_coerce(daily.c.first, String),
        type_coerce(daily.c.last, String),
        daily.c.latest,
        func.avg(daily.c.pain),
        func.count(),
    ).group_by(daily.c.plan_id, daily.c.first, daily.c.last, daily.c.latest)
    weeks = session.connection().execute(query).all()
    baselines: dict[int, tuple[date, float]] = {}
    latest: dict[int, tuple[date, float]] = {}
    for plan_id, first_day, last_day, is_last, pain, days in weeks:
        if days < limits.min_days_for_mean:
            continue
        if is_last:
            latest[plan_id] = (as_day(last_day), round(float(pain), 1))
        else:
            baselines[plan_id] = (as_day(first_day), round(float(pain), 1))
    changes = {}
    for plan_id, (first_day, baseline) in baselines.items():
        if plan_id not in latest:
            continue
        last_day, now = latest[plan_id]
        if last_day >= period.start and (last_day - first_day).days >= APART:
            changes[plan_id] = PainChange(first_day, baseline, now)
    return changes, baselines


def pain_table(cohort: Cohort, changes: dict[int, PainChange], limits: Thresholds) -> Table:
    """Change in 7-day mean pain from the start of care, per condition."""
    table = Table(
        "pain",
        "Change in pain since the start of care",
        Column("condition", "Condition", Kind.TEXT),
        [
            Column("clients", "Clients", Kind.COUNT),
            Column("mean_first_week", "First week", Kind.SCORE),
            Column("mean_latest_week", "Latest week", Kind.SCORE),
            Column("mean_change", "Mean change", Kind.CHANGE),
            Column("improved_percent", "Improved by an important change", Kind.PERCENT),
            Column("worse_percent", "Worse by an important change", Kind.PERCENT),
        ],
    )
    for label, items, is_total in cohort.groups(changes):
        values = [
            len(items),
            mean_or_none([c.baseline for c in items]),
            mean_or_none([c.latest for c in items]),
            mean_or_none([c.change for c in items]),
            share([improved(c.baseline, c.latest, limits) for c in items]),
            share([worsened(c.baseline, c.latest, limits) for c in items]),
        ]
        table.rows.append(Row(label, cells_for(values, len(items)), is_total))
    protect_rows(table)
    return table


@dataclass(frozen=True)
class DiaryMonth:
    """A plan's diary in one month of the period, in a few numbers."""

    days_logged: int  # days with an entry that are over
    last_week_pain: float | None  # mean daily pain over the month's last 7 days
    last_week_days: int  # days logged in those 7


def last_weeks(period: Period, months: list[Month]) -> list[tuple[date, date]]:
    """Each month's last 7 days (to today in this month), inside the period."""
    return [(max(m.last - timedelta(days=WEEK - 1), period.start), m.last) for m in months]


def diary_months(
    session: Session, cohort: Cohort, months: list[Month]
) -> dict[int, dict[str, DiaryMonth]]:
    """Per plan and month (``YYYY-MM``): days logged and the pain of the month's last week.

    Two queries of one part per month, so every part reads one range of each client's
    (client, day, rating) index and groups by plan as it reads, with no sort: the days logged
    up to the last whole day (distinct days), and each day's mean pain over the month's last
    week, averaged. A year of a company's diary costs about half of grouping it all by day
    and then by month in one query.
    """
    period = cohort.period
    if not months:
        return {}

    since_start = and_(
        DiaryEntry.client_id == CarePlan.client_id, DiaryEntry.local_date >= CarePlan.start_date
    )

    def entries(first: date, last: date) -> list[ColumnElement[bool]]:
        # In WHERE, not in the join's ON: there SQLite seeks each client's index range from
        # the plan's start, and reads every month since for each month's part.
        return [
            CarePlan.id.in_(cohort.ids),
            DiaryEntry.local_date >= first,
            DiaryEntry.local_date <= last,
        ]

    days = [
        select(CarePlan.id, literal_column(str(index)), func.count(distinct(DiaryEntry.local_date)))
        .join(DiaryEntry, since_start)
        .where(*entries(month.first, min(month.last, period.last_whole)))
        .group_by(CarePlan.id)
        for index, month in enumerate(months)
        if month.first <= period.last_whole
    ]
    weeks = []
    windows = last_weeks(period, months)
    for index, ((first, last), month) in enumerate(zip(windows, months, strict=True)):
        daily = (
            select(CarePlan.id.label("plan_id"), func.avg(DiaryEntry.pain_now).label("pain"))
            .join(DiaryEntry, since_start)
            .where(*entries(max(first, month.first), last))
            .group_by(CarePlan.id, DiaryEntry.local_date)
            .subquery()
        )
        weeks.append(
            select(
                daily.c.plan_id,
                literal_column(str(index)),
                func.avg(daily.c.pain),
                func.count(),
            ).group_by(daily.c.plan_id)
        )
    keys = [month.key for month in months]
    rated: dict[tuple[int, int], tuple[float, int]] = {}
    for plan_id, index, pain, count in session.connection().execute(union_all(*weeks)).all():
        rated[(plan_id, index)] = (round(float(pain), 1), count)
    found: dict[int, dict[str, DiaryMonth]] = defaultdict(dict)
    if days:
        for plan_id, index, count in session.connection().execute(union_all(*days)).all():
            mean, week_days = rated.pop((plan_id, index), (None, 0))
            found[plan_id][keys[index]] = DiaryMonth(count, mean, week_days)
    for (plan_id, index), (mean, week_days) in rated.items():  # only today logged so far
        found[plan_id][keys[index]] = DiaryMonth(0, mean, week_days)
    return found


def monthly_pain(
    cohort: Cohort,
    found: dict[int, dict[str, DiaryMonth]],
    baselines: dict[int, tuple[date, float]],
    months: list[Month],
    limits: Thresholds = DEFAULT,
) -> dict[int, list[tuple[float, float]]]:
    """Per month: each client's (baseline, 7-day mean pain over the month's last 7 days)."""
    windows = last_weeks(cohort.period, months)
    pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for plan_id, by_month in found.items():
        if plan_id not in baselines:
            continue
        first_day, baseline = baselines[plan_id]
        for index, month in enumerate(months):
            seen = by_month.get(month.key)
            if seen is None or seen.last_week_pain is None:
                continue
            if seen.last_week_days < limits.min_days_for_mean:
                continue
            if (windows[index][1] - first_day).days < APART:
                continue  # this month's last week is still the first week of diary
            pairs[index].append((baseline, seen.last_week_pain))
    return pairs


# --- Diary engagement --------------------------------------------------------------------------


def days_in_care(start_date: date, first: date, last: date) -> int:
    """The days from ``first`` to ``last`` on which the plan had started."""
    return max((last - max(first, start_date)).days + 1, 0)


def engagement(
    cohort: Cohort, found: dict[int, dict[str, DiaryMonth]], months: list[Month]
) -> dict[int, float]:
    """Per plan: the share of its days in care in the period (days that are over) with an
    entry. Plans with no such day are left out."""
    period = cohort.period
    shares = {}
    for plan in cohort.plans:
        days = days_in_care(plan.start_date, period.start, period.last_whole)
        if days <= 0:
            continue
        by_month = found.get(plan.id, {})
        done = sum(by_month[m.key].days_logged for m in months if m.key in by_month)
        shares[plan.id] = done / days
    return shares


def monthly_engagement(
    cohort: Cohort, found: dict[int, dict[str, DiaryMonth]], months: list[Month]
) -> dict[int, list[float]]:
    """Per month: each plan's share of days with an entry (days in care that are over)."""
    shares: dict[int, list[float]] = defaultdict(list)
    last_whole = cohort.period.last_whole
    for plan in cohort.plans:
        for index, month in enumerate(months):
            days = days_in_care(plan.start_date, month.first, min(month.last, last_whole))
            if days > 0:
                seen = found.get(plan.id, {}).get(month.key)
                shares[index].append((seen.days_logged if seen else 0) / days)
    return shares


def engagement_table(cohort: Cohort, shares: dict[int, float]) -> Table:
    """The share of days with a diary entry, per condition."""
    table = Table(
        "engagement",
        "Diary engagement",
        Column("condition", "Condition", Kind.TEXT),
        [
            Column("clients", "Clients", Kind.COUNT),
            Column("mean_days_logged_percent", "Days with an entry (mean)", Kind.PERCENT),
            Column("median_days_logged_percent", "Days with an entry (median)", Kind.PERCENT),
        ],
    )
    for label, items, is_total in cohort.groups(shares):
        mean = mean_or_none(items)
        middle = median_or_none(items)
        values = [
            len(items),
            None if mean is None else round(100 * sum(items) / len(items)),
            None if middle is None else round(100 * middle),
        ]
        table.rows.append(Row(label, cells_for(values, len(items)), is_total))
    protect_rows(table)
    return table


# --- PSFS --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PsfsChange:
    first: float
    latest: float

    @property
    def change(self) -> float:
        return round(self.latest - self.first, 1)


def psfs_changes(session: Session, cohort: Cohort) -> dict[int, PsfsChange]:
    """Per plan: the mean PSFS of the first week rated since care started and of the latest
    week rated in the period (a week counts when it overlaps the period)."""
    period = cohort.period
    rated = (
        select(
            CarePlan.id.label("plan_id"),
            CarePlan.client_id.label("client_id"),
            func.min(PsfsScore.week_start).label("first"),
            func.max(PsfsScore.week_start).label("latest"),
        )
        .join(PsfsActivity, PsfsActivity.client_id == CarePlan.client_id)
        .join(PsfsScore, PsfsScore.activity_id == PsfsActivity.id)
        .where(
            CarePlan.id.in_(cohort.ids),
            PsfsScore.week_start >= days_after(CarePlan.start_date, 1 - WEEK),
            PsfsScore.week_start <= period.last,
        )
        .group_by(CarePlan.id, CarePlan.client_id)
        .subquery()
    )
    query = (
        select(
            rated.c.plan_id,
            (PsfsScore.week_start == rated.c.latest).label("is_latest"),
            func.avg(PsfsScore.score),
        )
        .join(PsfsActivity, PsfsActivity.client_id == rated.c.client_id)
        .join(PsfsScore, PsfsScore.activity_id == PsfsActivity.id)
        .where(
            rated.c.latest > rated.c.first,
            rated.c.latest >= period.start - timedelta(days=WEEK - 1),
            or_(PsfsScore.week_start == rated.c.first, PsfsScore.week_start == rated.c.latest),
        )
        .group_by(rated.c.plan_id, PsfsScore.week_start == rated.c.latest)
    )
    rows = session.connection().execute(query).all()
    weeks: dict[int, dict[bool, float]] = defaultdict(dict)
    for plan_id, is_latest, score in rows:
        weeks[plan_id][bool(is_latest)] = round(float(score), 1)
    return {
        plan_id: PsfsChange(found[False], found[True])
        for plan_id, found in weeks.items()
        if len(found) == 2
    }


def psfs_table(cohort: Cohort, changes: dict[int, PsfsChange], limits: Thresholds) -> Table:
    """PSFS change from the first rated week to the latest, per condition."""
    table = Table(
        "psfs",
        "Change in function (PSFS)",
        Column("condition", "Condition", Kind.TEXT),
        [
            Column("clients", "Clients", Kind.COUNT),
            Column("mean_first", "First rating", Kind.SCORE),
            Column("mean_latest", "Latest rating", Kind.SCORE),
            Column("mean_change", "Mean change", Kind.CHANGE),
            Column("improved_percent", "Improved by an important change", Kind.PERCENT),
        ],
    )
    for label, items, is_total in cohort.groups(changes):
        values = [
            len(items),
            mean_or_none([c.first for c in items]),
            mean_or_none([c.latest for c in items]),
            mean_or_none([c.change for c in items]),
            share([c.change >= limits.psfs_mcid - 1e-9 for c in items]),
        ]
        table.rows.append(Row(label, cells_for(values, len(items)), is_total))
    protect_rows(table)
    return table
