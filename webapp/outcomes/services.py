"""Outcomes for a set of care plans: the viewer's scope narrowed by the filters.

Every table comes from a fixed number of grouped queries, however many clients there are;
``report`` builds them all for the page, ``table`` just one for its CSV export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy.orm import Session

from ..brief.thresholds import DEFAULT
from ..brief.thresholds import Thresholds
from ..policy import OutcomeScope
from . import diary
from . import pathway
from . import programmes
from . import referrals
from . import trends
from . import visits
from .charts import BarChart
from .charts import LineChart
from .charts import bars
from .charts import percent_lines
from .charts import total_bars
from .cohort import Cohort
from .cohort import cohort as select_cohort
from .filters import Filters
from .periods import Month
from .tables import Table

TABLES = (
    "phases",
    "pain",
    "psfs",
    "adherence",
    "engagement",
    "progression",
    "referrals",
    "attendance",
    "monthly",
)


class _Measures:
    """The cohort's figures, each read from the database once and only when asked for."""

    def __init__(self, session: Session, cohort: Cohort, now: datetime, limits: Thresholds):
        self.session, self.cohort, self.now, self.limits = session, cohort, now, limits

    @cached_property
    def months(self) -> list[Month]:
        return self.cohort.period.months()

    @cached_property
    def whole_months(self) -> list[Month]:
        return self.cohort.period.months(self.cohort.period.last_whole)

    @cached_property
    def changes(self) -> pathway.Changes:
        return pathway.changes(self.session, self.cohort)

    @cached_property
    def pain(self) -> tuple[dict[int, diary.PainChange], dict]:  # type: ignore[type-arg]
        return diary.pain_changes(self.session, self.cohort, self.limits)

    @cached_property
    def diary_months(self) -> dict[int, dict[str, diary.DiaryMonth]]:
        return diary.diary_months(self.session, self.cohort, self.months)

    def phases(self) -> Table:
        return pathway.phases_table(self.cohort, pathway.phase_at_end(self.cohort, self.changes))

    def progression(self) -> Table:
        return pathway.progression_table(self.cohort, pathway.moves(self.cohort, self.changes))

    def pain_table(self) -> Table:
        return diary.pain_table(self.cohort, self.pain[0], self.limits)

    def psfs(self) -> Table:
        changes = diary.psfs_changes(self.session, self.cohort)
        return diary.psfs_table(self.cohort, changes, self.limits)

    def adherence(self) -> Table:
        percents = programmes.fortnights(self.session, self.cohort)
        return programmes.adherence_table(self.cohort, percents, self.limits)

    def engagement(self) -> Table:
        shares = diary.engagement(self.cohort, self.diary_months, self.whole_months)
        return diary.engagement_table(self.cohort, shares)

    def referrals(self) -> Table:
        return referrals.referrals_table(referrals.referrals(self.session, self.cohort))

    def attendance(self) -> Table:
        found = visits.attendance(self.session, self.cohort, self.months, self.now)
        return visits.attendance_table(found)

    def monthly(self) -> Table:
        months = self.months
        found = self.diary_months
        pain = diary.monthly_pain(self.cohort, found, self.pain[1], months, self.limits)
        logged = diary.monthly_engagement(self.cohort, found, months)
        seen = visits.monthly_attendance(self.session, self.cohort, months, self.now)
        return trends.monthly_table(months, pain, logged, seen, self.limits)

    def build(self, key: str) -> Table:
        makers: dict[str, Callable[[], Table]] = {
            "phases": self.phases,
            "pain": self.pain_table,
            "psfs": self.psfs,
            "adherence": self.adherence,
            "engagement": self.engagement,
            "progression": self.progression,
            "referrals": self.referrals,
            "attendance": self.attendance,
            "monthly": self.monthly,
        }
        return makers[key]()


@dataclass(frozen=True)
class Report:
    filters: Filters
    plans: int  # care plans counted
    months: list[Month]
    tables: dict[str, Table]
    charts: dict[str, BarChart | LineChart]
    as_of: datetime | None = None  # set when the figures were counted earlier (a snapshot)

    @property
    def is_empty(self) -> bool:
        return self.plans == 0


def report(
    session: Session,
    scope: OutcomeScope,
    filters: Filters,
    now: datetime,
    limits: Thresholds = DEFAULT,
) -> Report:
    """Every outcome table and its chart for the filtered care plans."""
    cohort = select_cohort(session, scope, filters)
    measures = _Measures(session, cohort, now, limits)
    tables = {key: measures.build(key) for key in TABLES}
    return assemble(filters, len(cohort.plans), tables)


def assemble(
    filters: Filters, plans: int, tables: dict[str, Table], as_of: datetime | None = None
) -> Report:
    """A report from its tables: each one's chart is drawn from what the table shows."""
    months = filters.period.months()
    charts: dict[str, BarChart | LineChart] = {
        "phases": total_bars(
            tables["phases"], ["phase_1", "phase_2", "phase_3"], "Clients in each phase"
        ),
        "pain": bars(
            tables["pain"], "improved_percent", "Share improved by an important change", 100
        ),
        "psfs": bars(
            tables["psfs"], "improved_percent", "Share improved by an important change", 100
        ),
        "adherence": bars(
            tables["adherence"], "mean_adherence_percent", "Prescribed sessions done", 100
        ),
        "engagement": bars(
            tables["engagement"], "mean_days_logged_percent", "Days with a diary entry", 100
        ),
        "progression": bars(
            tables["progression"],
            "median_days_in_previous_phase",
            "Median days in the previous phase",
        ),
        "referrals": bars(tables["referrals"], "referrals", "Referrals made"),
        "attendance": bars(
            tables["attendance"],
            "attendance_percent",
            "Attended, of visits attended or missed",
            100,
        ),
        "monthly": percent_lines(
            tables["monthly"],
            months,
            [
                ("pain_improved_percent", "pain", "Improved pain"),
                ("days_logged_percent", "diary", "Days with a diary entry"),
                ("attendance_percent", "attendance", "Attendance"),
            ],
            "Month by month, in percent",
        ),
    }
    return Report(filters, plans, months, tables, charts, as_of)


def table(
    session: Session,
    scope: OutcomeScope,
    filters: Filters,
    key: str,
    now: datetime,
    limits: Thresholds = DEFAULT,
) -> Table:
    """One outcome table, for its CSV export; ``key`` must be one of ``TABLES``."""
    cohort = select_cohort(session, scope, filters)
    return _Measures(session, cohort, now, limits).build(key)
