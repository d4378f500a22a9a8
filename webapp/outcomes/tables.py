"""Outcome tables and the small-group rule that keeps every client unrecognisable.

Any figure describing 1 to 4 clients is withheld ("fewer than 5"). A withheld figure must not
come back by subtraction either: wherever figures add up to a total that is shown (a row and
its total, a column and the total row), a line with exactly one withheld figure has its next
smallest figure withheld too ("hidden"). Zero is shown: it describes nobody.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from statistics import median
from typing import Any

MIN_GROUP = 5  # figures about fewer clients than this are withheld


class Hidden(enum.StrEnum):
    SMALL = "small"  # describes fewer than MIN_GROUP clients
    COMPLEMENT = "complement"  # would let a withheld figure be worked out by subtraction


class Kind(enum.StrEnum):
    """How a column's values read, on the page and in CSV."""

    COUNT = "count"
    PERCENT = "percent"  # 0–100, whole numbers
    SCORE = "score"  # a 0–10 mean, one decimal
    CHANGE = "change"  # a signed change, one decimal
    DAYS = "days"
    HOURS = "hours"
    TEXT = "text"


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    label: str  # the page's column heading
    kind: Kind


@dataclass
class Cell:
    """One figure and how many clients it describes (None: not a figure about clients)."""

    value: float | int | str | None
    clients: int | None = None
    hidden: Hidden | None = None

    @property
    def shown(self) -> bool:
        return self.hidden is None


@dataclass
class Row:
    label: str
    cells: list[Cell]
    is_total: bool = False


@dataclass
class Table:
    key: str  # the CSV file name and the section's id
    title: str
    label_column: Column
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [self.label_column.key] + [c.key for c in self.columns]

    @property
    def body_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.is_total]

    @property
    def total(self) -> Row | None:
        return next((r for r in self.rows if r.is_total), None)


# --- The small-group rule ----------------------------------------------------------------------


def withhold_small(cells: Iterable[Cell]) -> None:
    """Withhold every figure that describes 1 to 4 clients."""
    for cell in cells:
        if cell.clients is not None and 0 < cell.clients < MIN_GROUP:
            cell.hidden = Hidden.SMALL


def protect_lines(lines: list[list[Cell]]) -> None:
    """Where a line (figures, then the total they add up to) has exactly one withheld figure,
    withhold its next smallest too, until no line has a lone one."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [c for c in line if not c.shown]
            if len(hidden) != 1:
                continue
            others = [c for c in line[:-1] if c.shown] or [c for c in line if c.shown]
            if not others:
                continue
            # Prefer a figure that is not zero: withholding a zero hides nothing.
            pick = min(others, key=lambda c: (not c.clients, c.clients or 0))
            pick.hidden = Hidden.COMPLEMENT
            changed = True


def protect_rows(table: Table) -> None:
    """Apply the rule to a table with one group of clients per row and a total row of them all.

    A row's first cell is its group's size; a withheld group withholds its whole row. A share
    carries the clients it counts, so "1 in 10 got worse" is withheld on its own.
    """
    withhold_small(cell for row in table.rows for cell in row.cells)
    total = table.total
    if total is not None:
        lines = [
            [row.cells[index] for row in table.body_rows] + [total.cells[index]]
            for index in range(len(table.columns))
        ]
        protect_lines(lines)
    for row in table.rows:
        group = row.cells[0]
        if not group.shown:
            for cell in row.cells:
                cell.hidden = cell.hidden or group.hidden


def protect_grid(table: Table, parts: list[str], whole: str) -> None:
    """Apply the rule to counts whose ``parts`` columns add up to the ``whole`` column, and
    whose rows add up to the total row."""
    keys = [c.key for c in table.columns]
    at = {key: keys.index(key) for key in [*parts, whole]}
    withhold_small(row.cells[at[key]] for row in table.rows for key in at)
    lines = [[row.cells[at[key]] for key in [*parts, whole]] for row in table.rows]
    total = table.total
    if total is not None:
        for key in at:
            lines.append([row.cells[at[key]] for row in table.body_rows] + [total.cells[at[key]]])
    protect_lines(lines)


def follow(cell: Cell, *sources: Cell) -> None:
    """Withhold a figure made from others (a rate, a median) when any of them is withheld."""
    reason = next((s.hidden for s in sources if not s.shown), None)
    if reason is not None and cell.shown:
        cell.hidden = reason


# --- Figures -----------------------------------------------------------------------------------


def mean_or_none(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def median_or_none(values: list[float]) -> float | None:
    return round(float(median(values)), 1) if values else None


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def share(flags: list[bool]) -> Cell:
    """The percent of ``flags`` that are true, as a cell about the clients it counts."""
    return Cell(percent(sum(flags), len(flags)), sum(flags))


def cells_for(values: list[Any], clients: int) -> list[Cell]:
    """Cells about one group of clients; a value that is already a cell (a share) is kept."""
    return [v if isinstance(v, Cell) else Cell(v, clients) for v in values]
