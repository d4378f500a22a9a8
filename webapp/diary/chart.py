"""A server-rendered pain chart: daily values, the 7-day mean, flare days and phase changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta

from ..models import DiaryEntry

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 30, 44


@dataclass(frozen=True)
class Day:
    day: date
    pain: float | None  # mean of the day's pain ratings
    worst: int | None
    sleep: int | None
    stress: int | None
    flare: bool
    mean7: float | None  # mean of the daily values in the 7 days to this one


@dataclass
class Chart:
    days: list[Day]
    width: int = WIDTH
    height: int = HEIGHT
    pain_lines: list[str] = field(default_factory=list)
    mean_line: str = ""
    dots: list[tuple[float, float, str]] = field(default_factory=list)
    flares: list[float] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    baseline: float | None = None
    baseline_y: float | None = None
    band: tuple[float, float] | None = None  # y of the top and bottom of the MCID band
    sleep_line: str = ""
    stress_line: str = ""

    @property
    def has_data(self) -> bool:
        return any(d.pain is not None for d in self.days)


@dataclass(frozen=True)
class DayTotal:
    """One local day's entries in a few numbers (summed in SQL for a caseload)."""

    pain: float  # mean of the day's pain ratings
    worst: int | None  # from the day's check-in
    sleep: int | None
    stress: int | None
    flare: bool


def daily(entries: list[DiaryEntry], first: date, last: date) -> list[Day]:
    """Summarise entries per local day, with a rolling 7-day mean of the daily pain."""
    by_day: dict[date, list[DiaryEntry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.local_date].append(entry)
    totals = {}
    for day, items in by_day.items():
        checkin = next((e for e in items if e.kind.value == "checkin"), None)
        totals[day] = DayTotal(
            pain=sum(e.pain_now for e in items) / len(items),
            worst=checkin.pain_worst if checkin else None,
            sleep=checkin.sleep if checkin else None,
            stress=checkin.stress if checkin else None,
            flare=any(e.flare for e in items),
        )
    return from_totals(totals, first, last)


def from_totals(totals: dict[date, DayTotal], first: date, last: date) -> list[Day]:
    """Lay per-day totals out day by day, with the rolling 7-day mean, in one pass."""
    count = (last - first).days + 1
    pains: list[float | None] = []
    for n in range(-6, count):
        total = totals.get(first + timedelta(days=n))
        pains.append(round(total.pain, 1) if total else None)
    days: list[Day] = []
    window_sum, window_n = 0.0, 0
    for n in range(-6, count):
        pain = pains[n + 6]
        if pain is not None:
            window_sum, window_n = window_sum + pain, window_n + 1
        if n - 7 >= -6 and (old := pains[n - 7 + 6]) is not None:
            window_sum, window_n = window_sum - old, window_n - 1
        if n < 0:
            continue
        day = first + timedelta(days=n)
        total = totals.get(day)
        days.append(
            Day(
                day=day,
                pain=pain,
                worst=total.worst if total else None,
                sleep=total.sleep if total else None,
                stress=total.stress if total else None,
                flare=bool(total and total.flare),
                mean7=round(window_sum / window_n, 1) if window_n else None,
            )
        )
    return days


def build(
    days: list[Day],
    marks: list[tuple[date, str]],
    baseline: float | None = None,
    band: float | None = None,
    with_sleep_and_stress: bool = False,
) -> Chart:
    """Lay the days out on a 0–10 scale; gaps in the diary stay gaps in the line.

    With a ``baseline``, draw it and, with ``band``, the band of changes smaller than the
    minimal clinically important change around it; sleep and stress can ride along.
    """
    chart = Chart(days=days, baseline=baseline)
    if not days:
        return chart
    span = max(len(days) - 1, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return round(LEFT + plot_w * index / span, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / 10), 1)

    segment: list[str] = []
    mean: list[str] = []
    for index, item in enumerate(days):
        if item.pain is None:
            if segment:
                chart.pain_lines.append(" ".join(segment))
            segment = []
        else:
            segment.append(f"{x(index)},{y(item.pain)}")
            chart.dots.append((x(index), y(item.pain), f"{item.day:%a %d %b}: {item.pain}"))
        if item.mean7 is not None:
            mean.append(f"{x(index)},{y(item.mean7)}")
        if item.flare:
            chart.flares.append(x(index))
    if segment:
        chart.pain_lines.append(" ".join(segment))
    chart.mean_line = " ".join(mean)
    first = days[0].day
    for when, label in marks:
        index = (when - first).days
        if 0 <= index < len(days):
            chart.marks.append((x(index), label))
    step = 14 if len(days) > 50 else 7 if len(days) > 21 else 3
    for index in range(0, len(days), step):
        chart.x_ticks.append((x(index), f"{days[index].day.day} {days[index].day:%b}"))
    chart.y_ticks = [(y(v), str(v)) for v in (0, 2, 4, 6, 8, 10)]
    if baseline is not None:
        chart.baseline_y = y(baseline)
        if band:
            chart.band = (y(min(baseline + band, 10)), y(max(baseline - band, 0)))
    if with_sleep_and_stress:
        chart.sleep_line = " ".join(
            f"{x(i)},{y(d.sleep)}" for i, d in enumerate(days) if d.sleep is not None
        )
        chart.stress_line = " ".join(
            f"{x(i)},{y(d.stress)}" for i, d in enumerate(days) if d.stress is not None
        )
    return chart
