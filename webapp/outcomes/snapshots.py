"""Outcome reports kept for a few minutes in the database, for every web instance (issue #10).

Counting a company's year takes seconds (5,000 clients: a year of diary, a fortnight of
exercise logs, every visit), and an admin going back to the page, or a colleague opening it,
asks for the same figures again. A report is kept for ``OUTCOMES_SNAPSHOT_TTL`` under a key
made of the scope, the filters, the day it was counted on and the thresholds, and the page
then says when it was counted ("as of 14:02"). Kept in the database rather than in a
process, so every web instance finds it. Only the tables are kept: aggregate figures with
small groups already withheld, never a record; the charts are drawn again from them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from ..brief.thresholds import DEFAULT
from ..brief.thresholds import Thresholds
from ..models import OutcomeSnapshot
from ..policy import OutcomeScope
from . import services
from .filters import Filters
from .tables import Cell
from .tables import Column
from .tables import Hidden
from .tables import Kind
from .tables import Row
from .tables import Table

VERSION = 1  # change it when what a table holds, or how it is counted, changes


def key(scope: OutcomeScope, filters: Filters, limits: Thresholds = DEFAULT) -> str:
    """The snapshot's key: a hash of everything the figures depend on but the data."""
    parts = {
        "version": VERSION,
        "centres": sorted(centre.id for centre in scope.centres),
        "therapist": scope.therapist_id,
        "filters": filters.args(),
        "today": filters.period.today.isoformat(),
        "limits": asdict(limits),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def report(
    session: Session,
    scope: OutcomeScope,
    filters: Filters,
    now: datetime,
    ttl: timedelta,
    limits: Thresholds = DEFAULT,
) -> services.Report:
    """The report counted at most ``ttl`` ago (its ``as_of`` says when), or counted now and
    kept; the caller commits. A ``ttl`` of zero counts every time and keeps nothing."""
    if ttl <= timedelta(0):
        return services.report(session, scope, filters, now, limits)
    found_key = key(scope, filters, limits)
    found = session.get(OutcomeSnapshot, found_key)
    if found is not None and now - ttl < found.made_at <= now:
        return from_body(filters, found.body, found.made_at)
    fresh = services.report(session, scope, filters, now, limits)
    keep(session, found_key, fresh, now, ttl)
    if found is not None:
        session.expire(found)  # the row under this key is the one just written
    return fresh


def keep(
    session: Session, found_key: str, report: services.Report, now: datetime, ttl: timedelta
) -> None:
    """Write the report under its key (another instance may have just written it: the newer
    one stays), and drop snapshots past their time."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"key": found_key, "made_at": now, "body": body_of(report)}
    upsert = dialect.insert(OutcomeSnapshot).values(values)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[OutcomeSnapshot.key],
            set_={"made_at": upsert.excluded.made_at, "body": upsert.excluded.body},
        )
    )
    session.execute(
        delete(OutcomeSnapshot).where(OutcomeSnapshot.made_at <= now - ttl),
        execution_options={"synchronize_session": False},  # the caller expires what it read
    )


# --- Tables as JSON --------------------------------------------------------------------------


def body_of(report: services.Report) -> dict[str, Any]:
    """The report's figures as JSON."""
    return {
        "plans": report.plans,
        "tables": {name: _table_json(table) for name, table in report.tables.items()},
    }


def from_body(filters: Filters, body: dict[str, Any], as_of: datetime) -> services.Report:
    """A report from a snapshot's figures, with its charts drawn again."""
    tables = {name: _table(found) for name, found in body["tables"].items()}
    return services.assemble(filters, body["plans"], tables, as_of)


def _column_json(column: Column) -> list[str]:
    return [column.key, column.label, column.kind.value]


def _table_json(table: Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "label_column": _column_json(table.label_column),
        "columns": [_column_json(c) for c in table.columns],
        "rows": [
            {
                "label": row.label,
                "is_total": row.is_total,
                "cells": [
                    [c.value, c.clients, c.hidden.value if c.hidden else None] for c in row.cells
                ],
            }
            for row in table.rows
        ],
    }


def _column(found: list[str]) -> Column:
    key, label, kind = found
    return Column(key, label, Kind(kind))


def _table(found: dict[str, Any]) -> Table:
    return Table(
        found["key"],
        found["title"],
        _column(found["label_column"]),
        [_column(c) for c in found["columns"]],
        [
            Row(
                row["label"],
                [
                    Cell(value, clients, Hidden(hidden) if hidden else None)
                    for value, clients, hidden in row["cells"]
                ],
                row["is_total"],
            )
            for row in found["rows"]
        ],
    )
