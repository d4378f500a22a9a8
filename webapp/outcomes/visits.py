"""Attendance and no-shows: how the visits that fell in the period went.

A visit counts in the period when it starts within it on its centre's clock and has started by
now. With a discipline chosen, only visits with a part of that discipline count (a combined
visit counts for both). Attendance is attended / (attended + missed): a visit called off in
advance is neither.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import case
from sqlalchemy import distinct
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Appointment
from ..models import AppointmentKind
from ..models import AppointmentSlot
from ..models import AppointmentStatus
from .cohort import Cohort
from .periods import Month
from .periods import local_month
from .tables import Cell
from .tables import Column
from .tables import Kind
from .tables import Row
from .tables import Table
from .tables import follow
from .tables import percent
from .tables import protect_grid

STATUSES = [
    (AppointmentStatus.ATTENDED, "attended", "Attended"),
    (AppointmentStatus.NO_SHOW, "missed", "Missed"),
    (AppointmentStatus.CANCELLED_BY_CLIENT, "cancelled_by_client", "Cancelled by the client"),
    (AppointmentStatus.CANCELLED_BY_CLINIC, "cancelled_by_clinic", "Cancelled by the clinic"),
    (AppointmentStatus.BOOKED, "not_recorded", "Not recorded yet"),
]


def _visits(cohort: Cohort, months: list[Month], now: datetime) -> list[ColumnElement[bool]]:
    month = local_month(Appointment.starts_at, Appointment.centre_id, cohort.zones, months)
    conditions = [
        Appointment.care_plan_id.in_(cohort.ids),
        Appointment.starts_at < now,
        month.is_not(None),
    ]
    if cohort.discipline is not None:
        conditions.append(Appointment.slots.any(AppointmentSlot.discipline == cohort.discipline))
    return conditions


def attendance(
    session: Session, cohort: Cohort, months: list[Month], now: datetime
) -> dict[tuple[AppointmentKind, AppointmentStatus], dict[int, int]]:
    """Visits per kind and status, per client, in one grouped query."""
    found: dict[tuple[AppointmentKind, AppointmentStatus], dict[int, int]] = defaultdict(dict)
    if not cohort.plans or not months:
        return found
    query = (
        select(Appointment.kind, Appointment.status, Appointment.client_id, func.count())
        .where(*_visits(cohort, months, now))
        .group_by(Appointment.kind, Appointment.status, Appointment.client_id)
    )
    rows = session.connection().execute(query).all()
    for kind, status, client_id, count in rows:
        found[(kind, status)][client_id] = count
    return found


def attendance_table(
    found: dict[tuple[AppointmentKind, AppointmentStatus], dict[int, int]],
) -> Table:
    """Visits in the period by kind and how they went."""
    table = Table(
        "attendance",
        "Attendance and no-shows",
        Column("kind", "Visit", Kind.TEXT),
        [Column("clients", "Clients", Kind.COUNT), Column("visits", "Visits", Kind.COUNT)]
        + [Column(key, label, Kind.COUNT) for _s, key, label in STATUSES]
        + [Column("attendance_percent", "Attendance", Kind.PERCENT)],
    )
    kinds = [k for k in AppointmentKind if any((k, s) in found for s, _k, _l in STATUSES)]
    groups = [(k.label, [k], False) for k in kinds]
    if kinds:
        groups.append(("All visits", kinds, True))
    for label, members, is_total in groups:
        per_status = []
        everyone: set[int] = set()
        visits = 0
        for status, _key, _label in STATUSES:
            clients: set[int] = set()
            count = 0
            for kind in members:
                by_client = found.get((kind, status), {})
                clients |= set(by_client)
                count += sum(by_client.values())
            per_status.append(Cell(count, len(clients)))
            everyone |= clients
            visits += count
        attended, missed = per_status[0].value, per_status[1].value
        cells = [
            Cell(len(everyone), len(everyone)),
            Cell(visits, len(everyone)),
            *per_status,
            Cell(percent(int(attended or 0), int(attended or 0) + int(missed or 0)), None),
        ]
        table.rows.append(Row(label, cells, is_total))
    protect_grid(table, [key for _s, key, _l in STATUSES], "visits")
    for row in table.rows:
        clients, visits, attended, missed = row.cells[0], row.cells[1], row.cells[2], row.cells[3]
        follow(clients, visits)
        follow(visits, clients)
        follow(row.cells[-1], attended, missed, clients)
    return table


@dataclass(frozen=True)
class MonthVisits:
    clients: int  # clients with an attended or missed visit
    attended: int
    missed: int

    @property
    def attendance(self) -> int | None:
        return percent(self.attended, self.attended + self.missed)


def monthly_attendance(
    session: Session, cohort: Cohort, months: list[Month], now: datetime
) -> dict[int, MonthVisits]:
    """Per month (by index): attended and missed visits and the clients they were for."""
    if not cohort.plans or not months:
        return {}
    month = local_month(Appointment.starts_at, Appointment.centre_id, cohort.zones, months)
    attended = Appointment.status == AppointmentStatus.ATTENDED
    rows = session.connection().execute(
        select(
            month,
            func.count(distinct(Appointment.client_id)),
            func.count(case((attended, literal_column("1")))),
            func.count(),
        )
        .where(
            *_visits(cohort, months, now),
            Appointment.status.in_([AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW]),
        )
        .group_by(month)
    )
    return {
        int(index): MonthVisits(clients, attended_count, total - attended_count)
        for index, clients, attended_count, total in rows
    }
