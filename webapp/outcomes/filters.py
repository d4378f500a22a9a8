"""The outcomes filters: centre, condition, discipline and period, read from a query string.

Bad input never fails a request: each problem is a message for its field, and the figures wait
until the filters make sense.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from ..models import Condition
from ..models import Discipline
from .periods import LONGEST_MONTHS
from .periods import Period
from .periods import default_period

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Filters:
    period: Period
    centre_id: int | None = None
    condition: Condition | None = None
    discipline: Discipline | None = None

    def args(self) -> dict[str, str]:
        """The filters as query-string values, for links that keep them (the CSV exports)."""
        args = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        if self.centre_id is not None:
            args["centre"] = str(self.centre_id)
        if self.condition is not None:
            args["condition"] = self.condition.value
        if self.discipline is not None:
            args["discipline"] = self.discipline.value
        return args


@dataclass(frozen=True)
class FilterInput:
    """What the form shows back: the values as typed, a message per bad field, and the
    filters when every field is good."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    filters: Filters | None = None


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = "Enter a date, for example 2026-01-31."
        return None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        errors[name] = f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}."
        return None
    return day


def _is_after(text: str, today: date) -> bool:
    try:
        return date.fromisoformat(text) > today
    except ValueError:
        return False


def read(args: Mapping[str, str], today: date) -> FilterInput:
    """Read the filters; a missing period is the last twelve months."""
    default = default_period(today)
    start_text = (args.get("from") or default.start.isoformat()).strip()
    end_text = default.end.isoformat()
    if _is_after(start_text, today):
        end_text = start_text  # a future start with no end asks about the future, not "to today"
    values = {
        "from": start_text,
        "to": (args.get("to") or end_text).strip(),
        "centre": (args.get("centre") or "").strip(),
        "condition": (args.get("condition") or "").strip(),
        "discipline": (args.get("discipline") or "").strip(),
    }
    errors: dict[str, str] = {}
    start = _day(values["from"], "from", errors)
    end = _day(values["to"], "to", errors)
    if start and end and start > end:
        errors["to"] = "The period must end on or after the day it starts."
    elif start and end and (end.year - start.year) * 12 + end.month - start.month >= LONGEST_MONTHS:
        errors["to"] = "Choose a period of three years or less."
    condition = discipline = None
    centre_id = None
    if values["centre"].isdigit():
        # The policy has already answered 404 for a centre outside the viewer's scope.
        centre_id = int(values["centre"])
    elif values["centre"]:
        errors["centre"] = "Choose a centre from the list."
    if values["condition"]:
        try:
            condition = Condition(values["condition"])
        except ValueError:
            errors["condition"] = "Choose a condition from the list."
    if values["discipline"]:
        try:
            discipline = Discipline(values["discipline"])
        except ValueError:
            errors["discipline"] = "Choose massage therapy or physiotherapy."
    if errors or start is None or end is None:
        return FilterInput(values, errors)
    period = Period(start, end, today)
    return FilterInput(values, errors, Filters(period, centre_id, condition, discipline))
