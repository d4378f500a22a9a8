"""Outcomes month by month: pain change, diary engagement and attendance.

Each month's figures describe a different group of clients (those with enough diary in the
month's last week, those in care, those with visits), so each group is withheld on its own
when it is smaller than five. The months overlap in clients and have no total row, so no
withheld figure can be worked out from the others.
"""

from __future__ import annotations

from ..brief.thresholds import Thresholds
from .diary import improved
from .periods import Month
from .tables import Cell
from .tables import Column
from .tables import Kind
from .tables import Row
from .tables import Table
from .tables import follow
from .tables import mean_or_none
from .tables import share
from .tables import withhold_small
from .visits import MonthVisits


def monthly_table(
    months: list[Month],
    pain: dict[int, list[tuple[float, float]]],
    logged: dict[int, list[float]],
    visits: dict[int, MonthVisits],
    limits: Thresholds,
) -> Table:
    """One row per month of the period."""
    table = Table(
        "monthly",
        "Month by month",
        Column("month", "Month", Kind.TEXT),
        [
            Column("pain_clients", "Clients with pain figures", Kind.COUNT),
            Column("mean_pain_change", "Mean change in pain", Kind.CHANGE),
            Column("pain_improved_percent", "Improved by an important change", Kind.PERCENT),
            Column("diary_clients", "Clients in care", Kind.COUNT),
            Column("days_logged_percent", "Days with a diary entry", Kind.PERCENT),
            Column("visit_clients", "Clients with visits", Kind.COUNT),
            Column("visits", "Visits attended or missed", Kind.COUNT),
            Column("attendance_percent", "Attendance", Kind.PERCENT),
        ],
    )
    for index, month in enumerate(months):
        pairs = pain.get(index, [])
        shares = logged.get(index, [])
        seen = visits.get(index, MonthVisits(0, 0, 0))
        n_pain, n_diary = len(pairs), len(shares)
        cells = [
            Cell(n_pain, n_pain),
            Cell(mean_or_none([latest - first for first, latest in pairs]), n_pain),
            share([improved(first, latest, limits) for first, latest in pairs]),
            Cell(n_diary, n_diary),
            Cell(round(100 * sum(shares) / n_diary) if n_diary else None, n_diary),
            Cell(seen.clients, seen.clients),
            Cell(seen.attended + seen.missed, seen.clients),
            Cell(seen.attendance, seen.clients),
        ]
        table.rows.append(Row(month.label, cells))
    withhold_small(cell for row in table.rows for cell in row.cells)
    for row in table.rows:
        follow(row.cells[2], row.cells[0])  # no share of a withheld group
    return table
