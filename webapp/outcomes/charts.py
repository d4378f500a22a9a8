"""Server-rendered SVG charts of the outcome tables: bars for groups, lines for months.

A chart only ever draws what its table shows: a withheld figure is a gap with its reason,
never a bar, and every chart has its table beside it for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from .periods import Month
from .tables import Cell
from .tables import Hidden
from .tables import Kind
from .tables import Table

BAR_W = 480
BAR_ROW = 56
BAR_LEFT = 8
BAR_ROOM = 72  # space kept right of the longest bar for its figure

LINE_W, LINE_H = 480, 280
LINE_LEFT, LINE_RIGHT, LINE_TOP, LINE_BOTTOM = 52, 16, 16, 44

WITHHELD = {Hidden.SMALL: "fewer than 5", Hidden.COMPLEMENT: "hidden"}


def figure(cell: Cell, kind: Kind) -> str:
    """A cell as the page shows it."""
    if cell.hidden is not None:
        return WITHHELD[cell.hidden]
    value = cell.value
    if value is None:
        return "no data"
    if kind is Kind.PERCENT:
        return f"{value}%"
    if kind is Kind.CHANGE:
        number = float(value)
        return "0.0" if abs(number) < 0.05 else f"{number:+.1f}".replace("-", "−")
    if kind in (Kind.SCORE, Kind.HOURS):
        return f"{float(value):.1f}"
    if kind is Kind.DAYS:
        return f"{float(value):g}"
    return str(value)


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the figure, or why there is none
    y: float  # top of the row
    length: float  # 0 when there is no bar to draw
    is_total: bool = False
    withheld: bool = False

    @property
    def text_x(self) -> float:
        return BAR_LEFT + self.length + 8


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    bars: list[Bar]
    width: int = BAR_W

    @property
    def height(self) -> int:
        return len(self.bars) * BAR_ROW + 4

    @property
    def summary(self) -> str:
        """The chart in words, for its description."""
        return "; ".join(f"{bar.label}: {bar.text}" for bar in self.bars)


def bars(table: Table, column: str, title: str, scale_max: float | None = None) -> BarChart:
    """One bar per row of ``table`` (the total row included) for ``column``'s figures."""
    keys = [c.key for c in table.columns]
    index = keys.index(column)
    kind = table.columns[index].kind
    values = [
        float(row.cells[index].value)  # type: ignore[arg-type]
        for row in table.rows
        if row.cells[index].shown and isinstance(row.cells[index].value, int | float)
    ]
    top = scale_max or max(values, default=0) or 1
    room = BAR_W - BAR_LEFT - BAR_ROOM
    found = []
    for n, row in enumerate(table.rows):
        cell = row.cells[index]
        length = 0.0
        if cell.shown and isinstance(cell.value, int | float):
            length = round(room * max(float(cell.value), 0) / top, 1)
        found.append(
            Bar(row.label, figure(cell, kind), n * BAR_ROW, length, row.is_total, not cell.shown)
        )
    return BarChart(f"{table.key}-{column}", title, found)


@dataclass(frozen=True)
class Series:
    key: str  # a CSS class: line style and marker shape
    label: str
    segments: list[str]  # polyline points; a withheld or empty month breaks the line
    points: list[tuple[float, float, str]]  # x, y, what the point says


@dataclass
class LineChart:
    key: str
    title: str
    series: list[Series] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    width: int = LINE_W
    height: int = LINE_H
    left: int = LINE_LEFT
    right: int = LINE_W - LINE_RIGHT

    @property
    def has_points(self) -> bool:
        return any(s.points for s in self.series)


def percent_lines(
    table: Table, months: list[Month], lines: list[tuple[str, str, str]], title: str
) -> LineChart:
    """Percentages month by month on a 0–100 scale, one line per (column, class, label)."""
    chart = LineChart(f"{table.key}-lines", title)
    plot_w = LINE_W - LINE_LEFT - LINE_RIGHT
    plot_h = LINE_H - LINE_TOP - LINE_BOTTOM
    span = max(len(months) - 1, 1)

    def x(i: int) -> float:
        return round(LINE_LEFT + (plot_w * i / span if len(months) > 1 else plot_w / 2), 1)

    def y(value: float) -> float:
        return round(LINE_TOP + plot_h * (1 - value / 100), 1)

    keys = [c.key for c in table.columns]
    for column, css, label in lines:
        index = keys.index(column)
        segments: list[str] = []
        points: list[tuple[float, float, str]] = []
        current: list[str] = []
        for i, row in enumerate(table.rows):
            cell = row.cells[index]
            if cell.shown and isinstance(cell.value, int | float):
                px, py = x(i), y(float(cell.value))
                current.append(f"{px},{py}")
                points.append((px, py, f"{label}, {row.label}: {cell.value}%"))
            elif current:
                segments.append(" ".join(current))
                current = []
        if current:
            segments.append(" ".join(current))
        chart.series.append(Series(css, label, segments, points))
    step = 1 if len(months) <= 12 else 3 if len(months) <= 24 else 6
    for i, month in enumerate(months):
        if i % step == 0:
            text = f"{month.first:%b}" if len(months) <= 12 else f"{month.first:%b %y}"
            chart.x_ticks.append((x(i), text))
    chart.y_ticks = [(y(v), f"{v}%") for v in (0, 25, 50, 75, 100)]
    return chart


def total_bars(table: Table, columns: list[str], title: str) -> BarChart:
    """One bar per column of the total row (clients per phase, say)."""
    total = table.total
    keys = [c.key for c in table.columns]
    if total is None:
        return BarChart(f"{table.key}-totals", title, [])
    cells = [(table.columns[keys.index(k)], total.cells[keys.index(k)]) for k in columns]
    values = [float(c.value) for _col, c in cells if c.shown and isinstance(c.value, int | float)]
    top = max(values, default=0) or 1
    room = BAR_W - BAR_LEFT - BAR_ROOM
    found = []
    for n, (column, cell) in enumerate(cells):
        length = 0.0
        if cell.shown and isinstance(cell.value, int | float):
            length = round(room * float(cell.value) / top, 1)
        found.append(
            Bar(column.label, figure(cell, column.kind), n * BAR_ROW, length, False, not cell.shown)
        )
    return BarChart(f"{table.key}-totals", title, found)
