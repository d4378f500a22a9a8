"""Outcomes along the pathway: clients per phase and condition, and how long phases take."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..localtime import local_day
from ..models import PhaseChange
from .cohort import Cohort
from .tables import Cell
from .tables import Column
from .tables import Kind
from .tables import Row
from .tables import Table
from .tables import follow
from .tables import median_or_none
from .tables import protect_grid
from .tables import withhold_small

PHASES = (1, 2, 3)
Changes = dict[int, list[tuple[int | None, int, datetime]]]  # by plan: from, to, when


@dataclass(frozen=True)
class Move:
    """One phase change, with the days it took, on the plan's centre's calendar."""

    plan_id: int
    from_phase: int
    to_phase: int
    day: date
    days_from_start: int
    days_in_previous: int


def changes(session: Session, cohort: Cohort) -> Changes:
    """Every plan's phase changes up to the end of the period, oldest first, in one query."""
    # A day's margin past the period's last day in any zone; each plan's own zone decides.
    latest = datetime.combine(cohort.period.last + timedelta(days=2), time(0), tzinfo=UTC)
    found: Changes = defaultdict(list)
    query = (
        select(
            PhaseChange.care_plan_id,
            PhaseChange.from_phase,
            PhaseChange.to_phase,
            PhaseChange.changed_at,
        )
        .where(
            PhaseChange.care_plan_id.in_(cohort.ids),
            PhaseChange.changed_at < latest,
        )
        .order_by(PhaseChange.care_plan_id, PhaseChange.changed_at, PhaseChange.id)
    )
    rows = session.connection().execute(query).all()
    for plan_id, from_phase, to_phase, changed_at in rows:
        found[plan_id].append((from_phase, to_phase, changed_at))
    return found


def phase_at_end(cohort: Cohort, changes: Changes) -> dict[int, int]:
    """Each plan's phase at the end of the period: the last change on or before its last day."""
    phases = {}
    for plan in cohort.plans:
        phase = None
        for from_phase, to_phase, changed_at in changes.get(plan.id, []):
            # The opening entry holds from the plan's start date, whenever it was typed in.
            if from_phase is None or local_day(changed_at, plan.timezone) <= cohort.period.last:
                phase = to_phase
        if phase is not None:
            phases[plan.id] = phase
    return phases


def moves(cohort: Cohort, changes: Changes) -> list[Move]:
    """The phase changes made within the period, with days from the start of care and days
    in the phase they left (since the change that entered it, or the start of care)."""
    found = []
    for plan in cohort.plans:
        entered = plan.start_date
        for from_phase, to_phase, changed_at in changes.get(plan.id, []):
            if from_phase is None:  # the care plan's opening entry
                continue
            day = local_day(changed_at, plan.timezone)
            if cohort.period.start <= day <= cohort.period.last:
                found.append(
                    Move(
                        plan.id,
                        from_phase,
                        to_phase,
                        day,
                        (day - plan.start_date).days,
                        (day - entered).days,
                    )
                )
            entered = day
    return found


def phases_table(cohort: Cohort, at_end: dict[int, int]) -> Table:
    """Clients per phase and condition at the end of the period."""
    table = Table(
        "phases",
        "Clients per phase and condition",
        Column("condition", "Condition", Kind.TEXT),
        [Column(f"phase_{n}", f"Phase {n}", Kind.COUNT) for n in PHASES]
        + [Column("clients", "All phases", Kind.COUNT)],
    )
    for label, phases, is_total in cohort.groups(at_end):
        by_phase = [phases.count(n) for n in PHASES]
        cells = [Cell(n, n) for n in by_phase] + [Cell(len(phases), len(phases))]
        table.rows.append(Row(label, cells, is_total))
    protect_grid(table, [f"phase_{n}" for n in PHASES], "clients")
    return table


def progression_table(cohort: Cohort, found: list[Move]) -> Table:
    """Phase changes in the period: days from the start of care and in the previous phase."""
    table = Table(
        "progression",
        "Phase progression times",
        Column("change", "Change", Kind.TEXT),
        [
            Column("clients", "Clients", Kind.COUNT),
            Column("changes", "Changes", Kind.COUNT),
            Column("median_days_from_start", "Median days from start of care", Kind.DAYS),
            Column("median_days_in_previous_phase", "Median days in previous phase", Kind.DAYS),
        ],
    )
    by_step: dict[tuple[int, int], list[Move]] = defaultdict(list)
    for move in found:
        by_step[(move.from_phase, move.to_phase)].append(move)
    for (from_phase, to_phase), items in sorted(
        by_step.items(), key=lambda kv: (kv[0][1] < kv[0][0], kv[0])
    ):
        clients = len({m.plan_id for m in items})
        label = f"Phase {from_phase} → {to_phase}"
        if to_phase < from_phase:
            label += " (a step back)"
        cells = [
            Cell(clients, clients),
            Cell(len(items), clients),
            Cell(median_or_none([m.days_from_start for m in items]), clients),
            Cell(median_or_none([m.days_in_previous for m in items]), clients),
        ]
        table.rows.append(Row(label, cells))
    withhold_small(cell for row in table.rows for cell in row.cells)
    for row in table.rows:
        for cell in row.cells[1:]:
            follow(cell, row.cells[0])
    return table
