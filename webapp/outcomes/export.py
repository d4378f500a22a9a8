"""Outcome tables as CSV: the page's figures, with withheld ones marked, never filled in."""

from __future__ import annotations

import csv
import io

from .tables import Cell
from .tables import Hidden
from .tables import Table

MARKS = {Hidden.SMALL: "<5", Hidden.COMPLEMENT: "suppressed"}


def value(cell: Cell) -> str | int | float:
    """A cell as CSV holds it: the number, "<5" or "suppressed", or empty for no data."""
    if cell.hidden is not None:
        return MARKS[cell.hidden]
    return "" if cell.value is None else cell.value


def csv_text(table: Table) -> str:
    """The table with a header row; a table without rows is just the headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([row.label, *(value(cell) for cell in row.cells)])
    return out.getvalue()
