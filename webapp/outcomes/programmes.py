"""Programme adherence, by the definition Today, the brief and the caseload share
(``webapp/programmes/adherence.py``): prescribed versus completed sessions, each day capped at
the dose, over the 14 days that end on the period's last whole day."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..brief.thresholds import Thresholds
from ..programmes import adherence
from .cohort import Cohort
from .tables import Column
from .tables import Kind
from .tables import Row
from .tables import Table
from .tables import cells_for
from .tables import mean_or_none
from .tables import protect_rows
from .tables import share


def fortnights(session: Session, cohort: Cohort) -> dict[int, int]:
    """Per plan: percent of prescribed sessions done in the 14 days to the period's last whole
    day; plans without a programme in force then are left out. Two queries."""
    last = cohort.period.last_whole
    if last < cohort.period.start or not cohort.plans:
        return {}
    found = adherence.fortnights(
        session, {plan.client_id: (plan.timezone, last) for plan in cohort.plans}
    )
    percents = {}
    for plan in cohort.plans:
        figure = found.get(plan.client_id)
        if figure is not None and figure.percent is not None:
            percents[plan.id] = figure.percent
    return percents


def adherence_table(cohort: Cohort, percents: dict[int, int], limits: Thresholds) -> Table:
    """Programme adherence over the period's last 14 days, per condition."""
    table = Table(
        "adherence",
        "Programme adherence",
        Column("condition", "Condition", Kind.TEXT),
        [
            Column("clients", "Clients", Kind.COUNT),
            Column("mean_adherence_percent", "Sessions done (mean)", Kind.PERCENT),
            Column(
                "at_least_target_percent",
                f"Clients at {limits.adherence_soft}% or more",
                Kind.PERCENT,
            ),
            Column("below_firm_percent", f"Clients below {limits.adherence_firm}%", Kind.PERCENT),
        ],
    )
    for label, items, is_total in cohort.groups(percents):
        mean = mean_or_none([float(p) for p in items])
        values = [
            len(items),
            None if mean is None else round(mean),
            share([p >= limits.adherence_soft for p in items]),
            share([p < limits.adherence_firm for p in items]),
        ]
        table.rows.append(Row(label, cells_for(values, len(items)), is_total))
    protect_rows(table)
    return table
