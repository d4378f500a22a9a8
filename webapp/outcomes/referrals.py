"""Cross-referrals between the disciplines: how many each way, and how fast they were seen.

A referral counts in the period when it was made within it on the client's centre's clock.
Both directions are always shown: every referral involves both disciplines, so the discipline
filter narrows the clients, not the referrals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..localtime import local_day
from ..models import Discipline
from ..models import Referral
from .cohort import Cohort
from .tables import Cell
from .tables import Column
from .tables import Kind
from .tables import Row
from .tables import Table
from .tables import follow
from .tables import median_or_none
from .tables import protect_grid

DIRECTIONS = [
    (Discipline.PHYSIO, "Massage → physiotherapy"),
    (Discipline.MASSAGE, "Physiotherapy → massage"),
]


@dataclass(frozen=True)
class Made:
    client_id: int
    to: Discipline
    hours_to_acknowledge: float | None  # None: still open


def referrals(session: Session, cohort: Cohort) -> list[Made]:
    """The referrals made in the period for the cohort's clients, in one query."""
    if not cohort.plans:
        return []
    period = cohort.period
    zone_of = {plan.client_id: plan.timezone for plan in cohort.plans}
    # A day's margin either side in UTC; each client's own zone decides.
    since = datetime.combine(period.start - timedelta(days=1), time(0), tzinfo=UTC)
    until = datetime.combine(period.last + timedelta(days=2), time(0), tzinfo=UTC)
    found = []
    for client_id, to, created_at, acknowledged_at in session.connection().execute(
        select(
            Referral.client_id,
            Referral.to_discipline,
            Referral.created_at,
            Referral.acknowledged_at,
        ).where(
            Referral.client_id.in_(cohort.client_ids),
            Referral.created_at >= since,
            Referral.created_at < until,
        )
    ):
        day = local_day(created_at, zone_of[client_id])
        if not period.start <= day <= period.last:
            continue
        hours = None
        if acknowledged_at is not None:
            hours = (acknowledged_at - created_at).total_seconds() / 3600
        found.append(Made(client_id, to, hours))
    return found


def referrals_table(found: list[Made]) -> Table:
    """Referrals per direction: made, acknowledged, still open, median hours to acknowledge."""
    table = Table(
        "referrals",
        "Cross-referrals",
        Column("direction", "Direction", Kind.TEXT),
        [
            Column("clients", "Clients", Kind.COUNT),
            Column("referrals", "Referrals", Kind.COUNT),
            Column("acknowledged", "Acknowledged", Kind.COUNT),
            Column("open", "Still open", Kind.COUNT),
            Column("median_hours_to_acknowledge", "Median hours to acknowledge", Kind.HOURS),
        ],
    )
    groups = [(label, [m for m in found if m.to is to], False) for to, label in DIRECTIONS]
    groups = [g for g in groups if g[1]]
    if groups:
        groups.append(("Both directions", found, True))
    for label, items, is_total in groups:
        seen = [m for m in items if m.hours_to_acknowledge is not None]
        waiting = [m for m in items if m.hours_to_acknowledge is None]
        clients = len({m.client_id for m in items})
        seen_clients = len({m.client_id for m in seen})
        hours = median_or_none([m.hours_to_acknowledge or 0.0 for m in seen])
        cells = [
            Cell(clients, clients),
            Cell(len(items), clients),
            Cell(len(seen), seen_clients),
            Cell(len(waiting), len({m.client_id for m in waiting})),
            Cell(hours, seen_clients),
        ]
        table.rows.append(Row(label, cells, is_total))
    protect_grid(table, ["acknowledged", "open"], "referrals")
    for row in table.rows:
        clients, made, seen, _open, hours = row.cells
        follow(clients, made)
        follow(made, clients)
        follow(hours, seen)
    return table
