"""The period an outcomes report covers, its calendar months, and the date arithmetic the
grouped queries need on both SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Date
from sqlalchemy import case
from sqlalchemy import literal_column
from sqlalchemy import null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ..localtime import ONE_DAY
from ..localtime import to_utc

LONGEST_MONTHS = 36  # a longer period is refused: the monthly series would not read as one


@dataclass(frozen=True)
class Month:
    key: str  # "2026-03"
    first: date  # the month's first day inside the period
    last: date  # the month's last day inside the period

    @property
    def label(self) -> str:
        return f"{self.first:%b %Y}"


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` (both included), seen on ``today``.

    Figures stop at today: ``last`` is the last day with data to count, ``last_whole`` the last
    day that is over (a share of days with a diary entry must not count today as missed).
    """

    start: date
    end: date
    today: date

    @property
    def is_future(self) -> bool:
        return self.start > self.today

    @property
    def last(self) -> date:
        return min(self.end, self.today)

    @property
    def last_whole(self) -> date:
        return min(self.end, self.today - ONE_DAY)

    @property
    def runs_past_today(self) -> bool:
        return self.end > self.today and not self.is_future

    def months(self, last: date | None = None) -> list[Month]:
        """The calendar months from ``start`` to ``last`` (default: the last day with data)."""
        last = self.last if last is None else last
        found = []
        first = self.start
        while first <= last:
            following = next_month(first)
            found.append(Month(f"{first:%Y-%m}", first, min(following - ONE_DAY, last)))
            first = following
        return found


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months_back(today: date, count: int) -> date:
    """The first day of the month ``count - 1`` months before ``today``'s: 12 is the last year."""
    months = today.year * 12 + today.month - 1 - (count - 1)
    return date(months // 12, months % 12 + 1, 1)


def default_period(today: date) -> Period:
    """The last twelve calendar months, this one included."""
    return Period(months_back(today, 12), today, today)


# --- Dates in SQL ------------------------------------------------------------------------------


class _DaysAfter(FunctionElement[date]):
    type = Date()
    inherit_cache = True


def days_after(day: ColumnElement[Any], n: int) -> ColumnElement[date]:
    """``day`` plus ``n`` days, for a date column or aggregate.

    ``n`` is written into the SQL, not bound, so PostgreSQL sees the same expression in a
    query's GROUP BY as in its SELECT.
    """
    return _DaysAfter(day, literal_column(str(int(n))))


@compiles(_DaysAfter, "sqlite")
def _days_after_sqlite(element: _DaysAfter, compiler: Any, **kw: Any) -> str:
    day, n = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '{int(n.name):+d} days')"


@compiles(_DaysAfter, "postgresql")
def _days_after_postgresql(element: _DaysAfter, compiler: Any, **kw: Any) -> str:
    day, n = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + {int(n.name)})"


def local_month(
    instant: ColumnElement[Any],
    centre_id: ColumnElement[int],
    zones: dict[int, str],
    months: list[Month],
) -> ColumnElement[Any]:
    """The index of the month an instant falls in on its centre's clock, or NULL outside them.

    One branch per centre, then one comparison per month boundary, so a row costs a few
    comparisons however many centres there are.
    """
    if not months or not zones:
        return null()
    by_centre = []
    for centre, zone in zones.items():
        start = to_utc(months[0].first, time(0), zone)
        ends = [to_utc(m.last + timedelta(days=1), time(0), zone) for m in months]
        inside = case(
            *((instant < end, index) for index, end in enumerate(ends)),
            else_=None,
        )
        by_centre.append((centre_id == centre, case((instant >= start, inside), else_=None)))
    return case(*by_centre, else_=None)
